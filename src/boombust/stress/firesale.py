"""Fire-sale kernels: price impact and the Greenwood–Landier–Thesmar closed forms.

* :func:`linear_impact` — Greenwood, Landier & Thesmar (2015): a sale of ``x`` dollars moves the
  price by ``-l x`` (return per dollar sold), ``l = 1 / market_depth``; prices floor at zero.
* :func:`exponential_impact` — Cont & Schaanning (2017): ``p = p0 exp(-x / D)``, ``D`` the
  market depth; concave in volume and never negative.
* :func:`glt_measures` — aggregate vulnerability ``AV``, systemicness ``S_i`` (``sum S_i = AV``)
  and indirect vulnerability ``IV_i`` of GLT (2015) eq. for the one-round leverage-targeting
  mechanism, vectorised over scenarios.

References
----------
Greenwood, R., Landier, A., Thesmar, D. (2015). Vulnerable banks. JFE 115(3), 471–485.
Cont, R., Schaanning, E. (2017). Fire sales, indirect contagion and systemic stress testing.
Norges Bank WP 2/2017.
Duarte, F., Eisenbach, T. (2021). Fire-sale spillovers and systemic risk. J Finance 76(3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FireSaleResult",
    "GLTMeasures",
    "exponential_impact",
    "fire_sale_spiral",
    "glt_measures",
    "glt_one_round",
    "linear_impact",
]

F64 = NDArray[np.float64]


def linear_impact(price0: F64, volume: F64, impact: F64) -> F64:
    """``price0 * max(0, 1 - impact * volume)`` (GLT linear impact; ``impact = 1/depth``)."""
    return np.asarray(price0 * np.maximum(0.0, 1.0 - impact * volume), dtype=float)


def exponential_impact(price0: F64, volume: F64, impact: F64) -> F64:
    """``price0 * exp(-impact * volume)`` (Cont–Schaanning; ``impact = 1/depth``)."""
    return np.asarray(price0 * np.exp(-impact * volume), dtype=float)


@dataclass(frozen=True)
class GLTMeasures:
    """GLT (2015) measures, positive numbers meaning losses (one row per scenario).

    Attributes
    ----------
    aggregate_vulnerability
        ``AV`` (shape ``(S,)``): share of system equity lost to deleveraging spillovers.
    systemicness
        ``S_i`` (``(S, N)``); sums to ``AV`` over institutions.
    indirect_vulnerability
        ``IV_i`` (``(S, N)``): share of institution i's equity lost to others' deleveraging.
    """

    aggregate_vulnerability: F64
    systemicness: F64
    indirect_vulnerability: F64


def glt_measures(assets: F64, equity: F64, weights: F64, impact: F64, shock: F64) -> GLTMeasures:
    """GLT (2015) ``AV``, ``S_i`` and ``IV_i`` for asset-return shocks ``F``.

    Parameters
    ----------
    assets
        ``a`` (N,): total assets. ``A = diag(a)``.
    equity
        ``e`` (N,): equity; ``b = (a - e) / e`` is the leverage banks target (``B = diag(b)``).
    weights
        ``M`` (N, K): portfolio weights (rows sum to at most 1; the rest is not shocked).
    impact
        ``l`` (K,): price impact, return per dollar sold. ``L = diag(l)``.
    shock
        ``F`` (K,) or (S, K): asset returns (negative = losses).

    Notes
    -----
    ``AV = 1' A M L M' B A M F / E``, ``S_i = [1' A M L M']_i b_i a_i (M F)_i / E`` and
    ``IV_i = [A M L M' B A M F]_i / e_i`` with ``E = sum(e)``; signs flipped so that a loss
    is positive.
    """
    f = np.atleast_2d(np.asarray(shock, dtype=float))
    a = np.asarray(assets, dtype=float)
    e = np.asarray(equity, dtype=float)
    m = np.asarray(weights, dtype=float)
    lk = np.asarray(impact, dtype=float)
    b = (a - e) / e
    big_e = e.sum()
    mf = f @ m.T  # (S, N) bank returns R = M F
    phi = b * a * mf  # (S, N) sales B A M F
    price_move = (phi @ m) * lk  # (S, K) L M' phi
    second = (price_move @ m.T) * a  # (S, N) A M L M' B A M F
    av = -second.sum(axis=1) / big_e
    c = ((a @ m) * lk) @ m.T  # (N,) [1' A M L M']
    s = -(c * b * a * mf) / big_e
    iv = -second / e
    return GLTMeasures(av, s, iv)


def glt_one_round(
    assets: F64, equity: F64, weights: F64, impact: F64, shock: F64
) -> tuple[F64, F64]:
    """The GLT mechanism step by step for one shock: (sales per bank, second-round loss per bank).

    Each bank loses ``a_i (M F)_i``, sells ``b_i`` times that to restore its leverage, the
    sales move prices by ``l_k`` per dollar, and every holder loses on the moved prices.
    Written as explicit loops over banks and assets so it checks :func:`glt_measures`.
    """
    a = np.asarray(assets, dtype=float)
    e = np.asarray(equity, dtype=float)
    m = np.asarray(weights, dtype=float)
    f = np.asarray(shock, dtype=float)
    n, k = m.shape
    sales = np.zeros(n)
    for i in range(n):
        loss = -sum(a[i] * m[i, j] * f[j] for j in range(k))
        sales[i] = (a[i] - e[i]) / e[i] * loss
    moves = np.zeros(k)
    for j in range(k):
        moves[j] = -impact[j] * sum(sales[i] * m[i, j] for i in range(n))
    second = np.array([-sum(a[i] * m[i, j] * moves[j] for j in range(k)) for i in range(n)])
    return sales, second


@dataclass(frozen=True)
class FireSaleResult:
    """Fixed point of a pro-rata fire sale over ``S`` scenarios (:func:`fire_sale_spiral`)."""

    prices: F64  # (S, K) relative to today
    losses: F64  # (S, N) fire-sale losses (holdings × price fall)
    sold_share: F64  # (S, N) share of its holdings each holder has sold
    rounds: int
    converged: bool


def fire_sale_spiral(
    holdings: F64,
    equity: F64,
    assets: F64,
    depth: F64,
    shock: F64,
    *,
    leverage_max: F64,
    leverage_target: F64,
    impact: str = "exponential",
    mode: str = "threshold",
    max_rounds: int = 500,
    tol: float = 1e-10,
) -> FireSaleResult:
    """Fire-sale spiral with pro-rata deleveraging, vectorised over scenarios with GEMMs.

    The cascade's step 5 for many holders and scenarios at once: holders (N) sell a share of
    every holding (K) to get back to ``leverage_target`` when ``assets / equity`` exceeds
    ``leverage_max`` (``mode="threshold"``, Cont–Schaanning) or always (``"target"``, GLT);
    sales of ``V_k`` move prices to ``p_k = (1 + F_k) g(V_k / depth_k)`` with ``g`` linear or
    exponential; every holder marks to market; iterate to the fixed point. Because sales are
    pro rata, each holder's remaining holdings are ``(1 - s_i) h_i``: the state is ``S × N``
    and ``S × K``, and each round is two matrix products, so 1,000 holders × 200 assets ×
    10,000 scenarios fit in memory.

    Parameters
    ----------
    holdings
        (N, K) market values today.
    equity, assets, leverage_max, leverage_target
        (N,) each; ``assets`` includes what is not in ``holdings``.
    depth
        (K,) market depth (USD sold that moves the price by 100%, linear impact).
    shock
        (S, K) first-round returns (negative = falls).
    """
    h = np.asarray(holdings, dtype=float)
    f = np.atleast_2d(np.asarray(shock, dtype=float))
    s_n = f.shape[0]
    n = h.shape[0]
    lk = 1.0 / np.asarray(depth, dtype=float)
    p_pre = 1.0 + f
    first = (-f) @ h.T  # (S, N) first-round losses
    sold = np.zeros((s_n, n))
    price = p_pre.copy()
    held_total = max(float(h.sum()), 1.0)
    fn = linear_impact if impact == "linear" else exponential_impact
    converged = False
    rounds = 0
    for _ in range(max_rounds):
        rounds += 1
        fs_loss = (p_pre - price) @ h.T
        eq = equity - first - fs_loss
        value_left = (price @ h.T) * (1.0 - sold)  # (S, N) marketable value still held
        a_now = assets - first - fs_loss - (price @ h.T) * sold
        act = (eq > 0) & (a_now > leverage_max * eq) if mode == "threshold" else eq > 0
        need = np.where(act, np.maximum(a_now - leverage_target * eq, 0.0), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            extra = np.where(value_left > 1e-300, need / value_left, 0.0)
        extra = np.where(eq <= 0, 1.0, np.minimum(extra, 1.0))  # insolvent holders liquidate
        new_sold = sold + (1.0 - sold) * extra
        step = float(np.max(np.abs(new_sold - sold) @ h.sum(axis=1))) / held_total
        sold = new_sold
        volume = sold @ h  # (S, K) today's value units sold
        price = np.minimum(fn(p_pre, volume, lk), price)
        if step <= tol:
            converged = True
            break
    losses = (p_pre - price) @ h.T
    return FireSaleResult(price, losses, sold, rounds, converged)
