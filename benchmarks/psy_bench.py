"""Benchmark boombust.detect (PSY/GSADF) against exuber's compiled core, side by side.

The peer is pyexuber 0.1.0 (``pip install pyexuber``; GPL-3, Python bindings of exuber's C++
``exubercore``, the same routine R exuber 1.1.0 ``radf()`` calls). It runs in its own
interpreter (``PSY_PEER_PYTHON``, default ``/work/peers/psy/venv/bin/python``) on the same
data, so boombust never imports it. Without it the peer columns are skipped with a message.

    PYTHONPATH=src python benchmarks/psy_bench.py [--quick]

Work measured:
1. GSADF + BSADF + BADF for T = 2,000, lag 0 (and lag 1), default minimum window.
2. Monte Carlo critical values, 2,000 replications at T = 1,680, lag 0 (boombust on 2 threads;
   pyexuber's ``radf_mc_cv`` as it ships).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from boombust.detect._adf_kernels import (
    adf_design,
    recursive_adf,
    recursive_adf_fast,
    recursive_adf_lag0_fast,
)
from boombust.detect.critical_values import default_minw, mc_critical_values

PEER = os.environ.get("PSY_PEER_PYTHON", "/work/peers/psy/venv/bin/python")

PEER_SCRIPT = r"""
import json, sys, time
import numpy as np
import exuber
y = np.load(sys.argv[1]); task = sys.argv[2]; reps = int(sys.argv[3])
out = {}
if task == "radf":
    for lag in (0, 1):
        exuber.radf(y, lag=lag)
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            r = exuber.radf(y, lag=lag)
            ts.append(time.perf_counter() - t0)
        out[f"lag{lag}"] = {"seconds": min(ts), "gsadf": float(np.ravel(r.gsadf)[0])}
else:
    n, nrep = int(sys.argv[4]), int(sys.argv[5])
    t0 = time.perf_counter(); cv = exuber.radf_mc_cv(n, nrep=nrep, seed=1)
    out["mc"] = {"seconds": time.perf_counter() - t0}
print(json.dumps(out))
"""


def _peer(args: list[str]) -> dict | None:
    if not Path(PEER).exists():
        print(f"  peer skipped: {PEER} not found (pip install pyexuber into a separate venv)")
        return None
    proc = subprocess.run([PEER, "-c", PEER_SCRIPT, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  peer skipped: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(proc.stdout)


def _best(fn, reps: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="MC with 200 replications")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}; cpus: {os.cpu_count()}")
    y = np.cumsum(np.random.default_rng(2015).standard_normal(2000))
    minw = default_minw(y.size)
    reps = 20
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "y.npy"
        np.save(path, y)
        print(f"\n1. GSADF/BSADF/BADF, T = {y.size}, minw = {minw} (best of {reps})")
        fast = _best(lambda: recursive_adf_lag0_fast(y, minw), reps)
        fast2 = _best(lambda: recursive_adf_lag0_fast(y, minw, workers=2), reps)
        z0, d0 = adf_design(y, 0)
        stable0 = _best(lambda: recursive_adf(z0, d0, minw), 5)
        z1, d1 = adf_design(y, 1)
        stable1 = _best(lambda: recursive_adf(z1, d1, minw), 5)
        fast1 = _best(lambda: recursive_adf_fast(z1, d1, minw), reps)
        gsadf0 = float(recursive_adf_lag0_fast(y, minw)[1].max())
        print(f"  boombust lag 0 fast kernel   {fast * 1e3:8.2f} ms   GSADF {gsadf0:.10f}")
        print(f"  boombust lag 0 fast, 2 thr.  {fast2 * 1e3:8.2f} ms")
        print(f"  boombust lag 0 stable kernel {stable0 * 1e3:8.2f} ms")
        print(f"  boombust lag 1 fast kernel   {fast1 * 1e3:8.2f} ms")
        print(f"  boombust lag 1 stable kernel {stable1 * 1e3:8.2f} ms")
        peer = _peer([str(path), "radf", str(reps)])
        if peer:
            p0, p1 = peer["lag0"]["seconds"], peer["lag1"]["seconds"]
            g0 = peer["lag0"]["gsadf"]
            print(f"  pyexuber radf lag 0          {p0 * 1e3:8.2f} ms   GSADF {g0:.10f}")
            print(f"  pyexuber radf lag 1          {p1 * 1e3:8.2f} ms")
            print(f"  ratio lag 0 (pyexuber / boombust fast): {p0 / fast:6.1f}x")
            print(f"  ratio lag 0 (pyexuber / boombust fast, 2 threads): {p0 / fast2:6.1f}x")
            print(f"  ratio lag 1 (pyexuber / boombust fast): {p1 / fast1:6.1f}x")

        nrep = 200 if args.quick else 2000
        print(f"\n2. Monte Carlo critical values, T = 1680, nrep = {nrep}, lag 0")
        mc_critical_values(100, nrep=50, use_cache=False)  # compile
        t0 = time.perf_counter()
        mc_critical_values(1680, nrep=nrep, use_cache=False, workers=2)
        ours2 = time.perf_counter() - t0
        t0 = time.perf_counter()
        mc_critical_values(1680, nrep=nrep, use_cache=False, workers=1)
        ours1 = time.perf_counter() - t0
        print(f"  boombust, 2 threads          {ours2:8.2f} s")
        print(f"  boombust, 1 thread           {ours1:8.2f} s")
        peer = _peer([str(path), "mc", "1", "1680", str(nrep)])
        if peer:
            pm = peer["mc"]["seconds"]
            print(f"  pyexuber radf_mc_cv          {pm:8.2f} s")
            print(f"  ratio (pyexuber / boombust 2 threads): {pm / ours2:6.1f}x")
    print(f"\nload average after: {os.getloadavg()}")
    print("T = 10,000 Monte Carlo is not run here: ~170 s of CPU for 2000 replications.")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
