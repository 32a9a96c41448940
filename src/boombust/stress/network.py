"""The dataset as dense arrays for the vectorised cascade (institutions × assets).

:func:`build_network` turns a validated :class:`boombust.data.Dataset` (plus a scenario's
institution overrides) into a frozen :class:`Network` of numpy arrays. Tranches named by
holdings become traded assets (class ``abs_tranche``) if the dataset does not list them.
Obligations whose debtor is a deal's SPV are the tranches themselves: they are priced by
the tranche step (3) and left out of the default clearing (6), so they are not counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from boombust.data.ratings import notch
from boombust.data.schema import CurveMethod, Dataset, Institution, ValueCurve
from boombust.stress.scenario import PARAMETERS, LogNormal, Normal, Scenario, check_against_dataset
from boombust.stress.waterfall import DealTable, horizon_nodes, tabulate_deals

__all__ = ["DealArrays", "Network", "build_network", "curve_value"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

AI_CAPEX_KINDS = frozenset({"hyperscaler", "ai_lab", "neocloud", "tech"})
FUND_KINDS = frozenset({"mutual_fund", "asset_manager", "private_credit"})


def curve_value(curve: ValueCurve, years: F64, life: F64 | float | None = None) -> F64:
    """Value at age ``years`` relative to new, on the curve with its life replaced by ``life``.

    Straight line ``1 - (1 - salvage) t / L``; declining balance ``(1 - m / L)^t``; rental
    decay interpolates the empirical points on a time axis rescaled by ``L_acct / L``; every
    curve is worth its salvage from age ``L`` on. The same rules as
    :func:`boombust.credit.value_fraction` (pinned by ``tests/stress/test_engines_agree.py``),
    so the credit engine can replace this compact kernel.
    """
    a = np.maximum(np.asarray(years, dtype=float), 0.0)
    lf = np.asarray(curve.useful_life if life is None else life, dtype=float)
    s = curve.salvage
    if curve.method is CurveMethod.straight_line:
        v = 1.0 - (1.0 - s) * a / lf
    elif curve.method is CurveMethod.declining_balance:
        m = curve.rate_multiple if curve.rate_multiple is not None else 2.0
        r = m / lf
        v = np.where(r < 1.0, np.abs(1.0 - np.minimum(r, 1.0)) ** a, np.exp(-m * a / lf))
    else:
        pts = curve.points or []
        xs = np.array([p.years for p in pts], dtype=float)
        ys = np.array([p.value for p in pts], dtype=float)
        if ys[0] > 0 and xs[0] == 0:
            ys = ys / ys[0]
        v = np.interp(a * (curve.useful_life / lf), xs, ys, left=ys[0], right=ys[-1])
    v = np.where(a >= lf, s, np.maximum(v, s))
    return np.asarray(np.clip(v, 0.0, 1.0), dtype=float)


@dataclass(frozen=True)
class DealArrays:
    """One data-centre deal, with indices into the network's arrays."""

    id: str
    spv: int
    cost: float
    shares: tuple[float, float, float]
    curves: tuple[ValueCurve, ValueCurve, ValueCurve]
    lease_tenant: I64
    lease_rent: F64
    lease_term: F64
    lease_fee_years: F64
    lease_rvg_cap: F64
    tranche_attach: F64
    tranche_detach: F64
    tranche_notional: F64
    tranche_asset: I64
    tranche_ids: tuple[str, ...]

    @property
    def capital(self) -> float:
        return float(self.tranche_notional.sum())


@dataclass(frozen=True)
class Network:
    """Dense arrays of the dataset; ``N`` institutions, ``K`` traded assets.

    Money in USD billions; holdings in market value at today's prices (relative price 1).
    """

    inst_ids: tuple[str, ...]
    inst_names: tuple[str, ...]
    sectors: tuple[str, ...]
    kinds: tuple[str, ...]
    equity0: F64
    assets0: F64
    ai_revenue: F64
    op_cash_flow: F64
    capex: F64
    is_ai_capex: B
    asset_ids: tuple[str, ...]
    asset_classes: tuple[str, ...]
    asset_issuer: I64
    ai_beta: F64
    consumer_beta: F64
    depth: F64
    rating_notch: I64
    is_tranche: B
    marketable: B
    holdings: F64
    liabilities: F64
    comm_ids: tuple[str, ...]
    comm_payer: I64
    comm_payee: I64
    comm_annual: F64
    comm_to_spv: B
    deals: tuple[DealArrays, ...]
    leverage_max: F64
    leverage_target: F64
    min_rating_notch: I64
    redemption_sensitivity: F64
    default_buffer: F64
    macro: dict[str, float] = field(default_factory=dict)
    comm_obligation: B = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Per commitment: an obligation in step-1 clearing (cash type, not completed)."""
    comm_types: tuple[str, ...] = ()
    comm_status: tuple[str, ...] = ()
    waterfall: tuple[DealTable | None, ...] = ()
    """Per deal: the credit engine's tabulated tranche losses (step 3), or None (compact)."""

    @property
    def n_inst(self) -> int:
        return len(self.inst_ids)

    @property
    def n_assets(self) -> int:
        return len(self.asset_ids)

    @property
    def sector_names(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.sectors)))

    @property
    def sector_index(self) -> I64:
        names = self.sector_names
        return np.array([names.index(s) for s in self.sectors], dtype=np.int64)

    @property
    def tranche_ids(self) -> tuple[str, ...]:
        return tuple(t for d in self.deals for t in d.tranche_ids)


def _default_buffer(inst: list[Institution], equity0: F64) -> F64:
    """Loss capacity beyond book equity for firms whose book equity is not positive.

    Book equity can be negative for healthy firms (buybacks, e.g. Dell); for them solvency is
    judged on market value: such a firm defaults only when its losses exceed its market cap
    (``buffer = market_cap - equity``), or today's book level if no market cap is given.
    """
    out = np.zeros(len(inst))
    for i, x in enumerate(inst):
        if equity0[i] <= 0:
            out[i] = (x.balance_sheet.market_cap or 0.0) - equity0[i]
    return out


def build_network(ds: Dataset, scenario: Scenario | None = None) -> Network:
    """Arrays of ``ds`` for the cascade, with ``scenario``'s institution overrides applied.

    Raises
    ------
    boombust.errors.SpecError
        The scenario names an institution or asset class the dataset lacks.
    """
    inst = list(ds.institutions)
    idx = {x.id: i for i, x in enumerate(inst)}
    n = len(inst)
    if scenario is not None:
        classes = {a.asset_class.value for a in ds.assets}
        if any(d.tranches for d in ds.deals):
            classes.add("abs_tranche")
        check_against_dataset(scenario, set(idx), classes)

    equity0 = np.array([x.balance_sheet.equity for x in inst], dtype=float)
    assets0 = np.array([x.balance_sheet.total_assets for x in inst], dtype=float)

    def inc(name: str) -> F64:
        out = np.zeros(n)
        for i, x in enumerate(inst):
            if x.income is not None and getattr(x.income, name) is not None:
                out[i] = float(getattr(x.income, name))
        return out

    # --- traded assets: the assets table plus tranches held but not listed
    assets = list(ds.assets)
    asset_ids = [a.id for a in assets]
    classes_l = [a.asset_class.value for a in assets]
    issuer = [idx.get(a.issuer, -1) if a.issuer else -1 for a in assets]
    ai_beta = [a.ai_beta or 0.0 for a in assets]
    cons_beta = [a.consumer_beta or 0.0 for a in assets]
    depth = [a.market_depth if a.market_depth else np.nan for a in assets]
    outstanding = [a.outstanding if a.outstanding else np.nan for a in assets]
    rating = [notch(a.rating) if a.rating else 0 for a in assets]
    tranche_rating: dict[str, int] = {}
    tranche_notional: dict[str, float] = {}
    for d in ds.deals:
        for t in d.tranches:
            tranche_rating[t.id] = notch(t.rating) if t.rating else 0
            tranche_notional[t.id] = t.notional
    held = {h.asset for h in ds.holdings}
    for d in ds.deals:
        for t in d.tranches:
            if t.id not in asset_ids and t.id in held:
                asset_ids.append(t.id)
                classes_l.append("abs_tranche")
                issuer.append(idx.get(d.spv, -1))
                ai_beta.append(0.0)
                cons_beta.append(0.0)
                depth.append(np.nan)
                outstanding.append(t.notional)
                rating.append(tranche_rating[t.id])
    k = len(asset_ids)
    aidx = {a: j for j, a in enumerate(asset_ids)}
    is_tranche = np.array([a in tranche_rating for a in asset_ids], dtype=bool)

    holdings = np.zeros((n, k))
    for h in ds.holdings:
        if h.holder in idx and h.asset in aidx:
            holdings[idx[h.holder], aidx[h.asset]] += h.amount
    out_arr = np.array(outstanding, dtype=float)
    held_tot = holdings.sum(axis=0)
    out_arr = np.where(np.isfinite(out_arr), out_arr, held_tot)
    depth_share = 0.1
    if scenario is not None:
        p = scenario.parameter("default_depth_share")
        depth_share = float(np.mean(p.support()))
    depth_arr = np.array(depth, dtype=float)
    depth_arr = np.where(np.isfinite(depth_arr), depth_arr, depth_share * np.maximum(out_arr, 1e-9))
    marketable = np.array([c != "cash" for c in classes_l], dtype=bool)

    # --- obligations (SPV debt is the tranches: priced in step 3, not cleared in step 6)
    spvs = {d.spv for d in ds.deals}
    liab = np.zeros((n, n))
    for o in ds.obligations:
        if o.debtor in spvs or o.debtor not in idx or o.creditor not in idx:
            continue
        liab[idx[o.debtor], idx[o.creditor]] += o.amount

    # --- commitments (annual flows)
    comms = [c for c in ds.commitments if c.payer in idx and c.payee in idx]
    comm_payer = np.array([idx[c.payer] for c in comms], dtype=np.int64)
    comm_payee = np.array([idx[c.payee] for c in comms], dtype=np.int64)
    comm_annual = np.array([c.annual_amount for c in comms], dtype=float)
    comm_to_spv = np.array([c.payee in spvs for c in comms], dtype=bool)
    # the network engine's convention (boombust.network.circular): purchases and cash funding
    # are obligations; warrants (no cash), backstops (contingent) and completed deals are not
    from boombust.network.circular import CASH_TYPES

    comm_obligation = np.array(
        [
            str(getattr(c.type, "value", c.type)) in CASH_TYPES
            and str(getattr(c.status, "value", c.status)) != "completed"
            and c.amount > 0
            for c in comms
        ],
        dtype=bool,
    )

    # --- deals
    deals = []
    for d in ds.deals:
        f = d.facility
        tr_asset = np.array([aidx.get(t.id, -1) for t in d.tranches], dtype=np.int64)
        deals.append(
            DealArrays(
                id=d.id,
                spv=idx.get(d.spv, -1),
                cost=f.cost,
                shares=(f.shell_share, f.power_share, f.it_share),
                curves=(f.curves.shell, f.curves.power, f.curves.it),
                lease_tenant=np.array([idx.get(x.tenant, -1) for x in d.leases], dtype=np.int64),
                lease_rent=np.array([x.annual_rent for x in d.leases], dtype=float),
                lease_term=np.array(
                    [
                        x.term_years
                        + (x.renewal.options * x.renewal.term_years if x.renewal else 0.0)
                        for x in d.leases
                    ],
                    dtype=float,
                ),
                lease_fee_years=np.array(
                    [x.early_termination_fee_years or 0.0 for x in d.leases], dtype=float
                ),
                lease_rvg_cap=np.array([x.rvg.cap if x.rvg else 0.0 for x in d.leases]),
                tranche_attach=np.array([t.attach for t in d.tranches], dtype=float),
                tranche_detach=np.array([t.detach for t in d.tranches], dtype=float),
                tranche_notional=np.array([t.notional for t in d.tranches], dtype=float),
                tranche_asset=tr_asset,
                tranche_ids=tuple(t.id for t in d.tranches),
            )
        )

    # --- behaviour, with scenario overrides
    lev_max = np.full(n, np.nan)
    lev_tgt = np.full(n, np.nan)
    min_notch = np.zeros(n, dtype=np.int64)
    red = np.zeros(n)
    for i, x in enumerate(inst):
        b = x.behaviour
        if b is not None:
            lev_max[i] = b.leverage_max if b.leverage_max is not None else np.nan
            lev_tgt[i] = b.leverage_target if b.leverage_target is not None else np.nan
            min_notch[i] = notch(b.min_rating) if b.min_rating else 0
            red[i] = b.redemption_sensitivity or 0.0
        if scenario is not None and x.id in scenario.institution_overrides:
            ov = scenario.institution_overrides[x.id]
            if ov.leverage_max is not None:
                lev_max[i] = ov.leverage_max
            if ov.leverage_target is not None:
                lev_tgt[i] = ov.leverage_target
            if ov.redemption_sensitivity is not None:
                red[i] = ov.redemption_sensitivity

    macro = {m.id: float(m.value) for m in ds.macro}
    tables: tuple[DealTable | None, ...] = ()
    if scenario is not None and scenario.tranche_model == "waterfall" and ds.deals:
        tables = _waterfall_tables(ds, scenario)
    return Network(
        inst_ids=tuple(x.id for x in inst),
        inst_names=tuple(x.name for x in inst),
        sectors=tuple(x.sector_name for x in inst),
        kinds=tuple(x.kind.value for x in inst),
        equity0=equity0,
        assets0=assets0,
        ai_revenue=inc("ai_revenue"),
        op_cash_flow=inc("operating_cash_flow"),
        capex=inc("capex"),
        is_ai_capex=np.array([x.kind.value in AI_CAPEX_KINDS for x in inst], dtype=bool),
        asset_ids=tuple(asset_ids),
        asset_classes=tuple(classes_l),
        asset_issuer=np.array(issuer, dtype=np.int64),
        ai_beta=np.array(ai_beta, dtype=float),
        consumer_beta=np.array(cons_beta, dtype=float),
        depth=depth_arr,
        rating_notch=np.array(rating, dtype=np.int64),
        is_tranche=is_tranche,
        marketable=marketable,
        holdings=holdings,
        liabilities=liab,
        comm_ids=tuple(c.id for c in comms),
        comm_payer=comm_payer,
        comm_payee=comm_payee,
        comm_annual=comm_annual,
        comm_to_spv=comm_to_spv,
        comm_obligation=comm_obligation,
        comm_types=tuple(str(getattr(c.type, "value", c.type)) for c in comms),
        comm_status=tuple(str(getattr(c.status, "value", c.status)) for c in comms),
        deals=tuple(deals),
        leverage_max=lev_max,
        leverage_target=lev_tgt,
        min_rating_notch=min_notch,
        redemption_sensitivity=red,
        default_buffer=_default_buffer(inst, equity0),
        macro=macro,
        waterfall=tables,
    )


def _support(scenario: Scenario, name: str) -> tuple[float, float]:
    dist = scenario.parameter(name)
    if isinstance(dist, Normal | LogNormal):  # unbounded draws, clipped to the range
        return PARAMETERS[name].low, PARAMETERS[name].high
    return dist.support()


def _waterfall_tables(ds: Dataset, scenario: Scenario) -> tuple[DealTable | None, ...]:
    """Step 3's credit-engine tables, once per run (cached by data hash and grid)."""
    from boombust.data import dataset_hash

    lo, hi = _support(scenario, "horizon_years")
    r_lo, r_hi = _support(scenario, "discount_rate")
    return tabulate_deals(ds, horizon_nodes(lo, hi), 0.5 * (r_lo + r_hi), key=dataset_hash(ds))
