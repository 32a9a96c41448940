"""Sensitivity of a score: one-level indicator moves and "what would it take".

* :func:`sensitivity` moves every scored indicator one level up and one level
  down (holding the rest) and reports which moves change the band.
* :func:`what_would_it_take` finds the cheapest set of indicator changes that
  puts the case in another band, cost = total number of level steps moved.
  It is exact: per factor it enumerates every combination of its indicators'
  levels (3^k for k indicators, small) to get the cheapest way to reach each
  factor level, then searches the (max_level+1)^F factor-level grid.

Overridden factors do not respond to indicator changes (the override holds),
and gaps (missing indicators) are not moved: the analyst has no value to move.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from boombust.errors import InputError
from boombust.score.scoring import FactorScore, ScoreResult, factor_level

__all__ = ["IndicatorChange", "Sensitivity", "TargetPlan", "sensitivity", "what_would_it_take"]


@dataclass(frozen=True)
class IndicatorChange:
    """Move one indicator from ``from_level`` to ``to_level`` and what follows."""

    factor: str
    indicator: str
    from_level: int
    to_level: int
    factor_level_after: int
    total_after: int
    band_after: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TargetPlan:
    """The cheapest set of indicator changes reaching ``band_after`` (None if impossible)."""

    goal: str
    found: bool
    changes: tuple[IndicatorChange, ...]
    steps: int
    total_after: int | None
    band_after: str | None

    def describe(self) -> str:
        if not self.found:
            return f"{self.goal}: impossible by moving scored indicators (overrides/gaps hold)"
        moves = "; ".join(
            f"{c.factor}.{c.indicator} {c.from_level}->{c.to_level}" for c in self.changes
        )
        return (
            f"{self.goal}: {self.steps} level step(s) — {moves} "
            f"=> total {self.total_after}, band {self.band_after}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "found": self.found,
            "steps": self.steps,
            "total_after": self.total_after,
            "band_after": self.band_after,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True)
class Sensitivity:
    """Result of :func:`sensitivity`."""

    case: str
    total: int
    band: str
    moves: tuple[IndicatorChange, ...]
    plan: TargetPlan | None

    @property
    def band_changing(self) -> tuple[IndicatorChange, ...]:
        return tuple(m for m in self.moves if m.band_after != self.band)

    def summary(self) -> str:
        lines = [f"Sensitivity of {self.case}: total {self.total}, band {self.band}"]
        flips = self.band_changing
        if flips:
            lines.append("  one-level moves that change the band:")
            lines += [
                f"    {m.factor}.{m.indicator} {m.from_level}->{m.to_level}: factor "
                f"{m.factor_level_after}, total {m.total_after}, band {m.band_after}"
                for m in flips
            ]
        else:
            lines.append("  no single one-level indicator move changes the band")
        if self.plan is not None:
            lines.append("  " + self.plan.describe())
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([m.to_dict() for m in self.moves])

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "total": self.total,
            "band": self.band,
            "moves": [m.to_dict() for m in self.moves],
            "band_changing": [m.to_dict() for m in self.band_changing],
            "plan": None if self.plan is None else self.plan.to_dict(),
        }


def _current_levels(result: ScoreResult) -> list[int]:
    return [f.level if f.level is not None else f.level_bounds[0] for f in result.factors]


def _movable(f: FactorScore) -> list[tuple[str, int]]:
    if f.override is not None:
        return []
    return [(i.name, i.level) for i in f.indicators if i.level is not None]


def sensitivity(result: ScoreResult, *, plan: bool = True) -> Sensitivity:
    """Every one-level move of a scored indicator, and the cheapest way out of the band.

    ``plan`` adds :func:`what_would_it_take` for leaving the current band
    (downwards; upwards from the lowest band).
    """
    rubric = result.rubric
    base = _current_levels(result)
    moves = []
    for k, f in enumerate(result.factors):
        ind_levels = _movable(f)
        for j, (name, lvl) in enumerate(ind_levels):
            for new in (lvl - 1, lvl + 1):
                if not 0 <= new <= rubric.max_level:
                    continue
                levels = [x for _, x in ind_levels]
                levels[j] = new
                fl = factor_level(levels, f.combine)
                assert fl is not None
                after = [*base[:k], fl, *base[k + 1 :]]
                moves.append(
                    IndicatorChange(f.name, name, lvl, new, fl, sum(after), rubric.band_of(after))
                )
    return Sensitivity(
        case=result.case,
        total=result.total,
        band=result.band,
        moves=tuple(moves),
        plan=what_would_it_take(result) if plan else None,
    )


def _factor_options(
    f: FactorScore, max_level: int, current: int
) -> dict[int, tuple[int, tuple[tuple[str, int, int], ...]]]:
    """Cheapest indicator changes to reach each factor level: level -> (cost, changes)."""
    inds = _movable(f)
    if not inds:
        return {current: (0, ())}
    best: dict[int, tuple[int, tuple[tuple[str, int, int], ...]]] = {}
    for combo in itertools.product(range(max_level + 1), repeat=len(inds)):
        fl = factor_level(list(combo), f.combine)
        assert fl is not None
        changes = tuple(
            (name, old, new) for (name, old), new in zip(inds, combo, strict=True) if new != old
        )
        cost = sum(abs(new - old) for _, old, new in changes)
        key = (cost, len(changes))
        if fl not in best or key < (best[fl][0], len(best[fl][1])):
            best[fl] = (cost, changes)
    return best


def what_would_it_take(result: ScoreResult, to_band: str | None = None) -> TargetPlan:
    """Cheapest indicator changes (in level steps) that move the case to another band.

    Parameters
    ----------
    result
        A scored case.
    to_band
        Target band name. None: leave the current band — downwards, or upwards
        when the case is already in the lowest band.
    """
    rubric = result.rubric
    names = [b.name for b in rubric.bands]
    here = rubric.band_rank(result.band)
    if to_band is not None:
        if to_band not in names:
            raise InputError(f"unknown band {to_band!r}; use one of {names}", field="to_band")
        goal = f"to reach band {to_band}"

        def ok(rank: int) -> bool:
            return rank == names.index(to_band)
    elif here > 0:
        goal = f"to leave band {result.band} (downwards)"

        def ok(rank: int) -> bool:
            return rank < here
    else:
        goal = f"to leave band {result.band} (upwards)"

        def ok(rank: int) -> bool:
            return rank > here

    base = _current_levels(result)
    options = [_factor_options(f, rubric.max_level, base[k]) for k, f in enumerate(result.factors)]
    best: tuple[tuple[int, int], tuple[int, ...]] | None = None
    for choice in itertools.product(*[sorted(o) for o in options]):
        if not ok(rubric.band_rank(rubric.band_of(list(choice)))):
            continue
        cost = sum(options[k][lvl][0] for k, lvl in enumerate(choice))
        n = sum(len(options[k][lvl][1]) for k, lvl in enumerate(choice))
        if best is None or (cost, n) < best[0]:
            best = ((cost, n), choice)
    if best is None:
        return TargetPlan(goal, False, (), 0, None, None)
    choice = best[1]
    total_after = sum(choice)
    band_after = rubric.band_of(list(choice))
    changes = []
    for k, lvl in enumerate(choice):
        f = result.factors[k]
        for name, old, new in options[k][lvl][1]:
            changes.append(IndicatorChange(f.name, name, old, new, lvl, total_after, band_after))
    return TargetPlan(goal, True, tuple(changes), best[0][0], total_after, band_after)
