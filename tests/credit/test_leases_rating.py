"""Lease schedules and tenant decisions; the Moody's idealized-EL rating map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from boombust.credit.leases import (
    EXIT_DEFAULT,
    EXIT_EARLY,
    EXIT_EXPIRY,
    EXIT_WALK,
    LeaseMarket,
    simulate_lease,
)
from boombust.credit.rating import implied_rating, load_idealized_table, sp_equivalent
from boombust.data.schema import Lease
from boombust.errors import InputError

F, T = 4, 40  # quarterly, 10 years


def _market(value: float = 1.0, mult: float = 1.0, n: int = 1, **kw: float) -> LeaseMarket:
    opts = {
        "walk_away_ratio": 0.6,
        "renegotiate_ratio": 0.85,
        "rent_haircut": None,
        "liquidation_cost": 0.3,
        "recovery_lag_months": 6,
        **kw,
    }
    return LeaseMarket(
        periods_per_year=F,
        value_fraction=np.full(T, value),
        market_multiplier=np.ones(T),
        path_multiplier=np.full(n, mult),
        debt_schedule=np.full(T, 10.0),
        facility_cost=10.0,
        market_growth=None,
        **opts,  # type: ignore[arg-type]
    )


def _run(lease: Lease, market: LeaseMarket, tau: float = np.inf, stress: float = np.inf):  # type: ignore[no-untyped-def]
    n = market.path_multiplier.size
    coll = np.zeros((n, T))
    pre = np.zeros((n, T))
    out = simulate_lease(
        lease,
        offset_years=0.0,
        share=1.0,
        n_periods=T,
        default_time=np.full(n, tau),
        stress_time=np.full(n, stress),
        market=market,
        collections=coll,
        prepayments=pre,
    )
    return out, coll, pre


def test_rent_schedule_with_escalator_and_renewal() -> None:
    lease = Lease(
        tenant="x", annual_rent=1.0, term_years=4, escalator=0.03,
        renewal={"options": 2, "term_years": 3}, assumption="t",
    )  # fmt: skip
    out, coll, pre = _run(lease, _market())
    # 4 + 2 x 3 = 10 years = the horizon: in force throughout, rent (1.03)^floor(year) / 4
    expected = np.repeat(1.03 ** np.arange(10), 4) / 4
    np.testing.assert_allclose(coll[0], expected)
    assert pre.sum() == 0.0
    assert out.exit_reason[0] == 0


def test_renegotiation_to_market_and_walk_away() -> None:
    lease = Lease(
        tenant="x", annual_rent=1.0, term_years=4, renewal={"options": 2, "term_years": 3},
        assumption="t",
    )  # fmt: skip
    # market worth 70% of contract: renegotiate down to 0.7 at year 4
    out, coll, _ = _run(lease, _market(mult=0.7))
    assert out.renegotiated[0]
    np.testing.assert_allclose(coll[0, 16:], 0.7 / 4)
    # market at 50% (< walk_away_ratio 0.6): walk away at year 4, RVG absent, facility sold
    out, coll, pre = _run(lease, _market(mult=0.5))
    assert out.exit_reason[0] == EXIT_WALK
    assert coll[0, :16].sum() == pytest.approx(4.0)
    # sale 6 months later at value x (1 - 30%) x min(mult, 1) = 10 x 0.7 x 0.5
    assert pre[0].sum() == pytest.approx(3.5)
    assert coll[0, 18] == pytest.approx(3.5)


def test_capped_rvg_on_non_renewal_and_not_after_default() -> None:
    lease = Lease(
        tenant="x", annual_rent=1.0, term_years=4, rvg={"cap": 2.0, "years": 16},
        assumption="t",
    )  # fmt: skip
    out, _, pre = _run(lease, _market(value=0.5))
    # expiry at 4y: sale 10 x 0.5 x 0.7 = 3.5; strike 10 -> gap 6.5 capped at 2
    assert out.exit_reason[0] == EXIT_EXPIRY
    assert out.rvg[0] == pytest.approx(2.0)
    assert pre[0].sum() == pytest.approx(5.5)
    out, coll, pre = _run(lease, _market(value=0.5), tau=1.5)
    assert out.exit_reason[0] == EXIT_DEFAULT
    assert out.rvg[0] == 0.0
    # rent stops mid-period at 1.5y: 6 full quarters
    assert coll[0, :6].sum() == pytest.approx(1.5)


def test_stressed_tenant_early_termination_pays_fee() -> None:
    lease = Lease(
        tenant="x", annual_rent=1.0, term_years=8, early_termination_fee_years=0.5,
        renewal={"options": 1, "term_years": 2}, assumption="t",
    )  # fmt: skip
    out, _, _ = _run(lease, _market(), tau=6.0, stress=2.2)
    assert out.exit_reason[0] == EXIT_EARLY
    assert out.exit_time[0] == pytest.approx(3.0)  # next anniversary after stress
    assert out.fee[0] == pytest.approx(0.5)


def test_rating_map_with_the_ten_year_row() -> None:
    tab = load_idealized_table()
    assert tab.ratings[0] == "Aaa"
    assert tab.default_rates[0, tab.ratings.index("Baa3")] == pytest.approx(0.061)
    # 10-year WAL: EL of 0.5% lies between A2 (0.66%) and A1 (0.385%) idealized ELs -> A2
    r = implied_rating(0.005, 10.0, tab)
    assert r.rating == "A2"
    assert r.idealized_el == pytest.approx(0.012 * 0.55)
    # 5-year WAL halves the idealized ELs (the stated approximation): A3 0.495% < 0.5% <=
    # Baa1 0.715%, so 0.5% maps to Baa1
    r5 = implied_rating(0.005, 5.0, tab)
    assert r5.rating == "Baa1"
    assert r5.idealized_el == pytest.approx(0.026 * 0.55 / 2)
    assert r5.note is not None
    assert "approximation" in r5.note
    assert implied_rating(0.0, 10.0, tab).rating == "Aaa"
    assert implied_rating(0.9, 10.0, tab).rating == "C"
    # WAL beyond the table: the 10-year row, not an extrapolation (total loss is C, not Caa)
    assert implied_rating(1.0, 30.0, tab).rating == "C"
    assert implied_rating(0.005, 30.0, tab).rating == "A2"


def test_user_full_table_interpolates_in_horizon(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text(
        "lgd: 0.55\ndefault_rates:\n"
        "  1: {Aaa: 0.00001, A2: 0.0005, Baa2: 0.002}\n"
        "  3: {Aaa: 0.00005, A2: 0.002, Baa2: 0.008}\n"
    )
    tab = load_idealized_table(p)
    assert tab.full_grid
    el, note = tab.expected_loss(2.0)
    assert note is None
    np.testing.assert_allclose(el, 0.55 * np.array([0.00003, 0.00125, 0.005]))
    bad = tmp_path / "bad.yaml"
    bad.write_text("default_rates:\n  1: {Aaa: 0.01, A2: 0.001}\n")
    with pytest.raises(InputError, match="must not fall"):
        load_idealized_table(bad)


def test_sp_equivalent_notches() -> None:
    assert sp_equivalent("Aaa") == "AAA"
    assert sp_equivalent("A2") == "A"
    assert sp_equivalent("Baa3") == "BBB-"
    assert sp_equivalent("Caa1") == "CCC+"
