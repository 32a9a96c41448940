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

Cash is conserved exactly per period and path:
``collections = fees + interest + principal + equity + d(reserve) + d(trap)``.
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
    ) -> None:
        k_n = len(classes)
        self.t, self.n_paths, self.classes = t, n_paths, classes
        self.due_int, self.due_prin, self.triggered = due_int, due_prin, triggered
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
        cl = self.classes[k]
        if self.t >= cl.maturity or (cl.ard is not None and self.t >= cl.ard):
            return np.full(self.n_paths, np.inf)  # everything: legal final / hyper-amortisation
        return self.due_prin[k]


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
    record
        Keep every per-path, per-period flow (for tests; memory P x T x K).
    """
    c = np.ascontiguousarray(np.asarray(collections, dtype=np.float64).T)  # (T, P)
    n_t, n_paths = c.shape
    cv = np.ascontiguousarray(np.asarray(collateral_value, dtype=np.float64).T)
    pre = None if prepayments is None else np.ascontiguousarray(np.asarray(prepayments).T)
    k_n = len(classes)
    f = periods_per_year
    rate = [cl.coupon / f for cl in classes]
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
    written = [False] * k_n
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
        }
    max_err = 0.0
    res_frac = (reserve_months or 0.0) / 12.0
    inv_p = 1.0 / max(n_paths, 1)
    for t in range(n_t):
        reserve0 = reserve
        trap0 = trap
        coll = c[t]
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
        due_int = [bal[k] * rate[k] for k in range(k_n)]
        due_prin = [
            bal[k] if t >= cl.maturity else np.minimum(bal[k], sched[k][t])
            for k, cl in enumerate(classes)
        ]
        triggered = np.zeros(n_paths, dtype=bool)
        if dscr_trap is not None:
            ds = sum((due_int[k] + due_prin[k] for k in range(k_n)), zeros)
            triggered |= (coll - fee) < dscr_trap * ds
        if ltv_max is not None:
            triggered |= total_bal > ltv_max * np.maximum(cv[t], 1e-300)

        st = _Period(t, n_paths, classes, due_int, due_prin, triggered, res_frac, bal)
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
        # residual: equity, or the trap account while a trigger is on
        eq = np.where(triggered, 0.0, avail)
        trap = np.where(triggered, avail, 0.0)
        bal = np.maximum(bal + pik_t - principal_t, 0.0)
        int_paid += interest_t
        prin_paid += principal_t
        pv += (interest_t + principal_t) * np.exp(-disc * ((t + 1) / f))[:, None]
        eq_paid += eq
        trapped_n += triggered
        for k, cl in enumerate(classes):
            if t == cl.maturity and not written[k]:
                loss[k] = np.minimum(bal[k], notional[k]) / notional[k]
                bal[k] = 0.0
                written[k] = True
        d_res = reserve - reserve0
        d_trap = trap - trap0
        err = coll - (fee + interest_t.sum(axis=0) + principal_t.sum(axis=0) + eq + d_res + d_trap)
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
        if rec is not None:
            rec["fees"][:, t] = fee
            rec["interest"][:, t] = interest_t.T
            rec["principal"][:, t] = principal_t.T
            rec["equity"][:, t] = eq
            rec["reserve_change"][:, t] = d_res
            rec["trap_change"][:, t] = d_trap
    for k in range(k_n):
        if not written[k]:  # legal final beyond the horizon: outstanding balance is at risk
            loss[k] = np.minimum(bal[k], notional[k]) / notional[k]
    return WaterfallOutput(
        loss=np.ascontiguousarray(loss.T),
        interest_paid=np.ascontiguousarray(int_paid.T),
        principal_paid=np.ascontiguousarray(prin_paid.T),
        pv=np.ascontiguousarray(pv.T),
        equity_paid=eq_paid,
        trapped_periods=trapped_n / max(n_t, 1),
        mean_flows=mean,
        max_conservation_error=max_err,
        flows=rec,
    )
