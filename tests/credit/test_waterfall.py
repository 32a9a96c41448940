"""SPV waterfall: cash conservation (hypothesis), closed-form amortisation, PIK and ARD."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.credit.waterfall import DebtClass, level_payment_schedule, run_waterfall

CENT = 1e-11  # one cent in USD billions
ORACLE = Path(__file__).resolve().parents[1] / "reference" / "credit" / "scalar_waterfall.py"


def _oracle():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("scalar_waterfall", ORACLE)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _classes(t: int, f: int, ard: int | None = None, pik: bool = True) -> list[DebtClass]:
    return [
        DebtClass(
            "a", 0.6, 0.05, level_payment_schedule(0.6, 0.05, t, f, t), maturity=t - 1, ard=ard
        ),
        DebtClass("b", 0.25, 0.08, np.zeros(t), maturity=t - 1, ard=ard, pik_below_trigger=pik),
    ]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.0, 0.3),
    dscr=st.one_of(st.none(), st.floats(1.0, 1.6)),
    ltv=st.one_of(st.none(), st.floats(0.5, 1.0)),
    reserve=st.one_of(st.none(), st.floats(0.0, 12.0)),
    mode=st.sampled_from(["sequential", "pro_rata"]),
    ard=st.one_of(st.none(), st.integers(0, 39)),
    fee=st.floats(0.0, 0.02),
)
def test_cash_is_conserved_to_the_cent(
    seed: int,
    scale: float,
    dscr: float | None,
    ltv: float | None,
    reserve: float | None,
    mode: str,
    ard: int | None,
    fee: float,
) -> None:
    rng = np.random.default_rng(seed)
    t, f = 40, 4
    coll = rng.exponential(scale, size=(16, t)) * (rng.random((16, t)) > 0.1)
    value = rng.uniform(0.3, 1.5, size=(16, t))
    out = run_waterfall(
        coll,
        value,
        _classes(t, f, ard),
        periods_per_year=f,
        fee_rate=fee,
        dscr_trap=dscr,
        ltv_max=ltv,
        reserve_months=reserve,
        principal=mode,  # type: ignore[arg-type]
        prepayments=coll * 0.2,
        record=True,
    )
    fl = out.flows
    assert fl is not None
    paid = (
        fl["fees"]
        + fl["interest"].sum(axis=2)
        + fl["principal"].sum(axis=2)
        + fl["equity"]
        + fl["reserve_change"]
        + fl["trap_change"]
    )
    np.testing.assert_allclose(paid, coll, rtol=0, atol=CENT)
    for arr in (fl["fees"], fl["interest"], fl["principal"], fl["equity"]):
        assert arr.min() >= -1e-15
    assert ((out.loss >= 0) & (out.loss <= 1)).all()
    # principal never exceeds what was owed (notional plus capitalised interest)
    assert (out.principal_paid.sum(axis=0) <= (0.6 + 0.25 * 3) * 16 + 1e-9).all()


def test_level_payment_schedule_is_the_annuity() -> None:
    # closed form: payment = N r / (1 - (1 + r)^-n); principal sums to N
    s = level_payment_schedule(100.0, 0.06, 20, 1, 20)
    pay = 100 * 0.06 / (1 - 1.06**-20)
    assert s.sum() == pytest.approx(100.0)
    assert s[0] == pytest.approx(pay - 6.0)
    bal = 100 - np.concatenate([[0], np.cumsum(s)[:-1]])
    np.testing.assert_allclose(s + 0.06 * bal, pay)


def test_exact_debt_service_repays_everything_and_nothing_is_lost() -> None:
    t, f = 20, 1
    cls = _classes(t, f)
    need = cls[0].scheduled_principal + 0.05 * (
        0.6 - np.concatenate([[0], np.cumsum(cls[0].scheduled_principal)[:-1]])
    )
    need = need + 0.08 * 0.25
    need[-1] += 0.25
    out = run_waterfall(need[None, :] + 1e-12, np.ones((1, t)), cls, periods_per_year=f)
    assert out.loss.max() == pytest.approx(0.0, abs=1e-9)
    assert out.principal_paid[0] == pytest.approx([0.6, 0.25])


def test_no_collections_lose_everything() -> None:
    t = 12
    out = run_waterfall(np.zeros((3, t)), np.ones((3, t)), _classes(t, 4), periods_per_year=4)
    np.testing.assert_allclose(out.loss, 1.0)


def test_pik_below_trigger_capitalises_junior_interest() -> None:
    t, f = 8, 4
    # debt service 0.6 x 5%/4 + 0.25 x 8%/4 = 0.0125 a quarter; 0.015 gives DSCR 1.2 < 1.3
    coll = np.full((1, t), 0.015)
    cls = [
        DebtClass("a", 0.6, 0.05, np.zeros(t), maturity=100),
        DebtClass("b", 0.25, 0.08, np.zeros(t), maturity=100, pik_below_trigger=True),
    ]
    out = run_waterfall(coll, np.ones((1, t)), cls, periods_per_year=f, dscr_trap=1.3, record=True)
    assert out.interest_paid[0, 1] == 0.0
    assert out.mean_flows["pik"][0, 1] == pytest.approx(0.25 * 0.08 / 4)
    assert out.mean_flows["triggered"].min() == 1.0
    # class B balance grew by the capitalised interest
    assert out.mean_flows["balance"][-1, 1] > 0.25


def test_ard_hyper_amortisation_sweeps_all_excess_cash() -> None:
    t, f = 12, 4
    cls = [DebtClass("a", 1.0, 0.04, np.zeros(t), maturity=40, ard=4)]
    out = run_waterfall(np.full((1, t), 0.2), np.ones((1, t)), cls, periods_per_year=f, record=True)
    fl = out.flows
    assert fl is not None
    assert fl["principal"][0, :4, 0].sum() == 0.0  # interest-only before the ARD
    # after the ARD nothing reaches equity until the class is repaid
    repaid = np.argmax(np.cumsum(fl["principal"][0, :, 0]) >= 1.0 - 1e-12)
    assert fl["equity"][0, 4:repaid].sum() == 0.0
    assert out.principal_paid[0, 0] == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dscr=st.one_of(st.none(), st.floats(1.0, 1.6)),
    ltv=st.one_of(st.none(), st.floats(0.5, 1.0)),
    reserve=st.floats(0.0, 9.0),
    ard=st.one_of(st.none(), st.integers(0, 30)),
)
def test_vectorised_waterfall_matches_scalar_oracle(
    seed: int, dscr: float | None, ltv: float | None, reserve: float, ard: int | None
) -> None:
    """Paths run together (numpy) equal paths run one by one (tests/reference/credit)."""
    scalar_waterfall = _oracle().scalar_waterfall
    rng = np.random.default_rng(seed)
    t, f, n = 32, 4, 6
    coll = rng.exponential(0.06, size=(n, t))
    value = rng.uniform(0.4, 1.4, size=(n, t))
    pre = coll * rng.uniform(0, 0.5, size=(n, t))
    cls = _classes(t, f, ard)
    out = run_waterfall(
        coll, value, cls, periods_per_year=f, fee_rate=0.01, dscr_trap=dscr, ltv_max=ltv,
        reserve_months=reserve, prepayments=pre,
    )  # fmt: skip
    spec = [
        {"notional": c.notional, "coupon": c.coupon, "sched": list(c.scheduled_principal),
         "maturity": c.maturity, "ard": c.ard, "pik": c.pik_below_trigger}
        for c in cls
    ]  # fmt: skip
    for p in range(n):
        ref = scalar_waterfall(
            list(coll[p]), list(value[p]), spec, f=f, fee_rate=0.01, dscr_trap=dscr,
            ltv_max=ltv, reserve_months=reserve, prepay=list(pre[p]),
        )  # fmt: skip
        np.testing.assert_allclose(out.interest_paid[p], ref["interest"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(out.principal_paid[p], ref["principal"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(out.equity_paid[p], ref["equity"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(out.loss[p], ref["loss"], rtol=1e-12, atol=1e-14)
