"""Wild-bootstrap critical values from pyexuber 0.1.0 (exuber's Python bindings), for comparison
within simulation error in tests/detect/test_psy_critical_values.py.

Run in a venv with pyexuber (GPL-3; only run here, nothing copied)::

    /work/peers/psy/venv/bin/python tests/reference/psy/make_pyexuber_oracles.py

Writes ``pyexuber_bootstrap.json``: for exuber's ``sim_data`` series psy1 and div (lag 0, minw 19):
``radf_wb_cv(y, nboot=2000, dist_rad=True, seed=123)`` (Harvey et al. 2016, Rademacher weights) and
``radf_wb_ps_cv(y, nboot=2000, tb=19 + 24, seed=123)`` (Phillips & Shi 2020, tau_b = 24) and
the same on the full sample (``tb=None``). Note: with ``tb < n`` exuber draws residual indices
only from ``1..tb-1-adflag`` (the start of the sample), so its tau_b = 24 values are not
comparable with ours, which resample all residuals; the full-sample ones are.
"""

from __future__ import annotations

import json
from pathlib import Path

import exuber
import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    cases = json.loads((HERE / "exuber_radf.json").read_text())["cases"]
    out: dict[str, dict[str, object]] = {}
    for name in ("psy1", "div"):
        y = np.asarray(cases[f"sim_{name}_lag0"]["y"])
        hlst = exuber.radf_wb_cv(y, nboot=2000, dist_rad=True, seed=123)
        ps = exuber.radf_wb_ps_cv(y, nboot=2000, tb=19 + 24, seed=123)
        ps_full = exuber.radf_wb_ps_cv(y, nboot=2000, seed=123)
        out[name] = {
            "minw": int(hlst.minw),
            "hlst": {
                "adf": np.ravel(hlst.adf_cv).tolist(),
                "sadf": np.ravel(hlst.sadf_cv).tolist(),
                "gsadf": np.ravel(hlst.gsadf_cv).tolist(),
            },
            "ps_tau24": {"gsadf": np.ravel(ps.gsadf_cv).tolist()},
            "ps_full": {"gsadf": np.ravel(ps_full.gsadf_cv).tolist()},
        }
    payload = {
        "source": "pyexuber 0.1.0 radf_wb_cv(dist_rad=True) / radf_wb_ps_cv(tb=43), nboot=2000, "
        "seed=123; levels 90/95/99",
        "cases": out,
    }
    (HERE / "pyexuber_bootstrap.json").write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
