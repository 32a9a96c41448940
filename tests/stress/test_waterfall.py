"""Step 3 through the credit engine's waterfall (``boombust.stress.waterfall``).

The tables are checked against single-path ``boombust.credit.run_deal`` runs with the tenant
outcome mapped as docs/methods/stress.md (step 3) says, written out again here; the cascade's
step 3 is checked to read the tables at each path's state.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from boombust.data import Dataset, load_dataset
from boombust.stress import Scenario, build_network, load_scenario
from boombust.stress.steps import demand_shock, initial_state, leases_and_tranches, reprice
from boombust.stress.waterfall import (
    HAIRCUT_NODES,
    DealTable,
    interpolate,
    tabulate_deal,
)

credit = pytest.importorskip("boombust.credit")


def _direct(deal, outcome: int, h: float, life: float | None, t: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """One engine path for a one-tenant deal: stay / renegotiate / walk / default at ``t``."""
    (tenant,) = {ls.tenant for ls in deal.leases}
    ls = deal.leases[0]
    exit_option = ls.renewal is not None or ls.early_termination_fee_years is not None
    default = t if outcome == 3 or (outcome == 2 and not exit_option) else np.inf
    stress = t if outcome == 2 and exit_option else np.inf
    market = 1.0 - h if outcome >= 1 else 1.0
    tranches = [
        tr.model_copy(update={"coupon": 0.065})
        if tr.amortisation.value != "equity" and tr.coupon is None and tr.spread_bp is None
        else tr
        for tr in deal.tranches
    ]
    eng = deal.model_copy(update={"tranches": tranches})
    spec = credit.CreditRunSpec(n_paths=1, allow_short_leases=True, gpu_life=life)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = credit.run_deal(
            eng,
            spec,
            default_times={tenant: [default]},
            stress_times={tenant: [stress]},
            market_shock=[market],
        )
    return np.array([res.losses[tr.id][0] for tr in deal.tranches])


@pytest.mark.parametrize("deal_id", ["hyperion", "neo-dc"])
def test_table_cells_are_engine_runs(web: Dataset, deal_id: str) -> None:
    """Each cell = the engine's loss minus its no-shock loss, made monotone (cumulative max)."""
    deal = next(d for d in web.deals if d.id == deal_id)
    table = tabulate_deal(deal, np.array([2.0]), coupon=0.065)
    assert table is not None
    acct = table.accounting_life
    base = _direct(deal, 0, 0.0, None, 2.0)
    np.testing.assert_allclose(table.base_loss, base, atol=1e-12)
    li = int(np.searchsorted(table.life_nodes, 3.0))
    assert table.life_nodes[li] == 3.0
    hi = int(np.flatnonzero(np.isclose(HAIRCUT_NODES, 0.3))[0])
    # the envelope over milder cells: outcome' <= outcome, life' >= 3, haircut' <= 0.3
    notional = np.array([tr.notional for tr in deal.tranches])
    inc = {}
    for lj in range(li, table.life_nodes.size):
        life = float(table.life_nodes[lj])
        for hj in range(hi + 1):
            raw = [
                _direct(deal, o, float(HAIRCUT_NODES[hj]), None if life >= acct else life, 2)
                for o in range(4)
            ]
            # a tenant walks only if that pays the deal less than renegotiating
            if ((1 - raw[2]) * notional).sum() > ((1 - raw[1]) * notional).sum():
                raw[2] = raw[1]
            for o in range(4):
                inc[o, lj, hj] = np.maximum(raw[o] - base, 0.0)
    for o in range(4):
        want = np.max(
            [v for (o2, _, _), v in inc.items() if o2 <= o],
            axis=0,
        )
        np.testing.assert_allclose(table.loss[o, li, hi, 0], want, atol=1e-12)
    # no shock: nothing lost
    assert np.all(table.loss[0, -1, 0, 0] == 0.0)


def test_tables_are_monotone_in_every_axis() -> None:
    ds = load_dataset("ai-2025")
    for deal in ds.deals:
        table = tabulate_deal(deal, np.array([1.0, 1.5, 2.0]), coupon=0.065)
        assert table is not None, deal.id
        x = table.loss
        assert np.all(np.diff(x, axis=0) >= 0)  # stay <= renegotiate <= walk <= default
        assert np.all(np.diff(x, axis=1) <= 0)  # longer GPU life, less loss
        assert np.all(np.diff(x, axis=2) >= 0)  # larger market-rent fall, more loss
        assert np.all((x >= 0) & (x <= 1))
        assert np.all(x[0, -1, 0] == 0)  # the no-shock cell


def test_interpolation_is_multilinear_and_clamped() -> None:
    life = np.array([1.0, 2.0, 4.0])
    hair = np.array([0.0, 0.5, 1.0])
    hor = np.array([1.0, 3.0])
    f = lambda a, b, c: 0.1 * a + 0.2 * b + 0.05 * c  # noqa: E731 - linear: exact
    grid = f(life[:, None, None], hair[None, :, None], hor[None, None, :])
    loss = np.stack([grid, grid + 0.1])[..., None]  # two cells, one tranche
    table = DealTable("x", ("t",), np.zeros(1, np.int64), life, hair, hor, loss, np.zeros(1), 4.0)
    a = np.array([1.5, 3.0, 0.2, 9.0])
    b = np.array([0.25, 0.9, 0.0, 2.0])
    c = np.array([2.0, 1.0, 0.0, 5.0])
    cell = np.array([0, 1, 0, 1])
    got = interpolate(table, cell, a, b, c)[:, 0]
    ac, bc, cc = np.clip(a, 1, 4), np.clip(b, 0, 1), np.clip(c, 1, 3)
    np.testing.assert_allclose(got, f(ac, bc, cc) + 0.1 * cell, atol=1e-12)


def test_step3_reads_the_tables_at_each_paths_state() -> None:
    """ai-2025 under ai-bust with node-valued GPU life and market fall: exact table cells."""
    ds = load_dataset("ai-2025")
    sc = load_scenario("ai-bust").with_values(gpu_life=3.0, rent_haircut=0.3)
    net = build_network(ds, sc)
    p = 200
    rng = np.random.default_rng(5)
    draws = sc.draw(rng, p)
    uni = rng.random((p, 2 + sum(len(d.lease_rent) for d in net.deals)))
    st = initial_state(net, p)
    demand_shock(net, draws, st)
    reprice(net, draws, st)
    solvent = st.equity(net) + net.default_buffer > 0
    before = st.loss.copy()
    tr = leases_and_tranches(net, draws, st, uni)
    hi = int(np.flatnonzero(np.isclose(HAIRCUT_NODES, 0.3))[0])
    col = 0
    lease = 0
    seen = set()
    for d, table in zip(net.deals, net.waterfall, strict=True):
        assert table is not None
        (tenant,) = set(d.lease_tenant.tolist())
        o = np.where(
            ~solvent[:, tenant],
            3,
            np.where(tr.walked[:, lease], 2, np.where(tr.renegotiated[:, lease], 1, 0)),
        )
        seen |= set(o.tolist())
        li = int(np.argmin(np.abs(table.life_nodes - min(3.0, table.accounting_life))))
        nt = len(d.tranche_ids)
        want = table.loss[o, li, hi, 0]
        np.testing.assert_allclose(tr.tranche_loss[:, col : col + nt], want, atol=1e-12)
        col += nt
        lease += len(d.lease_rent)
    assert seen == {0, 1, 2, 3}  # every outcome occurs on some deal
    # holders mark the tranches down: step-3 losses = holdings x tranche loss
    k = np.array([int(a) for d in net.deals for a in d.tranche_asset])
    step3 = np.einsum("nk,pk->pn", net.holdings[:, k[k >= 0]], tr.tranche_loss[:, k >= 0])
    np.testing.assert_allclose(st.loss[:, :, 2] - before[:, :, 2], step3, atol=1e-9)


def test_value_model_still_selectable(web: Dataset) -> None:
    sc = Scenario(name="v", tranche_model="value")
    assert build_network(web, sc).waterfall == ()
    assert all(t is not None for t in build_network(web, Scenario(name="w")).waterfall)
