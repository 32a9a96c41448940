"""The scorecard rubric: factors, indicators, thresholds, combination rules, bands.

The rubric is data (YAML) validated into frozen pydantic models. boombust's
default rubric (``rubrics/default.yaml``) is **boombust's own
operationalisation** of Goldfarb & Kirsch (2019): the book names four factors
(uncertainty, pure plays, novice investors, narrative) but no public source
gives a per-factor scoring rubric, and reading Wired's "8 out of 8" as
0/1/2 per factor is an inference (see ``docs/methods/score.md``).

References
----------
Goldfarb, B. and Kirsch, D. A. (2019). *Bubbles and Crashes: The Boom and Bust
of Technological Innovation*. Stanford University Press.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from boombust.errors import InputError, Issue
from boombust.score._yaml import load_located_yaml, validate_located

__all__ = [
    "COMBINE_RULES",
    "Band",
    "CategoricalIndicator",
    "Factor",
    "NumericIndicator",
    "Rubric",
    "combine_levels",
    "default_rubric",
    "load_rubric",
]

CombineRule = Literal["median_half_up", "mean_half_up", "max", "min"]
COMBINE_RULES: tuple[str, ...] = ("median_half_up", "mean_half_up", "max", "min")

_FROZEN = ConfigDict(extra="forbid", frozen=True)
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def combine_levels(levels: Sequence[int], rule: str) -> int:
    """Combine indicator levels into a factor level.

    Parameters
    ----------
    levels
        Levels of the indicators that have a value (at least one).
    rule
        ``median_half_up`` (default: median; a half-way median, e.g. 1.5, rounds up),
        ``mean_half_up`` (arithmetic mean rounded half up), ``max`` or ``min``.

    Every rule is non-decreasing in each argument, so raising one indicator's
    level never lowers the factor level (tested as a property).
    """
    if not levels:
        raise ValueError("combine_levels needs at least one level")
    ordered = sorted(levels)
    n = len(ordered)
    if rule == "median_half_up":
        mid = n // 2
        median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        return _round_half_up(median)
    if rule == "mean_half_up":
        # exact rational arithmetic: sum/n >= k + 1/2  <=>  2*sum >= (2k + 1) * n
        total = sum(ordered)
        return (2 * total + n) // (2 * n)
    if rule == "max":
        return ordered[-1]
    if rule == "min":
        return ordered[0]
    raise ValueError(f"unknown combination rule {rule!r}; use one of {COMBINE_RULES}")


class NumericIndicator(BaseModel):
    """A measured indicator: a number mapped to a level by thresholds.

    With ``direction: higher`` the level is the number of thresholds the value
    reaches (``value >= thresholds[k]``); with ``direction: lower`` it is the
    number of thresholds the value is at or below. ``range`` bounds valid values.
    """

    model_config = _FROZEN
    kind: Literal["numeric"] = "numeric"
    name: Name
    label: str
    description: str = ""
    unit: str = ""
    direction: Literal["higher", "lower"]
    thresholds: tuple[float, ...]
    range: tuple[float, float]

    @model_validator(mode="after")
    def _check(self) -> NumericIndicator:
        lo, hi = self.range
        if not lo < hi:
            raise ValueError("range must be [min, max] with min < max")
        t = self.thresholds
        if not t:
            raise ValueError("thresholds must list at least one value")
        step = 1 if self.direction == "higher" else -1
        if any(step * (b - a) <= 0 for a, b in itertools.pairwise(t)):
            order = "increasing" if self.direction == "higher" else "decreasing"
            raise ValueError(f"thresholds must be strictly {order} for direction {self.direction}")
        if any(not lo <= x <= hi for x in t):
            raise ValueError("every threshold must lie inside range")
        return self

    def level_of(self, value: float) -> int:
        """Level 0..len(thresholds) of ``value`` (assumed in range)."""
        if self.direction == "higher":
            return sum(1 for t in self.thresholds if value >= t)
        return sum(1 for t in self.thresholds if value <= t)

    @property
    def max_level(self) -> int:
        return len(self.thresholds)


class CategoricalIndicator(BaseModel):
    """A judgement indicator: a named category mapped to a level."""

    model_config = _FROZEN
    kind: Literal["categorical"] = "categorical"
    name: Name
    label: str
    description: str = ""
    categories: dict[str, int]

    @model_validator(mode="after")
    def _check(self) -> CategoricalIndicator:
        if not self.categories:
            raise ValueError("categories must map at least one category to a level")
        if any(v < 0 for v in self.categories.values()):
            raise ValueError("category levels must be >= 0")
        return self

    def level_of(self, value: str) -> int:
        return self.categories[value]

    @property
    def max_level(self) -> int:
        return max(self.categories.values())


Indicator = Annotated[NumericIndicator | CategoricalIndicator, Field(discriminator="kind")]


class Factor(BaseModel):
    """One Goldfarb–Kirsch factor: indicators and the rule combining their levels."""

    model_config = _FROZEN
    name: Name
    label: str
    description: str = ""
    combine: CombineRule = "median_half_up"
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    def indicator(self, name: str) -> NumericIndicator | CategoricalIndicator:
        for ind in self.indicators:
            if ind.name == name:
                return ind
        raise KeyError(name)


class Band(BaseModel):
    """A band of the total: reached when ``total >= min_total`` and every factor
    level is ``>= min_each_factor`` (the book: a bubble needs all four factors)."""

    model_config = _FROZEN
    name: Name
    min_total: int = Field(ge=0)
    min_each_factor: int = Field(default=0, ge=0)
    description: str = ""


class Rubric(BaseModel):
    """A complete scorecard rubric (see ``rubrics/default.yaml``)."""

    model_config = _FROZEN
    name: str
    version: str
    statement: str = Field(
        description="How this rubric relates to the book; shown in every summary."
    )
    max_level: int = Field(default=2, ge=1, le=10)
    factors: tuple[Factor, ...] = Field(min_length=1)
    bands: tuple[Band, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Rubric:
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise ValueError("factor names must be unique")
        ind_names = [i.name for f in self.factors for i in f.indicators]
        dup = sorted({n for n in ind_names if ind_names.count(n) > 1})
        if dup:
            raise ValueError(f"indicator names must be unique across factors: {dup}")
        for f in self.factors:
            for ind in f.indicators:
                if ind.max_level != self.max_level:
                    raise ValueError(
                        f"indicator {ind.name!r} reaches level {ind.max_level} but max_level "
                        f"is {self.max_level}; give it {self.max_level} thresholds/top category"
                    )
        b = self.bands
        if b[0].min_total != 0 or b[0].min_each_factor != 0:
            raise ValueError("the first band must start at min_total 0 with min_each_factor 0")
        if any(y.min_total <= x.min_total for x, y in itertools.pairwise(b)):
            raise ValueError("bands must be listed with strictly increasing min_total")
        if len({x.name for x in b}) != len(b):
            raise ValueError("band names must be unique")
        if b[-1].min_total > self.max_total:
            raise ValueError(f"band {b[-1].name!r} starts above the maximum total {self.max_total}")
        return self

    @property
    def max_total(self) -> int:
        return self.max_level * len(self.factors)

    def factor(self, name: str) -> Factor:
        for f in self.factors:
            if f.name == name:
                return f
        raise KeyError(name)

    def band_of(self, factor_levels: Sequence[int]) -> str:
        """Highest band whose total and per-factor conditions ``factor_levels`` meet."""
        total = sum(factor_levels)
        found = self.bands[0].name
        for band in self.bands:
            if total >= band.min_total and all(x >= band.min_each_factor for x in factor_levels):
                found = band.name
        return found

    def band_rank(self, name: str) -> int:
        return [b.name for b in self.bands].index(name)


def load_rubric(path: str | Path) -> Rubric:
    """Load and validate a rubric YAML file; errors name the file and line."""
    located = load_located_yaml(path)
    return validate_located(Rubric, located)


@cache
def default_rubric() -> Rubric:
    """boombust's default rubric (package data ``score/rubrics/default.yaml``)."""
    ref = resources.files("boombust.score").joinpath("rubrics/default.yaml")
    located = load_located_yaml("rubrics/default.yaml", text=ref.read_text(encoding="utf-8"))
    try:
        return validate_located(Rubric, located)
    except InputError as err:  # pragma: no cover - package data is tested
        raise InputError([Issue(f"packaged rubric is invalid: {i}") for i in err.issues]) from None
