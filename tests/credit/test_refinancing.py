"""Refinancing at a refinancing date / legal final, foreclosure with recovery, ARD step-up.

Expected values are worked by hand from the rules in docs/methods/credit.md §3 (annual
periods, so a period's rate is the annual coupon); the level payment is the annuity
``B r / (1 - (1 + r)^-n)``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.cli.main import main
from boombust.credit.engine import CreditResult, check_deal, run_deal
from boombust.credit.spec import CreditRunSpec
from boombust.credit.waterfall import DebtClass, level_payment_schedule, run_waterfall
from boombust.data.schema import Deal

CENT = 1e-11  # one cent in USD billions
ABS = Path(str(resources.files("boombust.credit") / "examples")) / "dc-abs-master-trust.yaml"
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


# --- the engine: a construction loan refinanced at completion -------------------------------
# Facility cost 100, all shell, straight-line over 100 years with no salvage: value at the end
# of the first quarter 1 - 0.25/100 = 0.9975, collateral 99.75 (market shock 1). Loan 90 bullet
# at 4% (quarterly rate 1%), rent 10/yr (2.5 a quarter) for 20 years from completion; the tenant
# never defaults (default_times = inf), so only the LTV test decides.


def _construction_deal(ltv_max: float) -> Deal:
    flat = {"method": "straight_line", "useful_life": 100.0, "salvage": 0.0}
    return Deal.model_validate(
        {
            "id": "toy-construction",
            "name": "toy construction loan",
            "spv": "toy-spv",
            "facility": {
                "cost": 100.0,
                "shell_share": 1.0,
                "power_share": 0.0,
                "it_share": 0.0,
                "completion": "2026",
                "curves": {"shell": flat, "power": flat, "it": flat},
            },
            "leases": [{"tenant": "t", "annual_rent": 10.0, "start": "2026", "term_years": 20.0}],
            "tranches": [
                {
                    "id": "eq",
                    "name": "equity",
                    "attach": 0.0,
                    "detach": 0.1,
                    "notional": 10.0,
                    "amortisation": "equity",
                },
                {
                    "id": "loan",
                    "name": "construction loan",
                    "attach": 0.1,
                    "detach": 1.0,
                    "notional": 90.0,
                    "coupon": 0.04,
                    "amortisation": "bullet",
                    "refinance_date": "2026",
                    "refinance_ltv_max": ltv_max,
                },
            ],
        }
    )


def _run_toy(ltv_max: float) -> CreditResult:
    n = 64
    spec = CreditRunSpec(n_paths=n, seed=3, liquidation_cost=0.35)
    return run_deal(
        _construction_deal(ltv_max),
        spec,
        default_times={"t": np.full(n, np.inf)},
        market_shock=np.ones(n),
    )


def test_engine_forecloses_when_the_take_out_ltv_fails() -> None:
    # LTV 90 / 99.75 = 0.902 > 0.8. First quarter: interest 0.9, the loan is due, so the other
    # 1.6 of rent repays principal (88.4 left); the sale nets 99.75 x 0.65 = 64.8375, leaving
    # 23.5625 written off: loss 0.261806 on every path.
    res = _run_toy(0.8)
    loan = next(t for t in res.tranches if t.id == "loan")
    assert loan.expected_loss == pytest.approx((88.4 - 99.75 * 0.65) / 90, rel=1e-9)
    assert res.refinancing["foreclosed"] == 1.0
    assert res.max_conservation_error < CENT


def test_engine_refinances_over_the_remaining_lease_term() -> None:
    # LTV 0.886 <= 0.95 after the first quarter (88.4 / 99.75): refinanced over the lease's
    # remaining 19.75 years (79 quarters) at 1%: instalment 88.4 x 0.01 / (1 - 1.01^-79)
    # = 1.6236 < 2.5 of rent, so the loan is repaid on every path; WAL follows the annuity.
    res = _run_toy(0.95)
    loan = next(t for t in res.tranches if t.id == "loan")
    assert loan.expected_loss == pytest.approx(0.0, abs=1e-12)
    assert res.refinancing["loan refinanced"] == 1.0
    assert res.refinancing["foreclosed"] == 0.0
    prin = level_payment_schedule(88.4, 0.04, 79, 4, 79)
    years = (np.arange(80) + 1) / 4
    wal = (0.25 * 1.6 + (years[1:] * prin).sum()) / 90.0
    assert loan.wal == pytest.approx(wal, rel=1e-9)
    assert res.period_years.size == 80  # horizon runs to the refinanced loan's final


def test_refinancing_terms_need_a_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = yaml.safe_load(ABS.read_text())
    tr = raw["deal"]["tranches"][0]
    tr.pop("maturity")
    tr["refinance_ltv_max"] = 0.7
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(SystemExit) as exc:
        main(["credit", "run", str(p), "--paths", "10"])
    err = capsys.readouterr().err
    assert exc.value.code == 3
    for word in ("dc-abs-2025", "refinance_date", "class-a-2"):
        assert word in err, (word, err)
    # and a refinancing date without the LTV limit is a schema error
    tr["refinance_date"] = "2030-09"
    tr.pop("refinance_ltv_max")
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(SystemExit) as exc:
        main(["credit", "run", str(p), "--paths", "10"])
    assert exc.value.code == 3
    assert "refinance_ltv_max" in capsys.readouterr().err


def test_every_ai_2025_deal_passes_the_engine_checks_and_runs() -> None:
    from boombust.data import load_dataset

    ds = load_dataset("ai-2025")
    for deal in ds.deals:
        check_deal(deal)
        res = run_deal(deal, CreditRunSpec(n_paths=64, chunk_size=64))
        assert res.max_conservation_error < CENT


def test_flows_frame_and_plot_show_foreclosure_cash(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = _run_toy(0.8)
    df = res.flows_frame()
    # first quarter: the sale (99.75 x 0.65) comes in; later rent (2.5 a quarter) is released
    assert df["recovery"].iloc[0] == pytest.approx(99.75 * 0.65)
    assert df["released"].iloc[1:].to_numpy() == pytest.approx(2.5)
    res.plot().savefig(tmp_path / "refi.png")
    plt.close("all")
