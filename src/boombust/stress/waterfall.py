"""Step 3 through the credit engine's period-by-period waterfall, tabulated once per run.

Running :func:`boombust.credit.run_deal` path by path inside every chunk would cost tens of
milliseconds per deal and chunk (the waterfall loops over up to 360 periods), and the cascade's
GPU life varies continuously by path while the engine takes one life per run. So each deal's
tranche losses are tabulated **once per run**, conditional on the few state variables through
which the cascade reaches a deal, and interpolated per path:

* each tenant's outcome, ordered ``stay < renegotiate < walk < default`` (joint over the deal's
  tenants: ``4^n`` cells, at most :data:`MAX_TENANTS` tenants);
* the market-rent fall ``h`` (the scenario's ``rent_haircut``; nodes every 0.1 on [0, 1]);
* the IT useful life ``L = min(accounting life, gpu_life)`` (nodes every half year up to 4
  years, then yearly up to the accounting life; one node when the deal has no IT share);
* the horizon ``t`` (the scenario's ``horizon_years``: its value, or half-year nodes).

A cell is one engine path: every tenant's default and stress time and the market shock are
given (``run_deal(default_times=, stress_times=, market_shock=)``), so the copula draws no
randomness and the table is deterministic. The mapping (``docs/methods/stress.md``, step 3):

* **stay**: no default, no stress, market multiplier 1 — the lease runs as contracted (the
  engine still renews, renegotiates or walks at renewal dates on the market rent for aged
  capacity, exactly as in its own no-shock run);
* **renegotiate**: market multiplier ``1 - h``: at its next renewal the tenant renegotiates
  down to that market (or walks below ``walk_away_ratio``); a lease without renewals is
  non-cancellable and keeps paying;
* **walk** (solvent): stress time ``t`` — the tenant leaves at its first contractual exit (early
  termination with its fee at the next anniversary, else the next renewal date; the RVG pays
  on a solvent exit). A lease with neither option cannot be left solvently: the walk is a
  strategic default (default time ``t``: rent stops, no fee or RVG). Market multiplier ``1 - h``.
  The tenant walks only if that costs it less than renegotiating (the deal receives less in
  total); otherwise the cell takes the renegotiation's losses (:func:`_tenant_choice`);
* **default** (tenant insolvent after steps 1-2): default time ``t``, market ``1 - h``.

The cascade's tranche loss is the **incremental** loss fraction of notional against the engine's
own no-shock run (``max(L - L_base, 0)``; holders hold the paper at today's value, which the
no-shock run stands for), so a zero shock moves nothing. Tables are made monotone (cumulative
maximum along each ordered axis: outcome, ``h``, shorter ``L``): triggers that trap cash can
make a class's loss locally non-monotone; the envelope keeps the cascade monotone in the shock
(multilinear interpolation of a table monotone in each axis is monotone).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from boombust.data.schema import AmortisationKind, Dataset, Deal

__all__ = [
    "MAX_TENANTS",
    "OUTCOMES",
    "DealTable",
    "interpolate",
    "tabulate_deal",
    "tabulate_deals",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

OUTCOMES: tuple[str, ...] = ("stay", "renegotiate", "walk", "default")
"""Tenant outcomes, in order of severity (the table's outcome axis)."""

MAX_TENANTS = 4
"""Deals with more tenants keep the compact one-horizon valuation (``4^n`` cells)."""

HAIRCUT_NODES = np.round(np.linspace(0.0, 1.0, 11), 12)


@dataclass(frozen=True)
class DealTable:
    """Tabulated incremental tranche losses of one deal (see the module docstring)."""

    deal_id: str
    tenant_ids: tuple[str, ...]  # the table's tenant axes, in order
    lease_tenant: I64  # per lease (dataset order): position in ``tenant_ids``
    life_nodes: F64  # (nL,)
    haircut_nodes: F64  # (nH,)
    horizon_nodes: F64  # (nT,)
    loss: F64  # (4**n, nL, nH, nT, tranches) incremental loss fraction of notional
    base_loss: F64  # (tranches,) the engine's loss fraction in its no-shock run
    accounting_life: float

    @property
    def n_tenants(self) -> int:
        return len(self.tenant_ids)


def _life_nodes(deal: Deal) -> F64:
    acct = float(deal.facility.curves.it.useful_life)
    if deal.facility.it_share <= 0:
        return np.array([acct])
    grid = np.concatenate([np.arange(0.5, 4.0 + 1e-9, 0.5), np.arange(5.0, acct, 1.0)])
    return np.unique(np.append(grid[grid < acct - 1e-9], acct))


def horizon_nodes(low: float, high: float) -> F64:
    """``low`` alone for a fixed horizon, else half-year nodes covering [low, high]."""
    if high - low < 1e-12:
        return np.array([low])
    lo = np.floor(low * 2.0) / 2.0
    hi = np.ceil(high * 2.0) / 2.0
    return np.arange(lo, hi + 1e-9, 0.5)


def _engine_deal(deal: Deal, coupon: float) -> Deal:
    """The deal as the engine takes it: debt classes without a coupon or spread get ``coupon``."""
    fixed = [
        t.model_copy(update={"coupon": coupon})
        if t.amortisation is not AmortisationKind.equity
        and t.coupon is None
        and t.spread_bp is None
        else t
        for t in deal.tranches
    ]
    return deal.model_copy(update={"tranches": fixed})


def tabulate_deal(deal: Deal, horizons: F64, coupon: float = 0.065) -> DealTable | None:
    """Tabulate ``deal``'s incremental tranche losses; ``None`` if the engine cannot run it.

    ``coupon`` fills debt classes the dataset gives no coupon or spread (the scenario's
    discount rate). Deals with more than :data:`MAX_TENANTS` tenants, or that the engine
    rejects (e.g. tranches that do not tile [0, 1]), return ``None``: the cascade then values
    them with its compact one-horizon kernel.
    """
    from boombust.credit import CreditRunSpec, run_deal
    from boombust.errors import InputError

    tenants = tuple(sorted({ls.tenant for ls in deal.leases}))
    n = len(tenants)
    if n == 0 or n > MAX_TENANTS:
        return None
    eng = _engine_deal(deal, coupon)
    exit_option = np.array(
        [
            any(
                ls.renewal is not None or ls.early_termination_fee_years is not None
                for ls in deal.leases
                if ls.tenant == tn
            )
            for tn in tenants
        ]
    )
    outcomes = np.array(list(itertools.product(range(4), repeat=n)), dtype=np.int64)  # (J, n)
    nh, nt = HAIRCUT_NODES.size, horizons.size
    o = np.broadcast_to(outcomes[:, None, None, :], (len(outcomes), nh, nt, n)).reshape(-1, n)
    h = np.broadcast_to(HAIRCUT_NODES[None, :, None], (len(outcomes), nh, nt)).reshape(-1)
    t = np.broadcast_to(horizons[None, None, :], (len(outcomes), nh, nt)).reshape(-1)
    m = o.shape[0]
    defaults = {}
    stresses = {}
    for k, tn in enumerate(tenants):
        walk = o[:, k] == 2
        dflt = (o[:, k] == 3) | (walk & ~exit_option[k])
        defaults[tn] = np.where(dflt, t, np.inf)
        stresses[tn] = np.where(walk & exit_option[k], t, np.inf)
    market = np.where((o >= 1).any(axis=1), 1.0 - h, 1.0)
    lives = _life_nodes(deal)
    acct = float(deal.facility.curves.it.useful_life)
    ids = [t.id for t in deal.tranches]
    raw = np.zeros((len(lives), m, len(ids)))
    try:
        for li, life in enumerate(lives):
            spec = CreditRunSpec(
                n_paths=m,
                chunk_size=m,
                allow_short_leases=True,
                gpu_life=None if life >= acct - 1e-9 else float(life),
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = run_deal(
                    eng, spec, default_times=defaults, stress_times=stresses, market_shock=market
                )
            raw[li] = np.stack([res.losses[i] for i in ids], axis=1)
    except InputError:
        return None
    raw = raw.reshape(len(lives), len(outcomes), nh, nt, len(ids)).transpose(1, 0, 2, 3, 4)
    base = raw[0, -1, 0, 0].copy()  # all stay, accounting life, no market fall
    raw = _tenant_choice(raw, n, np.array([float(t.notional) for t in deal.tranches]))
    inc = np.maximum(raw - base, 0.0)
    # monotone envelope: shorter life, larger market fall, worse outcomes never lose less
    inc = np.maximum.accumulate(inc[:, ::-1], axis=1)[:, ::-1]
    inc = np.maximum.accumulate(inc, axis=2)
    lattice = inc.reshape((4,) * n + inc.shape[1:])
    for ax in range(n):
        lattice = np.maximum.accumulate(lattice, axis=ax)
    inc = np.clip(lattice.reshape(inc.shape), 0.0, 1.0)
    lease_tenant = np.array([tenants.index(ls.tenant) for ls in deal.leases], dtype=np.int64)
    return DealTable(
        deal_id=deal.id,
        tenant_ids=tenants,
        lease_tenant=lease_tenant,
        life_nodes=lives,
        haircut_nodes=HAIRCUT_NODES.copy(),
        horizon_nodes=np.asarray(horizons, dtype=float),
        loss=np.ascontiguousarray(inc),
        base_loss=base,
        accounting_life=acct,
    )


def _tenant_choice(raw: F64, n: int, notional: F64) -> F64:
    """A solvent tenant that wants out leaves only if that costs it less than renegotiating.

    For each tenant, a *walk* cell takes the tranche losses of the *renegotiate* cell (same
    market fall, life, horizon and other tenants) when walking would hand the deal more cash
    (``sum notional × (1 - loss)``: fees, RVG, rent to the exit date) — the tenant's cost is the
    deal's receipts. The compact model's rule "never more than renegotiating would cost it".
    """
    lattice = raw.reshape((4,) * n + raw.shape[1:]).copy()
    for k in range(n):
        walk = np.take(lattice, 2, axis=k)
        reneg = np.take(lattice, 1, axis=k)
        paid_walk = ((1.0 - walk) * notional).sum(axis=-1, keepdims=True)
        paid_reneg = ((1.0 - reneg) * notional).sum(axis=-1, keepdims=True)
        chosen = np.where(paid_walk > paid_reneg, reneg, walk)
        index: list[int | slice] = [slice(None)] * lattice.ndim
        index[k] = 2
        lattice[tuple(index)] = chosen
    return lattice.reshape(raw.shape)


_CACHE: dict[tuple[Any, ...], tuple[DealTable | None, ...]] = {}


def tabulate_deals(
    ds: Dataset, horizons: F64, coupon: float, key: str | None = None
) -> tuple[DealTable | None, ...]:
    """:func:`tabulate_deal` for every deal of ``ds`` (cached by ``key``, e.g. the data hash)."""
    ck = (key, tuple(np.round(horizons, 9)), round(coupon, 12)) if key is not None else None
    if ck is not None and ck in _CACHE:
        return _CACHE[ck]
    out = tuple(tabulate_deal(d, horizons, coupon) for d in ds.deals)
    if ck is not None:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[ck] = out
    return out


def _axis(nodes: F64, x: F64) -> tuple[I64, I64, F64]:
    """Lower and upper node index and the weight of the upper node, per value of ``x``."""
    if nodes.size == 1:
        z = np.zeros(x.shape, dtype=np.int64)
        return z, z, np.zeros(x.shape)
    xc = np.clip(x, nodes[0], nodes[-1])
    i = np.clip(np.searchsorted(nodes, xc, side="right") - 1, 0, nodes.size - 2)
    w = (xc - nodes[i]) / (nodes[i + 1] - nodes[i])
    return i.astype(np.int64), (i + 1).astype(np.int64), np.asarray(w, dtype=float)


def interpolate(table: DealTable, cell: I64, life: F64, haircut: F64, horizon: F64) -> F64:
    """Incremental tranche losses (P, tranches), multilinear in (life, haircut, horizon).

    ``cell`` (P,) is the joint outcome index (first tenant most significant, base 4).
    """
    lo_l, hi_l, w_l = _axis(table.life_nodes, life)
    lo_h, hi_h, w_h = _axis(table.haircut_nodes, haircut)
    lo_t, hi_t, w_t = _axis(table.horizon_nodes, horizon)
    out = np.zeros((cell.size, table.loss.shape[-1]))
    for il, wl in ((lo_l, 1.0 - w_l), (hi_l, w_l)):
        for ih, wh in ((lo_h, 1.0 - w_h), (hi_h, w_h)):
            for it, wt in ((lo_t, 1.0 - w_t), (hi_t, w_t)):
                out += (wl * wh * wt)[:, None] * table.loss[cell, il, ih, it]
    return np.asarray(np.clip(out, 0.0, 1.0), dtype=float)
