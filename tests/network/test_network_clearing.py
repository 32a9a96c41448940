"""Eisenberg–Noe / Rogers–Veraart clearing against closed forms and independent oracles.

Provenance of every expected value: tests/reference/network/test_reference_values.md
and tests/reference/network/oracles.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import en_lp, rv_bruteforce

from boombust.errors import InputError
from boombust.network import clear, clear_many, clearing_map, picard_clear


def leaking_ring(n: int, eps: float, c: float) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    rows = np.concatenate([np.arange(n), np.arange(n)])
    cols = np.concatenate([(np.arange(n) + 1) % n, np.full(n, n)])
    vals = np.concatenate([np.ones(n), np.full(n, eps)])
    mat = sp.csr_matrix((vals, (rows, cols)), shape=(n + 1, n + 1))
    e = np.zeros(n + 1)
    e[0] = c
    q = 1.0 / (1.0 + eps)
    exact = np.zeros(n + 1)
    exact[:n] = c / (1.0 - q**n) * q ** np.arange(n)
    return mat, e, exact


@pytest.mark.parametrize(("n", "eps"), [(50, 1e-2), (2_000, 1e-5), (10_000, 1e-5)])
def test_leaking_ring_matches_closed_form(n: int, eps: float) -> None:
    c = 0.5 * (1 + eps) * (1 - (1 + eps) ** -n)  # keeps every ring node in default
    mat, e, exact = leaking_ring(n, eps, c)
    res = clear(mat, e)
    assert res.residual <= 1e-9 * (1 + eps)
    np.testing.assert_allclose(res.payments, exact, rtol=1e-10, atol=1e-12)
    assert res.defaulted[:n].all()
    assert not res.defaulted[n]


def test_picard_stops_wrong_on_near_closed_ring_but_clear_is_exact() -> None:
    """methods.md D.7: the naive iteration stops early and wrong on a leaking ring."""
    n, eps = 1_000, 1e-5
    c = 0.5 * (1 + eps) * (1 - (1 + eps) ** -n)
    mat, e, exact = leaking_ring(n, eps, c)
    p_naive, _ = picard_clear(mat, e, tol=1e-10, max_iter=20_000)
    assert np.max(np.abs(p_naive - exact)) > 1e-3
    assert np.max(np.abs(clear(mat, e).payments - exact)) < 1e-10


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.5, 0.5), (0.9, 0.3), (0.0, 1.0)])
def test_rogers_veraart_circular_closed_form(alpha: float, beta: float) -> None:
    n, ell, d, a = 7, 10.0, 2.0, 1.0
    mat = np.zeros((n + 1, n + 1))
    for i in range(n):
        mat[i, (i + 1) % n] = ell
        mat[i, n] = d
    e = np.r_[np.full(n, a), 0.0]
    q = ell / (ell + d)
    p = alpha * a / (1 - beta * q)
    res = clear(mat, e, alpha=alpha, beta=beta)
    np.testing.assert_allclose(res.payments[:n], p, rtol=1e-12)
    assert (res.default_round[:n] == 1).all()  # all fundamental
    np.testing.assert_allclose(res.received[n], n * p * d / (ell + d), rtol=1e-12)


def test_chain_fundamental_then_contagious_default() -> None:
    mat = np.array([[0, 10, 0], [0, 0, 10], [0, 0, 0]], dtype=float)
    e = np.array([4.0, 3.0, 0.0])
    en = clear(mat, e)
    np.testing.assert_allclose(en.payments, [4, 7, 0])
    np.testing.assert_array_equal(en.default_round, [1, 2, 0])
    np.testing.assert_allclose(en.equity, [-6, -3, 7])
    rv = clear(mat, e, alpha=0.5, beta=0.5)
    np.testing.assert_allclose(rv.payments, [2, 2.5, 0])
    np.testing.assert_array_equal(rv.default_round, [1, 2, 0])
    np.testing.assert_allclose(rv.equity, [-6, -5, 2.5])
    # deadweight default costs: (1-a) e + (1-b) received on defaulted nodes
    np.testing.assert_allclose(rv.default_cost, [2.0, 0.5 * 3 + 0.5 * 2, 0.0])


@st.composite
def small_networks(draw: st.DrawFn, max_n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, max_n))
    vals = draw(
        st.lists(st.one_of(st.just(0.0), st.floats(0.1, 10.0)), min_size=n * n, max_size=n * n)
    )
    mat = np.array(vals).reshape(n, n)
    np.fill_diagonal(mat, 0.0)
    e = np.array(draw(st.lists(st.floats(0.0, 10.0), min_size=n, max_size=n)))
    return mat, e


@settings(max_examples=60, deadline=None)
@given(small_networks())
def test_eisenberg_noe_equals_lp_oracle(net: tuple[np.ndarray, np.ndarray]) -> None:
    mat, e = net
    res = clear(mat, e)
    np.testing.assert_allclose(res.payments, en_lp(mat, e), atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(small_networks(max_n=5), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_rogers_veraart_equals_exhaustive_search(
    net: tuple[np.ndarray, np.ndarray], alpha: float, beta: float
) -> None:
    mat, e = net
    res = clear(mat, e, alpha=alpha, beta=beta)
    np.testing.assert_allclose(res.payments, rv_bruteforce(mat, e, alpha, beta), atol=1e-8)


@settings(max_examples=80, deadline=None)
@given(small_networks(max_n=8), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_clearing_invariants(net: tuple[np.ndarray, np.ndarray], alpha: float, beta: float) -> None:
    mat, e = net
    res = clear(mat, e, alpha=alpha, beta=beta)
    pbar = mat.sum(axis=1)
    assert (res.payments >= 0).all()
    assert (res.payments <= pbar + 1e-12).all()
    # fixed point of the clearing map
    phi = clearing_map(mat, e, res.payments, alpha=alpha, beta=beta)
    assert np.max(np.abs(phi - res.payments)) <= 1e-9 * max(1.0, pbar.max())
    assert res.residual <= 1e-9 * max(1.0, pbar.max())
    # money conserved: everything paid is received by someone in the network
    np.testing.assert_allclose(res.received.sum(), res.payments.sum(), rtol=1e-12, atol=1e-9)
    # equity accounting identity
    np.testing.assert_allclose(res.equity, e + res.received - pbar, atol=1e-9)
    assert (res.defaulted == (res.payments < pbar - 1e-9 * max(1.0, pbar.max()))).all()


@settings(max_examples=60, deadline=None)
@given(small_networks(max_n=8), st.lists(st.floats(0.0, 5.0), min_size=8, max_size=8))
def test_payments_monotone_in_external_assets(
    net: tuple[np.ndarray, np.ndarray], bump: list[float]
) -> None:
    mat, e = net
    more = e + np.array(bump[: len(e)])
    for alpha, beta in [(1.0, 1.0), (0.6, 0.8)]:
        low = clear(mat, e, alpha=alpha, beta=beta).payments
        high = clear(mat, more, alpha=alpha, beta=beta).payments
        assert (high >= low - 1e-9).all()


@settings(max_examples=40, deadline=None)
@given(small_networks(max_n=8))
def test_rv_with_unit_recoveries_is_eisenberg_noe(net: tuple[np.ndarray, np.ndarray]) -> None:
    mat, e = net
    en = clear(mat, e)
    np.testing.assert_allclose(clear(mat, e, alpha=1.0, beta=1.0).payments, en.payments)
    np.testing.assert_allclose(en.payments, en_lp(mat, e), atol=1e-6)


def random_sparse(n: int, degree: float, seed: int) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = int(n * degree)
    r, c = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = r != c
    mat = sp.csr_matrix((rng.lognormal(0, 1, keep.sum()), (r[keep], c[keep])), shape=(n, n))
    pbar = np.asarray(mat.sum(axis=1)).ravel()
    inflow = np.asarray(mat.sum(axis=0)).ravel()
    e = np.maximum(0.0, pbar - inflow + rng.normal(0, 0.3, n) * pbar.mean())
    return mat, e * rng.uniform(0.2, 1.6, n)


@pytest.mark.parametrize("solver_size", [300, 3_000])
def test_sparse_random_network_agrees_with_dense_direct_solution(solver_size: int) -> None:
    """Large blocks go through Picard/GMRES; compare with a dense FDA on the same data."""
    mat, e = random_sparse(solver_size, 8.0, seed=solver_size)
    res = clear(mat, e)
    dense = mat.toarray()
    pbar = dense.sum(axis=1)
    pi_t = (dense / np.where(pbar > 0, pbar, 1)[:, None]).T
    # plain dense fictitious default algorithm (EN section 3), an independent code path
    p, d = pbar.copy(), np.zeros(len(pbar), bool)
    while True:
        new = d | ((e + pi_t @ p < pbar) & (pbar > 0))
        if np.array_equal(new, d):
            break
        d = new
        i, s = np.flatnonzero(d), np.flatnonzero(~d)
        p = p.copy()
        p[i] = np.linalg.solve(
            np.eye(len(i)) - pi_t[np.ix_(i, i)], e[i] + pi_t[np.ix_(i, s)] @ p[s]
        )
    np.testing.assert_allclose(res.payments, p, rtol=1e-9, atol=1e-9 * pbar.max())
    assert res.residual <= 1e-9 * pbar.max()


def test_near_closed_random_network_uses_krylov_and_is_exact() -> None:
    """Random graph where everyone defaults and leaks 1e-4 to a sink: rho(Pi_DD) ~ 1."""
    n = 3_000
    mat, _ = random_sparse(n, 8.0, seed=7)
    pbar = np.asarray(mat.sum(axis=1)).ravel()
    leak = sp.csr_matrix((1e-4 * pbar, (np.arange(n), np.full(n, n))), shape=(n + 1, n + 1))
    full = sp.csr_matrix(sp.block_diag([mat, sp.csr_matrix((1, 1))]) + leak)
    e = np.zeros(n + 1)
    e[:30] = 0.01
    res = clear(full, e)
    assert any(step in {"gmres", "ilu-gmres", "splu"} for step in res.solver_steps)
    assert res.residual <= 1e-9 * pbar.max()


def test_batch_equals_one_by_one() -> None:
    mat, e = random_sparse(400, 5.0, seed=3)
    shocks = np.vstack([e, 0.5 * e, 0.1 * e])
    batch = clear_many(mat, shocks, alpha=0.7, beta=0.9)
    for k in range(3):
        one = clear(mat, shocks[k], alpha=0.7, beta=0.9)
        np.testing.assert_allclose(batch.payments[k], one.payments)
        np.testing.assert_array_equal(batch.default_round[k], one.default_round)
    assert len(batch.to_frame()) == 3
    assert "3 shock vectors" in batch.summary()


def test_result_api_and_plot() -> None:
    mat = np.array([[0, 10, 0], [0, 0, 10], [0, 0, 0]], dtype=float)
    res = clear(mat, [4.0, 3.0, 0.0], names=["a", "b", "c"])
    frame = res.to_frame()
    assert list(frame.index) == ["a", "b", "c"]
    assert "fundamental 1, contagious 1" in res.summary()
    d = res.to_dict()
    assert {"payments", "equity", "defaulted", "default_round", "residual"} <= set(d)
    ax = res.plot()
    assert ax.get_ylabel() == "payments / obligations"


@pytest.mark.parametrize(
    ("mat", "e", "kw", "msg"),
    [
        (np.ones((2, 3)), [1, 1], {}, "must be square"),
        (np.array([[0, -1], [1, 0]]), [1, 1], {}, "negative entry -1 at row 1, column 2"),
        (np.array([[0, np.nan], [1, 0]]), [1, 1], {}, "row 1, column 2"),
        (np.array([[1.0, 1], [1, 0]]), [1, 1], {}, "cannot owe itself"),
        (np.array([[0, 1.0], [1, 0]]), [1, 1, 1], {}, "has 3 values but the network has 2"),
        (np.array([[0, 1.0], [1, 0]]), [1, -1], {}, "negative value -1 for node 2"),
        (np.array([[0, 1.0], [1, 0]]), [1, 1], {"alpha": 1.5}, "alpha must be in [0, 1]"),
        (np.array([[0, 1.0], [1, 0]]), [1, 1], {"beta": -0.1}, "beta must be in [0, 1]"),
    ],
)
def test_bad_input_raises_input_error(
    mat: object, e: object, kw: dict[str, float], msg: str
) -> None:
    with pytest.raises(InputError, match=msg.replace("[", r"\[").replace("]", r"\]")):
        clear(mat, e, **kw)


def dense_fda(mat: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Plain dense fictitious default algorithm (EN section 3): an independent code path."""
    pbar = mat.sum(axis=1)
    pi_t = (mat / np.where(pbar > 0, pbar, 1)[:, None]).T
    p, d = pbar.copy(), np.zeros(len(pbar), bool)
    while True:
        new = d | ((e + pi_t @ p < pbar) & (pbar > 0))
        if np.array_equal(new, d):
            return p
        d = new
        i, s = np.flatnonzero(d), np.flatnonzero(~d)
        p = p.copy()
        a = np.eye(len(i)) - pi_t[np.ix_(i, i)]
        p[i] = np.linalg.solve(a, e[i] + pi_t[np.ix_(i, s)] @ p[s])


@pytest.mark.parametrize("break_ilu", [False, True])
def test_long_cycle_inside_random_graph_uses_fallbacks_and_is_exact(
    break_ilu: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 2,000-node ring with weak random side links: too long a cycle for GMRES(30),
    too many entries per row for the plain-LU shortcut -> ILU-GMRES, or sparse LU."""
    import scipy.sparse.linalg as spla

    rng = np.random.default_rng(11)
    n = 2_000
    rows = np.concatenate([np.arange(n), np.repeat(np.arange(n), 3), np.arange(n)])
    cols = np.concatenate([(np.arange(n) + 1) % n, rng.integers(0, n, 3 * n), np.full(n, n)])
    vals = np.concatenate([np.ones(n), np.full(3 * n, 1e-6), np.full(n, 1e-5)])
    keep = rows != cols
    mat = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n + 1, n + 1))
    e = np.zeros(n + 1)
    e[0] = 0.005
    if break_ilu:

        def no_ilu(*args: object, **kwargs: object) -> None:
            raise RuntimeError("forced")

        monkeypatch.setattr(spla, "spilu", no_ilu)
    res = clear(mat, e)
    assert res.solver_steps[-1] == ("splu" if break_ilu else "ilu-gmres")
    np.testing.assert_allclose(res.payments, dense_fda(mat.toarray(), e), rtol=1e-9, atol=1e-12)
    assert res.residual <= 1e-9 * res.pbar.max()


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.0, 0.0)])
def test_closed_two_cycle_without_outside_money_pays_in_full(alpha: float, beta: float) -> None:
    """Regression (found by hypothesis): 6.6875 * (1 / 6.6875) rounds below 1, which made a
    fully paying debtor look short; the greatest clearing vector of a closed loop is pbar."""
    mat = np.zeros((4, 4))
    mat[0, 3] = mat[3, 0] = 6.6875
    res = clear(mat, np.zeros(4), alpha=alpha, beta=beta)
    np.testing.assert_array_equal(res.payments, [6.6875, 0, 0, 6.6875])
    assert res.residual == 0.0
    assert not res.defaulted.any()
