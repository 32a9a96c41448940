"""Fire sales: the GLT closed forms (hand example), Duarte–Eisenbach, and the engine's round."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.stress.firesale import (
    exponential_impact,
    fire_sale_spiral,
    glt_measures,
    glt_one_round,
    linear_impact,
)
from boombust.stress.network import Network
from boombust.stress.steps import fire_sale_round, forced_sales, initial_state

# tests/reference/stress/glt_hand_example.md
A = np.array([100.0, 50.0])
E = np.array([10.0, 5.0])
M = np.array([[0.5, 0.5], [1.0, 0.0]])
LK = np.array([0.001, 0.002])
F = np.array([-0.1, 0.0])


def test_glt_closed_forms_match_hand_example() -> None:
    m = glt_measures(A, E, M, LK, F)
    assert m.aggregate_vulnerability[0] == pytest.approx(0.6, rel=1e-14)
    np.testing.assert_allclose(m.systemicness[0], [0.3, 0.3], rtol=1e-14)
    np.testing.assert_allclose(m.indirect_vulnerability[0], [0.5625, 0.675], rtol=1e-14)


def test_duarte_eisenbach_uniform_shock() -> None:
    m = glt_measures(A, E, M, LK, np.full(2, -0.1))
    assert m.aggregate_vulnerability[0] == pytest.approx(0.9, rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 5),
    k=st.integers(1, 4),
    seed=st.integers(0, 2**31 - 1),
)
def test_glt_matrix_form_equals_mechanism_and_sums(n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.uniform(10, 100, n)
    e = a * rng.uniform(0.05, 0.5, n)
    w = rng.dirichlet(np.ones(k), n) * rng.uniform(0.3, 1.0, (n, 1))
    lk = rng.uniform(1e-4, 1e-2, k)
    f = -rng.uniform(0, 0.3, k)
    m = glt_measures(a, e, w, lk, f)
    _, second = glt_one_round(a, e, w, lk, f)
    np.testing.assert_allclose(m.indirect_vulnerability[0], second / e, rtol=1e-10, atol=1e-15)
    assert m.systemicness[0].sum() == pytest.approx(m.aggregate_vulnerability[0], rel=1e-10)
    assert m.aggregate_vulnerability[0] == pytest.approx(second.sum() / e.sum(), rel=1e-10)


def _net(a: np.ndarray, e: np.ndarray, w: np.ndarray, depth: np.ndarray) -> Network:
    n, k = w.shape
    z = np.zeros(n)
    return Network(
        inst_ids=tuple(f"b{i}" for i in range(n)), inst_names=tuple(f"b{i}" for i in range(n)),
        sectors=("bank",) * n, kinds=("bank",) * n, equity0=e, assets0=a, ai_revenue=z,
        op_cash_flow=z, capex=z, is_ai_capex=np.zeros(n, bool),
        asset_ids=tuple(f"x{j}" for j in range(k)), asset_classes=("equity",) * k,
        asset_issuer=np.full(k, -1), ai_beta=np.zeros(k), consumer_beta=np.zeros(k),
        depth=depth, rating_notch=np.zeros(k, np.int64), is_tranche=np.zeros(k, bool),
        marketable=np.ones(k, bool), holdings=a[:, None] * w, liabilities=np.zeros((n, n)),
        comm_ids=(), comm_payer=np.zeros(0, np.int64), comm_payee=np.zeros(0, np.int64),
        comm_annual=np.zeros(0), comm_to_spv=np.zeros(0, bool), deals=(),
        leverage_max=np.full(n, np.nan), leverage_target=a / e,
        min_rating_notch=np.zeros(n, np.int64), redemption_sensitivity=z, default_buffer=z,
    )  # fmt: skip


def _draws(p: int) -> dict[str, np.ndarray]:
    one = np.ones(p)
    return {"price_impact_scale": one, "leverage_max_scale": one, "redemption_scale": one,
            "insurer_sale_fraction": 0 * one, "default_liquidation_share": 0 * one}  # fmt: skip


@pytest.mark.parametrize("x", [0.02, 0.1])
def test_engine_one_round_linear_target_reproduces_glt(x: float) -> None:
    """Leverage targeting + linear impact, uniform shock, fully invested: one engine round of
    forced sales and fire sales gives exactly GLT's second-round losses A M L M' B A M F."""
    a, e = np.array([100.0, 50.0, 80.0]), np.array([10.0, 5.0, 20.0])
    w = np.array([[0.5, 0.3, 0.2], [1.0, 0.0, 0.0], [0.1, 0.1, 0.8]])
    depth = np.array([1000.0, 500.0, 2000.0])
    net = _net(a, e, w, depth)
    state = initial_state(net, 1)
    state.mark(state.price * (1 - x), 1)  # the first-round shock F = -x on every asset
    state.price_pre = state.price.copy()
    draws = _draws(1)
    units = forced_sales(net, draws, state, "target")
    fire_sale_round(net, draws, state, units, "linear")
    glt = glt_measures(a, e, w, 1.0 / depth, np.full(3, -x))
    np.testing.assert_allclose(state.loss[0, :, 4] / e, glt.indirect_vulnerability[0], rtol=1e-12)
    assert state.loss[0, :, 4].sum() / e.sum() == pytest.approx(
        glt.aggregate_vulnerability[0], rel=1e-12
    )


def test_impact_functions() -> None:
    p0 = np.array([1.0, 0.5])
    v = np.array([10.0, 300.0])
    lk = np.array([0.01, 0.01])
    np.testing.assert_allclose(linear_impact(p0, v, lk), [0.9, 0.0])
    np.testing.assert_allclose(exponential_impact(p0, v, lk), [np.exp(-0.1), 0.5 * np.exp(-3)])
    # same first-order slope at zero volume
    eps = np.array([1e-8, 1e-8])
    np.testing.assert_allclose(
        linear_impact(p0, eps, lk), exponential_impact(p0, eps, lk), rtol=1e-12
    )


@pytest.mark.parametrize(("impact", "mode"), [("linear", "threshold"), ("exponential", "target")])
def test_gemm_spiral_matches_the_cascade_steps(impact: str, mode: str) -> None:
    """The scenario-vectorised spiral and the cascade's steps 4-5 reach the same fixed point."""
    rng = np.random.default_rng(4)
    n, k, s = 6, 5, 3
    a = rng.uniform(50, 150, n)
    e = a / rng.uniform(5, 15, n)
    w = rng.dirichlet(np.ones(k), n) * rng.uniform(0.5, 0.9, (n, 1))
    depth = rng.uniform(100, 400, k)
    shock = -rng.uniform(0.0, 0.15, (s, k))
    lev_max, lev_tgt = a / e * 1.05, a / e
    res = fire_sale_spiral(a[:, None] * w, e, a, depth, shock, leverage_max=lev_max,
                           leverage_target=lev_tgt, impact=impact, mode=mode)  # fmt: skip
    assert res.converged
    net = _net(a, e, w, depth)
    object.__setattr__(net, "leverage_max", lev_max)
    object.__setattr__(net, "leverage_target", lev_tgt)
    state = initial_state(net, s)
    state.mark(state.price * (1 + shock), 1)
    state.price_pre = state.price.copy()
    draws = _draws(s)
    for _ in range(2000):
        units = forced_sales(net, draws, state, mode)
        state.defaulted |= state.equity(net) <= 0
        if units.sum() < 1e-13:
            break
        fire_sale_round(net, draws, state, units, impact)
    np.testing.assert_allclose(state.price, res.prices, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(state.loss[:, :, 4], res.losses, rtol=1e-6, atol=1e-7)
