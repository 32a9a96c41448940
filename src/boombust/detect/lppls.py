"""LPPLS (log-periodic power law singularity) fits, Filimonov–Sornette calibration.

The JLS expected log-price (Johansen, Ledoit & Sornette 2000; Sornette et al. 2015,
"Real-time prediction and post-mortem analysis of the Shanghai 2015 stock market
bubble and crash", §2.1) is

    E[ln p(t)] = A + B (tc - t)^m + C (tc - t)^m cos(omega ln(tc - t) - phi).

With ``C1 = C cos(phi)``, ``C2 = C sin(phi)`` (Filimonov & Sornette 2013, eq. 6–10)
the four linear parameters (A, B, C1, C2) are slaved to (tc, m, omega) by a normal
equation solve, and the profiled cost ``F1(tc, m, omega)`` is minimised over a box by a
deterministic grid (shared across nested windows) followed by a bounded
Levenberg–Marquardt polish. The best fit found is returned; no global RNG is used.

Time runs in trading days: the last observation is t2 = 0 and ``tc`` is in trading days
relative to it. ``|tc - t|`` is used so that tc may lie inside the window, as in the
FCO search space ``tc in [t2 - 0.2 dt, t2 + 0.2 dt]``.

References
----------
Filimonov, V. & Sornette, D. (2013). A stable and robust calibration scheme of the
log-periodic power law model. Physica A 392(17), 3698–3707. arXiv:1108.0099.
Sornette, D., Demos, G., Zhang, Q., Cauwels, P., Filimonov, V. & Zhang, Q. (2015).
Real-time prediction and post-mortem analysis of the Shanghai 2015 stock market bubble
and crash. J. Investment Strategies 4(4), 77–95. (Table 1: search space and filters.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from boombust._provenance import Provenance, stable_hash
from boombust.detect import _lppls_kernels as _k
from boombust.errors import BoombustWarning, InputError, Issue

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "FILTER_CONFIDENCE",
    "FILTER_TRUST",
    "LPPLSFilter",
    "LPPLSFit",
    "LPPLSSearch",
    "LPPLSWarning",
    "fit_lppls",
]

FloatArray = NDArray[np.float64]


class LPPLSWarning(BoombustWarning):
    """Something about an LPPLS calculation the user should know (e.g. short history)."""


def _check_range(value: tuple[float, float], name: str) -> None:
    lo, hi = value
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be (low, high) with low < high, both finite; got {value}")


class LPPLSSearch(BaseModel):
    """Search space and optimiser settings of one LPPLS fit (frozen).

    Defaults are the search space of Sornette et al. (2015), Table 1: ``m in [0, 2]``,
    ``omega in [1, 50]``, ``tc in [t2 - 0.2 dt, t2 + 0.2 dt]`` with ``dt = t2 - t1``.

    Parameters
    ----------
    tc_fraction
        tc bounds as fractions of the window length ``dt`` relative to t2.
    m, omega
        Bounds of the power-law exponent and of the log-angular frequency.
    grid_tc, grid_m, grid_omega
        Points of the deterministic starting grid (mid-points of equal cells, or
        seeded points in their middle half; the tc axis is denser near t2). The grid
        is scanned for every window at once. The omega axis is the finest (40): the
        cost oscillates in omega, and a coarse axis misses basins (seed spread).
    n_starts, screen_iter
        Per window, the ``n_starts`` best grid points (distinct tc) and the fit of the
        next larger window get ``screen_iter`` Levenberg–Marquardt iterations each; a
        window without that neighbour (a single fit, the largest window) gets
        ``n_starts + 1`` grid starts instead.
    screen_stride
        The grid scan and the screening iterations use every ``screen_stride``-th point
        of the window (aligned on its last point); the final polish uses all points.
        3 (default) cuts a day's Confidence from ~85 to ~48 ms CPU with the same seed
        spread; 1 screens on all points.
    max_iter, rtol
        The best screened start is then polished: iteration cap and relative SSE
        decrease at which it stops.
    sweep
        For nested windows, a second pass polishes each window from its smaller
        neighbour's fit (keeps it if better; skipped when both fits already share a
        basin): more robust, about 1.2x the time.
    newton_after
        LM iterations of a final polish that use the Gauss–Newton matrix before it
        switches to the exact Hessian (Newton). 0 (default): Newton throughout, which
        needs ~6 iterations where Gauss–Newton needs ~11 (up to 20) on this
        large-residual problem; also used by the Trust bootstrap refits. Screening
        iterations always use Gauss–Newton (more robust far from a minimum).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tc_fraction: tuple[float, float] = (-0.2, 0.2)
    m: tuple[float, float] = (0.0, 2.0)
    omega: tuple[float, float] = (1.0, 50.0)
    grid_tc: int = Field(16, ge=1, le=512)
    grid_m: int = Field(6, ge=1, le=256)
    grid_omega: int = Field(40, ge=1, le=512)
    n_starts: int = Field(2, ge=1, le=512)
    screen_iter: int = Field(3, ge=0, le=10_000)
    max_iter: int = Field(20, ge=0, le=10_000)
    rtol: float = Field(1e-8, ge=0.0, lt=1.0)
    sweep: bool = True
    newton_after: int = Field(0, ge=0, le=10_000)
    screen_stride: int = Field(3, ge=1, le=64)

    @classmethod
    def fast(cls, **overrides: Any) -> LPPLSSearch:
        """A cheaper preset: one start per window and no second sweep (less robust)."""
        settings: dict[str, Any] = {"n_starts": 1, "screen_iter": 0, "sweep": False}
        settings.update(overrides)
        return cls(**settings)

    @model_validator(mode="after")
    def _ranges(self) -> LPPLSSearch:
        _check_range(self.tc_fraction, "tc_fraction")
        _check_range(self.m, "m")
        _check_range(self.omega, "omega")
        if self.m[0] < 0.0:
            raise ValueError("m must be >= 0")
        if self.omega[0] <= 0.0:
            raise ValueError("omega must be > 0")
        return self


class LPPLSFilter(BaseModel):
    """Qualification filter of an LPPLS fit (Sornette et al. 2015, Table 1).

    A fit qualifies when ``m`` and ``omega`` lie in their ranges, tc lies in
    ``[t2 + tc_fraction[0] dt, t2 + tc_fraction[1] dt]``, the number of oscillations
    ``(omega / 2 pi) ln|(tc - t1)/(tc - t2)|`` is at least ``min_oscillations``, the
    damping ``m |B| / (omega |C|)`` is at least ``min_damping``, and the relative price
    error of the fit (``relative_error``: the ``max`` or the ``mean`` over the window of
    ``|p_fit / p - 1|``) is at most ``max_relative_error``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    m: tuple[float, float] = (0.01, 1.2)
    omega: tuple[float, float] = (2.0, 25.0)
    tc_fraction: tuple[float, float] = (-0.05, 0.1)
    min_oscillations: float = 2.5
    min_damping: float = 0.8
    max_relative_error: float = Field(0.05, gt=0.0)
    relative_error: Literal["max", "mean"] = "mean"

    @model_validator(mode="after")
    def _ranges(self) -> LPPLSFilter:
        _check_range(self.m, "m")
        _check_range(self.omega, "omega")
        _check_range(self.tc_fraction, "tc_fraction")
        return self

    def mask(
        self,
        *,
        dt: ArrayLike,
        tc: ArrayLike,
        m: ArrayLike,
        omega: ArrayLike,
        b: ArrayLike,
        c: ArrayLike,
        relative_error: ArrayLike,
    ) -> NDArray[np.bool_]:
        """Vectorised filter: which fits qualify (tc relative to t2, in trading days)."""
        dt_a = np.asarray(dt, dtype=float)
        tc_a = np.asarray(tc, dtype=float)
        m_a = np.asarray(m, dtype=float)
        w_a = np.asarray(omega, dtype=float)
        osc = oscillations(tc_a, w_a, dt_a)
        damp = damping(m_a, w_a, np.asarray(b, dtype=float), np.asarray(c, dtype=float))
        rel = np.asarray(relative_error, dtype=float)
        with np.errstate(invalid="ignore"):
            ok = (
                (m_a >= self.m[0])
                & (m_a <= self.m[1])
                & (w_a >= self.omega[0])
                & (w_a <= self.omega[1])
                & (tc_a >= self.tc_fraction[0] * dt_a)
                & (tc_a <= self.tc_fraction[1] * dt_a)
                & (osc >= self.min_oscillations)
                & (damp >= self.min_damping)
                & (rel <= self.max_relative_error)
            )
        return np.asarray(ok, dtype=bool)


#: Filter 1 of Sornette et al. (2015), Table 1: qualifies fits for DS LPPLS Confidence.
FILTER_CONFIDENCE = LPPLSFilter()
#: Filter 2 of Sornette et al. (2015), Table 1: qualifies bootstrap fits for DS LPPLS Trust.
FILTER_TRUST = LPPLSFilter(m=(0.01, 0.99), min_damping=1.0, max_relative_error=0.2)


def oscillations(tc: ArrayLike, omega: ArrayLike, dt: ArrayLike) -> FloatArray:
    """Number of oscillations ``(omega/2 pi) ln|(tc - t1)/(tc - t2)|`` with t2 = 0, t1 = -dt."""
    tc_a = np.asarray(tc, dtype=float)
    dt_a = np.asarray(dt, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (np.asarray(omega, dtype=float) / (2.0 * np.pi)) * np.abs(
            np.log(np.abs(tc_a + dt_a) / np.abs(tc_a))
        )
    return np.asarray(out, dtype=float)


def damping(m: ArrayLike, omega: ArrayLike, b: ArrayLike, c: ArrayLike) -> FloatArray:
    """Damping ``m |B| / (omega |C|)`` (Sornette et al. 2015, Table 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (np.asarray(m, dtype=float) * np.abs(np.asarray(b, dtype=float))) / (
            np.asarray(omega, dtype=float) * np.abs(np.asarray(c, dtype=float))
        )
    return np.asarray(out, dtype=float)


def to_day_units(
    lin_scaled: ArrayLike, m: ArrayLike, omega: ArrayLike, scale: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Convert (A, B, C1, C2) fitted with time divided by ``scale`` to trading-day units.

    ``(dt/S)^m = S^-m dt^m`` and ``omega ln(dt/S) = omega ln dt - omega ln S``, so B scales
    by ``S^-m`` and (C1, C2) scale by ``S^-m`` and rotate by ``theta = omega ln S``.
    """
    lin = np.atleast_2d(np.asarray(lin_scaled, dtype=float))
    m_a = np.asarray(m, dtype=float)
    theta = np.asarray(omega, dtype=float) * math.log(scale)
    k = scale ** (-m_a)
    a = lin[:, 0]
    b = k * lin[:, 1]
    c1 = k * (lin[:, 2] * np.cos(theta) - lin[:, 3] * np.sin(theta))
    c2 = k * (lin[:, 2] * np.sin(theta) + lin[:, 3] * np.cos(theta))
    return a, b, c1, c2


def lppls_log_price(
    t: ArrayLike, tc: float, m: float, omega: float, a: float, b: float, c1: float, c2: float
) -> FloatArray:
    """JLS log-price ``A + |tc-t|^m (B + C1 cos(omega ln|tc-t|) + C2 sin(omega ln|tc-t|))``.

    Parameters are in trading-day units (as reported by :class:`LPPLSFit`).
    """
    t_a = np.asarray(t, dtype=float)
    return _k.lppls_curve(t_a, tc, m, omega, np.array([a, b, c1, c2]), 1.0)


def grid_axes(
    search: LPPLSSearch, tc_span: float, shift: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, float, float, int]:
    """Starting grid: tc values, m values and the (w0, dw, n) of the omega axis.

    Cells are equal; points sit at the cell mid-points, or, given ``shift`` (three
    numbers in [0, 1) drawn from the seed), at ``0.25 + 0.5 shift`` of each cell: a
    Cranley–Patterson rotation confined to the middle half of the cells, so that no
    seed puts a row of starts on the degenerate edges of the box (``m -> 0``, where
    ``(tc - t)^m`` becomes collinear with the constant). The tc
    axis maps ``u in [-1, 1]`` to ``sign(u) u^2`` so that it is denser near t2.
    """
    off = np.full(3, 0.5) if shift is None else 0.25 + 0.5 * np.asarray(shift, dtype=float)
    lo_f, hi_f = search.tc_fraction
    u = (np.arange(search.grid_tc) + off[0]) / search.grid_tc
    # piecewise-quadratic map of [0,1] onto [lo_f, hi_f] with zero slope at tc = t2 (if inside)
    if lo_f < 0.0 < hi_f:
        z = -lo_f / (hi_f - lo_f)  # position of t2 on [0, 1]
        tcs = np.where(
            u < z,
            lo_f * ((z - u) / z) ** 2,
            hi_f * ((u - z) / (1.0 - z)) ** 2,
        )
    else:
        tcs = lo_f + (hi_f - lo_f) * u
    tcs = np.asarray(tcs * tc_span, dtype=float)
    m_lo, m_hi = search.m
    ms = m_lo + (m_hi - m_lo) * (np.arange(search.grid_m) + off[1]) / search.grid_m
    w_lo, w_hi = search.omega
    dw = (w_hi - w_lo) / search.grid_omega
    w0 = w_lo + off[2] * dw
    return tcs, np.asarray(ms, dtype=float), float(w0), float(dw), int(search.grid_omega)


def fit_windows(
    log_price: FloatArray,
    window_lengths: NDArray[np.int64],
    search: LPPLSSearch,
    shift: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, float]:
    """Best fits of nested windows that all end at the last point of ``log_price``.

    Returns ``(params, errors, scale)``: ``params`` (W, 8) holds
    ``tc, m, omega, A, B, C1, C2, sse`` per window in the order of ``window_lengths``
    (linear parameters in scaled time, see :func:`to_day_units`), ``errors`` (W, 2) the
    max and mean relative price error. ``window_lengths`` are ``dt = t2 - t1`` values.
    """
    lengths = np.asarray(window_lengths, dtype=np.int64)
    dt_max = int(lengths.max())
    if log_price.shape[0] < dt_max + 1:
        raise ValueError("log_price is shorter than the largest window")
    y = np.array(log_price[-(dt_max + 1) :], dtype=float)
    y -= y.mean()
    t = np.arange(-dt_max, 1, dtype=float)
    order = np.argsort(lengths, kind="stable")  # ascending dt = descending start
    sorted_dt = lengths[order]
    starts = (dt_max - sorted_dt).astype(np.int64)
    tc_lo = search.tc_fraction[0] * sorted_dt.astype(float)
    tc_hi = search.tc_fraction[1] * sorted_dt.astype(float)
    scale = float(dt_max)
    tcs, ms, w0, dw, nw = grid_axes(search, float(dt_max), shift)
    out = np.empty((sorted_dt.shape[0], 8))
    _k.fit_nested_windows(
        t,
        y,
        starts,
        tc_lo,
        tc_hi,
        float(search.m[0]),
        float(search.m[1]),
        float(search.omega[0]),
        float(search.omega[1]),
        tcs,
        ms,
        w0,
        dw,
        nw,
        scale,
        int(search.n_starts),
        int(search.screen_iter),
        int(search.max_iter),
        float(search.rtol),
        bool(search.sweep),
        int(search.newton_after),
        int(search.screen_stride),
        out,
    )
    errs = np.empty((sorted_dt.shape[0], 2))
    _k.window_relative_errors(t, y, starts, out, scale, errs)
    params = np.empty_like(out)
    errors = np.empty_like(errs)
    params[order] = out
    errors[order] = errs
    return params, errors, scale


# --------------------------------------------------------------------------- inputs


def as_price_series(prices: Any, *, name: str = "prices") -> pd.Series:
    """Validate a price series: positive, finite, strictly increasing dates if any.

    Accepts a pandas Series (a DatetimeIndex is kept) or any 1-D array-like.
    Raises :class:`~boombust.errors.InputError` with a message per problem.
    """
    if isinstance(prices, pd.DataFrame):
        if prices.shape[1] != 1:
            raise InputError(
                f"got a DataFrame with {prices.shape[1]} columns; pass one price column "
                "(e.g. df['close'])",
                field=name,
            )
        prices = prices.iloc[:, 0]
    series = (
        prices.copy()
        if isinstance(prices, pd.Series)
        else pd.Series(np.asarray(prices, dtype=float))
    )
    try:
        values = series.to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise InputError(f"prices must be numbers ({err})", field=name) from None
    if values.ndim != 1:
        raise InputError("prices must be one-dimensional", field=name)
    issues: list[Issue] = []
    bad = ~np.isfinite(values)
    if bad.any():
        where = series.index[np.flatnonzero(bad)[0]]
        issues.append(
            Issue(
                f"{int(bad.sum())} missing or non-finite price(s), first at {where}; "
                "drop or fill them before fitting",
                field=name,
            )
        )
    nonpos = np.isfinite(values) & (values <= 0)
    if nonpos.any():
        where = series.index[np.flatnonzero(nonpos)[0]]
        issues.append(
            Issue(
                f"{int(nonpos.sum())} non-positive price(s), first at {where}; LPPLS fits "
                "log-prices, so every price must be > 0",
                field=name,
            )
        )
    if isinstance(series.index, pd.DatetimeIndex):
        idx = series.index
        if not idx.is_monotonic_increasing:
            pos = int(np.flatnonzero(np.diff(idx.asi8) < 0)[0]) + 1
            issues.append(
                Issue(
                    f"dates are not sorted: {idx[pos].date()} comes after "
                    f"{idx[pos - 1].date()}; sort the series by date",
                    field=name,
                )
            )
        elif idx.has_duplicates:
            dup = idx[idx.duplicated()][0]
            issues.append(
                Issue(f"date {dup.date()} appears more than once; keep one row per day", field=name)
            )
    if issues:
        raise InputError(issues)
    return pd.Series(values, index=series.index, name=series.name)


# --------------------------------------------------------------------------- one fit


@dataclass(frozen=True)
class LPPLSFit:
    """Best LPPLS fit of one window (parameters in trading days, t2 = 0).

    Attributes
    ----------
    tc, m, omega, a, b, c1, c2
        JLS parameters; ``tc`` in trading days after the last observation.
    sse, r2
        Sum of squared log-price residuals and the R² against the window mean.
    oscillations, damping, relative_error_max, relative_error_mean
        Diagnostics used by the qualification filters.
    """

    tc: float
    m: float
    omega: float
    a: float
    b: float
    c1: float
    c2: float
    sse: float
    r2: float
    n_obs: int
    oscillations: float
    damping: float
    relative_error_max: float
    relative_error_mean: float
    index: pd.Index
    log_price: FloatArray = field(repr=False)
    search: LPPLSSearch = field(repr=False)
    provenance: Provenance = field(repr=False)

    @property
    def c(self) -> float:
        """Amplitude ``C = sqrt(C1² + C2²)`` of the log-periodic term."""
        return float(math.hypot(self.c1, self.c2))

    @property
    def dt(self) -> int:
        """Window length ``t2 - t1`` in trading days."""
        return self.n_obs - 1

    @property
    def bubble(self) -> Literal["positive", "negative", "none"]:
        """``positive`` if B < 0 (super-exponential rise), ``negative`` if B > 0."""
        return "positive" if self.b < 0 else ("negative" if self.b > 0 else "none")

    @property
    def tc_date(self) -> pd.Timestamp | None:
        """Calendar date of tc (business days after the last date), if dates are known."""
        if not isinstance(self.index, pd.DatetimeIndex):
            return None
        return tc_to_date(self.index, self.tc)

    @property
    def t(self) -> FloatArray:
        return np.arange(-self.dt, 1, dtype=float)

    @property
    def fitted(self) -> FloatArray:
        """Fitted log-price over the window."""
        return lppls_log_price(
            self.t, self.tc, self.m, self.omega, self.a, self.b, self.c1, self.c2
        )

    @property
    def residuals(self) -> FloatArray:
        return np.asarray(self.log_price - self.fitted, dtype=float)

    def passes(self, filt: LPPLSFilter = FILTER_CONFIDENCE) -> bool:
        """Whether the fit qualifies under ``filt`` (the sign of B is not tested)."""
        rel = self.relative_error_max if filt.relative_error == "max" else self.relative_error_mean
        return bool(
            filt.mask(
                dt=self.dt,
                tc=self.tc,
                m=self.m,
                omega=self.omega,
                b=self.b,
                c=self.c,
                relative_error=rel,
            )
        )

    def summary(self) -> str:
        tc_txt = f"{self.tc:+.2f} trading days from t2"
        if self.tc_date is not None:
            tc_txt += f" (~{self.tc_date.date()})"
        rows = [
            "LPPLS fit (Filimonov–Sornette, bounded grid + LM)",
            f"  window           {self.n_obs} obs (dt = {self.dt})",
            f"  tc               {tc_txt}",
            f"  m                {self.m:.4f}",
            f"  omega            {self.omega:.4f}",
            f"  A, B             {self.a:.6g}, {self.b:.6g}",
            f"  C1, C2 (|C|)     {self.c1:.6g}, {self.c2:.6g} ({self.c:.6g})",
            f"  SSE, R²          {self.sse:.6g}, {self.r2:.4f}",
            f"  oscillations     {self.oscillations:.3f}",
            f"  damping          {self.damping:.3f}",
            f"  rel. error       max {self.relative_error_max:.4f}, "
            f"mean {self.relative_error_mean:.4f}",
            f"  bubble           {self.bubble}",
            f"  filter 1 (conf.) {'pass' if self.passes(FILTER_CONFIDENCE) else 'fail'}",
            f"  filter 2 (trust) {'pass' if self.passes(FILTER_TRUST) else 'fail'}",
        ]
        return "\n".join(rows)

    def to_frame(self) -> pd.DataFrame:
        """Observed and fitted log-price and price over the window."""
        fitted = self.fitted
        return pd.DataFrame(
            {
                "log_price": self.log_price,
                "fitted_log_price": fitted,
                "price": np.exp(self.log_price),
                "fitted_price": np.exp(fitted),
                "residual": self.log_price - fitted,
            },
            index=self.index,
        )

    def to_dict(self) -> dict[str, Any]:
        tc_date = self.tc_date
        return {
            "tc": self.tc,
            "tc_date": None if tc_date is None else tc_date.date().isoformat(),
            "m": self.m,
            "omega": self.omega,
            "a": self.a,
            "b": self.b,
            "c1": self.c1,
            "c2": self.c2,
            "c": self.c,
            "sse": self.sse,
            "r2": self.r2,
            "n_obs": self.n_obs,
            "oscillations": self.oscillations,
            "damping": self.damping,
            "relative_error_max": self.relative_error_max,
            "relative_error_mean": self.relative_error_mean,
            "bubble": self.bubble,
            "passes_filter_confidence": self.passes(FILTER_CONFIDENCE),
            "passes_filter_trust": self.passes(FILTER_TRUST),
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Price and LPPLS fit (log scale), with tc marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4.5))
        frame = self.to_frame()
        x: Any = frame.index
        ax.plot(x, frame["price"], color="black", lw=0.8, label="price")
        ax.plot(x, frame["fitted_price"], color="tab:blue", lw=1.4, label="LPPLS fit")
        tc_date: Any = self.tc_date
        if tc_date is not None:
            ax.axvline(tc_date, color="tab:red", ls="--", lw=1, label="tc")
        elif not isinstance(self.index, pd.DatetimeIndex):
            ax.axvline(self.index[-1] + self.tc, color="tab:red", ls="--", lw=1, label="tc")
        ax.set_yscale("log")
        ax.set_ylabel("price")
        ax.set_title(f"LPPLS fit: m={self.m:.2f}, ω={self.omega:.2f}, tc={self.tc:+.1f} d")
        ax.legend(loc="upper left")
        return ax


def tc_to_date(index: pd.DatetimeIndex, tc: float) -> pd.Timestamp:
    """Date of tc (trading days after ``index[-1]``; business days beyond the data)."""
    k = round(tc)
    n = len(index)
    if k <= 0:
        return pd.Timestamp(index[max(n - 1 + k, 0)])
    return pd.Timestamp(index[-1] + pd.offsets.BDay(k))


def _draw_shift(seed: int | np.random.SeedSequence | None) -> FloatArray | None:
    if seed is None:
        return None
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.asarray(np.random.default_rng(ss).random(3), dtype=float)


def fit_lppls(
    prices: Any,
    *,
    search: LPPLSSearch | None = None,
    seed: int | None = None,
) -> LPPLSFit:
    """Best bounded LPPLS fit of a whole price series (one window).

    Parameters
    ----------
    prices
        Positive prices, oldest first (pandas Series with a DatetimeIndex preferred).
        The model is fitted to ``ln(price)``.
    search
        Search space and optimiser settings; default :class:`LPPLSSearch` (Sornette et al.
        2015, Table 1).
    seed
        ``None``: the starting grid sits at cell mid-points. An integer shifts the grid
        inside its cells by a seeded random offset (Cranley–Patterson rotation); the
        result is deterministic for a given seed.

    Returns
    -------
    LPPLSFit
    """
    spec = search or LPPLSSearch()
    series = as_price_series(prices)
    n = series.shape[0]
    if n < 10:
        raise InputError(
            f"need at least 10 prices for an LPPLS fit (7 parameters), got {n}", field="prices"
        )
    log_price = np.log(series.to_numpy())
    lengths = np.array([n - 1], dtype=np.int64)
    params, errors, scale = fit_windows(log_price, lengths, spec, _draw_shift(seed))
    return _make_fit(log_price, series.index, params[0], errors[0], scale, spec, seed)


def _make_fit(
    log_price: FloatArray,
    index: pd.Index,
    row: FloatArray,
    err: FloatArray,
    scale: float,
    search: LPPLSSearch,
    seed: int | None,
) -> LPPLSFit:
    dt = log_price.shape[0] - 1
    tc, m, w = float(row[0]), float(row[1]), float(row[2])
    a_s, b, c1, c2 = to_day_units(row[3:7], m, w, scale)
    # A is unchanged by the time scale, but the kernel fitted de-meaned log-prices
    a = float(a_s[0]) + float(np.mean(log_price))
    sse = float(row[7])
    sst = float(np.sum((log_price - log_price.mean()) ** 2))
    c = math.hypot(float(c1[0]), float(c2[0]))
    return LPPLSFit(
        tc=tc,
        m=m,
        omega=w,
        a=a,
        b=float(b[0]),
        c1=float(c1[0]),
        c2=float(c2[0]),
        sse=sse,
        r2=1.0 - sse / sst if sst > 0 else float("nan"),
        n_obs=dt + 1,
        oscillations=float(oscillations(tc, w, dt)),
        damping=float(damping(m, w, float(b[0]), c)),
        relative_error_max=float(err[0]),
        relative_error_mean=float(err[1]),
        index=index,
        log_price=log_price,
        search=search,
        provenance=Provenance(
            spec={"model": "lppls", "search": search.model_dump(mode="json")},
            seed=seed,
            data_hash=stable_hash(np.round(log_price, 12).tolist()),
        ),
    )
