"""The Greenwood–Shleifer–You (2019) run-up rule and its crash follow-up.

A *run-up* at date t (GSY 2019, "Bubbles for Fama", section 2) is a price
return above 100% over the prior two years — both raw and net of the market
when a market series is given — together with a raw return of at least 50%
over the prior five years. A *crash* is a 40% drawdown within the two years
after the run-up. In 48 US industries 1926–2014 GSY find 40 run-up episodes,
21 of which crashed; the probability of a crash rises with the size of the
run-up net of the market: about 20% after 50%, 53% after 100% and 80% after
150% (figures as summarised in ``reference/methods.md`` §C, tagged secondary).
Those probabilities are context from their sample, not a forecast for any
other series.

Returns are simple cumulative returns ``P_t / P_{t-k years} - 1`` with the
base taken as the last observation on or before ``t - k years`` (calendar
years, so the rule works on monthly or daily data). "Net of the market" is
the difference of the two cumulative returns, as in GSY.

References
----------
Greenwood, R., Shleifer, A. and You, Y. (2019). Bubbles for Fama. *Journal of
Financial Economics* 131(1), 20–43. https://doi.org/10.1016/j.jfineco.2018.09.002
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from boombust._provenance import Provenance, stable_hash
from boombust.errors import InputError

__all__ = [
    "GSY_CRASH_PROBABILITY",
    "RunupEpisode",
    "RunupResult",
    "RunupSpec",
    "gsy_context",
    "run_up",
]

#: GSY (2019) US industries 1926–2014: P(crash within 2y | 2-year return net of
#: market >= threshold). Context only. Source: methods.md §C [S].
GSY_CRASH_PROBABILITY: tuple[tuple[float, float], ...] = ((0.5, 0.20), (1.0, 0.53), (1.5, 0.80))


class RunupSpec(BaseModel):
    """Parameters of the run-up rule (defaults: GSY 2019)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    runup_years: int = Field(default=2, ge=1)
    runup_threshold: float = Field(default=1.0, gt=0, description="raw return over runup_years")
    net_threshold: float = Field(default=1.0, gt=0, description="return net of market")
    long_years: int = Field(default=5, ge=1)
    long_threshold: float = Field(default=0.5, description="raw return over long_years (>=)")
    crash_drawdown: float = Field(default=0.4, gt=0, lt=1)
    crash_years: int = Field(default=2, ge=1)


def gsy_context(run_up_return: float) -> float | None:
    """GSY's crash probability for the largest bucket ``run_up_return`` reaches."""
    prob = None
    for threshold, p in GSY_CRASH_PROBABILITY:
        if run_up_return >= threshold:
            prob = p
    return prob


@dataclass(frozen=True)
class RunupEpisode:
    """One run-up episode: the first flagged date and what followed.

    ``crashed`` is None when fewer than ``crash_years`` of data follow the start
    and no crash has happened yet (censored).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    n_flagged: int
    max_return: float
    max_net_return: float | None
    return_long_at_start: float
    max_drawdown: float
    crashed: bool | None
    crash_date: pd.Timestamp | None
    gsy_crash_probability: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.date().isoformat(),
            "end": self.end.date().isoformat(),
            "n_flagged": self.n_flagged,
            "max_return": self.max_return,
            "max_net_return": self.max_net_return,
            "return_long_at_start": self.return_long_at_start,
            "max_drawdown": self.max_drawdown,
            "crashed": self.crashed,
            "crash_date": None if self.crash_date is None else self.crash_date.date().isoformat(),
            "gsy_crash_probability": self.gsy_crash_probability,
        }


@dataclass(frozen=True)
class RunupResult:
    """Result of :func:`run_up`: per-date returns and flags, and the episodes."""

    table: pd.DataFrame
    episodes: tuple[RunupEpisode, ...]
    spec: RunupSpec
    has_market: bool
    name: str
    provenance: Provenance = field(repr=False)

    @property
    def flagged_now(self) -> bool:
        """Whether the last date of the series meets the run-up rule."""
        return bool(len(self.table)) and bool(self.table["runup"].iloc[-1])

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        last = self.table.index[-1] if len(self.table) else None
        return {
            "method": "greenwood-shleifer-you-2019",
            "series": self.name,
            "net_of_market": self.has_market,
            "spec": self.spec.model_dump(),
            "as_of": None if last is None else last.date().isoformat(),
            "flagged_now": self.flagged_now,
            "episodes": [e.to_dict() for e in self.episodes],
            "gsy_crash_probability": [
                {"net_run_up_at_least": t, "p_crash": p} for t, p in GSY_CRASH_PROBABILITY
            ],
            "provenance": self.provenance.to_dict(),
        }

    def summary(self) -> str:
        s = self.spec
        net = " and net of the market" if self.has_market else " (raw only: no market series)"
        lines = [
            f"Greenwood–Shleifer–You run-up rule on {self.name}: >{s.runup_threshold:.0%} over "
            f"{s.runup_years}y{net}, >={s.long_threshold:.0%} over {s.long_years}y; "
            f"crash = {s.crash_drawdown:.0%} drawdown within {s.crash_years}y",
            f"  flagged at the last date: {'yes' if self.flagged_now else 'no'}; "
            f"episodes: {len(self.episodes)}",
        ]
        for e in self.episodes:
            crash = {True: "crashed", False: "no crash", None: "censored"}[e.crashed]
            ctx = (
                f"; GSY base rate {e.gsy_crash_probability:.0%}"
                if e.gsy_crash_probability is not None
                else ""
            )
            lines.append(
                f"  {e.start.date()}..{e.end.date()}: max {s.runup_years}y return "
                f"{e.max_return:+.0%}, max drawdown {e.max_drawdown:.0%} ({crash}{ctx})"
            )
        lines.append(
            "  GSY (2019) US industries: P(crash) ~20% / 53% / 80% after a 50% / 100% / 150% "
            "run-up net of the market — context from their sample, not a forecast here."
        )
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Price with run-up months shaded (matplotlib Axes)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3.5))
        ax.plot(self.table.index, self.table["price"], color="black", lw=1)
        for e in self.episodes:
            ax.axvspan(e.start, e.end, color="tab:red", alpha=0.2)
        ax.set_yscale("log")
        ax.set_title(f"GSY run-ups: {self.name}")
        return ax


def _check_series(s: pd.Series, label: str) -> pd.Series:
    if not isinstance(s, pd.Series):
        raise InputError(f"{label} must be a pandas Series; got {type(s).__name__}", field=label)
    if not isinstance(s.index, pd.DatetimeIndex):
        raise InputError(
            f"{label} needs a DatetimeIndex; parse the dates (pd.to_datetime) first", field=label
        )
    if not s.index.is_monotonic_increasing or s.index.has_duplicates:
        raise InputError(f"{label} dates must be strictly increasing; sort and dedupe", field=label)
    values = pd.to_numeric(s, errors="coerce").astype(float)
    if values.isna().any():
        raise InputError(f"{label} has missing or non-numeric values; drop them", field=label)
    if (values <= 0).any():
        raise InputError(f"{label} must be positive prices (not returns)", field=label)
    return values


def _trailing_return(values: pd.Series, at: pd.DatetimeIndex, years: int) -> np.ndarray:
    """P(at)/P(last obs on or before at - years) - 1; NaN where no such obs."""
    idx = values.index
    arr = values.to_numpy()
    now_pos = idx.searchsorted(at, side="right") - 1
    base_pos = idx.searchsorted(at - pd.DateOffset(years=years), side="right") - 1
    out = np.full(len(at), np.nan)
    ok = (base_pos >= 0) & (now_pos >= 0)
    out[ok] = arr[now_pos[ok]] / arr[base_pos[ok]] - 1.0
    return out


def run_up(
    prices: pd.Series,
    market: pd.Series | None = None,
    *,
    spec: RunupSpec | None = None,
    name: str | None = None,
) -> RunupResult:
    """Apply the GSY (2019) run-up rule and find the episodes and crashes.

    Parameters
    ----------
    prices
        Price (or total-return index) levels with a DatetimeIndex.
    market
        Optional market index levels; when given, the 2-year return must also
        exceed ``net_threshold`` net of the market's 2-year return.
    spec
        Thresholds and windows; defaults are GSY's.
    name
        Label for summaries (defaults to the series name).
    """
    spec = spec or RunupSpec()
    values = _check_series(prices, "prices")
    mkt = _check_series(market, "market") if market is not None else None
    idx = pd.DatetimeIndex(values.index)
    r_short = _trailing_return(values, idx, spec.runup_years)
    r_long = _trailing_return(values, idx, spec.long_years)
    with np.errstate(invalid="ignore"):
        flag = (r_short > spec.runup_threshold) & (r_long >= spec.long_threshold)
        net = None
        if mkt is not None:
            m_short = _trailing_return(mkt, idx, spec.runup_years)
            # the market must cover the base date too: no market history -> no net return
            m_first = pd.DatetimeIndex(mkt.index)[0]
            m_short[idx - pd.DateOffset(years=spec.runup_years) < m_first] = np.nan
            net = r_short - m_short
            flag &= net > spec.net_threshold
    flag &= ~np.isnan(r_short) & ~np.isnan(r_long)
    table = pd.DataFrame(
        {"price": values.to_numpy(), "return_short": r_short, "return_long": r_long},
        index=idx,
    )
    if net is not None:
        table["net_return_short"] = net
    table["runup"] = flag

    episodes = _episodes(values, table, spec, net is not None)
    label = name or (str(prices.name) if prices.name is not None else "series")
    prov = Provenance(
        spec={"method": "gsy-run-up", **spec.model_dump()},
        data_hash=stable_hash(
            [values.index.astype("int64").tolist(), values.to_numpy().round(10).tolist()]
        ),
    )
    return RunupResult(
        table=table,
        episodes=episodes,
        spec=spec,
        has_market=net is not None,
        name=label,
        provenance=prov,
    )


def _episodes(
    values: pd.Series, table: pd.DataFrame, spec: RunupSpec, has_net: bool
) -> tuple[RunupEpisode, ...]:
    idx = values.index
    arr = values.to_numpy()
    flagged = np.flatnonzero(table["runup"].to_numpy())
    out: list[RunupEpisode] = []
    i = 0
    last_date = idx[-1]
    while i < len(flagged):
        start_pos = flagged[i]
        start = idx[start_pos]
        window_end = start + pd.DateOffset(years=spec.crash_years)
        # flags within crash_years of the start belong to this episode
        j = i
        while j + 1 < len(flagged) and idx[flagged[j + 1]] <= window_end:
            j += 1
        members = flagged[i : j + 1]
        stop = idx.searchsorted(window_end, side="right")
        path = arr[start_pos:stop]
        running_peak = np.maximum.accumulate(path)
        drawdown = path / running_peak - 1.0
        hit = np.flatnonzero(drawdown <= -spec.crash_drawdown)
        crash_date = idx[start_pos + hit[0]] if len(hit) else None
        if crash_date is not None:
            crashed: bool | None = True
        elif last_date >= window_end:
            crashed = False
        else:
            crashed = None
        max_ret = float(np.nanmax(table["return_short"].to_numpy()[members]))
        max_net = (
            float(np.nanmax(table["net_return_short"].to_numpy()[members])) if has_net else None
        )
        out.append(
            RunupEpisode(
                start=start,
                end=idx[members[-1]],
                n_flagged=len(members),
                max_return=max_ret,
                max_net_return=max_net,
                return_long_at_start=float(table["return_long"].iloc[start_pos]),
                max_drawdown=float(-drawdown.min()),
                crashed=crashed,
                crash_date=crash_date,
                gsy_crash_probability=gsy_context(max_net if max_net is not None else max_ret),
            )
        )
        i = j + 1
    return tuple(out)
