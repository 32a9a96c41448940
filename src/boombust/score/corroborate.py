"""Market corroboration, kept separate from the four factors.

The scorecard judges the *conditions* for a bubble (Goldfarb–Kirsch); market
signals judge *prices*. boombust shows them side by side and never mixes them
into the 0–8 total. Today the signal is the Greenwood–Shleifer–You run-up rule
(:mod:`boombust.detect.runup`); PSY/GSADF and LPPLS results plug in as
precomputed :class:`MarketSignal` objects until those modules land.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from boombust.detect.runup import RunupResult, RunupSpec, run_up
from boombust.errors import InputError

__all__ = ["MarketCorroboration", "MarketSignal", "corroborate"]


@dataclass(frozen=True)
class MarketSignal:
    """One precomputed market signal (e.g. a PSY date-stamp or an LPPLS confidence).

    ``flagged`` is the signal's own verdict at ``as_of`` (None when it has none).
    """

    name: str
    method: str
    flagged: bool | None
    as_of: str | None = None
    detail: str = ""
    reference: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "method": self.method,
            "flagged": self.flagged,
            "as_of": self.as_of,
            "detail": self.detail,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class MarketCorroboration:
    """Market signals shown beside a score (never added to it)."""

    runup: RunupResult | None
    signals: tuple[MarketSignal, ...] = field(default=())

    def all_signals(self) -> tuple[MarketSignal, ...]:
        out = list(self.signals)
        if self.runup is not None:
            r = self.runup
            as_of = r.table.index[-1].date().isoformat() if len(r.table) else None
            out.insert(
                0,
                MarketSignal(
                    name=f"run-up ({r.name})",
                    method="greenwood-shleifer-you-2019",
                    flagged=r.flagged_now,
                    as_of=as_of,
                    detail=f"{len(r.episodes)} run-up episode(s) in the series",
                    reference="Greenwood, Shleifer & You (2019), JFE 131(1)",
                ),
            )
        return tuple(out)

    def summary(self) -> str:
        lines = ["Market corroboration (separate from the four factors; not in the total):"]
        for s in self.all_signals():
            verdict = {True: "FLAGGED", False: "not flagged", None: "n/a"}[s.flagged]
            lines.append(f"  {s.name}: {verdict} as of {s.as_of or '?'}; {s.detail}")
        if self.runup is not None:
            lines.extend("  " + x for x in self.runup.summary().splitlines())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "signals": [s.to_dict() for s in self.all_signals()],
            "runup": None if self.runup is None else self.runup.to_dict(),
        }


def corroborate(
    prices: pd.Series | None = None,
    market: pd.Series | None = None,
    *,
    signals: Sequence[MarketSignal] = (),
    spec: RunupSpec | None = None,
    name: str | None = None,
) -> MarketCorroboration:
    """Run the market checks available now and collect precomputed signals."""
    if prices is None and market is not None:
        raise InputError("a market series needs a price series to compare with", field="market")
    for s in signals:
        if not isinstance(s, MarketSignal):
            raise InputError(
                f"signals must be MarketSignal objects; got {type(s).__name__}", field="signals"
            )
    r = run_up(prices, market, spec=spec, name=name) if prices is not None else None
    return MarketCorroboration(runup=r, signals=tuple(signals))
