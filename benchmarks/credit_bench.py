"""Credit engine benchmarks (issue 6).

1. Lease-pool waterfall: >= 100,000 paths of a 20-year monthly deal with three tranches
   (A, B, equity), DSCR trap, LTV test, 6-month reserve, B PIK below trigger, 10 leases.
2. Gaussian-copula tranche loss: 10^6 paths x 1,000 names, (a) exact conditional binomial
   default counts (homogeneous pool), (b) every name simulated (float32 uniform per name and
   path, compared with p(Y)), 5 pd levels and 1,000 distinct exposures.

Peer: absbox (Python client) + Hastructure (Haskell server) runs deterministic cash flows on a
remote server, at most 10 scenarios per request; it is not run here (no server). If ``absbox`` is
importable the script says so and still does not call a remote service.

Run: ``PYTHONPATH=src python benchmarks/credit_bench.py [--paths N] [--jobs J]``
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time

import numpy as np

from boombust.credit.copula import simulate_pool_loss
from boombust.credit.engine import run_deal
from boombust.credit.spec import CreditRunSpec
from boombust.data.schema import Deal


def pool_deal() -> Deal:
    curve = {"method": "straight_line", "useful_life": 40, "salvage": 0.2}
    leases = [
        {
            "tenant": f"t{i}",
            "annual_rent": 0.01,
            "term_years": 5 + i % 6,
            "escalator": 0.025,
            "renewal": {"options": 4, "term_years": 5},
            "early_termination_fee_years": 0.5 if i % 3 == 0 else None,
        }
        for i in range(10)
    ]
    for ls in leases:
        if ls["early_termination_fee_years"] is None:
            del ls["early_termination_fee_years"]
    return Deal.model_validate(
        {
            "id": "bench-pool",
            "name": "benchmark lease pool",
            "spv": "bench-spv",
            "assumption": "synthetic benchmark deal",
            "payment_frequency": "monthly",
            "senior_fees": 0.002,
            "facility": {
                "cost": 1.2,
                "shell_share": 0.5,
                "power_share": 0.4,
                "it_share": 0.1,
                "completion": "2025-01",
                "curves": {
                    "shell": curve,
                    "power": {**curve, "useful_life": 25},
                    "it": {"method": "declining_balance", "useful_life": 5},
                },
            },
            "leases": leases,
            "triggers": {"dscr_trap": 1.3, "ltv_max": 0.8, "reserve_months": 6},
            "tranches": [
                {
                    "id": "a",
                    "name": "A",
                    "attach": 0.4,
                    "detach": 1.0,
                    "notional": 0.6,
                    "coupon": 0.055,
                    "amortisation": "amortising",
                    "maturity": "2045-01",
                },
                {
                    "id": "b",
                    "name": "B",
                    "attach": 0.2,
                    "detach": 0.4,
                    "notional": 0.2,
                    "coupon": 0.07,
                    "amortisation": "amortising",
                    "maturity": "2045-01",
                    "pik_below_trigger": True,
                },
                {
                    "id": "eq",
                    "name": "equity",
                    "attach": 0.0,
                    "detach": 0.2,
                    "notional": 0.2,
                    "amortisation": "equity",
                },
            ],
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--copula-paths", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}  cpus: {os.cpu_count()}")
    deal = pool_deal()
    spec = CreditRunSpec(n_paths=args.paths, seed=1, tenant_pd=0.02, n_jobs=args.jobs)
    t0 = time.perf_counter()
    res = run_deal(deal, spec)
    dt = time.perf_counter() - t0
    print(
        f"[waterfall] {args.paths:,} paths x {res.period_years.size} monthly periods, 3 tranches, "
        f"10 leases, jobs={args.jobs}: {dt:.2f} s  (target <= 10 s)"
    )
    print(res.summary().splitlines()[2])
    print(f"  max conservation error {res.max_conservation_error:.1e} USD bn")
    n = args.copula_paths
    t0 = time.perf_counter()
    r = simulate_pool_loss(
        0.02, rho=0.2, lgd=0.6, n_names=1000, n_paths=n, seed=1, method="binomial"
    )
    dt = time.perf_counter() - t0
    print(
        f"[copula] binomial (exact conditional count), {n:,} paths x 1,000 names: {dt:.2f} s; "
        f"EL[3-7%] = {r.tranche_el(0.03, 0.07)[0]:.5f}"
    )
    pds = np.repeat([0.005, 0.01, 0.02, 0.04, 0.08], 200)
    w = np.random.default_rng(0).uniform(0.5, 1.5, 1000)
    t0 = time.perf_counter()
    r = simulate_pool_loss(
        pds, rho=0.2, lgd=0.6, weights=w, n_paths=n, seed=1, method="per_name", n_jobs=args.jobs
    )
    dt = time.perf_counter() - t0
    print(
        f"[copula] per-name (1,000 uniforms per path), {n:,} paths, heterogeneous: {dt:.2f} s; "
        f"EL[3-7%] = {r.tranche_el(0.03, 0.07)[0]:.5f}"
    )
    if importlib.util.find_spec("absbox") is None:
        print(
            "[peer] absbox not installed (pip install absbox; needs a Hastructure server): skipped"
        )
    else:
        print(
            "[peer] absbox installed; not run: it calls a remote Hastructure server "
            "(deterministic cash flows, <= 10 scenarios per request)"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
