"""Rubric logic: thresholds, combination rules, bands, rubric validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boombust.errors import InputError
from boombust.score import combine_levels, default_rubric, load_rubric
from boombust.score.rubric import COMBINE_RULES, NumericIndicator


@pytest.mark.parametrize(
    ("levels", "rule", "expected"),
    [
        # hand-computed: median of [0, 2] is 1; of [1, 2] is 1.5 -> half up -> 2
        ([0, 2], "median_half_up", 1),
        ([1, 2], "median_half_up", 2),
        ([0, 1], "median_half_up", 1),
        ([0, 0, 2], "median_half_up", 0),
        ([0, 2, 2], "median_half_up", 2),
        ([0, 1, 2, 2], "median_half_up", 2),
        # mean: 4/3 = 1.33 -> 1; 3/2 = 1.5 -> 2; 1/3 -> 0; 5/3 -> 2
        ([0, 2, 2], "mean_half_up", 1),
        ([1, 2], "mean_half_up", 2),
        ([0, 0, 1], "mean_half_up", 0),
        ([1, 2, 2], "mean_half_up", 2),
        ([0, 1, 2], "max", 2),
        ([0, 1, 2], "min", 0),
        ([2], "median_half_up", 2),
    ],
)
def test_combine_levels_hand_computed(levels: list[int], rule: str, expected: int) -> None:
    assert combine_levels(levels, rule) == expected


def test_combine_levels_rejects_empty_and_unknown_rule() -> None:
    with pytest.raises(ValueError, match="at least one"):
        combine_levels([], "max")
    with pytest.raises(ValueError, match="unknown combination rule"):
        combine_levels([1], "mode")


@given(
    st.sampled_from(COMBINE_RULES),
    st.lists(st.integers(0, 2), min_size=1, max_size=8),
    st.data(),
)
def test_combine_is_monotone_and_bounded(rule: str, levels: list[int], data: st.DataObject) -> None:
    """Raising any one indicator level never lowers the factor level; result in [min, max]."""
    base = combine_levels(levels, rule)
    assert min(levels) <= base <= max(levels)
    k = data.draw(st.integers(0, len(levels) - 1))
    if levels[k] < 2:
        raised = [*levels]
        raised[k] += 1
        assert combine_levels(raised, rule) >= base


def test_numeric_levels_both_directions() -> None:
    up = NumericIndicator(
        name="x", label="x", direction="higher", thresholds=(25, 60), range=(0, 100)
    )
    assert [up.level_of(v) for v in (0, 24.9, 25, 59.9, 60, 100)] == [0, 0, 1, 1, 2, 2]
    down = NumericIndicator(
        name="y", label="y", direction="lower", thresholds=(15, 5), range=(0, 500)
    )
    assert [down.level_of(v) for v in (100, 15.1, 15, 5.1, 5, 0)] == [0, 0, 1, 1, 2, 2]


def test_default_rubric_shape_and_bands() -> None:
    r = default_rubric()
    assert [f.name for f in r.factors] == [
        "uncertainty",
        "pure_plays",
        "novice_investors",
        "narrative",
    ]
    assert r.max_total == 8
    assert "own operationalisation" in r.statement
    assert "inference" in r.statement
    assert r.band_of([1, 1, 1, 0]) == "low"
    assert r.band_of([1, 1, 1, 1]) == "elevated"
    assert r.band_of([2, 2, 1, 1]) == "high"
    # the book: a bubble needs all four factors -> 'high' requires each factor >= 1
    assert r.band_of([2, 2, 2, 0]) == "elevated"


def test_bad_rubric_thresholds_reported_with_line(write_yaml) -> None:  # type: ignore[no-untyped-def]
    path = write_yaml(
        """\
        name: bad
        version: "1"
        statement: test
        factors:
          - name: f
            label: F
            indicators:
              - name: i
                kind: numeric
                label: I
                direction: higher
                thresholds: [60, 25]
                range: [0, 100]
        bands:
          - {name: low, min_total: 0}
        """,
        "rubric.yaml",
    )
    with pytest.raises(InputError) as err:
        load_rubric(path)
    issue = err.value.first
    assert issue.path == str(path)
    assert issue.line == 8  # the indicator's list item
    assert "strictly increasing" in issue.message


def test_rubric_unknown_field_names_line(write_yaml) -> None:  # type: ignore[no-untyped-def]
    path = write_yaml(
        """\
        name: bad
        version: "1"
        statement: test
        colour: red
        factors: []
        bands: []
        """,
        "rubric.yaml",
    )
    with pytest.raises(InputError) as err:
        load_rubric(path)
    by_field = {i.field: i for i in err.value.issues}
    assert by_field["colour"].line == 4
    assert "unknown field" in by_field["colour"].message
