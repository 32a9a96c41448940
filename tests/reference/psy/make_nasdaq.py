"""Splice the NASDAQ composite daily close 1994-01-03..2018-12-31 (run in a venv with lppls, arch).

lppls (MIT) ships 1994-01-03..2000-03-10 (``lppls.data_loader.nasdaq_dotcom``); arch (NCSA) ships
1999-01-04..2018-12-31 (``arch.data.nasdaq.load``). They agree exactly on the overlap (checked
here), so the splice is lppls up to 1998-12-31 followed by arch.

    /work/peers/psy/venv/bin/python tests/reference/psy/make_nasdaq.py
"""

from pathlib import Path

import numpy as np
import pandas as pd
from arch.data import nasdaq
from lppls import data_loader

OUT = Path(__file__).resolve().parents[3] / "src/boombust/data/prices/nasdaq_1994_2018.csv"

early = data_loader.nasdaq_dotcom()
early = pd.Series(early["Close"].to_numpy(), index=pd.to_datetime(early["Date"]))
late = nasdaq.load()["Close"]
late.index = pd.to_datetime(late.index)
overlap = early.index.intersection(late.index)
assert len(overlap) > 250
assert np.allclose(early.loc[overlap], late.loc[overlap], rtol=0, atol=1e-6)
spliced = pd.concat([early.loc[: late.index[0] - pd.Timedelta(days=1)], late])
assert spliced.index.is_monotonic_increasing
assert spliced.index.is_unique
frame = pd.DataFrame({"date": spliced.index.strftime("%Y-%m-%d"), "close": spliced.round(6)})
frame.to_csv(OUT, index=False)
print(f"wrote {OUT} ({len(frame)} rows, overlap {len(overlap)} days identical)")
