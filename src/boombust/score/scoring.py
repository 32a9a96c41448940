"""Scoring a case: indicator levels → factor levels → total (0–8) → band.

Each indicator's value maps to a level by the rubric's thresholds (numeric)
or categories (judgement). A factor's level combines the levels of the
indicators that have evidence by the factor's rule (default: median, a
half-way median rounding up), unless an analyst override replaces it. The
total is the sum of the factor levels; the band is the highest band whose
``min_total`` and ``min_each_factor`` conditions hold (Goldfarb & Kirsch: a
bubble needs all four factors, so "high" asks for each factor >= 1).

Missing evidence is never read as 0: a factor with gaps also gets
``level_bounds`` (gaps filled with 0 and with the top level), the total gets
``total_bounds`` and the band ``band_bounds``, and the result is ``partial``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from boombust._provenance import Provenance, stable_hash
from boombust.errors import InputError
from boombust.score.corroborate import MarketCorroboration, MarketSignal, corroborate
from boombust.score.evidence import Evidence, Override, Source
from boombust.score.library import load_case
from boombust.score.rubric import (
    NumericIndicator,
    Rubric,
    combine_levels,
    default_rubric,
    load_rubric,
)

__all__ = [
    "FactorScore",
    "IndicatorScore",
    "ScoreResult",
    "compare",
    "factor_level",
    "score_case",
    "score_evidence",
]

Status = Literal["sourced", "judgement", "not_applicable", "missing"]


def factor_level(
    levels: Sequence[int | None], rule: str, override: int | None = None
) -> int | None:
    """Factor level from indicator levels (None = no evidence), or the override."""
    if override is not None:
        return override
    known = [x for x in levels if x is not None]
    return combine_levels(known, rule) if known else None


def factor_bounds(
    levels: Sequence[int | None], n_missing: int, rule: str, max_level: int, override: int | None
) -> tuple[int, int]:
    """Lowest and highest factor level the gaps allow (gaps at 0 / at max_level)."""
    if override is not None:
        return override, override
    known = [x for x in levels if x is not None]
    if not known and not n_missing:
        return 0, max_level  # every indicator not applicable: no evidence at all
    return (
        combine_levels([*known, *([0] * n_missing)], rule),
        combine_levels([*known, *([max_level] * n_missing)], rule),
    )


@dataclass(frozen=True)
class IndicatorScore:
    """One indicator's value, level and basis (sourced / judgement / n.a. / missing)."""

    factor: str
    name: str
    label: str
    unit: str
    value: float | str | None
    level: int | None
    status: Status
    source: Source | None = None
    rationale: str | None = None
    note: str | None = None
    not_applicable: str | None = None

    def value_text(self) -> str:
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:g}{(' ' + self.unit) if self.unit else ''}"
        return str(self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "level": self.level,
            "status": self.status,
            "source": None if self.source is None else self.source.model_dump(mode="json"),
            "rationale": self.rationale,
            "note": self.note,
            "not_applicable": self.not_applicable,
        }


@dataclass(frozen=True)
class FactorScore:
    """A factor's level, how it was reached, and its indicators."""

    name: str
    label: str
    combine: str
    level: int | None
    computed_level: int | None
    level_bounds: tuple[int, int]
    override: Override | None
    indicators: tuple[IndicatorScore, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.indicators if i.status == "missing")

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "computed_level": self.computed_level,
            "level_bounds": list(self.level_bounds),
            "combine": self.combine,
            "override": None if self.override is None else self.override.model_dump(),
            "missing": list(self.missing),
            "indicators": [i.to_dict() for i in self.indicators],
        }


@dataclass(frozen=True)
class ScoreResult:
    """A scored case (frozen). ``summary()``, ``to_frame()``, ``plot()``, ``to_dict()``."""

    case: str
    title: str
    period: str
    book_characterisation: str
    rubric: Rubric = field(repr=False)
    factors: tuple[FactorScore, ...]
    total: int
    total_bounds: tuple[int, int]
    band: str
    band_bounds: tuple[str, str]
    evidence_path: str
    provenance: Provenance = field(repr=False)
    corroboration: MarketCorroboration | None = None

    @property
    def max_total(self) -> int:
        return self.rubric.max_total

    @property
    def partial(self) -> bool:
        """True when some indicator has no evidence (a gap) and no override covers it."""
        return any(f.override is None and (f.missing or f.level is None) for f in self.factors)

    @property
    def gaps(self) -> tuple[str, ...]:
        out: list[str] = []
        for f in self.factors:
            if f.override is None:
                out.extend(f"{f.name}.{m}" for m in f.missing)
                if f.level is None and not f.missing:
                    out.append(f"{f.name} (no applicable indicator)")
        return tuple(out)

    @property
    def all_sourced(self) -> bool:
        """Every indicator has a value and a source (judgements may cite one too)."""
        return (
            all(i.source is not None for f in self.factors for i in f.indicators)
            and not self.partial
        )

    def factor(self, name: str) -> FactorScore:
        for f in self.factors:
            if f.name == name:
                return f
        raise KeyError(name)

    def factor_levels(self) -> dict[str, int | None]:
        return {f.name: f.level for f in self.factors}

    # ---- outputs -------------------------------------------------------------------------
    def _headline(self) -> str:
        head = f"total {self.total}/{self.max_total}, band {self.band}"
        if self.partial:
            lo, hi = self.total_bounds
            blo, bhi = self.band_bounds
            head += (
                f" — PARTIAL: gaps {', '.join(self.gaps)}; with the gaps filled the total "
                f"could be {lo}..{hi} (band {blo}..{bhi})"
            )
        return head

    def summary(self) -> str:
        """Plain-text report: factors, levels, indicators with values and sources."""
        r = self.rubric
        lines = [
            f"Goldfarb–Kirsch four-factor scorecard: {self.title}"
            + (f" ({self.period})" if self.period else ""),
            f"case {self.case}; rubric {r.name} v{r.version}",
            self._headline(),
            "",
        ]
        for f in self.factors:
            lvl = "?" if f.level is None else str(f.level)
            how = f"{f.combine} of indicator levels"
            if f.override is not None:
                how = f"ANALYST OVERRIDE (computed {f.computed_level}): {f.override.reason}"
            lines.append(f"{f.label} [{f.name}]: {lvl}/{r.max_level}  ({how})")
            for i in f.indicators:
                lv = "—" if i.level is None else str(i.level)
                lines.append(f"  {i.name:<36} {i.value_text():<16} level {lv}  [{i.status}]")
                if i.status == "missing":
                    lines.append("      no evidence: gap (not scored as 0)")
                if i.not_applicable:
                    lines.append(f"      not applicable: {i.not_applicable}")
                if i.rationale:
                    lines.append(f"      judgement: {i.rationale}")
                if i.note:
                    lines.append(f"      note: {i.note}")
                if i.source is not None:
                    s = i.source
                    lines.append(
                        f"      source [{s.id}, {s.confidence}]: {s.title}, {s.publisher}"
                        f"{f', {s.date}' if s.date else ''} <{s.url}>"
                    )
        lines.append("")
        lines.append(f"TOTAL: {self._headline()}")
        if self.book_characterisation:
            lines.append(f"Book's characterisation: {self.book_characterisation}")
        lines.append("")
        lines.append("About this rubric: " + " ".join(r.statement.split()))
        if self.corroboration is not None:
            lines.append("")
            lines.append(self.corroboration.summary())
        return "\n".join(lines)

    def to_markdown(self) -> str:
        r = self.rubric
        out = [
            f"## {self.title}" + (f" ({self.period})" if self.period else ""),
            "",
            f"**{self._headline()}** — rubric `{r.name}` v{r.version}",
            "",
            "| factor | level | indicator | value | ind. level | basis | source / rationale |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in self.factors:
            lvl = "?" if f.level is None else f"{f.level}/{r.max_level}"
            if f.override is not None:
                lvl += f" (override; computed {f.computed_level}: {f.override.reason})"
            for k, i in enumerate(f.indicators):
                basis = []
                if i.source is not None:
                    basis.append(f"[{i.source.title}]({i.source.url}) ({i.source.confidence})")
                if i.rationale:
                    basis.append(f"judgement: {i.rationale}")
                if i.not_applicable:
                    basis.append(f"n/a: {i.not_applicable}")
                if i.status == "missing":
                    basis.append("gap: no evidence")
                cells = [
                    f.label if k == 0 else "",
                    lvl if k == 0 else "",
                    i.name,
                    i.value_text(),
                    "—" if i.level is None else str(i.level),
                    i.status,
                    "; ".join(basis).replace("|", "/").replace("\n", " "),
                ]
                out.append("| " + " | ".join(cells) + " |")
        out += ["", f"> {' '.join(r.statement.split())}"]
        if self.corroboration is not None:
            out += ["", "```", self.corroboration.summary(), "```"]
        return "\n".join(out)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator, with its factor's level."""
        rows = []
        for f in self.factors:
            for i in f.indicators:
                rows.append(
                    {
                        "factor": f.name,
                        "factor_level": f.level,
                        "indicator": i.name,
                        "value": i.value,
                        "unit": i.unit,
                        "level": i.level,
                        "status": i.status,
                        "source": None if i.source is None else i.source.id,
                        "url": None if i.source is None else i.source.url,
                        "rationale": i.rationale,
                    }
                )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "title": self.title,
            "period": self.period,
            "total": self.total,
            "max_total": self.max_total,
            "band": self.band,
            "partial": self.partial,
            "gaps": list(self.gaps),
            "total_bounds": list(self.total_bounds),
            "band_bounds": list(self.band_bounds),
            "all_sourced": self.all_sourced,
            "factors": {f.name: f.to_dict() for f in self.factors},
            "book_characterisation": self.book_characterisation,
            "rubric": {
                "name": self.rubric.name,
                "version": self.rubric.version,
                "statement": " ".join(self.rubric.statement.split()),
            },
            "corroboration": None if self.corroboration is None else self.corroboration.to_dict(),
            "evidence": self.evidence_path,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Horizontal bars of the factor levels (hatched where an override applies)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 2.8))
        names = [f.label for f in self.factors][::-1]
        levels = [0 if f.level is None else f.level for f in self.factors][::-1]
        hatch = ["//" if f.override is not None else "" for f in self.factors][::-1]
        colors = ["lightgrey" if f.level is None else "tab:red" for f in self.factors][::-1]
        bars = ax.barh(names, levels, color=colors)
        for bar, h in zip(bars, hatch, strict=True):
            bar.set_hatch(h)
        for y, f in enumerate(self.factors[::-1]):
            lo, hi = f.level_bounds
            if lo != hi:
                ax.plot([lo, hi], [y, y], color="black", lw=2)
        ax.set_xlim(0, self.rubric.max_level)
        ax.set_xticks(range(self.rubric.max_level + 1))
        ax.set_title(f"{self.title}: {self.total}/{self.max_total} ({self.band})")
        return ax


def _oneline(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def _score_indicators(ev: Evidence, rubric: Rubric) -> list[FactorScore]:
    out = []
    for f in rubric.factors:
        entries = ev.factors.get(f.name, {})
        scores = []
        for ind in f.indicators:
            e = entries.get(ind.name)
            unit = ind.unit if isinstance(ind, NumericIndicator) else ""
            if e is None:
                scores.append(
                    IndicatorScore(f.name, ind.name, ind.label, unit, None, None, "missing")
                )
                continue
            level = None
            value: float | str | None = e.value
            if e.value is not None:
                if isinstance(ind, NumericIndicator):
                    assert not isinstance(e.value, str)  # validated
                    value = float(e.value)
                    level = ind.level_of(value)
                else:
                    assert isinstance(e.value, str)
                    level = ind.level_of(e.value)
            scores.append(
                IndicatorScore(
                    factor=f.name,
                    name=ind.name,
                    label=ind.label,
                    unit=unit,
                    value=value,
                    level=level,
                    status=e.status,
                    source=None if e.source is None else ev.source(e.source),
                    rationale=_oneline(e.rationale),
                    note=_oneline(e.note),
                    not_applicable=_oneline(e.not_applicable),
                )
            )
        levels = [s.level for s in scores]
        n_missing = sum(1 for s in scores if s.status == "missing")
        ov = ev.overrides.get(f.name)
        computed = factor_level(levels, f.combine)
        out.append(
            FactorScore(
                name=f.name,
                label=f.label,
                combine=f.combine,
                level=ov.level if ov is not None else computed,
                computed_level=computed,
                level_bounds=factor_bounds(
                    levels, n_missing, f.combine, rubric.max_level, None if ov is None else ov.level
                ),
                override=ov,
                indicators=tuple(scores),
            )
        )
    return out


def score_evidence(
    evidence: Evidence,
    rubric: Rubric | None = None,
    *,
    evidence_path: str = "<evidence>",
    corroboration: MarketCorroboration | None = None,
) -> ScoreResult:
    """Score validated evidence under ``rubric`` (default: boombust's)."""
    rubric = rubric or default_rubric()
    factors = _score_indicators(evidence, rubric)
    lows = [f.level_bounds[0] for f in factors]
    highs = [f.level_bounds[1] for f in factors]
    # the point total counts only scored factors; an unscored factor shows as a gap
    levels = [f.level if f.level is not None else f.level_bounds[0] for f in factors]
    total = sum(f.level for f in factors if f.level is not None)
    prov = Provenance(
        spec={"rubric": rubric.name, "rubric_version": rubric.version, "case": evidence.case},
        data_hash=stable_hash([evidence.model_dump(mode="json"), rubric.model_dump(mode="json")]),
    )
    return ScoreResult(
        case=evidence.case,
        title=evidence.title,
        period=evidence.period,
        book_characterisation=" ".join(evidence.book_characterisation.split()),
        rubric=rubric,
        factors=tuple(factors),
        total=total,
        total_bounds=(sum(lows), sum(highs)),
        band=rubric.band_of(levels),
        band_bounds=(rubric.band_of(lows), rubric.band_of(highs)),
        evidence_path=evidence_path,
        provenance=prov,
        corroboration=corroboration,
    )


def _resolve_rubric(rubric: Rubric | str | Path | None) -> Rubric:
    if rubric is None:
        return default_rubric()
    if isinstance(rubric, Rubric):
        return rubric
    return load_rubric(rubric)


def score_case(
    case: str | Path | Evidence,
    *,
    rubric: Rubric | str | Path | None = None,
    prices: pd.Series | None = None,
    market: pd.Series | None = None,
    signals: Sequence[MarketSignal] = (),
) -> ScoreResult:
    """Score a bubble case on the Goldfarb–Kirsch four factors.

    Parameters
    ----------
    case
        A bundled case name (``ai-2025``, ``dotcom-1999`` …; see
        :func:`boombust.score.case_names`), a path to an evidence YAML file, or
        an :class:`Evidence` object.
    rubric
        A :class:`Rubric`, a path to a rubric YAML file, or None for boombust's
        default rubric (boombust's own operationalisation: the book publishes no
        per-factor rubric).
    prices, market
        Optional price series (DatetimeIndex) for market corroboration by the
        Greenwood–Shleifer–You run-up rule; shown beside the score, never in it.
    signals
        Optional precomputed market signals (PSY, LPPLS) to show beside the score.

    References
    ----------
    Goldfarb, B. and Kirsch, D. A. (2019). *Bubbles and Crashes*. Stanford UP.
    """
    rub = _resolve_rubric(rubric)
    if isinstance(case, Evidence):
        ev, path = case, "<evidence>"
    else:
        ev, path = load_case(case, rub)
    corr = None
    if prices is not None or signals:
        corr = corroborate(prices, market, signals=signals)
    elif market is not None:
        raise InputError("a market series needs a price series to compare with", field="market")
    return score_evidence(ev, rub, evidence_path=path, corroboration=corr)


def compare(
    *cases: str | Path | Evidence, rubric: Rubric | str | Path | None = None
) -> pd.DataFrame:
    """Side-by-side factor levels, total and band of several cases (one column per case).

    Examples
    --------
    >>> compare("ai-2025", "insulin-1922").loc["total"].tolist()
    [8, 3]
    """
    if not cases:
        raise InputError("compare needs at least one case", field="cases")
    rub = _resolve_rubric(rubric)
    results = [score_case(c, rubric=rub) for c in cases]
    index = [f.name for f in rub.factors] + ["total", "band", "partial"]
    data = {r.case: [*(f.level for f in r.factors), r.total, r.band, r.partial] for r in results}
    return pd.DataFrame(data, index=index)
