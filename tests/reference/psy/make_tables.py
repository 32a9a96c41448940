"""Generate the shipped Monte Carlo tables in src/boombust/detect/tables (seeded, reproducible).

Each file is exactly what ``mc_critical_values(n, minw=..., lag=0, nrep=2000, null=...,
seed=DEFAULT_SEED)`` computes, named by its cache key, so a lookup with those settings is
instant. Rerun after changing the simulation (bump ``ALGORITHM_VERSION`` first)::

    PYTHONPATH=src python tests/reference/psy/make_tables.py
"""

from __future__ import annotations

import time

from boombust.detect.critical_values import TABLES, _key, mc_critical_values

# (n, minw or None for the PSY default, null): common sizes; (1680, 36) is PSY 2015's S&P sample.
SETTINGS = [
    (100, None, "rw"),
    (250, None, "rw"),
    (500, None, "rw"),
    (1000, None, "rw"),
    (1680, 36, "rw"),
    (1680, 36, "drift"),
]

if __name__ == "__main__":
    TABLES.mkdir(exist_ok=True)
    for old in TABLES.glob("*.npz"):
        old.unlink()
    for n, minw, null in SETTINGS:
        t0 = time.perf_counter()
        dist = mc_critical_values(n, minw=minw, nrep=2000, null=null, use_cache=False)  # type: ignore[arg-type]
        dist.to_npz(TABLES / f"{_key(dist.settings)}.npz")
        print(f"n={n} minw={dist.minw} null={null}: {time.perf_counter() - t0:.1f}s")
