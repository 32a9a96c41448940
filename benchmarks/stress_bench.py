"""Speed of the crash cascade (issue 8).

1. The full ai-2025 cascade (ai-bust), 100,000 paths, on a 2-process pool (target <= 30 s).
2. A synthetic fire sale: 1,000 holders x 200 assets x 10,000 scenarios (target <= 60 s).
3. `boombust stress ai-bust --paths 2000 --report ...` end to end (make demo; target <= 60 s).

Run:  PYTHONPATH=src python benchmarks/stress_bench.py [--paths 100000] [--workers 2]
No peer package implements this cascade; the open Cont-Schaanning-style code
(ox-inet-resilience/firesale_stresstest) is a qualitative cross-check, not a timed peer.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from boombust.data import bundled_datasets, load_dataset
from boombust.stress import PoolExecutor, SerialExecutor, load_scenario, run_stress
from boombust.stress.firesale import fire_sale_spiral

ROOT = Path(__file__).resolve().parents[1]


def _dataset(name: str) -> tuple[str, object]:
    if name in bundled_datasets() or Path(name).exists():
        return name, load_dataset(name)
    fallback = ROOT / "tests" / "stress" / "fixtures" / "web.yaml"
    print(f"dataset {name!r} not available; using the test fixture {fallback.name}")
    return str(fallback), load_dataset(fallback)


def bench_cascade(dataset: str, paths: int, workers: int) -> None:
    name, ds = _dataset(dataset)
    sc = load_scenario("ai-bust")
    ex = PoolExecutor(workers) if workers > 1 else SerialExecutor()
    t0 = time.perf_counter()
    res = run_stress(ds, sc, paths=paths, seed=1, executor=ex)  # type: ignore[arg-type]
    dt = time.perf_counter() - t0
    net = res.network
    print(
        f"cascade  {name}: {paths:,} paths, {net.n_inst} institutions x {net.n_assets} assets, "
        f"{workers} worker(s): {dt:.1f} s ({paths / dt:,.0f} paths/s); "
        f"mean loss {res.total_loss()['mean']:,.0f} bn"
    )


def bench_synthetic(holders: int, assets: int, scenarios: int) -> None:
    rng = np.random.default_rng(0)
    # each holder holds ~20 of the assets; leverage 3-10, limit 5% above; selling 20% of what
    # is held of an asset moves its price 1 - exp(-0.04); shocks of 0-5% per asset
    mask = rng.random((holders, assets)) < 0.1
    h = rng.lognormal(0, 1, (holders, assets)) * mask
    a = h.sum(axis=1) * rng.uniform(1.0, 1.5, holders)
    e = a / rng.uniform(3, 10, holders)
    depth = 5 * h.sum(axis=0) + 1.0
    shock = -rng.uniform(0, 0.05, (scenarios, assets))
    t0 = time.perf_counter()
    res = fire_sale_spiral(h, e, a, depth, shock, leverage_max=a / e * 1.05,
                           leverage_target=a / e)  # fmt: skip
    dt = time.perf_counter() - t0
    print(
        f"firesale synthetic: {holders:,} holders x {assets} assets x {scenarios:,} scenarios: "
        f"{dt:.1f} s, {res.rounds} rounds, converged={res.converged}, "
        f"mean price {res.prices.mean():.3f}, holders liquidated {(res.sold_share >= 1).mean():.0%}"
    )


def bench_demo(dataset: str) -> None:
    name, _ = _dataset(dataset)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BOOMBUST_RUNS": tmp}
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "boombust", "stress", "ai-bust", "--dataset", name,
             "--paths", "2000", "--report", f"{tmp}/report.html"],
            check=True, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        print(f"demo     boombust stress ai-bust --paths 2000 --report: "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="ai-2025")
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scenarios", type=int, default=10_000)
    args = ap.parse_args()
    reduced = os.environ.get("BOOMBUST_REDUCED", "") not in ("", "0")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    bench_cascade(args.dataset, 5_000 if reduced else args.paths, args.workers)
    bench_synthetic(1000, 200, 500 if reduced else args.scenarios)
    bench_demo(args.dataset)


if __name__ == "__main__":
    main()
