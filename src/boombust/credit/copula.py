"""One-factor Gaussian and Student-t copulas: correlated defaults and tranche losses.

Name ``i`` defaults when its latent variable falls below its threshold:

* Gaussian: ``X_i = sqrt(rho) Y + sqrt(1 - rho) Z_i < Phi^-1(p_i)``;
* Student t: ``X_i = (sqrt(rho) Y + sqrt(1 - rho) Z_i) / sqrt(W / nu) < t_nu^-1(p_i)``,
  ``W ~ chi2_nu`` shared by all names (methods.md F.1; Demarta & McNeil 2005).

Conditional on the common factors the defaults are independent with probability
``p_i(Y, W) = Phi((c_i sqrt(W / nu) - sqrt(rho) Y) / sqrt(1 - rho))`` (``c_i`` the threshold;
``W / nu = 1`` for the Gaussian copula). Three exact simulation methods of the pool loss:

* ``per_name``: one float32 draw per name and path, in chunks of paths: a uniform compared
  with ``p_i(Y, W)`` when names share at most 64 distinct pds (one ``p`` per pd level and
  path), else a normal ``Z_i`` compared with the name's own threshold;
* ``binomial``: names with equal (pd, lgd, weight) form a bucket whose default count is,
  conditional on the factors, exactly ``Binomial(n_bucket, p(Y, W))`` -- the same distribution
  as simulating each name, with one draw per bucket;
* ``large_pool``: the Vasicek limit ``L = sum_i w_i lgd_i p_i(Y, W)`` (infinitely granular).

Randomness: one ``SeedSequence(seed).spawn(n_chunks)`` child per chunk of ``chunk_size`` paths,
so the numbers depend only on ``seed`` and ``chunk_size``.

References
----------
Li, D. X. (2000), "On default correlation: a copula function approach", J. Fixed Income 9(4).
Demarta, S. & McNeil, A. J. (2005), "The t copula and related copulas", Int. Stat. Rev. 73(1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from boombust.credit._kernels import HAVE_NUMBA, defaulted_exposure

__all__ = [
    "CopulaKind",
    "PoolLossResult",
    "conditional_default_probability",
    "correlated_uniforms",
    "draw_factors",
    "simulate_pool_loss",
    "tranche_el_quadrature",
    "tranche_loss",
]

CopulaKind = Literal["gaussian", "t"]
FloatArray = npt.NDArray[np.float64]


def _check_rho(rho: float) -> None:
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"correlation rho must be in [0, 1), got {rho}")


def threshold(pd: npt.ArrayLike, kind: CopulaKind, nu: float) -> FloatArray:
    """Default threshold ``Phi^-1(p)`` or ``t_nu^-1(p)``."""
    p = np.asarray(pd, dtype=np.float64)
    if kind == "gaussian":
        return np.asarray(special.ndtri(p), dtype=np.float64)
    return np.asarray(stats.t.ppf(p, nu), dtype=np.float64)


def draw_factors(
    rng: np.random.Generator, n_paths: int, kind: CopulaKind, nu: float
) -> tuple[FloatArray, FloatArray]:
    """Common factor ``Y`` and the t-copula scale ``sqrt(W / nu)`` (ones for Gaussian)."""
    y = rng.standard_normal(n_paths)
    scale = np.sqrt(rng.chisquare(nu, n_paths) / nu) if kind == "t" else np.ones(n_paths)
    return y, scale


def conditional_default_probability(
    pd: npt.ArrayLike,
    rho: float,
    y: npt.ArrayLike,
    scale: npt.ArrayLike | float = 1.0,
    *,
    kind: CopulaKind = "gaussian",
    nu: float = 5.0,
) -> FloatArray:
    """``p(Y, W) = Phi((c sqrt(W/nu) - sqrt(rho) Y) / sqrt(1 - rho))`` (broadcasting)."""
    _check_rho(rho)
    c = threshold(pd, kind, nu)
    yv = np.asarray(y, dtype=np.float64)
    sv = np.asarray(scale, dtype=np.float64)
    return np.asarray(
        special.ndtr((c * sv - math.sqrt(rho) * yv) / math.sqrt(1.0 - rho)), dtype=np.float64
    )


def correlated_uniforms(
    rng: np.random.Generator,
    n_paths: int,
    n_names: int,
    rho: float,
    *,
    kind: CopulaKind = "gaussian",
    nu: float = 5.0,
) -> tuple[FloatArray, FloatArray]:
    """Uniforms ``U[path, name]`` with the copula's dependence, and the factor ``Y``.

    ``U_i < p_i`` is the default event with marginal probability ``p_i``.
    """
    _check_rho(rho)
    y, scale = draw_factors(rng, n_paths, kind, nu)
    z = rng.standard_normal((n_paths, n_names))
    x = math.sqrt(rho) * y[:, None] + math.sqrt(1.0 - rho) * z
    u = special.ndtr(x) if kind == "gaussian" else stats.t.cdf(x / scale[:, None], nu)
    return np.asarray(u, dtype=np.float64), y


def tranche_loss(pool_loss: npt.ArrayLike, attach: float, detach: float) -> FloatArray:
    """Loss of tranche ``[attach, detach]`` as a fraction of its notional.

    ``(min(L, D) - min(L, A)) / (D - A)``: tranche losses times thickness add up to ``L``.
    """
    if not 0.0 <= attach < detach <= 1.0:
        raise ValueError(f"need 0 <= attach < detach <= 1, got [{attach}, {detach}]")
    lv = np.asarray(pool_loss, dtype=np.float64)
    return np.asarray(
        (np.minimum(lv, detach) - np.minimum(lv, attach)) / (detach - attach), dtype=np.float64
    )


@dataclass(frozen=True)
class PoolLossResult:
    """Simulated pool losses (fraction of pool notional) per path."""

    loss: FloatArray
    factor: FloatArray
    method: str
    kind: str
    rho: float
    nu: float
    seed: int
    n_names: int
    meta: dict[str, Any] = field(default_factory=dict)

    def tranche_losses(self, attach: float, detach: float) -> FloatArray:
        return tranche_loss(self.loss, attach, detach)

    def tranche_el(self, attach: float, detach: float) -> tuple[float, float]:
        """(expected loss, Monte Carlo standard error) of a tranche, fraction of its notional."""
        tl = self.tranche_losses(attach, detach)
        return float(tl.mean()), float(tl.std(ddof=1) / math.sqrt(tl.size))


def _buckets(
    pd: FloatArray, lgd: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    keys = np.stack([pd, lgd, w], axis=1)
    uniq, counts = np.unique(keys, axis=0, return_counts=True)
    return uniq[:, 0], uniq[:, 1] * uniq[:, 2], counts.astype(np.int64)


def simulate_pool_loss(
    pd: npt.ArrayLike,
    *,
    rho: float,
    lgd: npt.ArrayLike = 1.0,
    weights: npt.ArrayLike | None = None,
    n_names: int | None = None,
    kind: CopulaKind = "gaussian",
    nu: float = 5.0,
    n_paths: int = 100_000,
    seed: int = 0,
    method: Literal["auto", "per_name", "binomial", "large_pool"] = "auto",
    chunk_size: int = 100_000,
    n_jobs: int = 1,
) -> PoolLossResult:
    """Monte Carlo pool loss under a one-factor copula.

    Parameters
    ----------
    pd, lgd, weights
        Per-name default probability (to the horizon), loss given default and exposure weight
        (normalised to sum to 1; equal weights by default). Scalars broadcast to ``n_names``.
    rho
        Asset correlation in [0, 1).
    kind, nu
        ``"gaussian"`` or ``"t"`` (degrees of freedom ``nu``).
    n_jobs
        Threads over chunks (numpy releases the GIL); results do not depend on it.
    method
        ``"auto"`` uses ``binomial`` when names fall into at most 64 buckets, else ``per_name``.
    """
    _check_rho(rho)
    if kind not in ("gaussian", "t"):
        raise ValueError(f"copula kind must be 'gaussian' or 't', got {kind!r}")
    if kind == "t" and not nu > 0:
        raise ValueError(f"nu must be positive, got {nu}")
    sizes = [np.size(a) for a in (pd, lgd) if np.ndim(a) > 0]
    if weights is not None:
        sizes.append(np.size(weights))
    n = n_names if n_names is not None else (max(sizes) if sizes else 1)
    pdv = np.broadcast_to(np.asarray(pd, dtype=np.float64), (n,)).copy()
    lgdv = np.broadcast_to(np.asarray(lgd, dtype=np.float64), (n,)).copy()
    wv = (
        np.full(n, 1.0 / n)
        if weights is None
        else np.broadcast_to(np.asarray(weights, dtype=np.float64), (n,)).copy()
    )
    if np.any((pdv <= 0) | (pdv >= 1)):
        raise ValueError("every pd must be in (0, 1)")
    wv = wv / wv.sum()
    bucket_pd, bucket_loss, bucket_n = _buckets(pdv, lgdv, wv)
    if method == "auto":
        method = "binomial" if bucket_pd.size <= 64 else "per_name"
    n_chunks = max(1, math.ceil(n_paths / chunk_size))
    children = np.random.SeedSequence(seed).spawn(n_chunks)
    c32 = threshold(pdv, kind, nu).astype(np.float32)
    loss_per_name = (lgdv * wv).astype(np.float32)

    def one_chunk(i: int) -> tuple[FloatArray, FloatArray]:
        m = min(chunk_size, n_paths - i * chunk_size)
        rng = np.random.default_rng(children[i])
        y, scale = draw_factors(rng, m, kind, nu)
        if method == "large_pool":
            p = conditional_default_probability(
                bucket_pd[None, :], rho, y[:, None], scale[:, None], kind=kind, nu=nu
            )
            loss = (p * (bucket_loss * bucket_n)[None, :]).sum(axis=1)
        elif method == "binomial":
            p = conditional_default_probability(
                bucket_pd[None, :], rho, y[:, None], scale[:, None], kind=kind, nu=nu
            )
            k = rng.binomial(np.broadcast_to(bucket_n, p.shape), p)
            loss = (k * bucket_loss[None, :]).sum(axis=1)
        elif np.unique(pdv).size <= 64:
            loss = _per_name_uniform_chunk(rng, y, scale, rho, pdv, lgdv * wv, kind, nu)
        else:
            loss = _per_name_chunk(rng, y, scale, rho, c32, loss_per_name)
        return np.asarray(loss, dtype=np.float64), y

    if n_jobs > 1 and n_chunks > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            parts = list(pool.map(one_chunk, range(n_chunks)))
    else:
        parts = [one_chunk(i) for i in range(n_chunks)]
    losses = [pt[0] for pt in parts]
    factors = [pt[1] for pt in parts]
    return PoolLossResult(
        loss=np.concatenate(losses),
        factor=np.concatenate(factors),
        method=method,
        kind=kind,
        rho=rho,
        nu=nu,
        seed=seed,
        n_names=n,
        meta={"chunk_size": chunk_size, "buckets": int(bucket_pd.size)},
    )


def _per_name_uniform_chunk(
    rng: np.random.Generator,
    y: FloatArray,
    scale: FloatArray,
    rho: float,
    pdv: FloatArray,
    exposure: FloatArray,
    kind: CopulaKind,
    nu: float,
    rows: int = 4096,
) -> FloatArray:
    """Every name simulated: ``U_i < p_i(Y, W)`` with float32 uniforms, names grouped by pd.

    Conditional on the factors, name ``i`` defaults with probability ``p_i(Y, W)``
    independently of the others, so comparing one uniform per name with ``p_i(Y, W)`` is the
    copula model exactly; grouping names with equal pd into contiguous columns needs one
    ``p(Y, W)`` per group and path instead of one per name.
    """
    order = np.argsort(pdv, kind="stable")
    pd_sorted = pdv[order]
    expo = exposure[order].astype(np.float64)
    levels, starts = np.unique(pd_sorted, return_index=True)
    stops = np.append(starts[1:], pd_sorted.size).astype(np.int64)
    starts = starts.astype(np.int64)
    m = y.size
    out = np.empty(m, dtype=np.float64)
    u = np.empty((rows, pdv.size), dtype=np.float32)
    for start in range(0, m, rows):
        r = min(rows, m - start)
        ur = u[:r]
        rng.random(out=ur, dtype=np.float32)
        p = conditional_default_probability(
            levels[None, :],
            rho,
            y[start : start + r, None],
            scale[start : start + r, None],
            kind=kind,
            nu=nu,
        ).astype(np.float32)
        if HAVE_NUMBA:
            defaulted_exposure(ur, p, starts, stops, expo, out[start : start + r])
        else:  # pragma: no cover - numpy fallback, same defaults, sums in BLAS order
            hit = np.empty(ur.shape, dtype=np.float64)
            for g in range(levels.size):
                a, b = int(starts[g]), int(stops[g])
                np.less(ur[:, a:b], p[:, g : g + 1], out=hit[:, a:b], casting="unsafe")
            out[start : start + r] = hit @ expo
    return out


def _per_name_chunk(
    rng: np.random.Generator,
    y: FloatArray,
    scale: FloatArray,
    rho: float,
    c32: npt.NDArray[np.float32],
    loss_per_name: npt.NDArray[np.float32],
    rows: int = 2048,
) -> FloatArray:
    """Simulate every name (float32 normals), ``rows`` paths at a time to bound memory."""
    m = y.size
    n = c32.size
    out = np.empty(m, dtype=np.float64)
    a = np.float32(math.sqrt(rho))
    b = np.float32(math.sqrt(1.0 - rho))
    z = np.empty((rows, n), dtype=np.float32)
    for start in range(0, m, rows):
        r = min(rows, m - start)
        zr = z[:r]
        rng.standard_normal(out=zr, dtype=np.float32)
        # X_i < c_i * scale  <=>  b Z_i < c_i * scale - a Y
        bound = (c32[None, :] * scale[start : start + r, None].astype(np.float32)) - (
            a * y[start : start + r, None].astype(np.float32)
        )
        zr *= b
        defaults = zr < bound
        out[start : start + r] = defaults.astype(np.float32) @ loss_per_name
    return out


def tranche_el_quadrature(
    attach: float,
    detach: float,
    pd: float,
    rho: float,
    *,
    lgd: float = 1.0,
    n_names: int | None = None,
    kind: CopulaKind = "gaussian",
    nu: float = 5.0,
    n_y: int = 2000,
    n_w: int = 1000,
) -> float:
    """Tranche EL of a homogeneous pool by quadrature over the factors (Y, W).

    Midpoint rule in probability over ``Y ~ N(0, 1)`` and, for the t copula, over
    ``W ~ chi2_nu``. With ``n_names`` the conditional default count is binomial and summed
    exactly; without it the large-pool limit is used. An independent check of the Monte Carlo.
    """
    _check_rho(rho)
    x = special.ndtri((np.arange(n_y) + 0.5) / n_y)
    wx = np.full(n_y, 1.0 / n_y)
    if kind == "t":
        qs = (np.arange(n_w) + 0.5) / n_w
        scale = np.sqrt(stats.chi2.ppf(qs, nu) / nu)
        ws = np.full(n_w, 1.0 / n_w)
    else:
        scale = np.ones(1)
        ws = np.ones(1)
    p = conditional_default_probability(pd, rho, x[:, None], scale[None, :], kind=kind, nu=nu)
    if n_names is None:
        tl = tranche_loss(lgd * p, attach, detach)
    else:
        k = np.arange(n_names + 1)
        tl_k = tranche_loss(lgd * k / n_names, attach, detach)
        tl = np.empty_like(p)
        for j in range(p.shape[1]):  # one W node at a time bounds memory to n_y x (n + 1)
            pmf = stats.binom.pmf(k[None, :], n_names, p[:, j, None])
            tl[:, j] = pmf @ tl_k
    return float((wx[:, None] * ws[None, :] * tl).sum())
