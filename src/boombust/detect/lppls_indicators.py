"""DS LPPLS Confidence and Trust indicators (Sornette et al. 2015, Table 1; the FCO's).

For each "present" day t2, fit the LPPLS model to every window ``dt = t2 - t1`` from
750 down to 125 trading days in steps of 5 (126 windows) over the search space
``m in [0, 2]``, ``omega in [1, 50]``, ``tc in [t2 - 0.2 dt, t2 + 0.2 dt]``.

* **DS LPPLS Confidence** is the fraction of the windows whose fit passes filter 1,
  counted separately for positive bubbles (B < 0) and negative bubbles (B > 0).
* **DS LPPLS Trust**: for each window, the fitted LPPLS plus residuals resampled with
  replacement gives ``n_bootstrap`` (100) synthetic series; each is refitted, and the
  fraction of refits passing filter 2 is taken (B < 0 for positive, B > 0 for negative
  bubbles). Trust is the median of that fraction over the windows.

Days are independent, so they run through an executor (serial by default, or a
``concurrent.futures`` executor such as ``ProcessPoolExecutor``). Day ``k`` gets the
``k``-th child of ``numpy.random.SeedSequence(seed).spawn(n_days)``, so serial and
parallel runs give bit-identical numbers.

References
----------
Sornette, D., Demos, G., Zhang, Q., Cauwels, P., Filimonov, V. & Zhang, Q. (2015).
Real-time prediction and post-mortem analysis of the Shanghai 2015 stock market bubble
and crash. J. Investment Strategies 4(4), 77–95.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from boombust._provenance import Provenance, stable_hash
from boombust.detect import _lppls_kernels as _k
from boombust.detect.lppls import (
    FILTER_CONFIDENCE,
    FILTER_TRUST,
    LPPLSFilter,
    LPPLSSearch,
    LPPLSWarning,
    as_price_series,
    fit_windows,
    lppls_log_price,
    tc_to_date,
    to_day_units,
)
from boombust.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DSLPPLSDay", "DSLPPLSResult", "DSLPPLSSpec", "ds_lppls_day", "ds_lppls_indicators"]

FloatArray = NDArray[np.float64]
ProgressCallback = Callable[[int, int], None]


class DSLPPLSSpec(BaseModel):
    """Windows, search space, filters and bootstrap size of the DS LPPLS indicators.

    Defaults are Sornette et al. (2015), Table 1: windows of 750 down to 125 trading
    days in steps of 5 (126 windows), filter 1 for Confidence, filter 2 and 100
    bootstrap replicates for Trust. ``n_bootstrap = 0`` skips Trust (reported as NaN).
    Each bootstrap refit is a bounded LM polish warm-started at the window's fit, capped
    at ``trust_max_iter`` iterations (relative SSE tolerance ``trust_rtol``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_max: int = Field(750, ge=10)
    window_min: int = Field(125, ge=10)
    window_step: int = Field(5, ge=1)
    search: LPPLSSearch = LPPLSSearch()
    filter_confidence: LPPLSFilter = FILTER_CONFIDENCE
    filter_trust: LPPLSFilter = FILTER_TRUST
    n_bootstrap: int = Field(100, ge=0, le=100_000)
    trust_max_iter: int = Field(10, ge=0, le=10_000)
    trust_rtol: float = Field(1e-6, ge=0.0, lt=1.0)

    @model_validator(mode="after")
    def _windows(self) -> DSLPPLSSpec:
        if self.window_min > self.window_max:
            raise ValueError("window_min must be <= window_max")
        return self

    @property
    def window_lengths(self) -> NDArray[np.int64]:
        """Window lengths ``dt = t2 - t1``, largest first (750, 745, ..., 125)."""
        return np.arange(self.window_max, self.window_min - 1, -self.window_step, dtype=np.int64)


@dataclass(frozen=True)
class DSLPPLSDay:
    """Indicators and per-window fits of one day t2 (parameters in trading days)."""

    confidence_pos: float
    confidence_neg: float
    trust_pos: float
    trust_neg: float
    window_lengths: NDArray[np.int64]
    tc: FloatArray
    m: FloatArray
    omega: FloatArray
    a: FloatArray
    b: FloatArray
    c1: FloatArray
    c2: FloatArray
    c: FloatArray
    sse: FloatArray
    relative_error: FloatArray
    passes_confidence: NDArray[np.bool_]
    trust_fraction_pos: FloatArray
    trust_fraction_neg: FloatArray


def ds_lppls_day(
    log_price: FloatArray,
    spec: DSLPPLSSpec,
    seed: np.random.SeedSequence | int | None,
) -> DSLPPLSDay:
    """Confidence and Trust for the day at the end of ``log_price``.

    Windows longer than the available history are skipped: the indicators are fractions
    (or medians) over the windows that fit; ``window_lengths`` says which.
    """
    lengths_all = spec.window_lengths
    lengths = lengths_all[lengths_all <= log_price.shape[0] - 1]
    if lengths.size == 0:
        raise InputError(
            f"need at least {spec.window_min + 1} prices up to the day for the smallest "
            f"window (dt = {spec.window_min}), got {log_price.shape[0]}",
            field="prices",
        )
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    grid_ss, boot_ss = ss.spawn(2)
    shift = np.random.default_rng(grid_ss).random(3)
    params, errors, scale = fit_windows(log_price, lengths, spec.search, shift)
    tc, m, w = params[:, 0], params[:, 1], params[:, 2]
    a_centred, b, c1, c2 = to_day_units(params[:, 3:7], m, w, scale)
    dt_max_all = int(lengths.max())
    a = a_centred + float(np.mean(log_price[-(dt_max_all + 1) :]))
    c = np.hypot(c1, c2)
    dt = lengths.astype(float)
    f1 = spec.filter_confidence
    rel1 = errors[:, 0] if f1.relative_error == "max" else errors[:, 1]
    ok1 = f1.mask(dt=dt, tc=tc, m=m, omega=w, b=b, c=c, relative_error=rel1)
    nwin = lengths.size
    conf_pos = float(np.sum(ok1 & (b < 0)) / nwin)
    conf_neg = float(np.sum(ok1 & (b > 0)) / nwin)

    frac_pos = np.full(nwin, np.nan)
    frac_neg = np.full(nwin, np.nan)
    if spec.n_bootstrap > 0:
        rng = np.random.default_rng(boot_ss)
        f2 = spec.filter_trust
        dt_max = int(lengths.max())
        y = np.array(log_price[-(dt_max + 1) :], dtype=float)
        y -= y.mean()
        t = np.arange(-dt_max, 1, dtype=float)
        lo = np.empty(3)
        hi = np.empty(3)
        out = np.empty((spec.n_bootstrap, 10))
        for j in range(nwin):
            if not np.isfinite(params[j, 7]):
                continue
            n_obs = int(lengths[j]) + 1
            draws = rng.integers(0, n_obs, size=(spec.n_bootstrap, n_obs), dtype=np.int64)
            lo[:] = (spec.search.tc_fraction[0] * dt[j], spec.search.m[0], spec.search.omega[0])
            hi[:] = (spec.search.tc_fraction[1] * dt[j], spec.search.m[1], spec.search.omega[1])
            _k.bootstrap_refits(
                t,
                y,
                dt_max - int(lengths[j]),
                params[j, :3].copy(),
                params[j, 3:7].copy(),
                lo,
                hi,
                scale,
                draws,
                int(spec.trust_max_iter),
                float(spec.trust_rtol),
                int(spec.search.newton_after),
                out,
            )
            _, bb, cc1, cc2 = to_day_units(out[:, 3:7], out[:, 1], out[:, 2], scale)
            rel2 = out[:, 8] if f2.relative_error == "max" else out[:, 9]
            ok2 = f2.mask(
                dt=dt[j],
                tc=out[:, 0],
                m=out[:, 1],
                omega=out[:, 2],
                b=bb,
                c=np.hypot(cc1, cc2),
                relative_error=rel2,
            )
            frac_pos[j] = np.mean(ok2 & (bb < 0))
            frac_neg[j] = np.mean(ok2 & (bb > 0))
    trust_pos = float(np.nanmedian(frac_pos)) if np.isfinite(frac_pos).any() else float("nan")
    trust_neg = float(np.nanmedian(frac_neg)) if np.isfinite(frac_neg).any() else float("nan")
    return DSLPPLSDay(
        confidence_pos=conf_pos,
        confidence_neg=conf_neg,
        trust_pos=trust_pos,
        trust_neg=trust_neg,
        window_lengths=lengths,
        tc=tc.copy(),
        m=m.copy(),
        omega=w.copy(),
        a=a,
        b=b,
        c1=c1,
        c2=c2,
        c=c,
        sse=params[:, 7].copy(),
        relative_error=rel1.copy(),
        passes_confidence=ok1,
        trust_fraction_pos=frac_pos,
        trust_fraction_neg=frac_neg,
    )


def _day_task(task: tuple[FloatArray, dict[str, Any], np.random.SeedSequence]) -> DSLPPLSDay:
    log_price, spec_json, ss = task
    return ds_lppls_day(log_price, DSLPPLSSpec.model_validate(spec_json), ss)


@dataclass(frozen=True)
class DSLPPLSResult:
    """DS LPPLS Confidence and Trust over a range of days."""

    dates: pd.Index
    confidence_pos: FloatArray
    confidence_neg: FloatArray
    trust_pos: FloatArray
    trust_neg: FloatArray
    n_windows: NDArray[np.int64]
    days: tuple[DSLPPLSDay, ...] = field(repr=False)
    prices: pd.Series = field(repr=False)
    spec: DSLPPLSSpec = field(repr=False)
    provenance: Provenance = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per day: the four indicators, windows used, median qualified tc."""
        tc_med = []
        for day in self.days:
            sel = day.passes_confidence
            tc_med.append(float(np.median(day.tc[sel])) if sel.any() else float("nan"))
        return pd.DataFrame(
            {
                "confidence_pos": self.confidence_pos,
                "confidence_neg": self.confidence_neg,
                "trust_pos": self.trust_pos,
                "trust_neg": self.trust_neg,
                "n_windows": self.n_windows,
                "tc_median_qualified": tc_med,
            },
            index=self.dates,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: one record per day with the keys the CLI prints, plus provenance."""
        records = []
        for i, d in enumerate(self.dates):
            records.append(
                {
                    "date": d.date().isoformat() if isinstance(d, pd.Timestamp) else d,
                    "confidence_pos": float(self.confidence_pos[i]),
                    "confidence_neg": float(self.confidence_neg[i]),
                    "trust_pos": _none_if_nan(self.trust_pos[i]),
                    "trust_neg": _none_if_nan(self.trust_neg[i]),
                    "n_windows": int(self.n_windows[i]),
                }
            )
        return {"days": records, "provenance": self.provenance.to_dict()}

    def summary(self) -> str:
        frame = self.to_frame()
        head = [
            "DS LPPLS Confidence / Trust (Sornette et al. 2015, Table 1)",
            f"  days             {len(frame)} ({_fmt(self.dates[0])} .. {_fmt(self.dates[-1])})",
            f"  windows          {self.spec.window_max} .. {self.spec.window_min} by "
            f"{self.spec.window_step} ({self.spec.window_lengths.size} per day)",
            f"  bootstrap        {self.spec.n_bootstrap} per window",
            f"  seed             {self.provenance.seed}",
            f"  max confidence+  {np.nanmax(self.confidence_pos):.3f} on "
            f"{_fmt(self.dates[int(np.nanargmax(self.confidence_pos))])}",
            f"  max confidence-  {np.nanmax(self.confidence_neg):.3f} on "
            f"{_fmt(self.dates[int(np.nanargmax(self.confidence_neg))])}",
            "",
        ]
        tail = frame.iloc[-10:, :4].to_string(float_format=lambda v: f"{v:.3f}")
        return "\n".join(head) + tail

    def plot(self, fig: Figure | None = None) -> Figure:
        """Price with the spread of qualified tc (top), indicators under it (bottom)."""
        import matplotlib.pyplot as plt

        if fig is None:
            fig = plt.figure(figsize=(10, 6))
        ax_p, ax_i = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
        first = int(self.prices.index.get_indexer(pd.Index([self.dates[0]]))[0])
        hist = self.prices.iloc[max(0, first - self.spec.window_max) :]
        x_hist: Any = hist.index
        ax_p.plot(x_hist, hist.to_numpy(), color="black", lw=0.8, label="price")
        _plot_last_fits(ax_p, self)
        ax_p.set_yscale("log")
        ax_p.set_ylabel("price")
        ax_p.legend(loc="upper left")
        x: Any = self.dates
        ax_i.fill_between(x, 0, self.confidence_pos, color="tab:red", alpha=0.5, label="conf. +")
        ax_i.fill_between(x, 0, -self.confidence_neg, color="tab:green", alpha=0.5, label="conf. −")
        if np.isfinite(self.trust_pos).any():
            ax_i.plot(x, self.trust_pos, color="darkred", lw=1, label="trust +")
            ax_i.plot(x, -self.trust_neg, color="darkgreen", lw=1, label="trust −")
        ax_i.axhline(0, color="grey", lw=0.5)
        ax_i.set_ylabel("DS LPPLS")
        ax_i.legend(loc="upper left", ncols=4, fontsize="small")
        fig.suptitle("DS LPPLS Confidence / Trust")
        return fig


def _plot_last_fits(ax: Axes, result: DSLPPLSResult) -> None:
    """Qualified fits of the last day with any, over their windows, and their tc spread."""
    idx = result.prices.index
    for k in range(len(result.days) - 1, -1, -1):
        day = result.days[k]
        sel = np.flatnonzero(day.passes_confidence)
        if sel.size == 0:
            continue
        end = int(idx.get_indexer(pd.Index([result.dates[k]]))[0])
        for n, j in enumerate(sel):
            dt = int(day.window_lengths[j])
            t = np.arange(-dt, 1, dtype=float)
            fit = lppls_log_price(
                t, day.tc[j], day.m[j], day.omega[j], day.a[j], day.b[j], day.c1[j], day.c2[j]
            )
            x: Any = idx[end - dt : end + 1]
            label = "qualified LPPLS fits" if n == 0 else None
            ax.plot(x, np.exp(fit), color="tab:blue", lw=0.6, alpha=0.35, label=label)
        lo, hi = np.percentile(day.tc[sel], [10, 90])
        x_lo: Any
        x_hi: Any
        if isinstance(idx, pd.DatetimeIndex):
            upto = idx[: end + 1]
            x_lo, x_hi = tc_to_date(upto, lo), tc_to_date(upto, hi)
        else:
            x_lo, x_hi = end + lo, end + hi
        ax.axvspan(x_lo, x_hi, color="tab:red", alpha=0.25, label="tc, 10–90%")
        return


def _none_if_nan(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)


def _fmt(d: Any) -> str:
    return str(d.date()) if isinstance(d, pd.Timestamp) else str(d)


def _select_days(series: pd.Series, start: Any, end: Any, first_ok: int) -> NDArray[np.int64]:
    idx = series.index
    pos = np.arange(len(series), dtype=np.int64)
    if isinstance(idx, pd.DatetimeIndex):
        keep = np.ones(len(series), dtype=bool)
        if start is not None:
            keep &= idx >= pd.Timestamp(start)
        if end is not None:
            keep &= idx <= pd.Timestamp(end)
    else:
        keep = np.ones(len(series), dtype=bool)
        if start is not None:
            keep &= pos >= int(start)
        if end is not None:
            keep &= pos <= int(end)
    sel = pos[keep]
    if sel.size == 0:
        raise InputError(
            f"no prices between start={start} and end={end}; widen the date range",
            field="start/end",
        )
    if sel[0] < first_ok:
        first = idx[min(first_ok, len(idx) - 1)]
        raise InputError(
            f"the first requested day has {int(sel[0])} prices of history but the smallest "
            f"window needs {first_ok}; start on or after {_fmt(first)}",
            field="start",
        )
    return sel


def ds_lppls_indicators(
    prices: Any,
    *,
    start: Any = None,
    end: Any = None,
    spec: DSLPPLSSpec | None = None,
    seed: int = 0,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
) -> DSLPPLSResult:
    """DS LPPLS Confidence and Trust for every day in ``[start, end]``.

    Parameters
    ----------
    prices
        Positive prices, oldest first; a Series with a DatetimeIndex gives dated output.
        History before ``start`` feeds the windows.
    start, end
        First and last day t2 (dates, or integer positions for an undated series).
        Default: every day with enough history for the smallest window.
    spec
        Windows, search space, filters and bootstrap size (default: Table 1).
    seed
        Root seed; day ``k`` uses ``SeedSequence(seed).spawn(n_days)[k]``.
    executor
        ``None`` runs serially; any ``concurrent.futures.Executor`` (e.g.
        ``ProcessPoolExecutor``) runs days in parallel with identical results.
    progress
        Called as ``progress(done, total)`` after each day.
    """
    spec = spec or DSLPPLSSpec()
    series = as_price_series(prices)
    first_ok = spec.window_min  # position i has i+1 points; need dt_min + 1 points
    if len(series) < spec.window_min + 1:
        raise InputError(
            f"need at least {spec.window_min + 1} prices for the smallest window "
            f"(dt = {spec.window_min} trading days), got {len(series)}",
            field="prices",
        )
    days = _select_days(series, start, end, first_ok)
    short = int(np.sum(days < spec.window_max))
    if short:
        warnings.warn(
            f"{short} of {days.size} days have fewer than {spec.window_max + 1} prices of "
            "history; their indicators use only the windows that fit (see n_windows). "
            "Start later or pass a longer price history for the full Table-1 windows.",
            LPPLSWarning,
            stacklevel=2,
        )
    log_price = np.log(series.to_numpy())
    children = np.random.SeedSequence(seed).spawn(days.size)
    spec_json = spec.model_dump(mode="json")
    lo_keep = spec.window_max + 1
    tasks = [
        (log_price[max(0, i + 1 - lo_keep) : i + 1].copy(), spec_json, ss)
        for i, ss in zip(days.tolist(), children, strict=True)
    ]
    results: list[DSLPPLSDay] = []
    mapped: Iterable[DSLPPLSDay] | Iterator[DSLPPLSDay]
    if executor is None:
        mapped = (_day_task(task) for task in tasks)
    else:
        chunk = max(1, len(tasks) // (4 * (os.cpu_count() or 1)))
        mapped = executor.map(_day_task, tasks, chunksize=chunk)
    for k, day in enumerate(mapped, start=1):
        results.append(day)
        if progress is not None:
            progress(k, len(tasks))
    return DSLPPLSResult(
        dates=series.index[days],
        confidence_pos=np.array([d.confidence_pos for d in results]),
        confidence_neg=np.array([d.confidence_neg for d in results]),
        trust_pos=np.array([d.trust_pos for d in results]),
        trust_neg=np.array([d.trust_neg for d in results]),
        n_windows=np.array([d.window_lengths.size for d in results], dtype=np.int64),
        days=tuple(results),
        prices=series,
        spec=spec,
        provenance=Provenance(
            spec={"model": "ds_lppls", **spec_json, "start": str(start), "end": str(end)},
            seed=seed,
            data_hash=stable_hash(np.round(log_price, 12).tolist()),
        ),
    )
