"""Oracle: best-fit parameters of the peer ``lppls`` 0.6.24 on NASDAQ nested windows.

Run with the peer's venv (pip install lppls==0.6.24):
    /work/peers/lppls/venv/bin/python tests/reference/detect/lppls_peer_fits.py
Writes lppls_peer_fits.json beside this script: for each (t2, dt) window, the peer's
(tc, m, omega) and its own SSE. Time is in trading days with t2 = 0, as in boombust.
The peer seeds from Python's global ``random``; we seed it (random.seed) per window so
the oracle is reproducible. ``lppls`` is MIT-licensed; only its outputs are stored.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
from lppls import lppls

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "detect" / "data" / "nasdaq_dotcom.csv"
DAYS = ["1998-07-17", "1999-06-01", "2000-01-14", "2000-03-10"]
WINDOWS = list(range(750, 124, -25))  # 26 windows per day


def main() -> None:
    close = pd.read_csv(DATA, parse_dates=["date"], index_col="date")["close"]
    out = []
    for day in DAYS:
        lp = np.log(close.loc[:day].to_numpy())
        for dt in WINDOWS:
            y = lp[-(dt + 1) :]
            t = np.arange(-dt, 1, dtype=float)
            model = lppls.LPPLS(observations=np.array([t, y]))
            random.seed(1000 * dt + len(lp))
            tc, m, w, _a, b, _c, _c1, _c2, _o, _d = model.fit(max_searches=25)
            sse = float(model.func_restricted(np.array([tc, m, w]), np.array([t, y])))
            out.append({"t2": day, "dt": dt, "tc": tc, "m": m, "omega": w, "b": b, "sse": sse})
    (HERE / "lppls_peer_fits.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
