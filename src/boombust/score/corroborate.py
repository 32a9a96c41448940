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

__all__ = ["MarketCorroboration", "MarketSignal", "corroborate", "lppls_signal", "psy_signal"]


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


def psy_signal(prices: pd.Series, *, seed: int = 0, nrep: int = 2000) -> MarketSignal:
    """PSY (2015) BSADF verdict on the last observation of ``prices`` (log prices tested).

    ``flagged`` is True when the last observation lies inside a date-stamped explosive
    episode at the 95% level (Monte Carlo critical values, pointwise convention).
    """
    import numpy as np

    from boombust.detect.psy import psy_test

    logp = pd.Series(np.log(prices.to_numpy(dtype=float)), index=prices.index, name=prices.name)
    result = psy_test(logp, nrep=nrep, seed=seed)
    last = logp.index[-1]
    ongoing = [e for e in result.episodes if e.ongoing]
    cv95 = result.critical_values.get("gsadf", {}).get("95")
    detail = (
        f"GSADF {result.gsadf:.2f} (95% cv {cv95:.2f}); "
        if cv95 is not None
        else f"GSADF {result.gsadf:.2f}; "
    )
    detail += f"{len(result.episodes)} episode(s) dated"
    if ongoing:
        start = ongoing[0].start
        detail += f", one ongoing since {getattr(start, 'date', lambda: start)()}"
    return MarketSignal(
        name="PSY explosive root",
        method="Phillips, Shi & Yu (2015) GSADF/BSADF date-stamping, log prices, lag 0",
        flagged=bool(ongoing),
        as_of=str(getattr(last, "date", lambda: last)()),
        detail=detail,
        reference="Phillips, Shi & Yu (2015), International Economic Review 56(4)",
    )


def lppls_signal(prices: pd.Series, *, seed: int = 0, threshold: float = 0.05) -> MarketSignal:
    """DS LPPLS Confidence (Sornette FCO, filter 1) of a positive bubble on the last day.

    ``flagged`` is True when the positive-bubble confidence exceeds ``threshold``.
    Trust is skipped here (it needs 100 bootstrap refits per window).
    """
    from boombust.detect.lppls_indicators import DSLPPLSSpec, ds_lppls_indicators

    spec = DSLPPLSSpec(n_bootstrap=0)
    last = prices.index[-1]
    result = ds_lppls_indicators(prices, start=last, end=last, spec=spec, seed=seed)
    conf = float(result.confidence_pos[-1])
    return MarketSignal(
        name="DS LPPLS confidence",
        method="LPPLS fits over 126 windows (750 to 125 days), FCO filter 1",
        flagged=conf > threshold,
        as_of=str(getattr(last, "date", lambda: last)()),
        detail=f"positive-bubble confidence {conf:.2f} (flag above {threshold:.2f})",
        reference="Sornette et al. (2015), Shanghai 2015 bubble, Table 1",
    )
