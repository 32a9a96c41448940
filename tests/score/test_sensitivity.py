"""Sensitivity: band-changing one-level moves and the cheapest way to another band."""

from __future__ import annotations

import itertools
import json

import pytest

from boombust.cli.main import main
from boombust.score import score_case, sensitivity, what_would_it_take
from boombust.score.scoring import ScoreResult

EDGE = {
    # uncertainty levels [1, 1, 2, 1] -> median 1; pure plays [1, 2, 1] -> 1
    "no_return_share_pct: {value: 95,": "no_return_share_pct: {value: 30,",
    "leader_loss_margin_pct: {value: 135,": "leader_loss_margin_pct: {value: 10,",
    "{value: high, judgement: true, rationale: burn rates}": (
        "{value: moderate, judgement: true, rationale: x}"
    ),
    "vc_share_pct: {value: 58,": "vc_share_pct: {value: 20,",
    # narrative [1, 2] -> 1.5 -> 2 (half up): one step from 1
    "{value: unbounded,": "{value: transformative,",
}


@pytest.fixture
def edge_case(write_yaml, minimal) -> ScoreResult:  # type: ignore[no-untyped-def]
    text = minimal
    for old, new in EDGE.items():
        assert old in text
        text = text.replace(old, new)
    r = score_case(write_yaml(text))
    assert r.factor_levels() == {
        "uncertainty": 1,
        "pure_plays": 1,
        "novice_investors": 2,
        "narrative": 2,
    }
    assert (r.total, r.band) == (6, "high")
    return r


def test_one_level_moves_that_change_the_band(edge_case: ScoreResult) -> None:
    s = sensitivity(edge_case)
    flips = {(m.factor, m.indicator, m.from_level, m.to_level) for m in s.band_changing}
    # by construction: narrative [1, 2] -> [0, 2] or [1, 1] gives level 1, total 5 -> elevated;
    # uncertainty [1,1,2,1] and pure plays [1,2,1] have medians robust to one lower indicator
    # (1 -> 0 leaves median 1), so they do not flip; novices [2,2,2] -> [1,2,2] stays 2.
    assert flips == {
        ("narrative", "promise_breadth", 1, 0),
        ("narrative", "coordinating_event", 2, 1),
    }
    assert all(m.band_after == "elevated" and m.total_after == 5 for m in s.band_changing)
    # every movable indicator is tried one level up and one level down where possible
    n_moves = sum(
        (i.level > 0) + (i.level < 2)
        for f in edge_case.factors
        for i in f.indicators
        if i.level is not None
    )
    assert len(s.moves) == n_moves


def test_what_it_takes_to_leave_high_minimal_toy(write_yaml, minimal) -> None:  # type: ignore[no-untyped-def]
    r = score_case(write_yaml(minimal))
    plan = what_would_it_take(r)
    # by hand: pure plays [2, 2, 1] -> two indicators at 0 (cost 2 + 1) gives level 0, and
    # 'high' needs every factor >= 1; any route via total <= 5 costs >= 5 steps (see docs)
    assert plan.found
    assert plan.steps == 3
    assert plan.band_after == "elevated"
    assert {c.factor for c in plan.changes} == {"pure_plays"}
    assert any(c.indicator == "listed_pure_plays" and c.to_level == 0 for c in plan.changes)


def _brute_force_min_steps(r: ScoreResult, target_ok) -> int | None:  # type: ignore[no-untyped-def]
    """Independent oracle: try every combination of every movable indicator's level."""
    from boombust.score.scoring import factor_level

    rubric = r.rubric
    slots = []
    for k, f in enumerate(r.factors):
        if f.override is None:
            for i in f.indicators:
                if i.level is not None:
                    slots.append((k, i.level))
    fixed = [f.level if f.level is not None else f.level_bounds[0] for f in r.factors]
    best = None
    for combo in itertools.product(range(3), repeat=len(slots)):
        per_factor: dict[int, list[int]] = {}
        for (k, _), lvl in zip(slots, combo, strict=True):
            per_factor.setdefault(k, []).append(lvl)
        levels = list(fixed)
        for k, lv in per_factor.items():
            levels[k] = factor_level(lv, r.factors[k].combine)  # type: ignore[call-overload]
        if target_ok(rubric.band_rank(rubric.band_of(levels))):
            cost = sum(abs(c - old) for (_, old), c in zip(slots, combo, strict=True))
            best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize(
    "case",
    ["dotcom-1999", "television-1950", "insulin-1922", "telephone-1881", "electric-cars-2019"],
)
def test_what_it_takes_matches_brute_force(case: str) -> None:
    r = score_case(case)
    here = r.rubric.band_rank(r.band)
    plan = what_would_it_take(r)
    if here > 0:
        expected = _brute_force_min_steps(r, lambda rank: rank < here)
    else:
        expected = _brute_force_min_steps(r, lambda rank: rank > here)
    assert plan.found == (expected is not None)
    if expected is not None:
        assert plan.steps == expected
        assert sum(abs(c.to_level - c.from_level) for c in plan.changes) == expected


def test_electric_cars_need_pure_plays_to_reach_high() -> None:
    r = score_case("electric-cars-2019")
    plan = what_would_it_take(r, to_band="high")
    assert plan.found
    assert "pure_plays" in {c.factor for c in plan.changes}


def test_override_blocks_indicator_moves(write_yaml, minimal) -> None:  # type: ignore[no-untyped-def]
    text = minimal + "overrides:\n  pure_plays: {level: 2, reason: panel view}\n"
    r = score_case(write_yaml(text))
    s = sensitivity(r)
    assert all(m.factor != "pure_plays" for m in s.moves)
    assert s.plan is not None
    assert all(c.factor != "pure_plays" for c in s.plan.changes)


def test_unknown_target_band_is_input_error() -> None:
    from boombust.errors import InputError

    with pytest.raises(InputError, match="unknown band"):
        what_would_it_take(score_case("ai-2025"), to_band="bubbly")


def test_cli_sensitivity(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exc:
        main(["score", "ai-2025", "--sensitivity", "--json"])
    assert exc.value.code in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert data["sensitivity"]["plan"]["found"] is True
    assert data["sensitivity"]["plan"]["band_after"] != "high"
    with pytest.raises(SystemExit):
        main(["score", "ai-2025", "--sensitivity"])
    out = capsys.readouterr().out
    assert "to leave band high (downwards)" in out
