"""SPV cash-flow waterfall, vectorised over Monte Carlo paths (numpy arrays paths x periods).

Each period, in order (the priority of payments of a data-centre ABS / lease-backed bond):

1. available = collections + cash trapped last period + reserve above its target;
2. senior fees (``fee_rate`` x debt outstanding);
3. senior class interest (drawing the reserve account if short);
4. triggers: DSCR = (collections - fees) / scheduled debt service below ``dscr_trap``, or
   LTV = debt / collateral value above ``ltv_max``; either one traps cash;
5. reserve account topped up to ``reserve_months`` of note interest;
6. principal: scheduled amortisation, the full balance at legal final, everything available
   after the anticipated repayment date (ARD: hyper-amortisation); ``sequential`` pays class by
   class (interest then principal), ``pro_rata`` pays all interest first and then principal in
   proportion to the scheduled amounts (sequential while a trigger is on);
7. junior classes: interest (capitalised -- PIK -- when the class has ``pik_below_trigger`` and a
   trigger is on; any unpaid interest is capitalised too) and principal;
8. mandatory prepayments (exit proceeds: RVG, termination fees, sale) to principal, senior first;
9. residual to equity, or to the trap account while a trigger is on.

**Refinancing** (a class with ``refinance_at``): at that period the class is due in full; the
balance still owed after the period's payments is refinanced as a level-payment loan over
``refinance_periods`` at the coupon plus ``step_up`` if every lease is in force
(``performing``) and the debt up to and including the class is at most ``refinance_ltv_max``
times the collateral value. Otherwise the SPV **forecloses**: the collateral's net sale value
(``recovery_value``), the period's remaining cash and the reserve pay all classes senior first,
what is left of each is written off, any surplus goes to equity, and later collections belong
to the buyer (``released``). From the ARD a class's coupon steps up by ``step_up``.

Cash is conserved exactly per period and path:
``collections + recovery = fees + interest + principal + equity + released + d(reserve)
+ d(trap)``.
A class still outstanding at its legal final is written off: its loss is the unpaid balance
(principal plus capitalised interest, capped at notional) over its notional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["DebtClass", "WaterfallOutput", "level_payment_schedule", "run_waterfall"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DebtClass:
    """One rated class, in seniority order. Periods are 0-based indices."""

    name: str
    notional: float
    coupon: float  # annual
    scheduled_principal: FloatArray  # per period, length T (0 for IO / bullet)
    maturity: int  # period index of the legal final (may exceed T-1: not reached)
    ard: int | None = None  # hyper-amortisation from this period on
    pik_below_trigger: bool = False
    step_up: float = 0.0  # annual coupon step-up from the ARD and on a refinanced balance
    refinance_at: int | None = None  # period of the refinancing test
    refinance_ltv_max: float | None = None  # LTV limit (debt through this class / collateral)
    refinance_periods: int = 0  # term of the refinanced level-payment loan


def level_payment_schedule(
    notional: float, coupon: float, n_periods: int, f: int, t: int
) -> FloatArray:
    """Principal per period of a level-payment (mortgage-style) amortisation over ``n_periods``."""
    out = np.zeros(t)
    if n_periods <= 0:
        return out
    r = coupon / f
    bal = notional
    pay = notional / n_periods if r == 0 else notional * r / (1.0 - (1.0 + r) ** (-n_periods))
    for k in range(min(n_periods, t)):
        prin = min(bal, pay - bal * r)
        out[k] = prin
        bal -= prin
    return out


@dataclass(frozen=True)
class WaterfallOutput:
    """Per-path results and per-period path means of the waterfall."""

    loss: FloatArray  # (P, K) fraction of notional written off
    refinanced: npt.NDArray[np.bool_]  # (P, K) balance refinanced at the refinancing date
    foreclosed: npt.NDArray[np.bool_]  # (P,) collateral sold after a failed refinancing
    recovery: FloatArray  # (P,) foreclosure sale proceeds
    interest_paid: FloatArray  # (P, K)
    principal_paid: FloatArray  # (P, K)
    pv: FloatArray  # (P, K) cash discounted at the class's own rate
    equity_paid: FloatArray  # (P,)
    trapped_periods: FloatArray  # (P,) share of periods with a trigger on
    mean_flows: dict[str, FloatArray]  # name -> (T,) or (T, K) path means
    max_conservation_error: float
    flows: dict[str, FloatArray] | None = field(default=None, repr=False)  # (P, T[, K])


class _Period:
    """Payments of one period: interest (with reserve draws and PIK) and principal by class."""

    def __init__(
        self,
        t: int,
        n_paths: int,
        classes: list[DebtClass],
        due_int: list[FloatArray],
        due_prin: list[FloatArray],
        triggered: npt.NDArray[np.bool_],
        res_frac: float,
        bal: FloatArray,
        full: list[npt.NDArray[np.bool_]],
    ) -> None:
        k_n = len(classes)
        self.t, self.n_paths, self.classes = t, n_paths, classes
        self.due_int, self.due_prin, self.triggered = due_int, due_prin, triggered
        self.full = full
        self.res_frac, self.bal = res_frac, bal
        self.interest = np.zeros((k_n, n_paths))
        self.principal = np.zeros((k_n, n_paths))
        self.pik = np.zeros((k_n, n_paths))

    def pay_interest(
        self, k: int, avail: FloatArray, reserve: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Pay class ``k`` interest from ``avail`` then the reserve; PIK below the trigger."""
        due = self.due_int[k]
        pik_now = k > 0 and self.classes[k].pik_below_trigger
        cash_due = np.where(self.triggered, 0.0, due) if pik_now else due
        paid = np.minimum(avail, cash_due)
        avail = avail - paid
        if self.res_frac > 0:
            draw = np.minimum(reserve, cash_due - paid)
            reserve = reserve - draw
            paid = paid + draw
        self.interest[k] = paid
        self.pik[k] = due - paid
        return avail, reserve

    def pay_principal(self, k: int, avail: FloatArray, amount: FloatArray) -> FloatArray:
        """Pay up to ``amount`` of class ``k`` principal (never more than it owes)."""
        owed = self.bal[k] + self.pik[k] - self.principal[k]
        paid: FloatArray = np.minimum(avail, np.minimum(amount, owed))
        self.principal[k] += paid
        left: FloatArray = avail - paid
        return left

    def principal_due(self, k: int) -> FloatArray:
        # everything at legal final, refinancing date or after the ARD (hyper-amortisation)
        out: FloatArray = np.where(self.full[k], np.inf, self.due_prin[k])
        return out


def run_waterfall(
    collections: FloatArray,
    collateral_value: FloatArray,
    classes: list[DebtClass],
    *,
    periods_per_year: int,
    fee_rate: float = 0.0,
    dscr_trap: float | None = None,
    ltv_max: float | None = None,
    reserve_months: float | None = None,
    principal: Literal["sequential", "pro_rata"] = "sequential",
    discount_rates: FloatArray | None = None,
    prepayments: FloatArray | None = None,
    performing: npt.NDArray[np.bool_] | None = None,
    recovery_value: FloatArray | None = None,
    record: bool = False,
) -> WaterfallOutput:
    """Run the priority of payments over ``collections[path, period]``.

    Parameters
    ----------
    collections
        Cash collected per path and period (rent, fees, guarantees, sale proceeds).
    collateral_value
        Collateral value per path and period (for the LTV test).
    classes
        Debt classes, most senior first.
    discount_rates
        Annual discount rate per class for ``pv`` (defaults to each coupon).
    prepayments
        The part of ``collections`` that is a mandatory prepayment (RVG, termination fees,
        sale proceeds): after scheduled payments it goes to principal, senior first, before
        any residual reaches equity or the trap account.
    performing
        ``[path, period]``: every lease in force (the refinancing test's tenant condition;
        default all True).
    recovery_value
        ``[path, period]``: net proceeds of selling the collateral still held if the SPV
        forecloses then (default 0).
    record
        Keep every per-path, per-period flow (for tests; memory P x T x K).
    """
    c = np.ascontiguousarray(np.asarray(collections, dtype=np.float64).T)  # (T, P)
    n_t, n_paths = c.shape
    cv = np.ascontiguousarray(np.asarray(collateral_value, dtype=np.float64).T)
    pre = None if prepayments is None else np.ascontiguousarray(np.asarray(prepayments).T)
    perf = None if performing is None else np.ascontiguousarray(np.asarray(performing, bool).T)
    rec_v = (
        None
        if recovery_value is None
        else np.ascontiguousarray(np.asarray(recovery_value, dtype=np.float64).T)
    )
    k_n = len(classes)
    f = periods_per_year
    step = [cl.step_up / f for cl in classes]
    unit = [  # principal of a refinanced loan per unit of refinanced balance
        level_payment_schedule(
            1.0, cl.coupon + cl.step_up, cl.refinance_periods, f, max(cl.refinance_periods, 0)
        )
        for cl in classes
    ]
    annual = np.array([cl.coupon for cl in classes])
    disc = annual if discount_rates is None else np.asarray(discount_rates, dtype=np.float64)
    notional = np.array([cl.notional for cl in classes])
    bal = np.repeat(notional[:, None], n_paths, axis=1)  # (K, P)
    sched = [cl.scheduled_principal[:n_t] for cl in classes]
    reserve = np.zeros(n_paths)
    trap = np.zeros(n_paths)
    zeros = np.zeros(n_paths)
    loss = np.zeros((k_n, n_paths))
    int_paid = np.zeros((k_n, n_paths))
    prin_paid = np.zeros((k_n, n_paths))
    pv = np.zeros((k_n, n_paths))
    eq_paid = np.zeros(n_paths)
    trapped_n = np.zeros(n_paths)
    written = np.zeros((k_n, n_paths), dtype=bool)
    mat = [np.full(n_paths, cl.maturity, dtype=np.int64) for cl in classes]
    ref_on = np.zeros((k_n, n_paths), dtype=bool)
    ref_bal = np.zeros((k_n, n_paths))
    foreclosed = np.zeros(n_paths, dtype=bool)
    recovery = np.zeros(n_paths)
    mean = {
        "collections": c.mean(axis=1),
        "fees": np.zeros(n_t),
        "interest": np.zeros((n_t, k_n)),
        "principal": np.zeros((n_t, k_n)),
        "pik": np.zeros((n_t, k_n)),
        "equity": np.zeros(n_t),
        "reserve": np.zeros(n_t),
        "trap": np.zeros(n_t),
        "balance": np.zeros((n_t, k_n)),
        "triggered": np.zeros(n_t),
        "recovery": np.zeros(n_t),
        "released": np.zeros(n_t),
    }
    rec: dict[str, FloatArray] | None = None
    if record:
        rec = {
            "collections": c.T.copy(),
            "fees": np.zeros((n_paths, n_t)),
            "interest": np.zeros((n_paths, n_t, k_n)),
            "principal": np.zeros((n_paths, n_t, k_n)),
            "equity": np.zeros((n_paths, n_t)),
            "reserve_change": np.zeros((n_paths, n_t)),
            "trap_change": np.zeros((n_paths, n_t)),
            "recovery": np.zeros((n_paths, n_t)),
            "released": np.zeros((n_paths, n_t)),
        }
    max_err = 0.0
    res_frac = (reserve_months or 0.0) / 12.0
    inv_p = 1.0 / max(n_paths, 1)
    for t in range(n_t):
        reserve0 = reserve
        trap0 = trap
        coll_in = c[t]
        # after a foreclosure the collections belong to the buyer of the collateral
        released = np.where(foreclosed, coll_in, 0.0)
        coll = coll_in - released
        avail = coll + trap
        # release reserve above target (balances amortise)
        if res_frac > 0:
            target = res_frac * (annual @ bal)
            excess = np.maximum(reserve - target, 0.0)
            reserve = reserve - excess
            avail += excess
        else:
            target = zeros
        total_bal = bal.sum(axis=0)
        if fee_rate > 0:
            fee = np.minimum(avail, (fee_rate / f) * total_bal)
            avail -= fee
        else:
            fee = zeros
        # scheduled debt service (before payments) for the DSCR test
        due_int: list[FloatArray] = []
        due_prin: list[FloatArray] = []
        full: list[npt.NDArray[np.bool_]] = []
        for k, cl in enumerate(classes):
            ard_on = cl.ard is not None and t >= cl.ard
            stepped = ref_on[k] | ard_on
            due_int.append(bal[k] * (cl.coupon / f + np.where(stepped, step[k], 0.0)))
            s_k: FloatArray | float = sched[k][t]
            if ref_on[k].any() and cl.refinance_at is not None:
                j = t - cl.refinance_at - 1
                s_ref = ref_bal[k] * unit[k][j] if 0 <= j < unit[k].size else 0.0
                s_k = np.where(ref_on[k], s_ref, s_k)
            at_final = t >= mat[k]
            due_prin.append(np.where(at_final, bal[k], np.minimum(bal[k], s_k)))
            full.append(at_final | ard_on | (t == cl.refinance_at))
        triggered = np.zeros(n_paths, dtype=bool)
        if dscr_trap is not None:
            ds = sum((due_int[k] + due_prin[k] for k in range(k_n)), zeros)
            triggered |= (coll - fee) < dscr_trap * ds
        if ltv_max is not None:
            triggered |= total_bal > ltv_max * np.maximum(cv[t], 1e-300)

        st = _Period(t, n_paths, classes, due_int, due_prin, triggered, res_frac, bal, full)
        interest_t, principal_t, pik_t = st.interest, st.principal, st.pik
        if k_n:
            avail, reserve = st.pay_interest(0, avail, reserve)
        if res_frac > 0:  # reserve top-up after senior interest
            top = np.minimum(avail, np.maximum(target - reserve, 0.0))
            reserve = reserve + top
            avail = avail - top
        if principal == "pro_rata" and k_n:
            for k in range(1, k_n):
                avail, reserve = st.pay_interest(k, avail, reserve)
            dues = np.stack([st.principal_due(k) for k in range(k_n)])
            inf = np.isinf(dues)
            seq = triggered | inf.any(axis=0)
            finite = np.where(inf, 0.0, dues)
            tot = finite.sum(axis=0)
            pool = np.where(seq, 0.0, np.minimum(avail, tot))
            safe = np.where(tot > 0, tot, 1.0)
            for k in range(k_n):
                principal_t[k] += pool * finite[k] / safe
            avail = avail - pool
            for k in range(k_n):
                avail = st.pay_principal(k, avail, np.where(seq, dues[k], 0.0))
        else:
            for k in range(k_n):
                if k > 0:
                    avail, reserve = st.pay_interest(k, avail, reserve)
                avail = st.pay_principal(k, avail, st.principal_due(k))
        if pre is not None:
            extra = np.minimum(avail, pre[t])
            for k in range(k_n):
                paid = np.minimum(extra, np.maximum(bal[k] + pik_t[k] - principal_t[k], 0.0))
                principal_t[k] += paid
                extra = extra - paid
                avail = avail - paid
        # refinancing tests: refinance, or foreclose and sell the collateral
        fore_now = np.zeros(n_paths, dtype=bool)
        rec_t = zeros
        for k, cl in enumerate(classes):
            if cl.refinance_at != t:
                continue
            owed = np.maximum(bal + pik_t - principal_t, 0.0)  # (K, P) after payments
            need = (owed[k] > 1e-12) & ~foreclosed & ~fore_now
            ok = cl.refinance_periods > 0 and cl.refinance_ltv_max is not None
            ok_p = np.full(n_paths, ok)
            if perf is not None:
                ok_p &= perf[t]
            if cl.refinance_ltv_max is not None:
                ok_p &= owed[: k + 1].sum(axis=0) <= cl.refinance_ltv_max * cv[t]
            refi = need & ok_p
            ref_on[k] |= refi
            ref_bal[k] = np.where(refi, owed[k], ref_bal[k])
            mat[k] = np.where(refi, t + cl.refinance_periods, mat[k])
            fore_now |= need & ~ok_p
        if fore_now.any():
            rec_t = np.where(fore_now, rec_v[t] if rec_v is not None else 0.0, 0.0)
            pot = np.where(fore_now, rec_t + avail + reserve, 0.0)
            avail = np.where(fore_now, 0.0, avail)
            reserve = np.where(fore_now, 0.0, reserve)
            for k in range(k_n):
                paid = np.minimum(pot, np.maximum(bal[k] + pik_t[k] - principal_t[k], 0.0))
                principal_t[k] += paid
                pot = pot - paid
            avail = avail + pot  # surplus over the debt: to equity
            recovery += rec_t
        # residual: equity, or the trap account while a trigger is on
        trap_now = triggered & ~fore_now
        eq = np.where(trap_now, 0.0, avail)
        trap = np.where(trap_now, avail, 0.0)
        bal = np.maximum(bal + pik_t - principal_t, 0.0)
        if fore_now.any():
            for k in range(k_n):
                hit = fore_now & ~written[k]
                loss[k] = np.where(hit, np.minimum(bal[k], notional[k]) / notional[k], loss[k])
                written[k] |= fore_now
            bal[:, fore_now] = 0.0
            foreclosed |= fore_now
        int_paid += interest_t
        prin_paid += principal_t
        pv += (interest_t + principal_t) * np.exp(-disc * ((t + 1) / f))[:, None]
        eq_paid += eq
        trapped_n += triggered
        for k in range(k_n):
            hit = (mat[k] == t) & ~written[k]
            if hit.any():
                loss[k] = np.where(hit, np.minimum(bal[k], notional[k]) / notional[k], loss[k])
                bal[k] = np.where(hit, 0.0, bal[k])
                written[k] |= hit
        d_res = reserve - reserve0
        d_trap = trap - trap0
        paid_out = fee + interest_t.sum(axis=0) + principal_t.sum(axis=0) + eq + d_res + d_trap
        err = coll_in + rec_t - (paid_out + released)
        if n_paths:
            max_err = max(max_err, float(np.abs(err).max()))
        mean["fees"][t] = fee.sum() * inv_p
        mean["interest"][t] = interest_t.sum(axis=1) * inv_p
        mean["principal"][t] = principal_t.sum(axis=1) * inv_p
        mean["pik"][t] = pik_t.sum(axis=1) * inv_p
        mean["equity"][t] = eq.sum() * inv_p
        mean["reserve"][t] = reserve.sum() * inv_p
        mean["trap"][t] = trap.sum() * inv_p
        mean["balance"][t] = bal.sum(axis=1) * inv_p
        mean["triggered"][t] = np.count_nonzero(triggered) * inv_p
        mean["recovery"][t] = rec_t.sum() * inv_p
        mean["released"][t] = released.sum() * inv_p
        if rec is not None:
            rec["fees"][:, t] = fee
            rec["interest"][:, t] = interest_t.T
            rec["principal"][:, t] = principal_t.T
            rec["equity"][:, t] = eq
            rec["reserve_change"][:, t] = d_res
            rec["trap_change"][:, t] = d_trap
            rec["recovery"][:, t] = rec_t
            rec["released"][:, t] = released
    for k in range(k_n):  # legal final beyond the horizon: outstanding balance is at risk
        loss[k] = np.where(written[k], loss[k], np.minimum(bal[k], notional[k]) / notional[k])
    return WaterfallOutput(
        loss=np.ascontiguousarray(loss.T),
        refinanced=np.ascontiguousarray(ref_on.T),
        foreclosed=foreclosed,
        recovery=recovery,
        interest_paid=np.ascontiguousarray(int_paid.T),
        principal_paid=np.ascontiguousarray(prin_paid.T),
        pv=np.ascontiguousarray(pv.T),
        equity_paid=eq_paid,
        trapped_periods=trapped_n / max(n_t, 1),
        mean_flows=mean,
        max_conservation_error=max_err,
        flows=rec,
    )
