"""Lease cash flows with tenant decisions, vectorised over Monte Carlo paths.

A lease pays ``annual_rent x (1 + escalator)^floor(age)`` per year (triple-net: the tenant bears
operating costs, so rent is the SPV's collection), in ``periods_per_year`` instalments, for its
initial term and then for up to ``renewal.options`` renewals of ``renewal.term_years``.

Per path, the tenant has a default time ``tau`` and an earlier *stress* time ``tau_s`` (same
latent copula variable, ``stress_multiple`` times the default intensity). At each renewal date
it compares the market rent for the depreciated capacity,

    market(d) = annual_rent x (1 + g)^age x M(d) x m_path x (V(age) / V(0))^beta,

(``M`` the market-rent multiplier path, ``m_path`` a per-path lognormal shock loading on the
copula factor, ``V`` the facility value fraction, ``beta`` the rent-value elasticity), with its
contract rent, and:

* walks away if stressed or if ``market / contract < walk_away_ratio``;
* renegotiates down to market (or by ``rent_haircut``) if the ratio is below
  ``renegotiate_ratio``;
* renews unchanged otherwise.

A stressed tenant with an early-termination option terminates at the next lease anniversary,
paying ``early_termination_fee_years`` of rent. When a solvent tenant leaves (walk-away,
early termination or final expiry) within ``rvg.years`` of the start, the capped residual value
guarantee pays ``min(cap, max(0, strike - sale value))`` with the strike the lease's share of
scheduled debt. After any exit the SPV sells the lease's share of the facility after
``recovery_lag_months`` at ``value x (1 - liquidation_cost)``; a defaulted tenant pays nothing more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from boombust.data.schema import Lease

__all__ = ["LeaseFlows", "LeaseMarket", "simulate_lease"]

FloatArray = npt.NDArray[np.float64]

EXIT_NONE, EXIT_DEFAULT, EXIT_WALK, EXIT_EARLY, EXIT_EXPIRY = 0, 1, 2, 3, 4
EXIT_NAMES = {0: "in force", 1: "default", 2: "walk away", 3: "early termination", 4: "expiry"}


@dataclass(frozen=True)
class LeaseMarket:
    """Deterministic market inputs on the deal's period grid (length T) and per-path shocks."""

    periods_per_year: int
    value_fraction: FloatArray  # (T,) facility value / cost at period ends
    market_multiplier: FloatArray  # (T,) market-rent multiplier path M
    path_multiplier: FloatArray  # (P,) lognormal per-path market shock
    debt_schedule: FloatArray  # (T,) scheduled debt outstanding (RVG strike)
    facility_cost: float
    market_growth: float | None
    walk_away_ratio: float
    renegotiate_ratio: float
    rent_haircut: float | None
    liquidation_cost: float
    recovery_lag_months: int
    rent_value_elasticity: float = 1.0


@dataclass(frozen=True)
class LeaseFlows:
    """Per-path exit outcomes of one lease (its cash is added to the caller's arrays)."""

    rvg: FloatArray  # (P,) total RVG paid
    sale: FloatArray  # (P,) sale proceeds
    fee: FloatArray  # (P,) termination fees
    exit_time: FloatArray  # (P,) years (inf if in force at horizon)
    exit_reason: npt.NDArray[np.int8]  # (P,)
    renegotiated: npt.NDArray[np.bool_]  # (P,)


def _at(arr: FloatArray, years: FloatArray | float, f: int) -> FloatArray:
    """Value of a per-period array at time ``years`` (period containing it, clamped)."""
    idx = np.clip(np.floor(np.asarray(years) * f).astype(np.int64), 0, arr.size - 1)
    return np.asarray(arr[idx], dtype=np.float64)


def simulate_lease(
    lease: Lease,
    *,
    offset_years: float,
    share: float,
    n_periods: int,
    default_time: FloatArray,
    stress_time: FloatArray,
    market: LeaseMarket,
    collections: FloatArray,
    prepayments: FloatArray,
) -> LeaseFlows:
    """Cash flows of one lease over ``n_periods`` for every path (see the module docstring).

    ``share`` is the lease's share of the facility (rent-weighted); ``offset_years`` its start
    after the deal start. Rent, RVG, fees and sale proceeds are *added* to
    ``collections[path, period]``; the exit cash (RVG, fees, sale) also to ``prepayments``.
    """
    f = market.periods_per_year
    n_paths = default_time.size
    t_start = np.arange(n_periods) / f
    t_end = t_start + 1.0 / f
    s0 = offset_years
    esc = float(lease.escalator)
    g = esc if market.market_growth is None else market.market_growth
    rent0 = float(lease.annual_rent)
    term = float(lease.term_years)
    n_opt = int(lease.renewal.options) if lease.renewal is not None else 0
    r_term = float(lease.renewal.term_years) if lease.renewal is not None else 0.0
    expiry = s0 + term + n_opt * r_term
    decisions = [s0 + term + j * r_term for j in range(n_opt)]
    seg_bounds = np.array([s0, *decisions, expiry])
    horizon = n_periods / f

    def contract_rate(years: float) -> float:
        return rent0 * (1.0 + esc) ** math.floor(max(years - s0, 0.0) + 1e-9)

    def contract_rate_vec(years: FloatArray) -> FloatArray:
        return np.asarray(
            rent0 * (1.0 + esc) ** np.floor(np.maximum(years - s0, 0.0) + 1e-9), dtype=np.float64
        )

    factor = np.ones((n_paths, n_opt + 1))
    cur = np.ones(n_paths)
    walk = np.full(n_paths, np.inf)
    renegotiated = np.zeros(n_paths, dtype=bool)
    v0 = float(market.value_fraction[0]) if market.value_fraction[0] > 0 else 1.0
    for j, d in enumerate(decisions, start=1):
        undecided = np.isinf(walk)
        m_rent = (
            rent0
            * (1.0 + g) ** (d - s0)
            * float(_at(market.market_multiplier, d, f))
            * market.path_multiplier
            * (float(_at(market.value_fraction, d, f)) / v0) ** market.rent_value_elasticity
        )
        ratio = m_rent / (contract_rate(d) * cur)
        leaves = undecided & ((stress_time <= d) | (ratio < market.walk_away_ratio))
        walk = np.where(leaves, d, walk)
        reneg = undecided & ~leaves & (ratio < market.renegotiate_ratio)
        new = cur * (1.0 - market.rent_haircut) if market.rent_haircut is not None else cur * ratio
        cur = np.where(reneg, new, cur)
        renegotiated |= reneg
        factor[:, j] = cur
    early = np.full(n_paths, np.inf)
    if lease.early_termination_fee_years is not None:
        anniv = s0 + np.maximum(np.ceil(np.maximum(stress_time - s0, 0.0)), 1.0)
        early = np.where(np.isfinite(stress_time) & (anniv < expiry), anniv, np.inf)
    candidates = np.stack([default_time, walk, early, np.full(n_paths, expiry)], axis=1)
    reasons = np.array([EXIT_DEFAULT, EXIT_WALK, EXIT_EARLY, EXIT_EXPIRY], dtype=np.int8)
    which = np.argmin(candidates, axis=1)
    exit_time = candidates[np.arange(n_paths), which]
    exit_reason = reasons[which]
    exit_reason = np.where(exit_time >= horizon, np.int8(EXIT_NONE), exit_reason).astype(np.int8)
    # rent: contract schedule x segment factor, truncated at the exit (pro rata in its period)
    start_frac = np.clip((t_end - s0) * f, 0.0, 1.0)
    base = np.array([contract_rate(t) for t in t_start]) / f * start_frac
    seg_start = np.searchsorted(t_start, seg_bounds[:-1] - 1e-12)
    seg_stop = np.append(seg_start[1:], n_periods)
    k_full = np.clip(np.floor(np.minimum(exit_time, horizon) * f).astype(np.int64), 0, n_periods)
    alive = np.arange(n_periods)[None, :] < k_full[:, None]
    rows = np.arange(n_paths)
    for j in range(n_opt + 1):
        a, b = int(seg_start[j]), int(min(seg_stop[j], n_periods))
        if a >= n_periods or b <= a:
            continue
        block = base[a:b][None, :] * factor[:, j : j + 1]
        block *= alive[:, a:b]
        collections[:, a:b] += block
    part = (k_full < n_periods) & (exit_reason != EXIT_NONE)
    if part.any():
        kp = k_full[part]
        frac = np.clip((exit_time[part] - t_start[kp]) * f, 0.0, 1.0)
        seg_k = np.clip(np.searchsorted(seg_bounds, t_start[kp], side="right") - 1, 0, n_opt)
        collections[rows[part], kp] += base[kp] * factor[rows[part], seg_k] * frac
    # exit cash: RVG, termination fee, sale (mandatory prepayments)
    solvent_exit = np.isin(exit_reason, [EXIT_WALK, EXIT_EARLY, EXIT_EXPIRY])
    exit_finite = np.where(np.isfinite(exit_time), exit_time, 0.0)
    k_exit = np.clip(np.floor(exit_finite * f).astype(np.int64), 0, n_periods - 1)
    sale_t = exit_finite + market.recovery_lag_months / 12.0
    value_at_sale = (
        market.facility_cost
        * share
        * _at(market.value_fraction, sale_t, f)
        * _at(market.market_multiplier, sale_t, f)
        * np.minimum(market.path_multiplier, 1.0)
    )
    sale = np.where(
        (exit_reason != EXIT_NONE) & (sale_t < horizon),
        value_at_sale * (1 - market.liquidation_cost),
        0.0,
    )
    k_sale = np.clip(np.floor(sale_t * f).astype(np.int64), 0, n_periods - 1)
    collections[rows, k_sale] += sale
    prepayments[rows, k_sale] += sale
    rvg = np.zeros(n_paths)
    if lease.rvg is not None:
        covered = solvent_exit & (exit_time - s0 <= float(lease.rvg.years) + 1e-9)
        strike = share * _at(market.debt_schedule, exit_finite, f)
        gap = np.maximum(strike - value_at_sale * (1 - market.liquidation_cost), 0.0)
        rvg = np.where(covered, np.minimum(float(lease.rvg.cap), gap), 0.0)
    fee = np.zeros(n_paths)
    if lease.early_termination_fee_years is not None:
        fee = np.where(
            exit_reason == EXIT_EARLY,
            float(lease.early_termination_fee_years)
            * contract_rate_vec(exit_finite)
            * factor[
                rows, np.clip(np.searchsorted(seg_bounds, exit_finite, side="right") - 1, 0, n_opt)
            ],
            0.0,
        )
    exit_cash = np.where(exit_reason != EXIT_NONE, rvg + fee, 0.0)
    collections[rows, k_exit] += exit_cash
    prepayments[rows, k_exit] += exit_cash
    return LeaseFlows(
        rvg=rvg,
        sale=sale,
        fee=fee,
        exit_time=np.where(exit_reason == EXIT_NONE, np.inf, exit_time),
        exit_reason=exit_reason,
        renegotiated=renegotiated,
    )
