"""Each of the six steps on its own, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from boombust.data import Dataset
from boombust.stress import Scenario, build_network
from boombust.stress.kernels import tranche_payoff as _tranche_payoff
from boombust.stress.steps import (
    EL10,
    clear_defaults,
    demand_shock,
    downgrade,
    forced_sales,
    implied_notch,
    initial_state,
    leases_and_tranches,
    reprice,
)


def _draws(p: int = 3, **over: float) -> dict[str, np.ndarray]:
    sc = Scenario.model_validate({"name": "t", "parameters": dict(over)})
    return sc.draw(np.random.default_rng(0), p)


def test_step1_zero_shortfall_honours_everything(web: Dataset) -> None:
    net = build_network(web)
    st = initial_state(net, 3)
    out = demand_shock(net, _draws(), st)
    assert np.all(st.loss == 0)
    np.testing.assert_allclose(out.paid, np.broadcast_to(net.comm_annual, out.paid.shape))
    assert np.all(out.surviving == 1)
    assert np.all(out.backed_today < 1)  # today's AI revenue does not back the whole circle


def test_step1_shortfall_losses(web: Dataset) -> None:
    net = build_network(web)
    st = initial_state(net, 1)
    d = _draws(1, revenue_shortfall=0.5, revenue_margin=0.6, commitment_funding_share=0.25)
    out = demand_shock(net, d, st)
    lost = net.comm_annual - out.paid[0]
    assert np.all(lost >= -1e-12)
    missed = np.zeros(net.n_inst)
    for j in range(len(lost)):
        if not net.comm_to_spv[j]:
            missed[net.comm_payee[j]] += lost[j]
    np.testing.assert_allclose(st.loss[0, :, 0], 0.5 * 0.6 * net.ai_revenue + missed, rtol=1e-12)
    assert 0 < out.surviving[0] < 1
    # OpenAI owes 60 + 4.4 a year and is promised 10: it needs 64.4 - 10 = 54.4 of revenue
    # (no positive operating cash flow); half of that arrives, so it pays 27.2 + 10 = 37.2
    oai = net.inst_ids.index("openai")
    pays = out.paid[0][net.comm_payer == oai].sum()
    receives = out.paid[0][net.comm_payee == oai].sum()
    assert receives == pytest.approx(10.0)  # Nvidia (70 x 0.25 of cash flow + revenue) pays
    assert pays == pytest.approx(0.5 * 54.4 + receives)


def test_step2_mark_to_market(web: Dataset) -> None:
    net = build_network(web)
    st = initial_state(net, 2)
    d = _draws(2, ai_equity_drawdown=0.4, unemployment_rise_pp=2.0,
               consumer_drawdown_per_pp=0.05, consumer_credit_loss_per_pp=0.01)  # fmt: skip
    fall = reprice(net, d, st)
    cc = np.array([c == "consumer_credit" for c in net.asset_classes])
    expect_fall = 0.4 * net.ai_beta + 2.0 * 0.05 * net.consumer_beta + cc * 0.02
    expect_fall[net.is_tranche] = 0
    np.testing.assert_allclose(fall[0], expect_fall, rtol=1e-12)
    np.testing.assert_allclose(st.loss[0, :, 1], net.holdings @ expect_fall, rtol=1e-12)


def test_tranche_payoff_allocates_senior_first() -> None:
    attach, detach = np.array([0.0, 0.1, 0.3]), np.array([0.1, 0.3, 1.0])
    pay = _tranche_payoff(np.array([100.0, 85.0, 60.0, 20.0]), attach, detach, 100.0)
    np.testing.assert_allclose(pay[0], [10, 20, 70])
    np.testing.assert_allclose(pay[1], [0, 15, 70])  # 15 lost: equity wiped, mezz -5
    np.testing.assert_allclose(pay[2], [0, 0, 60])
    np.testing.assert_allclose(pay[3], [0, 0, 20])
    np.testing.assert_allclose(pay.sum(axis=1), [100, 85, 60, 20])


def test_implied_rating_from_idealized_el() -> None:
    # methods §F.2: 10-year EL = 0.55 x PD; Aaa 0.0055%, Aa2 0.11%, Baa3 3.355%, Ca/C 55%
    assert EL10[0] == pytest.approx(0.000055)
    assert EL10[9] == pytest.approx(0.03355)
    got = implied_notch(np.array([0.0, 0.00005, 0.001, 0.03, 0.5, 0.9]))
    assert got.tolist() == [0, 1, 3, 10, 20, 20]


def test_step3_walk_and_stay(web: Dataset) -> None:
    net = build_network(web)
    n_leases = sum(len(d.lease_rent) for d in net.deals)
    u = np.full((2, 2 + n_leases), 0.5)
    st = initial_state(net, 2)
    out = leases_and_tranches(net, _draws(2), st, u)
    assert not out.walked.any()
    assert np.all(out.tranche_loss == 0)
    assert np.all(st.loss == 0)
    st = initial_state(net, 2)
    out = leases_and_tranches(net, _draws(2, walk_away_base=1.0, gpu_life=2.0), st, u)
    assert out.walked.all()
    tl = out.tranche_loss[0]
    # within each deal, a senior tranche loses only once the junior one is wiped out
    i = 0
    for d in net.deals:
        k = len(d.tranche_notional)
        junior, senior = tl[i], tl[i + k - 1]
        assert senior <= junior + 1e-12 or junior == pytest.approx(1.0) or junior == 0.0
        i += k
    assert st.loss[:, :, 2].sum() > 0
    # holders lose exactly holdings x price change
    dp = 1.0 - st.price[0]
    np.testing.assert_allclose(st.loss[0, :, 2], net.holdings @ dp, rtol=1e-12)


def test_step4_downgrade_notches(web: Dataset) -> None:
    net = build_network(web)
    st = initial_state(net, 1)
    d = _draws(1, notches_per_drawdown=10, price_drop_per_notch=0.02)
    fall = np.zeros((1, net.n_assets))
    j = net.asset_ids.index("crwv-bond")
    fall[0, j] = 0.25  # 2 notches
    downgrade(net, d, st, fall)
    assert st.notch[0, j] == net.rating_notch[j] + 2
    assert st.price[0, j] == pytest.approx(1 - 0.04)


def test_step4_threshold_sells_back_to_target(web: Dataset) -> None:
    net = build_network(web)
    st = initial_state(net, 1)
    hf = net.inst_ids.index("hedge-funds")
    st.loss[0, hf, 1] = 5.0  # equity 20 -> 15, assets 120 -> 115: leverage 7.67 > 6.5
    d = _draws(1, price_impact_scale=0.0)
    units = forced_sales(net, d, st, "threshold")
    eq = 15.0
    assets = 115.0 - units[0, hf] @ st.price[0]
    assert assets / eq == pytest.approx(5.5)  # the leverage target
    others = np.delete(units[0], hf, axis=0)
    assert np.all(others == 0)


def test_step6_creditors_lose_what_defaulters_do_not_pay(web: Dataset) -> None:
    net = build_network(web)
    st = initial_state(net, 1)
    hf = net.inst_ids.index("hedge-funds")
    banks = net.inst_ids.index("banks")
    st.loss[0, hf, 1] = 50.0  # equity 20 - 50 < 0
    d = _draws(1, default_alpha=1.0, default_beta=1.0)
    clear_defaults(net, d, st, 0)
    assert st.defaulted[0, hf]
    assert st.default_round[0, hf] == 0
    # hedge funds: assets 70, owe 60 to banks + 40 outside -> recovery 0.7 pro rata
    assert st.loss[0, banks, 5] == pytest.approx(60 * (1 - 70 / 100))


def test_step6_defaulted_issuers_securities_are_marked_down(web: Dataset) -> None:
    net = build_network(web)
    st = initial_state(net, 1)
    cw = net.inst_ids.index("coreweave")
    st.loss[0, cw, 1] = 10.0  # equity 4 -> -6: CoreWeave defaults
    d = _draws(1, default_alpha=1.0, default_beta=1.0)
    clear_defaults(net, d, st, 0)
    assert st.defaulted[0, cw]
    clear_defaults(net, d, st, 1)  # caps apply from the next round
    eq, bond = net.asset_ids.index("crwv-eq"), net.asset_ids.index("crwv-bond")
    assert st.price[0, eq] == 0.0
    # CoreWeave owes 25 in the network + 11 outside, has 30 of assets: recovery 30/36
    assert st.price[0, bond] == pytest.approx(30 / 36)
    expect = net.holdings[:, eq] * 1.0 + net.holdings[:, bond] * (1 - 30 / 36)
    creditor = np.zeros(net.n_inst)
    creditor[net.inst_ids.index("banks")] = 15 * (1 - 30 / 36)
    creditor[net.inst_ids.index("private-credit")] = 10 * (1 - 30 / 36)
    np.testing.assert_allclose(st.loss[0, :, 5], expect + creditor, atol=1e-12)


def test_step3_copulas_give_the_walk_away_probability(web: Dataset) -> None:
    """Each tenant walks with probability p_walk under both copulas; the t copula (nu = 4)
    makes joint walk-aways more likely than the Gaussian with the same correlation."""
    net = build_network(web)
    n_leases = sum(len(d.lease_rent) for d in net.deals)
    p = 40_000
    u = np.random.default_rng(3).random((p, 2 + n_leases))
    joint = {}
    for df in (0.0, 4.0):
        st = initial_state(net, p)
        d = _draws(p, walk_away_base=0.1, tenant_correlation=0.3, tenant_copula_df=df)
        out = leases_and_tranches(net, d, st, u)
        assert out.walked.mean(axis=0) == pytest.approx([0.1, 0.1], abs=0.006)
        joint[df] = out.walked.all(axis=1).mean()
    # Gaussian: P(both) = Phi2(q, q; 0.3), q = Phi^-1(0.1): 0.021616 by
    # scipy.stats.multivariate_normal([0, 0], [[1, .3], [.3, 1]]).cdf([q, q])
    assert joint[0.0] == pytest.approx(0.021616, abs=0.003)
    assert joint[4.0] > joint[0.0] + 0.005
