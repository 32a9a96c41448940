"""The cascade's compact kernels against the network and credit engines (when installed).

Steps 1 and 6 use ``boombust.stress.clearing.clear`` and step 3 the tranche allocation and
value curves in ``boombust.stress.steps`` / ``network``; these tests pin them to
``boombust.network`` and ``boombust.credit`` so the engines can replace them without changing
numbers. They are skipped until those packages are on the path.
"""

from __future__ import annotations

import numpy as np
import pytest

from boombust.data.schema import CurveMethod, CurvePoint, ValueCurve
from boombust.stress.clearing import clear
from boombust.stress.kernels import tranche_payoff as _tranche_payoff
from boombust.stress.network import curve_value


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.6, 0.9), (0.3, 0.3)])
def test_clearing_matches_network_engine(alpha: float, beta: float) -> None:
    network = pytest.importorskip("boombust.network")
    rng = np.random.default_rng(12)
    for _ in range(30):
        n = int(rng.integers(2, 9))
        lmat = rng.uniform(0, 10, (n, n)) * (rng.random((n, n)) < 0.5)
        np.fill_diagonal(lmat, 0)
        e = rng.uniform(0, 12, n)
        ours = clear(lmat, e[None], alpha=alpha, beta=beta)
        theirs = network.clear(lmat, e, alpha=alpha, beta=beta)
        np.testing.assert_allclose(ours.payments[0], theirs.payments, atol=1e-9)
        np.testing.assert_array_equal(ours.insolvent[0], theirs.defaulted)
        # rounds: ours -1 solvent / 0 fundamental; theirs 0 solvent / 1 fundamental
        np.testing.assert_array_equal(ours.level[0] + 1, theirs.default_round)


def test_tranche_allocation_matches_credit_engine() -> None:
    credit = pytest.importorskip("boombust.credit")
    attach, detach = np.array([0.0, 0.1, 0.35]), np.array([0.1, 0.35, 1.0])
    capital = 50.0
    values = np.linspace(0, capital, 41)
    pay = _tranche_payoff(values, attach, detach, capital)
    pool_loss = 1.0 - values / capital
    for j in range(3):
        ours = 1.0 - pay[:, j] / ((detach[j] - attach[j]) * capital)
        theirs = credit.tranche_loss(pool_loss, attach[j], detach[j])
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


@pytest.mark.parametrize(
    "curve",
    [
        ValueCurve(method=CurveMethod.straight_line, useful_life=6, salvage=0.05),
        ValueCurve(method=CurveMethod.declining_balance, useful_life=5, rate_multiple=2.0),
        ValueCurve(method=CurveMethod.declining_balance, useful_life=1.5, rate_multiple=2.0),
        ValueCurve(
            method=CurveMethod.rental_decay,
            useful_life=5.5,
            points=[CurvePoint(years=0, value=1), CurvePoint(years=2, value=0.25)],
        ),
    ],
)
def test_value_curves_match_credit_engine(curve: ValueCurve) -> None:
    credit = pytest.importorskip("boombust.credit")
    ages = np.linspace(0, 5, 21)
    for life in (2.0, 3.0, curve.useful_life):
        ours = curve_value(curve, ages, life)
        theirs = credit.value_fraction(curve, ages, useful_life=life)
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def _web_run(kernels: object = None, tranche_model: str = "waterfall"):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from boombust.data import load_dataset
    from boombust.stress import load_scenario, run_stress

    ds = load_dataset(Path(__file__).parent / "fixtures" / "web.yaml")
    kw = {} if kernels is None else {"kernels": kernels}
    sc = load_scenario("ai-bust").model_copy(update={"tranche_model": tranche_model})
    return run_stress(ds, sc, paths=30, seed=4, **kw)


def test_cascade_with_the_network_engine_gives_the_same_numbers() -> None:
    pytest.importorskip("boombust.network")
    from boombust.stress.kernels import Kernels, network_engine_clear

    ours = _web_run()
    theirs = _web_run(Kernels(clear=network_engine_clear))
    np.testing.assert_allclose(ours.loss, theirs.loss, rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(ours.defaulted, theirs.defaulted)
    np.testing.assert_array_equal(ours.default_round, theirs.default_round)


def test_cascade_with_both_engines_gives_the_same_numbers() -> None:
    pytest.importorskip("boombust.network")
    pytest.importorskip("boombust.credit")
    from boombust.stress.kernels import (
        Kernels,
        credit_engine_tranche_payoff,
        network_engine_clear,
    )

    # the compact value model is the one that allocates through tranche_payoff
    ours = _web_run(tranche_model="value")
    engines = Kernels(clear=network_engine_clear, tranche_payoff=credit_engine_tranche_payoff)
    theirs = _web_run(engines, tranche_model="value")
    np.testing.assert_allclose(ours.loss, theirs.loss, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(ours.tranche_loss, theirs.tranche_loss, atol=1e-9)
    np.testing.assert_array_equal(ours.defaulted, theirs.defaulted)


# ------------------------------------------------------------------ step 1: commitment clearing


def _step1_inputs(net, p: int, seed: int):  # type: ignore[no-untyped-def]
    from boombust.stress.steps import assumed_revenue

    rng = np.random.default_rng(seed)
    share = rng.uniform(0.0, 1.0, p)
    other = share[:, None] * np.maximum(net.op_cash_flow, 0.0)
    shortfall = np.concatenate([[0.0, 1.0], rng.uniform(0.0, 1.0, p - 2)])
    return assumed_revenue(net, other), other, shortfall


@pytest.mark.parametrize("dataset", ["web", "ai-2025"])
@pytest.mark.parametrize("baseline", ["assumed", "today"])
def test_step1_matches_network_commitment_clearing(dataset: str, baseline: str) -> None:
    """Step 1's batched clearing = boombust.network.clear_commitments, path by path.

    Both cut the same revenue by the same shortfall: the graph's end-user weights are the
    revenue the shortfall cuts (assumed or today's) and ``revenue_shortfall`` scales its
    ``baseline_revenue``; the engine picks the obligations (cash types, not completed) itself.
    """
    pytest.importorskip("boombust.network")
    from pathlib import Path

    from boombust.data import load_dataset
    from boombust.stress import build_network
    from boombust.stress.kernels import clear_commitment_edges, network_engine_commitments

    src = Path(__file__).parent / "fixtures" / "web.yaml" if dataset == "web" else dataset
    net = build_network(load_dataset(src))
    assumed, other, s = _step1_inputs(net, 12, 3)
    base = assumed if baseline == "assumed" else np.broadcast_to(net.ai_revenue, other.shape)
    ours = clear_commitment_edges(net, base, other, s)
    theirs = network_engine_commitments(net, base, other, s)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
    if baseline == "assumed":  # shortfall 0 honours every commitment (pbar clears)
        np.testing.assert_allclose(ours[0], net.comm_annual, rtol=1e-12)
    # the obligations are the network engine's: warrants, backstops, completed deals are not
    if dataset == "ai-2025":
        kinds = {t for t, o in zip(net.comm_types, net.comm_obligation, strict=True) if not o} | {
            st for st, o in zip(net.comm_status, net.comm_obligation, strict=True) if not o
        }
        assert {"warrant", "backstop", "completed"} <= kinds


def test_cascade_with_network_commitment_clearing_gives_the_same_numbers() -> None:
    pytest.importorskip("boombust.network")
    from boombust.stress.kernels import Kernels, network_engine_commitments

    ours = _web_run()
    theirs = _web_run(Kernels(commitments=network_engine_commitments))
    np.testing.assert_allclose(ours.loss, theirs.loss, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(ours.surviving, theirs.surviving, atol=1e-6)
    np.testing.assert_allclose(ours.backed_today, theirs.backed_today, atol=1e-6)
    np.testing.assert_array_equal(ours.defaulted, theirs.defaulted)
