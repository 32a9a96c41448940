# Oracle for boombust.detect: runs R exuber 1.1.0's compiled core (rls_gsadf, the C++ in
# src/vendor/exubercore) and its unroot()/radf_mc_ logic on series written by make_oracles.py.
# exuber is GPL-3; we only run it here, nothing of it is copied into boombust.
# Usage: Rscript exuber_oracle.R EXUBER_SRC_DIR INPUT_CSV OUTPUT_CSV
# (EXUBER_SRC_DIR = an extracted copy of github.com/kvasilopoulos/exuber, commit 298994d, DESCRIPTION 1.1.0)
args <- commandArgs(trailingOnly = TRUE)
src <- args[1]; input <- args[2]; output <- args[3]
wrapper <- file.path(tempdir(), "exuber_core.cpp")
writeLines(c(
  "// [[Rcpp::depends(RcppArmadillo)]]",
  "#include <RcppArmadillo.h>",
  sprintf('#include "%s/src/vendor/exubercore/src/radf.cpp"', normalizePath(src)),
  "// [[Rcpp::export]]",
  "arma::vec rls_gsadf(const arma::mat & yxmat, int min_win, int lag = 0) {",
  "  return exubercore::radf(yxmat, min_win, lag); }"
), wrapper)
Sys.setenv(PKG_CPPFLAGS = paste0("-I", normalizePath(file.path(src, "src/vendor/exubercore/include"))))
Rcpp::sourceCpp(wrapper)
# exuber R/unroot.R and R/reg-helper.R psy_minw(), as in exuber 1.1.0
unroot <- function(x, lag = 0) {
  if (lag == 0) { e <- embed(x, 2); cbind(e[, 1], e[, 2]) } else {
    e <- embed(x, lag + 2); d <- embed(diff(x), lag + 1)[, -1, drop = FALSE]
    cbind(e[, 1], 1, e[, 2], d) }
}
psy_minw <- function(n) floor((0.01 + 1.8 / sqrt(n)) * n)
cases <- read.csv(input)   # columns: case, lag, minw (0 = default), then value columns by case in long form
meta <- unique(cases[, c("case", "lag", "minw")])
out <- list()
for (i in seq_len(nrow(meta))) {
  m <- meta[i, ]
  y <- cases$y[cases$case == m$case]
  minw <- if (m$minw == 0) psy_minw(length(y)) else m$minw
  r <- rls_gsadf(unroot(y, m$lag), min_win = minw, lag = m$lag)
  p <- length(y) - minw - m$lag
  out[[i]] <- rbind(
    data.frame(case = m$case, lag = m$lag, minw = minw, stat = "adf", i = 0, value = r[p + 1]),
    data.frame(case = m$case, lag = m$lag, minw = minw, stat = "sadf", i = 0, value = r[p + 2]),
    data.frame(case = m$case, lag = m$lag, minw = minw, stat = "gsadf", i = 0, value = r[p + 3]),
    data.frame(case = m$case, lag = m$lag, minw = minw, stat = "badf", i = seq_len(p) - 1, value = r[1:p]),
    data.frame(case = m$case, lag = m$lag, minw = minw, stat = "bsadf", i = seq_len(p) - 1, value = r[-(1:(p + 3))]))
}
write.csv(do.call(rbind, out), output, row.names = FALSE)
