"""The six steps of the cascade, each a function over a vectorised :class:`CascadeState`.

Shapes: ``P`` paths × ``N`` institutions × ``K`` traded assets. Each step records the losses
it causes per institution in ``state.loss[:, :, step]`` (attribution), so that the six
columns add up to each institution's total loss on each path.

1. :func:`demand_shock` — end-user AI revenue falls short of what the commitments assume;
   the circular commitments are
   cleared like a payment system (Eisenberg–Noe); lost revenue and missed receipts are losses.
2. :func:`reprice` — AI and consumer-facing assets fall (``ai_beta`` × drawdown, the drawdown
   rising with the revenue shortfall,
   ``consumer_beta`` × unemployment); holders mark to market.
3. :func:`leases_and_tranches` — tenants stay, renegotiate or walk away (correlated through a
   one-factor Gaussian copula; probability rising with tenant stress and GPU obsolescence);
   deal value is allocated through the tranches' attach/detach; holders mark to market.
4. :func:`downgrade` and :func:`forced_sales` — bonds downgraded with their price falls,
   tranches re-rated from their loss; insurers sell paper below their minimum rating, levered
   holders sell to get back under their leverage limit (threshold, Cont–Schaanning) or to their
   target (Greenwood–Landier–Thesmar), funds meet redemptions, defaulters liquidate.
5. :func:`fire_sale_round` — sales move prices (linear or exponential impact over market depth);
   every holder marks to market.
6. :func:`clear_defaults` — institutions whose equity is exhausted default; obligations are
   cleared with Rogers–Veraart (default costs ``alpha``, ``beta``); creditors lose.

Steps 4–6 are iterated jointly to a fixed point by :func:`boombust.stress.engine.cascade`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2, norm
from scipy.stats import t as student_t

from boombust.stress.firesale import exponential_impact, linear_impact
from boombust.stress.kernels import COMPACT, Kernels
from boombust.stress.network import DealArrays, Network
from boombust.stress.waterfall import interpolate

__all__ = [
    "STEP_NAMES",
    "CascadeState",
    "CommitmentOutcome",
    "TrancheOutcome",
    "assumed_revenue",
    "clear_defaults",
    "demand_shock",
    "downgrade",
    "fire_sale_round",
    "forced_sales",
    "implied_notch",
    "initial_state",
    "leases_and_tranches",
    "reprice",
]

F64 = NDArray[np.float64]
Draws = dict[str, F64]

STEP_NAMES: tuple[str, ...] = (
    "demand_and_commitments",
    "equity_repricing",
    "leases_and_tranches",
    "downgrades",
    "fire_sales",
    "defaults",
)
"""Names of the six steps, in order (the columns of the loss attribution)."""

# Moody's 10-year idealized cumulative default rates (methods §F.2, verified), Aaa … Ca/C;
# expected loss = 0.55 x PD. Index i is notch i+1 on boombust's common scale.
_PD10 = np.array(
    [0.0001, 0.0010, 0.0020, 0.0040, 0.0070, 0.0120, 0.0180, 0.0260, 0.0360, 0.0610,
     0.0940, 0.1350, 0.1766, 0.2220, 0.2720, 0.3490, 0.4770, 0.6500, 0.8070, 1.0000]
)  # fmt: skip
EL10 = 0.55 * _PD10


def implied_notch(loss_fraction: F64) -> NDArray[np.int64]:
    """Best rating notch (1 = AAA) whose 10-year idealized EL covers ``loss_fraction``.

    0 for no loss (keep the current rating). Moody's idealized EL = 0.55 x PD (methods §F.2).
    """
    lf = np.asarray(loss_fraction, dtype=float)
    n = np.searchsorted(EL10, lf, side="left") + 1
    return np.where(lf > 1e-12, np.minimum(n, len(EL10)), 0).astype(np.int64)


@dataclass
class CascadeState:
    """Mutable per-chunk state of the cascade (internal; results are immutable)."""

    price: F64  # (P, K) relative to today's price
    price_pre: F64  # (P, K) price before fire-sale impact
    market: F64  # (P, K) price the fire sales alone leave (before issuer-default caps)
    cap: F64  # (P, K) price caps from defaulted issuers (inf: none)
    notch: NDArray[np.int64]  # (P, K) current rating notch (0 unrated)
    qty: F64  # (P, N, K) units still held (today's value units)
    volume: F64  # (P, K) cumulative units sold in fire sales
    proceeds: F64  # (P, N)
    redeemed: F64  # (P, N) redemptions paid so far
    loss: F64  # (P, N, 6)
    defaulted: NDArray[np.bool_]  # (P, N)
    default_round: NDArray[np.int64]  # (P, N), -1 never

    @property
    def paths(self) -> int:
        return int(self.price.shape[0])

    def equity(self, net: Network) -> F64:
        return np.asarray(net.equity0 - self.loss.sum(axis=2), dtype=float)

    def total_assets(self, net: Network) -> F64:
        return np.asarray(net.assets0 - self.loss.sum(axis=2) - self.proceeds, dtype=float)

    _ARRAYS = (
        "price", "price_pre", "market", "cap", "notch", "qty", "volume", "proceeds",
        "redeemed", "loss", "defaulted", "default_round",
    )  # fmt: skip

    def take(self, rows: NDArray[np.int64]) -> CascadeState:
        """A new state holding only ``rows`` (paths)."""
        return CascadeState(**{a: getattr(self, a)[rows] for a in self._ARRAYS})

    def put(self, rows: NDArray[np.int64], other: CascadeState) -> None:
        """Write ``other`` (a state of ``len(rows)`` paths) back into ``rows``."""
        for a in self._ARRAYS:
            getattr(self, a)[rows] = getattr(other, a)

    def mark(self, new_price: F64, step: int) -> None:
        """Set prices; every holder marks to market; the loss goes to ``step``."""
        dp = self.price - new_price
        self.loss[:, :, step] += np.einsum("pnk,pk->pn", self.qty, dp)
        self.price = new_price


def initial_state(net: Network, paths: int) -> CascadeState:
    n, k = net.n_inst, net.n_assets
    return CascadeState(
        price=np.ones((paths, k)),
        price_pre=np.ones((paths, k)),
        market=np.ones((paths, k)),
        cap=np.full((paths, k), np.inf),
        notch=np.broadcast_to(net.rating_notch, (paths, k)).copy(),
        qty=np.broadcast_to(net.holdings, (paths, n, k)).copy(),
        volume=np.zeros((paths, k)),
        proceeds=np.zeros((paths, n)),
        redeemed=np.zeros((paths, n)),
        loss=np.zeros((paths, n, len(STEP_NAMES))),
        defaulted=np.zeros((paths, n), dtype=bool),
        default_round=np.full((paths, n), -1, dtype=np.int64),
    )


# ----------------------------------------------------------------------------- step 1


@dataclass(frozen=True)
class CommitmentOutcome:
    """Step 1 output: payments per commitment and the share of the circle honoured."""

    paid: F64  # (P, C) annual payments under the shock
    surviving: F64  # (P,) share of all commitments honoured under the shock
    backed_today: F64  # (P,) share today's outside money (current AI revenue) would honour


def assumed_revenue(net: Network, other: F64) -> F64:
    """End-user AI revenue the commitments assume (P, N): ``max(ai_revenue, required)``.

    ``required_i = pbar_i - other_i - inflow_i``: what firm i needs to pay its obligations in
    full when it is paid in full (``pbar`` its annual obligations, ``inflow`` what it is
    promised). At this revenue every obligation is honoured (``pbar`` is then a clearing
    vector, and the greatest one).
    """
    obl = net.comm_obligation
    if obl.shape != net.comm_annual.shape:
        obl = np.ones(net.comm_annual.shape, dtype=bool)
    pbar = np.zeros(net.n_inst)
    inflow = np.zeros(net.n_inst)
    np.add.at(pbar, net.comm_payer[obl], net.comm_annual[obl])
    np.add.at(inflow, net.comm_payee[obl], net.comm_annual[obl])
    required = np.maximum(pbar - other - inflow, 0.0)
    return np.asarray(np.maximum(net.ai_revenue, required), dtype=float)


def demand_shock(
    net: Network,
    draws: Draws,
    state: CascadeState,
    kernels: Kernels = COMPACT,
    baseline: str = "assumed",
) -> CommitmentOutcome:
    """Step 1: AI revenue shortfall and Eisenberg–Noe clearing of the commitment graph.

    ``revenue_shortfall`` cuts the end-user AI revenue the commitments assume
    (``baseline="assumed"``, the default; :func:`assumed_revenue`): firm i's outside money is
    ``assumed_i (1 - shortfall) + other_i`` with ``other = funding_share × max(OCF, 0)`` the
    non-AI cash it devotes to them, so a zero shortfall honours everything. With
    ``baseline="today"`` it cuts today's AI revenue instead (a zero shortfall then leaves
    today's gap unpaid). The obligations (cash types, not completed: the network engine's
    convention) are cleared with Eisenberg–Noe (``kernels.commitments``; the same as
    :func:`boombust.network.clear_commitments` on that graph). Losses (one year of flows): the
    margin on today's AI revenue lost (``ai_revenue × shortfall × revenue_margin``) and
    commitment receipts not paid (receipts of deal SPVs are valued in step 3 instead).

    ``backed_today`` clears the same graph on today's AI revenue: how much of the circle outside
    money backs now ("how much of the $1.4T is real").
    """
    s = draws["revenue_shortfall"]
    share = draws["commitment_funding_share"][:, None]
    other = share * np.maximum(net.op_cash_flow, 0.0)
    margin_loss = net.ai_revenue * s[:, None] * draws["revenue_margin"][:, None]
    ones = np.ones(state.paths)
    if len(net.comm_annual) == 0:
        state.loss[:, :, 0] += margin_loss
        return CommitmentOutcome(np.zeros((state.paths, 0)), ones, ones)
    today_rev = np.broadcast_to(net.ai_revenue, other.shape)
    base = assumed_revenue(net, other) if baseline == "assumed" else today_rev
    paid = kernels.commitments(net, base, other, s)
    paid_today = kernels.commitments(net, today_rev, other, np.zeros(state.paths))
    lost = np.where(net.comm_to_spv, 0.0, np.maximum(net.comm_annual - paid, 0.0))
    missed = np.zeros((state.paths, net.n_inst))
    np.add.at(missed.T, net.comm_payee, lost.T)
    state.loss[:, :, 0] += margin_loss + missed
    obl = net.comm_obligation if net.comm_obligation.shape == net.comm_annual.shape else None
    w = net.comm_annual if obl is None else net.comm_annual * obl
    total = float(w.sum())
    if total <= 0:
        return CommitmentOutcome(paid, ones, ones)
    surv = (paid * (w > 0)).sum(axis=1) / total
    backed = (paid_today * (w > 0)).sum(axis=1) / total
    return CommitmentOutcome(paid, surv, backed)


# ----------------------------------------------------------------------------- step 2


def asset_returns(net: Network, draws: Draws) -> F64:
    """Step-2 price falls (P, K): ``ai_beta × dd + consumer_beta × c × du`` (+ class shocks).

    ``dd = ai_equity_drawdown + drawdown_per_shortfall × revenue_shortfall``; ``c`` is
    ``consumer_drawdown_per_pp`` for consumer-facing securities and
    ``consumer_credit_loss_per_pp`` for consumer credit (whose consumer_beta defaults to 1).
    """
    dd = (
        draws["ai_equity_drawdown"] + draws["drawdown_per_shortfall"] * draws["revenue_shortfall"]
    )[:, None]
    du = draws["unemployment_rise_pp"][:, None]
    consumer = np.array([c == "consumer_credit" for c in net.asset_classes])
    # consumer credit loses `consumer_credit_loss_per_pp` per pp (scaled by its consumer_beta,
    # 1 if unset); other consumer-facing assets fall `consumer_drawdown_per_pp` x consumer_beta
    credit_beta = np.where(net.consumer_beta > 0, net.consumer_beta, 1.0)
    per_pp = np.where(
        consumer,
        credit_beta * draws["consumer_credit_loss_per_pp"][:, None],
        net.consumer_beta * draws["consumer_drawdown_per_pp"][:, None],
    )
    fall = net.ai_beta * dd + per_pp * du
    for key, val in draws.items():
        if key.startswith("shock:"):
            cls = key.split(":", 1)[1]
            mask = np.array([c == cls for c in net.asset_classes])
            fall = fall + mask * val[:, None]
    fall = np.where(net.is_tranche, 0.0, fall)
    return np.asarray(np.clip(fall, -1.0, 1.0), dtype=float)


def reprice(net: Network, draws: Draws, state: CascadeState) -> F64:
    """Step 2: AI (and consumer-facing) assets reprice; holders mark to market.

    Returns the price falls applied (P, K).
    """
    fall = asset_returns(net, draws)
    state.mark(state.price * (1.0 - fall), 1)
    return fall


# ----------------------------------------------------------------------------- step 3


@dataclass(frozen=True)
class TrancheOutcome:
    """Step 3 output: tenant decisions, deal losses, tranche prices."""

    walked: NDArray[np.bool_]  # (P, leases)
    renegotiated: NDArray[np.bool_]  # (P, leases)
    deal_loss: F64  # (P, deals) value lost relative to the no-shock deal value
    tranche_price: F64  # (P, tranches) relative to the no-shock value
    tranche_loss: F64  # (P, tranches) = 1 - tranche_price


def _annuity(rate: F64, years: F64) -> F64:
    safe = np.where(rate > 1e-12, rate, 1.0)
    return np.asarray(
        np.where(rate > 1e-12, (1.0 - (1.0 + safe) ** (-years)) / safe, years), dtype=float
    )


def _collateral(d: DealArrays, age: F64, it_life: F64 | None, kernels: Kernels = COMPACT) -> F64:
    """Facility value at ``age``: cost × shares × value curves (IT life replaced by ``it_life``)."""
    shell_c, power_c, it_c = d.curves
    sh = d.shares
    vc = kernels.value_curve
    return np.asarray(
        d.cost
        * (sh[0] * vc(shell_c, age) + sh[1] * vc(power_c, age) + sh[2] * vc(it_c, age, it_life)),
        dtype=float,
    )


def leases_and_tranches(
    net: Network,
    draws: Draws,
    state: CascadeState,
    uniforms: F64,
    kernels: Kernels = COMPACT,
) -> TrancheOutcome:
    """Step 3: lease decisions, deal values and tranche losses (the cascade's compact kernel).

    ``uniforms`` (P, 2 + leases): the common factor, the t-copula mixing variable and one
    draw per lease. A tenant walks when ``Phi(sqrt(rho) Y + sqrt(1-rho) Z) < p_walk`` (Gaussian
    copula), or ``T_nu((sqrt(rho) Y + sqrt(1-rho) Z) / sqrt(W / nu)) < p_walk`` with
    ``W ~ chi2_nu`` when ``tenant_copula_df = nu > 0`` (t copula, fatter joint tails), with
    ``p_walk = base + s_stress × (tenant equity lost) + s_value × (GPU value lost)``; otherwise
    it renegotiates (rent × (1 - haircut)) with probability ``renegotiation_prob``. A walking
    tenant leaves the collateral (valued on curves whose IT life is ``min(accounting, gpu_life)``)
    plus the early-termination fee and the residual value guarantee if it is solvent, but never
    more than renegotiating would cost it. The deal's value is allocated through the tranches
    (:func:`boombust.stress.kernels.tranche_payoff`); tranche prices are payoffs relative to
    the no-shock payoffs.

    To be checked against / replaced by :mod:`boombust.credit` (waterfalls, copulas) when it lands.
    """
    p = state.paths
    n_leases = sum(len(d.lease_rent) for d in net.deals)
    n_tr = sum(len(d.tranche_notional) for d in net.deals)
    walked = np.zeros((p, n_leases), dtype=bool)
    reneg = np.zeros((p, n_leases), dtype=bool)
    deal_loss = np.zeros((p, len(net.deals)))
    tr_price = np.ones((p, n_tr))
    if not net.deals:
        return TrancheOutcome(walked, reneg, deal_loss, tr_price, 1.0 - tr_price)
    rho = draws["tenant_correlation"]
    common = norm.ppf(np.clip(uniforms[:, 0], 1e-12, 1 - 1e-12))
    df = draws["tenant_copula_df"]
    use_t = df > 0
    safe_df = np.where(use_t, df, 1.0)
    w = chi2.ppf(np.clip(uniforms[:, 1], 1e-12, 1 - 1e-12), safe_df)
    mix = np.where(use_t, np.sqrt(w / safe_df), 1.0)
    t = draws["horizon_years"]
    r = draws["discount_rate"]
    gpu = draws["gpu_life"]
    equity_now = state.equity(net)
    lost_share = np.clip(
        (net.equity0 - equity_now) / np.where(net.equity0 > 0, net.equity0, 1.0), 0.0, 1.0
    )
    li = 0
    ti = 0
    new_price = state.price.copy()
    for di, d in enumerate(net.deals):
        it_c = d.curves[2]
        life = np.minimum(it_c.useful_life, gpu)
        t_rem = np.maximum(d.lease_term.max() - t, 0.0)
        t_end = t + t_rem

        def collateral(age: F64, it_life: F64 | None, d: DealArrays = d) -> F64:
            return _collateral(d, age, it_life, kernels)

        disc = (1.0 + r) ** (-t_rem)
        c_end_base = collateral(t_end, None) * disc
        c_end = collateral(t_end, life) * disc
        c_now = collateral(t, life)
        gpu_lost = kernels.value_curve(it_c, t) - kernels.value_curve(it_c, t, life)
        rent_tot = d.lease_rent.sum()
        v_base = np.zeros(p) + c_end_base
        v = np.zeros(p) + c_end
        v_walk_total = np.zeros(p)
        table = net.waterfall[di] if net.waterfall else None
        ordinal = np.zeros((p, len(d.lease_rent)), dtype=np.int64)
        for lj in range(len(d.lease_rent)):
            rent = d.lease_rent[lj]
            w = rent / rent_tot if rent_tot > 0 else 1.0 / len(d.lease_rent)
            term_rem = np.maximum(d.lease_term[lj] - t, 0.0)
            ann = _annuity(r, term_rem)
            tenant = int(d.lease_tenant[lj])
            stress = lost_share[:, tenant] if tenant >= 0 else np.zeros(p)
            solvent = (
                equity_now[:, tenant] + net.default_buffer[tenant] > 0
                if tenant >= 0
                else np.ones(p, dtype=bool)
            )
            p_walk = np.clip(
                draws["walk_away_base"]
                + draws["walk_away_stress_sensitivity"] * stress
                + draws["walk_away_value_sensitivity"] * gpu_lost,
                0.0,
                1.0,
            )
            z = np.sqrt(rho) * common + np.sqrt(1.0 - rho) * norm.ppf(
                np.clip(uniforms[:, 2 + li], 1e-12, 1 - 1e-12)
            )
            u = np.where(use_t, student_t.cdf(z / mix, safe_df), norm.cdf(z))
            walk = u < p_walk
            rn = ~walk & (u < p_walk + (1.0 - p_walk) * draws["renegotiation_prob"])
            stay_val = rent * ann
            reneg_val = rent * (1.0 - draws["rent_haircut"]) * ann
            shortfall = np.maximum(d.capital - c_now, 0.0)
            rvg = np.where(solvent, np.minimum(d.lease_rvg_cap[lj], shortfall), 0.0)
            fee = np.where(solvent, d.lease_fee_years[lj] * rent, 0.0)
            walk_val = w * c_now + fee + rvg - w * c_end  # collateral now replaces lease + end
            walk_val = np.minimum(walk_val, reneg_val)
            v_base = v_base + stay_val
            v = v + np.where(walk, walk_val, np.where(rn, reneg_val, stay_val))
            v_walk_total += walk
            walked[:, li] = walk
            reneg[:, li] = rn
            ordinal[:, lj] = np.where(~solvent, 3, np.where(walk, 2, np.where(rn, 1, 0)))
            li += 1
        if table is not None:
            # the credit engine's waterfall, tabulated per run (boombust.stress.waterfall)
            worst = np.zeros((p, table.n_tenants), dtype=np.int64)
            for lj in range(len(d.lease_rent)):
                k = int(table.lease_tenant[lj])
                worst[:, k] = np.maximum(worst[:, k], ordinal[:, lj])
            cell = worst @ (4 ** np.arange(table.n_tenants - 1, -1, -1, dtype=np.int64))
            loss = interpolate(table, cell, life, draws["rent_haircut"], t)
            price = 1.0 - loss
            deal_loss[:, di] = loss @ d.tranche_notional
        else:
            v = np.minimum(v, v_base)
            deal_loss[:, di] = np.minimum(v_base - v, d.capital)
            pay = kernels.tranche_payoff(v, d.tranche_attach, d.tranche_detach, d.capital)
            pay_b = kernels.tranche_payoff(v_base, d.tranche_attach, d.tranche_detach, d.capital)
            with np.errstate(invalid="ignore", divide="ignore"):
                price = np.where(pay_b > 1e-12, pay / np.where(pay_b > 1e-12, pay_b, 1.0), 1.0)
        nt = len(d.tranche_notional)
        tr_price[:, ti : ti + nt] = price
        for tj in range(nt):
            k = int(d.tranche_asset[tj])
            if k >= 0:
                new_price[:, k] = state.price[:, k] * price[:, tj]
                implied = implied_notch(1.0 - price[:, tj])
                state.notch[:, k] = np.maximum(state.notch[:, k], implied)
        ti += nt
    state.mark(new_price, 2)
    return TrancheOutcome(walked, reneg, deal_loss, tr_price, 1.0 - tr_price)


# ----------------------------------------------------------------------------- step 4


def downgrade(net: Network, draws: Draws, state: CascadeState, fall: F64) -> None:
    """Step 4a: rated bonds are downgraded with their step-2 price fall and fall further.

    ``notches = floor(notches_per_drawdown × fall)``; extra price fall ``notches × drop``.
    """
    rated = (net.rating_notch > 0) & ~net.is_tranche
    notches = np.floor(draws["notches_per_drawdown"][:, None] * np.maximum(fall, 0.0))
    notches = np.where(rated, notches, 0.0)
    state.notch[:] = np.minimum(state.notch + notches.astype(np.int64), len(EL10) + 1)
    extra = np.clip(notches * draws["price_drop_per_notch"][:, None], 0.0, 1.0)
    state.mark(state.price * (1.0 - extra), 3)


def forced_sales(net: Network, draws: Draws, state: CascadeState, mode: str) -> F64:
    """Step 4b: units each institution must sell now (P, N, K), given the current state.

    * leverage, ``threshold`` (Cont–Schaanning): when ``A / E > leverage_max × scale``, sell
      to ``leverage_target`` (or the limit); ``target`` (GLT): always sell back to the target
      (or today's leverage); sales only, no purchases;
    * insurers sell ``insurer_sale_fraction`` of holdings downgraded below their minimum
      (paper already held below it today is not sold);
    * funds meet redemptions ``sensitivity × scale × loss`` (outflows proportional to losses);
    * defaulted institutions liquidate: those with a leverage limit or target sell every
      marketable holding (as Cont–Schaanning: they cannot restore their leverage), the others
      dump ``default_liquidation_share`` of them.
    """
    eq = state.equity(net)
    assets = state.total_assets(net)
    mk = net.marketable.astype(float)
    held = np.einsum("pnk,pk->pn", state.qty, state.price * mk)
    scale = draws["leverage_max_scale"][:, None]
    lev_max = net.leverage_max * scale
    if mode == "threshold":
        tgt = np.where(np.isfinite(net.leverage_target), net.leverage_target, np.inf)
        tgt = np.minimum(tgt, lev_max)
        active = np.isfinite(net.leverage_max) & (eq > 0) & (assets > lev_max * eq)
    else:
        pos = net.equity0 > 0
        base = np.where(pos, net.assets0 / np.where(pos, net.equity0, 1.0), 1.0)
        tgt = np.where(np.isfinite(net.leverage_target), net.leverage_target, base)
        tgt = np.broadcast_to(tgt, eq.shape)
        lev = np.isfinite(net.leverage_max) | np.isfinite(net.leverage_target)
        active = lev & (eq > 0)
    need = np.where(active, np.maximum(assets - tgt * eq, 0.0), 0.0)
    # redemptions
    lost = np.maximum(net.equity0 - eq, 0.0)
    red_total = net.redemption_sensitivity * draws["redemption_scale"][:, None] * lost
    red_new = np.maximum(red_total - state.redeemed, 0.0)
    state.redeemed += red_new
    need = need + red_new
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(held > 1e-15, np.minimum(need / np.where(held > 0, held, 1), 1.0), 0.0)
    units = state.qty * (share[:, :, None] * mk)
    # insurers: paper downgraded below the minimum rating (only insurers' rows are touched)
    ins = np.flatnonzero(net.min_rating_notch > 0)
    if ins.size:
        downgraded = state.notch > net.rating_notch  # (P, K)
        below = (state.notch[:, None, :] > net.min_rating_notch[ins][None, :, None]) & (
            downgraded[:, None, :]
        )
        h = net.holdings[ins][None]
        q = state.qty[:, ins]
        wanted = draws["insurer_sale_fraction"][:, None, None] * h * below
        extra = np.minimum(np.maximum(wanted - (h - q), 0.0), q)
        units[:, ins] = np.maximum(units[:, ins], extra)
    # defaulters liquidate: levered ones everything (they could not restore their leverage,
    # Cont-Schaanning), others a share of their marketable holdings
    dfl = np.flatnonzero(state.defaulted.any(axis=0) & (net.holdings.sum(axis=1) > 0))
    if dfl.size:
        levered = np.isfinite(net.leverage_max[dfl]) | np.isfinite(net.leverage_target[dfl])
        share_liq = np.where(levered, 1.0, draws["default_liquidation_share"][:, None])
        h = net.holdings[dfl][None]
        q = state.qty[:, dfl]
        liq = np.minimum(np.maximum(share_liq[:, :, None] * h * mk - (h - q), 0.0), q)
        units[:, dfl] = np.where(
            state.defaulted[:, dfl, None], np.maximum(units[:, dfl], liq), units[:, dfl]
        )
    return np.asarray(units, dtype=float)


# ----------------------------------------------------------------------------- step 5


def fire_sale_round(
    net: Network, draws: Draws, state: CascadeState, units: F64, impact: str
) -> F64:
    """Step 5: sell ``units``; prices move by the cumulative volume; holders mark to market.

    Price of asset k: ``p_pre × (1 - l_k V_k)⁺`` (linear, GLT) or ``p_pre × exp(-l_k V_k)``
    (exponential, Cont–Schaanning), ``l_k = price_impact_scale / depth_k``, ``V_k`` the
    cumulative units sold. All sales clear at the current price (at the fixed point: the
    equilibrium price of Cifuentes–Ferrucci–Shin), so the step-5 loss of a holder is its
    holdings times the price fall since step 4, sold or not. Returns the new prices.
    """
    state.volume += units.sum(axis=1)
    lk = draws["price_impact_scale"][:, None] / net.depth
    fn = linear_impact if impact == "linear" else exponential_impact
    market = fn(state.price_pre, state.volume, lk)
    new_price = np.minimum(market, state.cap)
    state.qty -= units
    state.market = market
    state.price = new_price
    # every sale clears at the current (finally: the fixed-point) price, as in Cifuentes,
    # Ferrucci & Shin (2005): the step-5 loss is today's holdings times the fall since step 4
    state.loss[:, :, 4] = np.einsum("nk,pk->pn", net.holdings, state.price_pre - market)
    state.proceeds = np.einsum("pnk,pk->pn", net.holdings[None] - state.qty, new_price)
    return new_price


# ----------------------------------------------------------------------------- step 6

_EQUITY_CLASSES = frozenset({"equity", "private_equity"})


def _cap_defaulted_issuers(net: Network, draws: Draws, state: CascadeState, recovery: F64) -> None:
    """Cap the prices of securities whose issuer has defaulted (applied next round).

    Equity of a defaulted issuer is worth nothing; its bonds and loans are worth their
    recovery: ``payments / owed`` from the clearing for institutions in the obligations
    network, ``alpha × assets / debt`` for the others. Tranches are priced by step 3.
    """
    issuer = net.asset_issuer
    idx = np.flatnonzero((issuer >= 0) & ~net.is_tranche)
    if idx.size == 0 or not state.defaulted.any():
        return
    iss = issuer[idx]
    hit = state.defaulted[:, iss]
    if not hit.any():
        return
    debt = np.maximum(net.assets0 - net.equity0 - state.proceeds, 1e-12)
    own = np.clip(
        draws["default_alpha"][:, None] * np.maximum(state.total_assets(net), 0.0) / debt, 0, 1
    )
    in_network = (net.liabilities.sum(axis=0) + net.liabilities.sum(axis=1)) > 0
    rec = np.where(in_network, recovery, own)[:, iss]
    is_eq = np.array([net.asset_classes[j] in _EQUITY_CLASSES for j in idx])
    value = np.where(is_eq, 0.0, rec)
    # relative to today's price: the security is worth `value` of its claim at par
    new_cap = np.where(hit, value, np.inf)
    state.cap[:, idx] = np.minimum(state.cap[:, idx], new_cap)


def clear_defaults(
    net: Network,
    draws: Draws,
    state: CascadeState,
    round_no: int,
    kernels: Kernels = COMPACT,
) -> NDArray[np.bool_]:
    """Step 6: clear obligations with Rogers–Veraart; creditors' losses replace the step-6 column.

    Each institution owes its obligations in the network plus its other liabilities to an
    outside sink; its external assets are its total assets less its network claims at face.
    Holders of a defaulted issuer's securities first mark them down to their caps (equity to
    zero, debt to its recovery; see :func:`_cap_defaulted_issuers`), and those losses join
    step 6. Only the institutions that owe or are owed within the network are cleared, and only on
    paths where one of them is under water. An institution defaults when its equity falls
    below ``min(0, today's equity)`` (firms with negative book equity, e.g. after buybacks,
    are going concerns today: ``Network.default_buffer``). Returns the new defaults (P, N).
    """
    lmat = net.liabilities
    claims = lmat.sum(axis=0)
    owed_net = lmat.sum(axis=1)
    # securities of defaulted issuers: marked down to their caps (step-6 losses of holders)
    state.price = np.minimum(state.market, state.cap)
    state.loss[:, :, 5] = np.einsum("nk,pk->pn", net.holdings, state.market - state.price)
    state.proceeds = np.einsum("pnk,pk->pn", net.holdings[None] - state.qty, state.price)
    recovery = np.ones((state.paths, net.n_inst))
    equity_ex6 = state.equity(net) + net.default_buffer
    nodes = np.flatnonzero((claims + owed_net) > 0)
    m = nodes.size
    # at full payment a node is insolvent iff its equity (before step 6) is negative, so only
    # paths where some network node is under water need a clearing
    rows = np.flatnonzero((equity_ex6[:, nodes] < 0).any(axis=1)) if m else np.zeros(0, int)
    if rows.size:
        sub = lmat[np.ix_(nodes, nodes)]
        assets = state.total_assets(net)[np.ix_(rows, nodes)] + net.default_buffer[nodes]
        debt = np.maximum(
            (net.assets0 - net.equity0)[nodes] - state.proceeds[np.ix_(rows, nodes)],
            owed_net[nodes],
        )
        full = np.zeros((rows.size, m + 1, m + 1))
        full[:, :m, :m] = sub
        full[:, :m, m] = debt - owed_net[nodes]  # other liabilities, owed to an outside sink
        ext = np.zeros((rows.size, m + 1))
        ext[:, :m] = assets - claims[nodes]
        ext[:, m] = 0.0  # the outside sink owes nothing, so it never defaults
        res = kernels.clear(
            full, ext, alpha=draws["default_alpha"][rows], beta=draws["default_beta"][rows]
        )
        pbar = full.sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            rec = np.where(pbar > 0, res.payments / np.where(pbar > 0, pbar, 1.0), 1.0)
        received = np.einsum("ij,pi->pj", sub, rec[:, :m])
        step6 = np.zeros((rows.size, net.n_inst))
        step6[:, nodes] = np.maximum(claims[nodes] - received, 0.0)
        state.loss[rows, :, 5] += step6
        rec_nodes = recovery[rows]
        rec_nodes[:, nodes] = rec[:, :m]
        recovery[rows] = rec_nodes
    tol = 1e-9 * np.maximum(net.assets0, 1.0)
    now = (state.equity(net) + net.default_buffer) < -tol
    newly = now & ~state.defaulted
    state.default_round[newly] = round_no
    state.defaulted |= now
    _cap_defaulted_issuers(net, draws, state, recovery)
    return np.asarray(newly)
