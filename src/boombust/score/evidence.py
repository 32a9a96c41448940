"""Evidence files: a case's indicator values, their sources, judgements and overrides.

An evidence file (YAML) lists ``sources`` and, per factor, indicator entries.
Each entry is either a *measured* value with a ``source`` id, or an analyst
*judgement* with a ``rationale`` (and optionally a source it rests on), or
``not_applicable`` with a reason (the measure does not exist for the era,
e.g. venture capital in 1845). An indicator the file does not mention is a
*gap*: the score is then partial and says so; it is never read as 0.

Validation checks the file against a rubric and reports every problem with
the file and line: unknown factors or indicators, values out of the
indicator's range or not among its categories, unknown source ids.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from boombust.errors import InputError, Issue
from boombust.score._yaml import LocatedYaml, load_located_yaml, validate_located
from boombust.score.rubric import CategoricalIndicator, NumericIndicator, Rubric

__all__ = ["Evidence", "IndicatorEntry", "Override", "Source", "load_evidence"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)]


class Source(BaseModel):
    """A citable source: ``confidence`` is confirmed (read the primary or a major
    outlet), secondary (an aggregator's summary) or unconfirmed."""

    model_config = _FROZEN
    id: Id
    title: str
    publisher: str
    url: str
    date: dt.date | None = None
    confidence: Literal["confirmed", "secondary", "unconfirmed"]


class IndicatorEntry(BaseModel):
    """One indicator's evidence.

    ``value`` is a number (numeric indicators) or a category name (categorical).
    ``judgement: true`` marks an analyst judgement and requires ``rationale``;
    otherwise the value is measured and requires ``source``.
    """

    model_config = _FROZEN
    value: float | str | None = None
    source: Id | None = None
    judgement: bool = False
    rationale: str | None = None
    note: str | None = None
    not_applicable: str | None = Field(
        default=None, description="Reason the measure does not exist for this case."
    )

    @field_validator("value", mode="before")
    @classmethod
    def _no_booleans(cls, v: object) -> object:
        # YAML reads yes/no/true/false as booleans: never let one become the number 1 or 0
        if isinstance(v, bool):
            raise ValueError(
                "a yes/no (boolean) is neither a number nor a category; give a number, "
                "or quote the category name"
            )
        return v

    @model_validator(mode="after")
    def _check(self) -> IndicatorEntry:
        if self.not_applicable is not None:
            if self.value is not None:
                raise ValueError("give either a value or not_applicable, not both")
            return self
        if self.value is None:
            raise ValueError("value is missing; give a value, or not_applicable with a reason")
        if self.judgement and not self.rationale:
            raise ValueError("a judgement needs a rationale saying why")
        if not self.judgement and self.source is None:
            raise ValueError(
                "a measured value needs a source id; or mark it judgement: true with a rationale"
            )
        return self

    @property
    def status(self) -> Literal["sourced", "judgement", "not_applicable"]:
        if self.not_applicable is not None:
            return "not_applicable"
        return "judgement" if self.judgement else "sourced"


class Override(BaseModel):
    """An analyst override of a factor level, recorded with its reason."""

    model_config = _FROZEN
    level: int = Field(ge=0)
    reason: str = Field(min_length=1)


class Evidence(BaseModel):
    """A case's evidence file."""

    model_config = _FROZEN
    case: Id
    title: str
    period: str = ""
    description: str = ""
    book_characterisation: str = Field(
        default="", description="What the book's authors say about the case, with its source."
    )
    sources: tuple[Source, ...] = ()
    factors: dict[str, dict[str, IndicatorEntry]] = Field(default_factory=dict)
    overrides: dict[str, Override] = Field(default_factory=dict)

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)


def _check_against_rubric(ev: Evidence, rubric: Rubric, located: LocatedYaml) -> None:
    issues: list[Issue] = []

    def add(msg: str, loc: tuple[str | int, ...]) -> None:
        field = ".".join(str(x) for x in loc)
        issues.append(Issue(msg, path=located.path, line=located.line_of(loc), field=field))

    ids = [s.id for s in ev.sources]
    for i, sid in enumerate(ids):
        if ids.index(sid) != i:
            add(f"duplicate source id {sid!r}; give each source its own id", ("sources", i, "id"))
    known_sources = set(ids)
    factor_names = [f.name for f in rubric.factors]
    for fname, entries in ev.factors.items():
        if fname not in factor_names:
            add(
                f"unknown factor {fname!r} for rubric {rubric.name!r}; use one of {factor_names}",
                ("factors", fname),
            )
            continue
        factor = rubric.factor(fname)
        names = [i.name for i in factor.indicators]
        for iname, entry in entries.items():
            loc: tuple[str | int, ...] = ("factors", fname, iname)
            if iname not in names:
                add(
                    f"unknown indicator {iname!r} for factor {fname!r}; use one of {names}",
                    loc,
                )
                continue
            ind = factor.indicator(iname)
            if entry.source is not None and entry.source not in known_sources:
                add(
                    f"unknown source {entry.source!r}; add it to 'sources' or use one of "
                    f"{sorted(known_sources)}",
                    (*loc, "source"),
                )
            if entry.value is None:
                continue
            _check_value(ind, entry.value, add, (*loc, "value"))
    for fname, ov in ev.overrides.items():
        if fname not in factor_names:
            add(
                f"unknown factor {fname!r} in overrides; use one of {factor_names}",
                ("overrides", fname),
            )
        elif ov.level > rubric.max_level:
            add(
                f"override level {ov.level} is above the rubric's max_level {rubric.max_level}",
                ("overrides", fname, "level"),
            )
    if issues:
        raise InputError(issues)


def _check_value(
    ind: NumericIndicator | CategoricalIndicator,
    value: float | str,
    add: Any,
    loc: tuple[str | int, ...],
) -> None:
    if isinstance(ind, NumericIndicator):
        if isinstance(value, (str, bool)):
            add(f"{ind.name} needs a number ({ind.unit or 'no unit'}), got {value!r}", loc)
            return
        lo, hi = ind.range
        if not lo <= value <= hi:
            add(
                f"value {value:g} is out of range [{lo:g}, {hi:g}] for {ind.name}"
                f"{f' ({ind.unit})' if ind.unit else ''}; check the figure and its unit",
                loc,
            )
    elif not isinstance(value, str) or value not in ind.categories:
        add(
            f"value {value!r} is not a category of {ind.name}; use one of {list(ind.categories)}",
            loc,
        )


def load_evidence(path: str | Path, rubric: Rubric, *, text: str | None = None) -> Evidence:
    """Load an evidence YAML file and validate it against ``rubric``.

    Raises
    ------
    InputError
        One issue per problem, each naming the file and line.
    """
    located = load_located_yaml(path, text=text)
    ev = validate_located(Evidence, located)
    _check_against_rubric(ev, rubric, located)
    return ev
