"""An independent, scalar (one path, plain Python floats) statement of the waterfall rules.

Written from the priority of payments in docs/methods/credit.md §3, not from the vectorised
code, as an oracle for ``boombust.credit.waterfall.run_waterfall`` (sequential mode).
"""

from __future__ import annotations

import math


def scalar_waterfall(
    collections: list[float],
    value: list[float],
    classes: list[dict],
    *,
    f: int,
    fee_rate: float = 0.0,
    dscr_trap: float | None = None,
    ltv_max: float | None = None,
    reserve_months: float = 0.0,
    prepay: list[float] | None = None,
) -> dict:
    """classes: dicts with notional, coupon, sched (list), maturity, ard, pik."""
    n = len(collections)
    bal = [c["notional"] for c in classes]
    reserve = trap = 0.0
    interest = [0.0] * len(classes)
    principal = [0.0] * len(classes)
    equity = 0.0
    loss = [None] * len(classes)
    for t in range(n):
        cash = collections[t] + trap
        trap = 0.0
        target = (
            reserve_months / 12.0 * sum(b * c["coupon"] for b, c in zip(bal, classes, strict=True))
        )
        if reserve > target:
            cash += reserve - target
            reserve = target
        fee = min(cash, fee_rate / f * sum(bal))
        cash -= fee
        due_i = [b * c["coupon"] / f for b, c in zip(bal, classes, strict=True)]
        due_p = [
            b if t >= c["maturity"] else min(b, c["sched"][t])
            for b, c in zip(bal, classes, strict=True)
        ]
        on = False
        if dscr_trap is not None and collections[t] - fee < dscr_trap * (sum(due_i) + sum(due_p)):
            on = True
        if ltv_max is not None and sum(bal) > ltv_max * value[t]:
            on = True
        paid_i = [0.0] * len(classes)
        paid_p = [0.0] * len(classes)
        pik = [0.0] * len(classes)

        for step in ["interest-0", "reserve", *range(len(classes))]:
            if step == "reserve":
                if reserve_months > 0:
                    top = min(cash, max(target - reserve, 0.0))
                    reserve += top
                    cash -= top
                continue
            ks = [0] if step == "interest-0" else [int(step)]
            for k in ks:
                if step == "interest-0" or k > 0:  # interest of class k
                    cash_due = 0.0 if (k > 0 and classes[k]["pik"] and on) else due_i[k]
                    p = min(cash, cash_due)
                    cash -= p
                    if reserve_months > 0:
                        d = min(reserve, cash_due - p)
                        reserve -= d
                        p += d
                    paid_i[k] = p
                    pik[k] = due_i[k] - p
                if step != "interest-0":  # principal of class k
                    c = classes[k]
                    hyper = t >= c["maturity"] or (c["ard"] is not None and t >= c["ard"])
                    amount = math.inf if hyper else due_p[k]
                    p = min(cash, amount, bal[k] + pik[k] - paid_p[k])
                    paid_p[k] += p
                    cash -= p
        if prepay is not None:
            extra = min(cash, prepay[t])
            for k in range(len(classes)):
                p = min(extra, max(bal[k] + pik[k] - paid_p[k], 0.0))
                paid_p[k] += p
                extra -= p
                cash -= p
        if on:
            trap = cash
        else:
            equity += cash
        for k, c in enumerate(classes):
            bal[k] = max(bal[k] + pik[k] - paid_p[k], 0.0)
            interest[k] += paid_i[k]
            principal[k] += paid_p[k]
            if t == c["maturity"] and loss[k] is None:
                loss[k] = min(bal[k], c["notional"]) / c["notional"]
                bal[k] = 0.0
    for k, c in enumerate(classes):
        if loss[k] is None:
            loss[k] = min(bal[k], c["notional"]) / c["notional"]
    return {"interest": interest, "principal": principal, "equity": equity, "loss": loss}
