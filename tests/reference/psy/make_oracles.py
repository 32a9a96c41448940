"""Build the oracle values for tests/detect/test_psy_*.py (run by hand).

The tests never need R or statsmodels: they read the JSON files written here.

1. ``exuber_radf.json``: R exuber 1.1.0's compiled core ``rls_gsadf`` (run through
   ``exuber_oracle.R`` with Rcpp) on exuber's ``sim_data`` (lag 0, 1, 2, default minw; and the
   README example minw=20, lag=1), on seeded random walks with lag 0 and 3, and on Shiller's
   S&P 500 price-dividend ratio 1871-01..2010-12 (PSY 2015's sample) with minw 36, lag 0.
2. ``statsmodels_windows.json``: ``statsmodels.tsa.stattools.adfuller(x, maxlag=k,
   regression='c', autolag=None)`` on single windows (an independent implementation).
3. ``exuber_radf_crit.json``: exuber's shipped Monte Carlo critical values (``data/radf_crit.rda``,
   nrep=2000, seed 123, driftless random walk, lag 0, default minw, conservative BSADF) for a few n.

Usage (needs Rscript with Rcpp + RcppArmadillo, statsmodels, and an exuber checkout)::

    EXUBER_SRC=/path/to/exuber PYTHONPATH=src python tests/reference/psy/make_oracles.py

sim_data: exuber's simulated data set (GPL-3 package data, numbers only; Vasilopoulos et al. 2022).
Shiller data: Open Data Commons PDDL (see src/boombust/data/prices/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SHILLER = ROOT / "src/boombust/data/prices/shiller_sp500_monthly.csv"


def _r(code: str) -> None:
    subprocess.run(["Rscript", "-e", code], check=True)


def sim_data(src: Path) -> pd.DataFrame:
    out = HERE / "exuber_sim_data.csv"
    if not out.exists():
        _r(f'load("{src}/data/sim_data.rda"); write.csv(sim_data, "{out}", row.names=FALSE)')
    return pd.read_csv(out)


def shiller_pd() -> np.ndarray:
    d = pd.read_csv(SHILLER, parse_dates=["Date"])
    d = d[(d["Date"] >= "1871-01-01") & (d["Date"] <= "2010-12-01")]
    return (d["SP500"] / d["Dividend"]).to_numpy()


def cases(src: Path) -> list[tuple[str, int, int, np.ndarray]]:
    sd = sim_data(src)
    out: list[tuple[str, int, int, np.ndarray]] = []
    for name in sd.columns:
        for lag in (0, 1, 2):
            out.append((f"sim_{name}_lag{lag}", lag, 0, sd[name].to_numpy()))
    out.append(("sim_psy1_minw20_lag1", 1, 20, sd["psy1"].to_numpy()))
    rng = np.random.default_rng(20240601)
    rw = 50.0 + np.cumsum(rng.standard_normal(400))
    out.append(("rw400_lag0", 0, 0, rw))
    out.append(("rw400_lag3", 3, 0, rw))
    out.append(("shiller_pd_minw36_lag0", 0, 36, shiller_pd()))
    return out


def run_exuber(src: Path) -> None:
    rows = []
    meta = {}
    for case, lag, minw, y in cases(src):
        meta[case] = {"lag": lag, "minw_arg": minw, "y": y.tolist()}
        rows.append(pd.DataFrame({"case": case, "lag": lag, "minw": minw, "y": y}))
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        pd.concat(rows).to_csv(inp, index=False)
        subprocess.run(
            ["Rscript", str(HERE / "exuber_oracle.R"), str(src), str(inp), str(outp)], check=True
        )
        res = pd.read_csv(outp)
    expected = {}
    for case, grp in res.groupby("case", sort=False):
        g = {s: sub.sort_values("i")["value"].tolist() for s, sub in grp.groupby("stat")}
        expected[case] = {
            "lag": meta[case]["lag"],
            "minw": int(grp["minw"].iloc[0]),
            "minw_arg": meta[case]["minw_arg"],
            "y": meta[case]["y"],
            "adf": g["adf"][0],
            "sadf": g["sadf"][0],
            "gsadf": g["gsadf"][0],
            "badf": g["badf"],
            "bsadf": g["bsadf"],
        }
    payload = {"source": "R exuber 1.1.0 rls_gsadf (commit 298994d) via exuber_oracle.R"}
    payload["cases"] = expected
    (HERE / "exuber_radf.json").write_text(json.dumps(payload, indent=1))


def run_statsmodels() -> None:
    from statsmodels.tsa.stattools import adfuller

    rng = np.random.default_rng(7)
    windows = []
    explosive = np.cumprod(np.r_[1.0, 1.02 + 0.01 * rng.standard_normal(149)])
    series = {
        "rw": 100.0 + np.cumsum(rng.standard_normal(150)),
        "explosive_log": np.log(explosive),
        "big_level": 1e6 + np.cumsum(rng.standard_normal(150)),
    }
    for name, y in series.items():
        for lag in (0, 1, 4):
            for start, stop in ((0, 150), (10, 60), (37, 150), (90, 121)):
                x = y[start:stop]
                stat = adfuller(x, maxlag=lag, regression="c", autolag=None, result_object=False)[0]
                windows.append(
                    {"series": name, "lag": lag, "start": start, "stop": stop, "adf": float(stat)}
                )
    payload = {
        "source": "statsmodels.tsa.stattools.adfuller(x, maxlag=lag, regression='c', autolag=None)",
        "series": {k: v.tolist() for k, v in series.items()},
        "windows": windows,
    }
    (HERE / "statsmodels_windows.json").write_text(json.dumps(payload, indent=1))


def run_exuber_crit(src: Path) -> None:
    out = HERE / "exuber_radf_crit.json"
    code = f"""
load("{src}/data/radf_crit.rda")
ns <- c(100, 300, 600)
for (n in ns) {{ x <- radf_crit[[n]]
cat(n, attr(x, "minw"), attr(x, "iter"), x$adf_cv, x$sadf_cv, x$gsadf_cv,
    x$bsadf_cv[nrow(x$bsadf_cv), ], "\\n", file = "{out}.txt", append = TRUE) }}
"""
    Path(f"{out}.txt").unlink(missing_ok=True)
    _r(code)
    table = {}
    for line in Path(f"{out}.txt").read_text().splitlines():
        v = [float(t) for t in line.split()]
        table[str(int(v[0]))] = {
            "minw": int(v[1]),
            "nrep": int(v[2]),
            "adf": v[3:6],
            "sadf": v[6:9],
            "gsadf": v[9:12],
            "bsadf_last_conservative": v[12:15],
        }
    Path(f"{out}.txt").unlink()
    seq = Path(f"{out}.seq")
    rda = f"{src}/data/radf_crit.rda"
    _r(f'load("{rda}"); cat(radf_crit[[100]]$bsadf_cv[, 2], sep="\\n", file="{seq}")')
    table["100"]["bsadf_cv_conservative_95"] = [float(v) for v in seq.read_text().split()]
    seq.unlink()
    payload = {
        "source": "exuber 1.1.0 data/radf_crit.rda (radf_mc_cv, nrep=2000, seed=123); 90/95/99%",
        "table": table,
    }
    out.write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    src = Path(os.environ["EXUBER_SRC"])
    run_exuber(src)
    run_exuber_crit(src)
    run_statsmodels()
