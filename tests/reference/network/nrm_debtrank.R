# Peer oracle: DebtRank from the R package NetworkRiskMeasures 0.1.4
# (Cinelli & Silva; GPL-3; github.com/carloscinelli/NetworkRiskMeasures, commit
# 3813414a3d0a9d792fd483433c173975383702dd). This script only *calls* the package;
# none of its code is copied. It writes, into nrm/:
#   sim_md_exposures.csv  the README's minimum-density exposure matrix of the package's
#                         simulated 125-bank network (set.seed(15)) as its nonzero entries
#                         "i,j,value" (1-based; exposures[i, j] = i's asset on j);
#   sim_buffer.csv, sim_weights.csv   sim_data$buffer (capital) and sim_data$weights;
#   nrm_debtrank.csv      per shocked bank: the README run (default abs.tol) and two
#                         runs with abs.tol = 1e-14 (linear; single-hit on min(A, E_i)).
# Run: Rscript tests/reference/network/nrm_debtrank.R   (from the repository root,
# with NetworkRiskMeasures, Matrix, expm, dplyr, ggplot2 installed; R_LIBS may point
# at a private library).
suppressMessages(library(NetworkRiskMeasures))
out <- file.path("tests", "reference", "network", "nrm")
dir.create(out, showWarnings = FALSE)
data("sim_data")
set.seed(15)  # as in the package README and tests: the md estimate is stochastic
md_mat <- matrix_estimation(sim_data$assets, sim_data$liabilities, method = "md", verbose = FALSE)
rownames(md_mat) <- colnames(md_mat) <- sim_data$bank
g17 <- function(x) sprintf("%.17g", x)
wlines <- function(x, f) writeLines(x, file.path(out, f))
nz <- which(as.matrix(md_mat) != 0, arr.ind = TRUE)
nz <- nz[order(nz[, 1], nz[, 2]), , drop = FALSE]
wlines(paste(nz[, 1], nz[, 2], g17(as.matrix(md_mat)[nz]), sep = ","), "sim_md_exposures.csv")
wlines(g17(sim_data$buffer), "sim_buffer.csv")
wlines(g17(sim_data$weights), "sim_weights.csv")

run <- function(expo, ...) {
  s <- summary(contagion(exposures = expo, buffer = sim_data$buffer,
                         weights = sim_data$weights, shock = "all", method = "debtrank",
                         verbose = FALSE, ...))$summary_table
  s
}
readme <- run(md_mat)                                   # exactly the README call
lin <- run(md_mat, abs.tol = 1e-14, max.it = 100000)    # Bardoscia 2015 linear, tight
# Battiston 2012 single-hit uses W = min(1, A_ij / E_i); the package propagates with the
# uncapped A_ij / E_i, so pass the exposures capped at the creditor's capital.
capped <- pmin(as.matrix(md_mat), matrix(sim_data$buffer, nrow(md_mat), ncol(md_mat)))
sh <- run(capped, single.hit = TRUE, abs.tol = 1e-14, max.it = 100000)
res <- data.frame(
  bank = readme$scenario,
  original_stress = g17(readme$original_stress),
  readme_additional_stress = g17(readme$additional_stress),
  readme_additional_defaults = readme$additional_defaults,
  linear_additional_stress = g17(lin$additional_stress),
  single_hit_additional_stress = g17(sh$additional_stress)
)
write.csv(res, file.path(out, "nrm_debtrank.csv"), row.names = FALSE, quote = FALSE)
cat(R.version.string, "\n")
print(head(res[order(-as.numeric(res$readme_additional_stress)), ], 3))
