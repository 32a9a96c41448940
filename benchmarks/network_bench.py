"""Speed of the network engine against the naive baselines of methods.md D.7.

Run:  PYTHONPATH=src python benchmarks/network_bench.py [--quick]

Cases (targets from issue 7):
  1. n = 100,000 sparse random nodes, average degree 10, lognormal weights: <= 5 s.
  2. 10,000-node ring, each node owes 1 to the next and eps = 1e-5 to a sink:
     residual <= 1e-9 max(pbar) in <= 1 s (closed form known, error reported).
  3. all 10,000 single-node DebtRank shocks (single-hit and linear): <= 10 s.

Peers, side by side on the same inputs: naive Picard iteration
``p <- min(pbar, e + Pi'p)`` and plain fictitious default + ``spsolve`` (SuperLU
with its default ordering) -- the two baselines of D.7. No Python clearing peer
was found on PyPI in the package lists available here (see RESULTS.md); the
benchmark prints "skipped" for peers that are absent.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from boombust.network import clear, debtrank_all_single_node, picard_clear


def random_network(n: int, degree: float, seed: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Directed Erdos-Renyi liabilities with lognormal weights; e makes ~25% fail first."""
    rng = np.random.default_rng(seed)
    m = int(n * degree)
    rows = rng.integers(0, n, m)
    cols = rng.integers(0, n, m)
    keep = rows != cols
    weights = rng.lognormal(0.0, 1.0, keep.sum())
    mat = sp.csr_matrix((weights, (rows[keep], cols[keep])), shape=(n, n))
    pbar = np.asarray(mat.sum(axis=1)).ravel()
    inflow = np.asarray(mat.sum(axis=0)).ravel()
    e = np.maximum(0.0, pbar - inflow + rng.normal(0.0, 0.3, n) * pbar.mean())
    e *= rng.uniform(0.2, 1.6, n)
    return mat, e


def near_closed_network(
    n: int, degree: float, leak: float, seed: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Random graph where each node also owes ``leak`` x its debts to a sink; tiny e."""
    mat, _ = random_network(n, degree, seed)
    pbar = np.asarray(mat.sum(axis=1)).ravel()
    sink = sp.csr_matrix((leak * pbar, (np.arange(n), np.full(n, n))), shape=(n + 1, n + 1))
    full = sp.csr_matrix(sp.block_diag([mat, sp.csr_matrix((1, 1))]) + sink)
    e = np.zeros(n + 1)
    e[:100] = 0.01
    return full, e


def ring_network(n: int, eps: float, seed_asset: float = 0.05) -> tuple[sp.csr_matrix, np.ndarray]:
    """Ring 0 -> 1 -> ... -> n-1 -> 0 owing 1 each, every node owing eps to sink n."""
    rows = np.concatenate([np.arange(n), np.arange(n)])
    cols = np.concatenate([(np.arange(n) + 1) % n, np.full(n, n)])
    vals = np.concatenate([np.ones(n), np.full(n, eps)])
    mat = sp.csr_matrix((vals, (rows, cols)), shape=(n + 1, n + 1))
    e = np.zeros(n + 1)
    e[0] = seed_asset
    return mat, e


def ring_closed_form(n: int, eps: float, seed_asset: float) -> np.ndarray:
    """All ring nodes default: p_i = q^i p_0, p_0 = c / (1 - q^n), q = 1 / (1 + eps)."""
    q = 1.0 / (1.0 + eps)
    p0 = seed_asset / (1.0 - q**n)
    p = np.empty(n + 1)
    p[:n] = p0 * q ** np.arange(n)
    p[n] = 0.0
    return p


def fda_spsolve(mat: sp.csr_matrix, e: np.ndarray) -> tuple[np.ndarray, int]:
    """Plain fictitious default algorithm with scipy's spsolve (the D.7 baseline)."""
    pbar = np.asarray(mat.sum(axis=1)).ravel()
    inv = np.divide(1.0, pbar, out=np.zeros_like(pbar), where=pbar > 0)
    pit = sp.csr_matrix(mat.T @ sp.diags(inv))
    p = pbar.copy()
    d = np.zeros(len(pbar), dtype=bool)
    for rnd in range(1, len(pbar) + 2):
        new = d | ((e + pit @ p < pbar) & (pbar > 0))
        if np.array_equal(new, d):
            return p, rnd - 1
        d = new
        idx = np.flatnonzero(d)
        sol = np.flatnonzero(~d)
        a = sp.identity(len(idx), format="csc") - pit[idx][:, idx]
        rhs = e[idx] + pit[idx][:, sol] @ pbar[sol]
        p = p.copy()
        p[idx] = spla.spsolve(sp.csc_matrix(a), rhs)
    return p, len(pbar)


CPU: list[float] = [0.0]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``fn``; return its result and wall seconds (process CPU seconds go to CPU[0])."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    CPU[0] = time.process_time() - c0
    return out, wall


def cpu() -> str:
    return f"(cpu {CPU[0]:.2f} s)"


def residual(mat: sp.csr_matrix, e: np.ndarray, p: np.ndarray) -> float:
    pbar = np.asarray(mat.sum(axis=1)).ravel()
    inv = np.divide(1.0, pbar, out=np.zeros_like(pbar), where=pbar > 0)
    phi = np.minimum(pbar, np.maximum(0.0, e + mat.T @ (p * inv)))
    return float(np.max(np.abs(p - phi)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the slow baselines")
    parser.add_argument("--debtrank-only", action="store_true")
    args = parser.parse_args()
    if args.debtrank_only:
        debtrank_cases()
        return
    print(f"load average: {os.getloadavg()}  (2 shared cores; timings are pessimistic)")

    # 1. large random sparse network
    mat, e = random_network(100_000, 10.0, seed=1)
    res, t_ours = timed(lambda: clear(mat, e))
    print(
        f"[random n=100k deg 10] ours {t_ours:.2f} s {cpu()}, defaults {int(res.defaulted.sum())}, "
        f"rounds {res.iterations}, steps {res.solver_steps}, residual {res.residual:.2e}"
    )
    (p_pic, it), t_pic = timed(lambda: picard_clear(mat, e, tol=1e-13))
    print(
        f"  Picard {t_pic:.2f} s ({it} its, residual {residual(mat, e, p_pic):.2e}); "
        f"ratio Picard/ours {t_pic / t_ours:.2f}"
    )
    if args.quick:
        print("  FDA+spsolve skipped (--quick; D.7 measured 384 s)")
    else:
        small, e_small = random_network(10_000, 10.0, seed=1)
        r_small, t_small = timed(lambda: clear(small, e_small))
        (p_fs, _), t_fs = timed(lambda: fda_spsolve(small, e_small))
        print(
            f"  n=10k: ours {t_small:.2f} s vs FDA+spsolve {t_fs:.2f} s "
            f"(ratio {t_fs / t_small:.1f}); max diff {np.max(np.abs(p_fs - r_small.payments)):.1e}"
        )

    # 1b. random network that is nearly closed: everyone defaults, leaking 1e-4 to a sink
    near, e_near = near_closed_network(20_000, 8.0, 1e-4, seed=7)
    r_near, t_near = timed(lambda: clear(near, e_near))
    print(
        f"[near-closed random n=20k, leak 1e-4] ours {t_near:.2f} s {cpu()}, defaults "
        f"{int(r_near.defaulted.sum())}, steps {sorted(set(r_near.solver_steps))}, "
        f"residual {r_near.residual:.2e}"
    )
    budget = 2_000 if args.quick else 20_000
    (p_pic, it), t_pic = timed(lambda: picard_clear(near, e_near, tol=1e-13, max_iter=budget))
    gap = float(np.max(np.abs(p_pic - r_near.payments)))
    print(
        f"  Picard {t_pic:.2f} s ({it} its), max |p - ours| {gap:.2e}, "
        f"residual {residual(near, e_near, p_pic):.2e}; ratio Picard/ours {t_pic / t_near:.1f}"
    )

    # 2. ring leaking eps per step
    n, eps, c = 10_000, 1e-5, 0.05
    ring, e_ring = ring_network(n, eps, c)
    exact = ring_closed_form(n, eps, c)
    r_ring, t_ring = timed(lambda: clear(ring, e_ring))
    err = float(np.max(np.abs(r_ring.payments - exact)))
    print(
        f"[ring n=10k eps=1e-5] ours {t_ring:.3f} s {cpu()}, residual {r_ring.residual:.2e} "
        f"(target <= {1e-9 * (1 + eps):.1e}), max error vs closed form {err:.2e}, "
        f"steps {r_ring.solver_steps}"
    )
    (p_fs, _), t_fs = timed(lambda: fda_spsolve(ring, e_ring))
    print(f"  FDA+spsolve {t_fs:.3f} s, error {np.max(np.abs(p_fs - exact)):.2e}")
    budget = 20_000 if args.quick else 2_000_000
    (p_pic, it), t_pic = timed(lambda: picard_clear(ring, e_ring, tol=1e-13, max_iter=budget))
    print(
        f"  Picard {t_pic:.2f} s ({it} its), error {np.max(np.abs(p_pic - exact)):.2e}; "
        f"ratio Picard/ours {t_pic / t_ring:.0f}"
    )

    # 3. DebtRank, every single-node shock
    debtrank_cases()


def debtrank_cases() -> None:
    rng = np.random.default_rng(3)
    nd = 10_000
    expo, _ = random_network(nd, 10.0, seed=4)
    assets = np.asarray(expo.sum(axis=1)).ravel()
    _, t_jit = timed(lambda: debtrank_all_single_node(expo[:50, :50], np.ones(50)))
    print(f"[DebtRank] numba compile + tiny run {t_jit:.2f} s (excluded below)")
    for label, leverage in (("fragile, interbank assets ~2x capital", 2.0), ("stable, ~0.5x", 0.5)):
        capital = np.maximum(assets / leverage * rng.uniform(0.5, 1.5, nd), 1e-3)
        for variant in ("single-hit", "linear"):
            for workers in (None, 1):  # None: all CPUs (thread pool); 1: serial
                out, t_dr = timed(
                    lambda v=variant, c=capital, w=workers: debtrank_all_single_node(
                        expo, c, variant=v, workers=w
                    )
                )
                print(
                    f"[DebtRank {variant}, all {nd} single-node defaults, {label}, "
                    f"workers={workers or os.cpu_count()}] {t_dr:.2f} s {cpu()}, "
                    f"mean R {float(out.debtrank.mean()):.4g}, "
                    f"max R {float(out.debtrank.max()):.4g}"
                )


if __name__ == "__main__":
    main()
