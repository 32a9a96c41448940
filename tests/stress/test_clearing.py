"""The cascade's compact Rogers–Veraart kernel against Picard iteration and a hand example."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.stress.clearing import clear


def _phi(lmat: np.ndarray, e: np.ndarray, p: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Rogers–Veraart payment map (methods §D.2); negative outside assets count as zero."""
    e = np.maximum(e, 0.0)
    pbar = lmat.sum(axis=1)
    pi = np.divide(lmat, pbar[:, None], out=np.zeros_like(lmat), where=pbar[:, None] > 0)
    inflow = pi.T @ p
    solvent = e + inflow >= pbar
    return np.where(solvent, pbar, np.maximum(alpha * np.maximum(e, 0) + beta * inflow, 0))


def _picard(lmat: np.ndarray, e: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Greatest clearing vector by iterating the monotone map down from pbar (Tarski)."""
    p = lmat.sum(axis=1)
    for _ in range(20000):
        q = _phi(lmat, e, p, alpha, beta)
        if np.max(np.abs(q - p)) < 1e-14:
            break
        p = q
    return p


def test_eisenberg_noe_hand_example() -> None:
    # A circle A -> B -> C -> A of 10 each with outside money only at B: the greatest clearing
    # vector pays in full (every fixed point p_A = p_C = p_B - 2 ... is dominated by p = 10).
    lmat = np.array([[0, 10, 0], [0, 0, 10], [10, 0, 0]], dtype=float)
    res = clear(lmat, np.array([[0.0, 2.0, 0.0]]))
    np.testing.assert_allclose(res.payments[0], [10, 10, 10])
    # a chain: A owes B 10 with 4 outside; B owes C 8 with 1 outside
    lmat = np.array([[0, 10, 0], [0, 0, 8], [0, 0, 0]], dtype=float)
    res = clear(lmat, np.array([[4.0, 1.0, 0.0]]))
    np.testing.assert_allclose(res.payments[0], [4, 5, 0])
    assert res.insolvent[0].tolist() == [True, True, False]
    assert res.level[0].tolist() == [0, 1, -1]  # B fails only because A does (contagion)


def test_rogers_veraart_default_costs_hand_example() -> None:
    # same chain with alpha = 0.5, beta = 0.8: A pays 0.5*4 = 2; B gets 2, needs 8,
    # pays 0.5*1 + 0.8*2 = 2.1
    lmat = np.array([[0, 10, 0], [0, 0, 8], [0, 0, 0]], dtype=float)
    res = clear(lmat, np.array([[4.0, 1.0, 0.0]]), alpha=0.5, beta=0.8)
    np.testing.assert_allclose(res.payments[0], [2.0, 2.1, 0.0])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 6),
    seed=st.integers(0, 2**31 - 1),
    alpha=st.floats(0.2, 1.0),
    beta=st.floats(0.2, 1.0),
)
def test_gcv_matches_picard_iteration(n: int, seed: int, alpha: float, beta: float) -> None:
    rng = np.random.default_rng(seed)
    lmat = rng.uniform(0, 10, (n, n)) * (rng.random((n, n)) < 0.6)
    np.fill_diagonal(lmat, 0)
    e = rng.uniform(-2, 12, n)
    res = clear(lmat, e[None], alpha=alpha, beta=beta)
    p = res.payments[0]
    ref = _picard(lmat, e, alpha, beta)
    np.testing.assert_allclose(p, ref, atol=1e-8)
    np.testing.assert_allclose(_phi(lmat, e, p, alpha, beta), p, atol=1e-8)  # a fixed point
    assert np.all(p >= 0)
    assert np.all(p <= lmat.sum(axis=1) + 1e-12)


def test_batched_paths_are_independent() -> None:
    rng = np.random.default_rng(3)
    lmat = rng.uniform(0, 5, (4, 4))
    np.fill_diagonal(lmat, 0)
    e = rng.uniform(0, 8, (7, 4))
    batch = clear(lmat, e, alpha=0.7, beta=0.9).payments
    for i in range(7):
        one = clear(lmat, e[i : i + 1], alpha=0.7, beta=0.9).payments[0]
        np.testing.assert_allclose(batch[i], one, rtol=0, atol=0)


def test_money_is_not_created() -> None:
    rng = np.random.default_rng(5)
    lmat = rng.uniform(0, 5, (5, 5))
    np.fill_diagonal(lmat, 0)
    e = rng.uniform(0, 4, (50, 5))
    p = clear(lmat, e, alpha=0.8, beta=0.9).payments
    pbar = lmat.sum(axis=1)
    pi = lmat / pbar[:, None]
    inflow = p @ pi
    # nobody pays more than it has: p_i <= e_i + inflow_i
    assert np.all(p <= np.maximum(e, 0) + inflow + 1e-9)
    assert np.all(p <= pbar + 1e-12)
