"""Refinancing at a refinancing date / legal final, foreclosure with recovery, ARD step-up.

Expected values are worked by hand from the rules in docs/methods/credit.md §3 (annual
periods, so a period's rate is the annual coupon); the level payment is the annuity
``B r / (1 - (1 + r)^-n)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.credit.waterfall import DebtClass, level_payment_schedule, run_waterfall

CENT = 1e-11  # one cent in USD billions
COLL = np.array([[10.0, 30.0, 40.0, 40.0, 40.0, 40.0]])


def _bullet(**kw: object) -> DebtClass:
    base: dict[str, object] = {
        "name": "loan",
        "notional": 100.0,
        "coupon": 0.10,
        "scheduled_principal": np.zeros(6),
        "maturity": 1,
        "refinance_at": 1,
        "refinance_ltv_max": 0.8,
        "refinance_periods": 4,
        "step_up": 0.02,
    }
    base.update(kw)
    return DebtClass(**base)  # type: ignore[arg-type]


def test_refinanced_balance_amortises_as_a_level_payment_loan() -> None:
    # t0: interest 10. t1: interest 10, the loan is due: the remaining 20 of cash repays
    # principal, 80 is left; LTV 80/200 <= 0.8 and the tenant performs -> refinanced at
    # 10% + 2% step-up over 4 years: payment A = 80 x 0.12 / (1 - 1.12^-4) = 26.3388...
    a = 80 * 0.12 / (1 - 1.12**-4)
    out = run_waterfall(COLL, np.full((1, 6), 200.0), [_bullet()], periods_per_year=1)
    assert out.loss[0, 0] == pytest.approx(0.0, abs=1e-12)
    assert out.refinanced[0, 0]
    assert not out.foreclosed[0]
    assert out.principal_paid[0, 0] == pytest.approx(100.0)
    assert out.interest_paid[0, 0] == pytest.approx(10 + 10 + 4 * a - 80)
    assert out.equity_paid[0] == pytest.approx(4 * (40 - a))
    # first refinanced instalment: principal A - 9.6 at t2
    assert out.mean_flows["principal"][2, 0] == pytest.approx(a - 9.6)
    assert out.max_conservation_error < CENT


def test_ltv_above_the_limit_forecloses_with_recovery() -> None:
    # t1: 80 owed > 0.8 x 90 = 72 -> foreclosure; the sale nets 50: loss (80 - 50)/100 = 0.3.
    # Later collections (4 x 40) go to the buyer of the campus, not to equity.
    value = np.array([[200.0, 90.0, 90.0, 90.0, 90.0, 90.0]])
    rec = np.full((1, 6), 50.0)
    out = run_waterfall(
        COLL, value, [_bullet()], periods_per_year=1, recovery_value=rec, record=True
    )
    assert out.foreclosed[0]
    assert not out.refinanced[0, 0]
    assert out.loss[0, 0] == pytest.approx(0.3)
    assert out.recovery[0] == pytest.approx(50.0)
    assert out.principal_paid[0, 0] == pytest.approx(70.0)
    assert out.equity_paid[0] == pytest.approx(0.0)
    assert out.flows is not None
    assert out.flows["released"][0].sum() == pytest.approx(160.0)
    assert out.max_conservation_error < CENT


def test_non_performing_tenant_forecloses_and_surplus_goes_to_equity() -> None:
    # LTV fine (80/200) but the lease is not in force at t1: sale nets 120, repays the 80 in
    # full (loss 0) and the 40 surplus is equity's.
    perf = np.array([[True, False, False, False, False, False]])
    out = run_waterfall(
        COLL,
        np.full((1, 6), 200.0),
        [_bullet()],
        periods_per_year=1,
        performing=perf,
        recovery_value=np.full((1, 6), 120.0),
    )
    assert out.foreclosed[0]
    assert out.loss[0, 0] == pytest.approx(0.0, abs=1e-12)
    assert out.principal_paid[0, 0] == pytest.approx(100.0)
    assert out.equity_paid[0] == pytest.approx(40.0)


def test_cumulative_ltv_and_senior_first_recovery() -> None:
    # senior A 60 (bullet to t3), junior B 40 due at t1 with a refinancing test at 90% LTV.
    # No cash: at t1 debt through B is 100 > 0.9 x 100 -> foreclose; the sale nets 70:
    # A is repaid 60 (loss 0), B gets 10 (loss 30/40 = 0.75).
    z = np.zeros(4)
    a = DebtClass("a", 60.0, 0.0, z, maturity=3)
    b = DebtClass(
        "b", 40.0, 0.0, z, maturity=1, refinance_at=1, refinance_ltv_max=0.9, refinance_periods=2
    )
    coll = np.zeros((1, 4))
    out = run_waterfall(
        coll, np.full((1, 4), 100.0), [a, b], periods_per_year=1,
        recovery_value=np.full((1, 4), 70.0),
    )  # fmt: skip
    np.testing.assert_allclose(out.loss[0], [0.0, 0.75])
    # at a 100% limit B is refinanced instead (over 2 periods at 0%: 20 a period, final t3).
    # Collections 20 at t2 pay B's instalment; at t3 A is due in full and, senior, takes the
    # 20: A loses 40/60, B's last 20 is written off at its new final (loss 0.5)
    b2 = DebtClass(
        "b", 40.0, 0.0, z, maturity=1, refinance_at=1, refinance_ltv_max=1.0, refinance_periods=2
    )
    out2 = run_waterfall(
        np.array([[0.0, 0.0, 20.0, 20.0]]), np.full((1, 4), 100.0), [a, b2], periods_per_year=1
    )
    assert out2.refinanced[0, 1]
    np.testing.assert_allclose(out2.principal_paid[0], [20.0, 20.0])
    np.testing.assert_allclose(out2.loss[0], [40 / 60, 0.5])


def test_ard_step_up_raises_the_coupon_after_the_ard() -> None:
    # IO 100 at 5%, ARD at t2 with a 300 bp step-up: interest due 5, 5, 8, 8; collections
    # 5, 5, 8, 8 pay exactly that and nothing reaches principal -> loss 1 at the t3 final.
    cl = DebtClass("io", 100.0, 0.05, np.zeros(4), maturity=3, ard=2, step_up=0.03)
    out = run_waterfall(np.array([[5.0, 5.0, 8.0, 8.0]]), np.ones((1, 4)), [cl], periods_per_year=1)
    assert out.interest_paid[0, 0] == pytest.approx(26.0)
    assert out.principal_paid[0, 0] == pytest.approx(0.0)
    assert out.loss[0, 0] == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    refi=st.integers(0, 30),
    n_ref=st.integers(0, 12),
    ltv=st.floats(0.2, 1.0),
    dscr=st.one_of(st.none(), st.floats(1.0, 1.6)),
    reserve=st.one_of(st.none(), st.floats(0.0, 12.0)),
    mode=st.sampled_from(["sequential", "pro_rata"]),
    step=st.floats(0.0, 0.05),
)
def test_cash_is_conserved_with_refinancing_and_foreclosure(
    seed: int,
    refi: int,
    n_ref: int,
    ltv: float,
    dscr: float | None,
    reserve: float | None,
    mode: str,
    step: float,
) -> None:
    rng = np.random.default_rng(seed)
    t, f, n = 40, 4, 16
    coll = rng.exponential(0.05, size=(n, t)) * (rng.random((n, t)) > 0.1)
    value = rng.uniform(0.3, 1.5, size=(n, t))
    classes = [
        DebtClass(
            "a", 0.6, 0.05, level_payment_schedule(0.6, 0.05, t, f, t), maturity=t - 1,
            ard=20, step_up=step,
        ),
        DebtClass(
            "b", 0.25, 0.08, np.zeros(t), maturity=refi, pik_below_trigger=True,
            refinance_at=refi, refinance_ltv_max=ltv, refinance_periods=n_ref, step_up=step,
        ),
    ]  # fmt: skip
    out = run_waterfall(
        coll, value, classes, periods_per_year=f, fee_rate=0.01, dscr_trap=dscr,
        reserve_months=reserve, principal=mode,  # type: ignore[arg-type]
        prepayments=coll * 0.2, performing=rng.random((n, t)) > 0.2,
        recovery_value=rng.uniform(0.0, 1.0, size=(n, t)), record=True,
    )  # fmt: skip
    fl = out.flows
    assert fl is not None
    paid = (
        fl["fees"]
        + fl["interest"].sum(axis=2)
        + fl["principal"].sum(axis=2)
        + fl["equity"]
        + fl["released"]
        + fl["reserve_change"]
        + fl["trap_change"]
    )
    np.testing.assert_allclose(paid, coll + fl["recovery"], rtol=0, atol=CENT)
    for arr in (fl["fees"], fl["interest"], fl["principal"], fl["equity"], fl["released"]):
        assert arr.min() >= -1e-15
    assert ((out.loss >= 0) & (out.loss <= 1)).all()
    # a foreclosed path is never also refinanced on the class tested, and releases cash only
    # after its foreclosure
    assert not (out.foreclosed & out.refinanced[:, 1]).any()
    assert (fl["released"][~out.foreclosed] == 0).all()
