"""PWY (2011) SADF and PSY (2015) GSADF/BSADF explosive-root tests with date-stamping.

>>> from boombust.detect import psy_test
>>> res = psy_test(prices, lag=0)           # doctest: +SKIP
>>> print(res.summary()); res.plot()        # doctest: +SKIP

The ADF regression on a window of rows ``[r1, r2]`` is
``Δy_t = α + β y_{t-1} + Σ_{i≤k} ψ_i Δy_{t-i} + ε_t`` and ``ADF_{r1}^{r2} = β̂/se(β̂)``
(PSY 2015 eq. 1). ``BADF_{r2} = ADF_0^{r2}`` (PWY), ``SADF = sup BADF``,
``BSADF_{r2} = sup_{r1 ≤ r2-minw} ADF_{r1}^{r2}`` (PSY eq. 6) and ``GSADF = sup BSADF``
(PSY eq. 5). Windows are counted in regression rows exactly as R exuber 1.1.0 ``radf()``
does, so the numbers agree with exuber to ~1e-10.

Date-stamping (PSY eq. 9–10): an episode starts at the first ``r2`` with
``BSADF_{r2} > cv_{r2}`` and ends at the first later ``r2`` with ``BSADF_{r2} ≤ cv_{r2}``;
episodes shorter than ``round(δ·log T)`` observations are dropped (``δ = 1`` by default,
PSY's ``log T``; exuber's ``datestamp()`` default is 0). PWY dating applies the same rule
to BADF with BADF's own critical values.

References
----------
Phillips, P.C.B., Wu, Y. & Yu, J. (2011). Explosive behavior in the 1990s Nasdaq.
*International Economic Review* 52(1), 201–226.
Phillips, P.C.B., Shi, S. & Yu, J. (2015). Testing for multiple bubbles: historical
episodes of exuberance and collapse in the S&P 500. *IER* 56(4), 1043–1078.
Vasilopoulos, K., Pavlidis, E. & Martínez-García, E. (2022). exuber: recursive
right-tailed unit root testing with R. *J. Statistical Software* 103(10).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from boombust._provenance import Provenance, stable_hash
from boombust.detect._adf_kernels import (
    adf_design,
    recursive_adf,
    recursive_adf_fast,
    recursive_adf_ic,
    recursive_adf_lag0_fast,
)
from boombust.detect._series import validate_prices
from boombust.detect.critical_values import (
    DEFAULT_SEED,
    LEVELS,
    NullDistribution,
    default_minw,
    mc_critical_values,
    wild_bootstrap_hlst,
    wild_bootstrap_ps,
)
from boombust.errors import BoombustWarning, InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["ADFResult", "Episode", "PSYResult", "PSYSpec", "PSYWarning", "adf", "psy_test"]

CVMethod = Literal["mc", "wild-ps", "wild-hlst"]


class PSYWarning(BoombustWarning):
    """A PSY/GSADF setting that is allowed but deserves attention."""


class PSYSpec(BaseModel):
    """Settings of the recursive ADF tests (frozen; unknown keys are rejected).

    Attributes
    ----------
    minw
        Minimum window in regression rows; default ``floor(T(0.01 + 1.8/√T))`` (PSY).
    lag
        Fixed ADF lag (default 0, as PSY 2015 and exuber).
    ic
        ``"fixed"``, or ``"aic"``/``"bic"`` to choose the lag per window up to ``max_lag``.
    max_lag
        Largest lag tried with ``ic`` (default 6, as psymonitor's S&P tutorial).
    cv
        ``"mc"`` Monte Carlo, ``"wild-ps"`` Phillips–Shi (2020), ``"wild-hlst"`` Harvey et al.
    null
        Monte Carlo null: ``"rw"`` (exuber) or ``"drift"`` (PSY's drift 1/T).
    bsadf_cv
        ``"pointwise"`` (quantile of BSADF_t; PSY's published dates; default) or
        ``"conservative"`` (exuber: quantile of ``cummax BADF``).
    nrep
        Replications (Monte Carlo or bootstrap).
    seed
        Seed of the simulation.
    level
        Confidence level used for dating (0.90, 0.95 or 0.99).
    delta
        Minimum episode duration is ``round(delta·log T)`` observations.
    tau_b
        Phillips–Shi family-wise window (BSADF values); ``None`` = the whole sample.
    kernel
        ``"fast"``: prefix sums (lag 0: closed form; lag > 0: vectorised LDLᵀ), agreeing
        with ``"stable"`` to ~1e-12 on price-like series and ~1e-9 on very smooth
        I(2)-like ones; ``"stable"``: backward-accumulated normal equations on locally
        shifted data with a Cholesky solve for every window. AIC/BIC always use ``"stable"``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    minw: int | None = Field(default=None, ge=3)
    lag: int = Field(default=0, ge=0)
    ic: Literal["fixed", "aic", "bic"] = "fixed"
    max_lag: int = Field(default=6, ge=1)
    cv: CVMethod = "mc"
    null: Literal["rw", "drift"] = "rw"
    bsadf_cv: Literal["pointwise", "conservative"] = "pointwise"
    nrep: int = Field(default=2000, ge=10)
    seed: int = Field(default=DEFAULT_SEED, ge=0)
    level: float = 0.95
    delta: float = Field(default=1.0, ge=0.0)
    tau_b: int | None = Field(default=None, ge=1)
    kernel: Literal["fast", "stable"] = "fast"
    workers: int | None = Field(default=None, ge=1, exclude=True)
    use_cache: bool = Field(default=True, exclude=True)

    @model_validator(mode="after")
    def _check(self) -> PSYSpec:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level}")
        return self

    @property
    def design_lag(self) -> int:
        """Lag that sets the regression rows (``max_lag`` with an information criterion)."""
        return self.lag if self.ic == "fixed" else self.max_lag

    def run(self, prices: pd.Series | Sequence[float] | np.ndarray) -> PSYResult:
        """Run the tests on ``prices`` (a Series with a DatetimeIndex, or an array)."""
        return _run(self, prices)


@dataclass(frozen=True)
class Episode:
    """One explosive episode; positions are 0-based observations of the input series.

    ``peak`` is where the *series* is highest within the episode; ``stat_peak`` is where the
    test statistic is highest (exuber's ``Peak``); ``signal`` is exuber's sign of the move
    from start to ``stat_peak`` (``"positive"``: a boom, ``"negative"``: a crash).
    """

    start: Any
    peak: Any
    end: Any | None
    duration: int
    ongoing: bool
    start_pos: int
    peak_pos: int
    end_pos: int | None
    stat_peak: Any
    stat_peak_pos: int
    signal: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _label(self.start),
            "peak": _label(self.peak),
            "end": _label(self.end),
            "duration": self.duration,
            "ongoing": self.ongoing,
            "stat_peak": _label(self.stat_peak),
            "signal": self.signal,
        }


@dataclass(frozen=True)
class ADFResult:
    """ADF t-ratio on one sample (intercept, fixed lag)."""

    stat: float
    lag: int
    nobs: int


@dataclass(frozen=True)
class PSYResult:
    """Statistics, critical values, p-values and dated episodes of the PWY/PSY tests.

    ``badf``/``bsadf`` and the critical-value frames are indexed by the series' own index
    (dates in, dates out), starting at observation ``minw + lag``.
    """

    spec: PSYSpec
    series: pd.Series
    n: int
    minw: int
    lag: int
    adf: float
    sadf: float
    gsadf: float
    badf: pd.Series
    bsadf: pd.Series
    critical_values: dict[str, dict[str, float]]
    bsadf_cv: pd.DataFrame
    badf_cv: pd.DataFrame
    pvalues: dict[str, float | None]
    episodes: tuple[Episode, ...]
    pwy_episodes: tuple[Episode, ...]
    min_duration: int
    provenance: Provenance
    selected_lags: pd.Series | None = field(default=None)

    # ------------------------------------------------------------------ output
    def summary(self) -> str:
        """A plain-text report in the layout of exuber's ``summary()`` and ``datestamp()``."""
        s = self.spec
        lag_txt = f"{self.lag}" if s.ic == "fixed" else f"{s.ic.upper()} ≤ {s.max_lag}"
        cv_txt = {
            "mc": f"Monte Carlo ({s.null}, nrep = {s.nrep})",
            "wild-ps": f"Phillips–Shi wild bootstrap (nboot = {s.nrep}, tau_b = {s.tau_b})",
            "wild-hlst": f"HLST wild bootstrap (nboot = {s.nrep})",
        }[s.cv]
        lines = [
            f"Recursive ADF tests (n = {self.n}, minw = {self.minw}, lag = {lag_txt})",
            f"Critical values: {cv_txt}; BSADF convention: {s.bsadf_cv}",
            "",
            f"{'stat':<7}{'tstat':>9}{'90%':>9}{'95%':>9}{'99%':>9}{'p-value':>10}",
        ]
        for stat in ("adf", "sadf", "gsadf"):
            cv = self.critical_values[stat]
            p = self.pvalues.get(stat)
            ptxt = "n/a" if p is None or not math.isfinite(p) else f"{p:.4f}"
            lines.append(
                f"{stat:<7}{getattr(self, stat):>9.4f}{cv['90']:>9.4f}{cv['95']:>9.4f}"
                f"{cv['99']:>9.4f}{ptxt:>10}"
            )
        lines += [
            "",
            f"Episodes (BSADF > {int(s.level * 100)}% cv, min duration {self.min_duration} obs):",
        ]
        if not self.episodes:
            lines.append("  none")
        for e in self.episodes:
            end = "ongoing" if e.ongoing else _label(e.end)
            lines.append(f"  {_label(e.start)} .. {end}  peak {_label(e.peak)}  ({e.duration} obs)")
        lines.append(f"PWY episodes (BADF): {len(self.pwy_episodes)}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per window end: series, BADF, BSADF, their critical values, episode flag."""
        level = _level_key(self.spec.level)
        frame = pd.DataFrame(
            {
                "series": self.series.loc[self.bsadf.index],
                "badf": self.badf,
                "bsadf": self.bsadf,
                "badf_cv": self.badf_cv[level],
                "bsadf_cv": self.bsadf_cv[level],
            }
        )
        flag = np.zeros(len(self.series), dtype=bool)
        for e in self.episodes:
            flag[e.start_pos : (e.end_pos if e.end_pos is not None else len(flag))] = True
        frame["episode"] = flag[-len(frame) :]
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the CLI keys plus dates, sequences' critical values, provenance."""
        out = self.cli_dict()
        out["dates"] = [_label(i) for i in self.bsadf.index]
        out["bsadf_cv"] = {k: self.bsadf_cv[k].tolist() for k in self.bsadf_cv.columns}
        out["badf_cv"] = {k: self.badf_cv[k].tolist() for k in self.badf_cv.columns}
        out["pwy_episodes"] = [e.to_dict() for e in self.pwy_episodes]
        out["min_duration"] = self.min_duration
        out["spec"] = self.spec.model_dump()
        out["provenance"] = self.provenance.to_dict()
        return out

    def cli_dict(self) -> dict[str, Any]:
        """Exactly the keys of the ``boombust detect psy --json`` output."""
        return {
            "n": self.n,
            "minw": self.minw,
            "lag": self.lag,
            "adf": self.adf,
            "sadf": self.sadf,
            "gsadf": self.gsadf,
            "badf": self.badf.tolist(),
            "bsadf": self.bsadf.tolist(),
            "critical_values": {
                **self.critical_values,
                "bsadf_level": self.spec.level,
                "bsadf_last": self.bsadf_cv[_level_key(self.spec.level)].iloc[-1].item(),
                "method": self.spec.cv,
                "bsadf_convention": self.spec.bsadf_cv,
            },
            "pvalues": self.pvalues,
            "episodes": [e.to_dict() for e in self.episodes],
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """The series with episodes shaded, over BSADF against its critical-value sequence.

        With ``ax`` given, only the BSADF panel is drawn on it (episodes shaded).
        """
        import matplotlib.pyplot as plt

        level = _level_key(self.spec.level)
        frame = self.to_frame()
        if ax is None:
            _fig, (ax_top, ax) = plt.subplots(
                2, 1, sharex=True, figsize=(9, 6), gridspec_kw={"height_ratios": [1, 1]}
            )
            ax_top.plot(self.series.index, self.series.to_numpy(), color="black", lw=1)
            ax_top.set_ylabel(str(self.series.name or "series"))
            self._shade(ax_top)
            ax_top.set_title("Explosive episodes (PSY BSADF date-stamping)")
        ax.plot(frame.index, frame["bsadf"].to_numpy(), color="tab:blue", lw=1, label="BSADF")
        ax.plot(
            frame.index,
            frame["bsadf_cv"].to_numpy(),
            color="tab:red",
            lw=1,
            ls="--",
            label=f"{level}% critical value",
        )
        self._shade(ax)
        ax.set_ylabel("BSADF")
        ax.legend(loc="upper left", frameon=False)
        return ax

    def _shade(self, ax: Axes) -> None:
        idx = self.series.index
        for e in self.episodes:
            end = idx[e.end_pos] if e.end_pos is not None else idx[-1]
            ax.axvspan(idx[e.start_pos], end, color="0.85", zorder=0)


def _label(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, pd.Timestamp):
        return x.date().isoformat() if x == x.normalize() else x.isoformat()
    if isinstance(x, np.integer):
        return int(x)
    return x


def _level_key(level: float) -> str:
    return str(round(level * 100))


def adf(y: Sequence[float] | np.ndarray | pd.Series, lag: int = 0) -> ADFResult:
    """ADF t-ratio with intercept and fixed ``lag`` on the whole sample (right-tailed use).

    Equal to ``statsmodels.tsa.stattools.adfuller(y, maxlag=lag, regression="c",
    autolag=None)[0]``.
    """
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim != 1 or arr.size < lag + 4:
        raise InputError(f"need a 1-d series of at least lag + 4 = {lag + 4} values", field="y")
    z, design = adf_design(arr, lag)
    badf, _ = recursive_adf(z, design, design.shape[0])
    return ADFResult(stat=float(badf[-1]), lag=lag, nobs=design.shape[0])


def psy_test(prices: pd.Series | Sequence[float] | np.ndarray, **options: Any) -> PSYResult:
    """Run PWY/PSY tests on ``prices`` with :class:`PSYSpec` options (keyword-only).

    Raises
    ------
    InputError
        Bad options (named) or a series with NaN, duplicate/unsorted dates, or too short.
    """
    try:
        spec = PSYSpec(**options)
    except ValueError as err:  # pydantic.ValidationError is a ValueError
        raise InputError(str(err).replace("\n", " "), field="options") from None
    return spec.run(prices)


def _as_series(prices: pd.Series | Sequence[float] | np.ndarray) -> pd.Series:
    if isinstance(prices, pd.Series):
        series = prices.astype(np.float64)
    else:
        series = pd.Series(np.asarray(prices, dtype=np.float64), name="y")
    if series.ndim != 1:
        raise InputError("prices must be one-dimensional", field="prices")
    return series


def _run(spec: PSYSpec, prices: pd.Series | Sequence[float] | np.ndarray) -> PSYResult:
    series = _as_series(prices)
    validate_prices(series)
    y = series.to_numpy()
    n = y.size
    minw = spec.minw if spec.minw is not None else default_minw(n)
    dlag = spec.design_lag
    if n - 1 - dlag - minw + 1 < 1 or minw < dlag + 3:
        raise InputError(
            f"the series has {n} observations, too short for minw={minw} and lag={dlag}: "
            f"need at least {minw + dlag + 1}; pass a smaller --minw or a longer series",
            field=str(series.name or "prices"),
        )
    z, design = adf_design(y, dlag)
    selected: pd.Series | None = None
    if spec.ic == "fixed" and dlag == 0 and spec.kernel == "fast":
        badf_arr, bsadf_arr = recursive_adf_lag0_fast(y, minw)
    elif spec.ic == "fixed" and spec.kernel == "fast":
        badf_arr, bsadf_arr = recursive_adf_fast(z, design, minw)
    elif spec.ic == "fixed":
        badf_arr, bsadf_arr = recursive_adf(z, design, minw)
    else:
        badf_arr, bsadf_arr, _bl, bsl = recursive_adf_ic(z, design, minw, spec.ic)
    index = series.index[minw + dlag :]
    if spec.ic != "fixed":
        selected = pd.Series(bsl, index=index, name="lag")
    badf = pd.Series(badf_arr, index=index, name="badf")
    bsadf = pd.Series(bsadf_arr, index=index, name="bsadf")

    dist = _null_distribution(spec, y, minw, dlag)
    cols = [_level_key(lv) for lv in LEVELS]
    seq = dist.bsadf_cv if spec.bsadf_cv == "pointwise" else dist.bsadf_cv_conservative
    bsadf_cv = pd.DataFrame(np.broadcast_to(seq, (len(index), 3)), index=index, columns=cols)
    badf_cv = pd.DataFrame(
        np.broadcast_to(dist.badf_cv, (len(index), 3)), index=index, columns=cols
    )
    stats = {
        "adf": float(badf_arr[-1]),
        "sadf": float(np.nanmax(badf_arr)),
        "gsadf": float(np.nanmax(bsadf_arr)),
    }
    critical_values = {
        k: dict(zip(cols, (float(v) for v in dist.quantiles(k)), strict=True)) for k in stats
    }
    if spec.cv == "wild-ps":
        critical_values["gsadf"] = dict(
            zip(cols, (float(v) for v in dist.bsadf_cv[0]), strict=True)
        )
    pvalues: dict[str, float | None] = {}
    for k, v in stats.items():
        p = dist.pvalue(k, v)
        pvalues[k] = p if math.isfinite(p) else None

    level = _level_key(spec.level)
    min_duration = round(spec.delta * math.log(n))
    episodes = datestamp(series, bsadf, bsadf_cv[level], min_duration)
    pwy = datestamp(series, badf, badf_cv[level], min_duration)
    provenance = Provenance(
        spec=spec.model_dump(),
        seed=spec.seed,
        data_hash=stable_hash([str(series.index[0]), str(series.index[-1]), y.tolist()]),
    )
    return PSYResult(
        spec=spec,
        series=series,
        n=n,
        minw=minw,
        lag=dlag,
        badf=badf,
        bsadf=bsadf,
        critical_values=critical_values,
        bsadf_cv=bsadf_cv,
        badf_cv=badf_cv,
        pvalues=pvalues,
        episodes=episodes,
        pwy_episodes=pwy,
        min_duration=min_duration,
        provenance=provenance,
        selected_lags=selected,
        **stats,
    )


def _null_distribution(spec: PSYSpec, y: np.ndarray, minw: int, dlag: int) -> NullDistribution:
    common: dict[str, Any] = {
        "minw": minw,
        "seed": spec.seed,
        "workers": spec.workers,
        "use_cache": spec.use_cache,
    }
    # With an information criterion the lag-0 distribution on the same number of rows is
    # used (see docs/methods/psy.md, "Known deviations").
    lag = spec.lag if spec.ic == "fixed" else 0
    if spec.ic != "fixed":
        warnings.warn(
            f"critical values for {spec.ic.upper()} lag selection are those of a fixed lag 0; "
            "PSY (2015) recommend a small fixed lag (pass lag=k, ic='fixed') for size control",
            PSYWarning,
            stacklevel=4,
        )
    n_eff = y.size if spec.ic == "fixed" else y.size - dlag
    if spec.cv == "mc":
        return mc_critical_values(n_eff, lag=lag, nrep=spec.nrep, null=spec.null, **common)
    y_eff = y if spec.ic == "fixed" else y[dlag:]
    if spec.cv == "wild-ps":
        return wild_bootstrap_ps(y_eff, lag=lag, tau_b=spec.tau_b, nboot=spec.nrep, **common)
    return wild_bootstrap_hlst(y_eff, lag=lag, nboot=spec.nrep, **common)


def datestamp(
    series: pd.Series, stat: pd.Series, cv: pd.Series, min_duration: int = 0
) -> tuple[Episode, ...]:
    """Episodes where ``stat > cv`` (PSY 2015 eq. 9–10, exuber ``datestamp`` layout).

    A run of consecutive exceedances starting at observation ``s`` and last exceeding at
    ``l`` gives an episode ``[s, l + 1)``: start ``s``, end ``l + 1`` (the first observation
    back below the critical value), duration ``l + 1 - s``, peak the argmax of the series in
    ``[s, l]`` (exuber's ``Peak``, the argmax of ``stat``, is ``stat_peak``). Runs reaching
    the last observation are *ongoing* (``end = None``). Episodes shorter than
    ``min_duration`` observations are dropped.
    """
    offset = len(series) - len(stat)
    above = (stat.to_numpy() > cv.to_numpy()) & np.isfinite(stat.to_numpy())
    values = series.to_numpy()
    stat_values = stat.to_numpy()
    idx = series.index
    out: list[Episode] = []
    i = 0
    m = above.size
    while i < m:
        if not above[i]:
            i += 1
            continue
        j = i
        while j + 1 < m and above[j + 1]:
            j += 1
        start = offset + i
        last = offset + j
        ongoing = j == m - 1
        end_pos = None if ongoing else last + 1
        duration = (last + 1) - start
        if duration >= min_duration:
            peak = start + int(np.argmax(values[start : last + 1]))
            stat_peak = start + int(np.argmax(stat_values[i : j + 1]))
            out.append(
                Episode(
                    start=idx[start],
                    peak=idx[peak],
                    end=None if end_pos is None else idx[end_pos],
                    duration=duration,
                    ongoing=ongoing,
                    start_pos=start,
                    peak_pos=peak,
                    end_pos=end_pos,
                    stat_peak=idx[stat_peak],
                    stat_peak_pos=stat_peak,
                    signal="positive" if values[stat_peak] >= values[start] else "negative",
                )
            )
        i = j + 1
    return tuple(out)
