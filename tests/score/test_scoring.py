"""Scoring: case outcomes from the book, ai-2025 = 8/8 sourced, overrides, outputs, properties."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.cli.main import main
from boombust.score import (
    Evidence,
    IndicatorEntry,
    Source,
    case_names,
    default_rubric,
    score_case,
    score_evidence,
)
from boombust.score.rubric import NumericIndicator

BUBBLES = ["dotcom-1999", "railway-mania-1845", "radio-1929", "aviation-1929", "electronics-1960s"]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return (0 if exc.value.code is None else int(exc.value.code)), out.out, out.err


def test_library_has_the_books_cases() -> None:
    assert set(case_names()) == {
        "ai-2025",
        "dotcom-1999",
        "railway-mania-1845",
        "radio-1929",
        "aviation-1929",
        "electronics-1960s",
        "insulin-1922",
        "electric-cars-2019",
        "television-1950",
        "telephone-1881",
    }


def test_ai_2025_is_8_of_8_with_every_indicator_sourced() -> None:
    # Wired (Oct 2025): "AI scores an 8 out of 8" (ai-2025-facts.md §1.3)
    r = score_case("ai-2025")
    assert (r.total, r.max_total, r.band) == (8, 8, "high")
    assert not r.partial
    assert r.all_sourced
    for f in r.factors:
        for i in f.indicators:
            assert i.source is not None, i.name
            assert i.source.url.startswith("http"), i.name
    values = {i.name: i.value for f in r.factors for i in f.indicators}
    # the seed's evidence (facts §5): MIT 95%, SVB 58%, Nvidia ~8%, $29.8B vs $15.3B retail
    assert values["no_return_share_pct"] == 95
    assert values["vc_share_pct"] == 58
    assert values["leader_market_weight_pct"] == 8
    assert values["retail_buying_leader_vs_index"] == pytest.approx(29.8 / 15.3, abs=0.01)
    assert values["leader_loss_margin_pct"] == pytest.approx(100 * 5 / 3.7, abs=0.5)


@pytest.mark.parametrize("case", BUBBLES)
def test_books_bubbles_score_high_even_with_gaps_filled_low(case: str) -> None:
    # Goldfarb (Maryland Today): dot-com and railway mania had all four factors; radio,
    # aviation and the 1960s electronics boom were bubbles (facts §1.4)
    r = score_case(case)
    assert r.band == "high"
    assert r.band_bounds == ("high", "high")  # the stated gaps cannot change the verdict


def test_insulin_is_low() -> None:
    # SUP ch. 1 abstract: insulin saw "no speculative activity" (facts §1.4)
    r = score_case("insulin-1922")
    assert r.band == "low"
    assert r.factor("pure_plays").level == 0
    assert r.factor("novice_investors").level == 0


def test_electric_cars_2019_held_back_by_pure_plays() -> None:
    # Goldfarb: "except for Tesla ... it's really hard to invest in the electric car industry"
    r = score_case("electric-cars-2019")
    assert r.band != "high"
    assert r.factor("pure_plays").level == 0
    assert r.factor("pure_plays").level == min(r.factor_levels().values())  # type: ignore[type-var]
    # with every other factor at the top, the missing pure plays alone keep it out of 'high'
    rubric = r.rubric
    others_max = [2 if f.name != "pure_plays" else 0 for f in r.factors]
    assert rubric.band_of(others_max) != "high"


@pytest.mark.parametrize("case", ["television-1950", "telephone-1881"])
def test_television_and_telephone_below_the_bubbles(case: str) -> None:
    # SUP ch. 1 abstract: boom and bust "to a lesser degree" (facts §1.4)
    r = score_case(case)
    rubric = r.rubric
    assert rubric.band_rank(r.band) < rubric.band_rank("high")
    assert r.band == "elevated"
    assert all(r.total < score_case(b).total for b in BUBBLES)


def test_json_has_the_keys_the_issue_names(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(["score", "ai-2025", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 8
    assert data["band"] == "high"
    assert set(data["factors"]) == {"uncertainty", "pure_plays", "novice_investors", "narrative"}
    for f in data["factors"].values():
        assert f["level"] == 2
        for ind in f["indicators"]:
            assert {"name", "value", "level", "source"} <= set(ind)
            assert ind["source"]["url"].startswith("http")
    assert "own operationalisation" in data["rubric"]["statement"]


def test_text_and_markdown_outputs(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(["score", "dotcom-1999"], capsys)
    assert code == 0
    assert "total 8/8, band high" in out
    assert "judgement: Kevin Kelly" in out  # judgements shown as such
    assert "own operationalisation" in out
    assert "inference" in out
    assert "pure_plays.leader_market_weight_pct" in out  # the stated gap
    code, out, _ = run_cli(["score", "insulin-1922", "--markdown"], capsys)
    assert code == 0
    assert out.startswith("## Insulin")
    assert "| factor | level |" in out


def test_compare_side_by_side(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(["score", "--compare", "ai-2025", "dotcom-1999", "insulin-1922"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ai-2025", "dotcom-1999", "insulin-1922"]
    assert lines[5].split() == ["total", "8/8", "8/8", "3/8"]
    assert lines[6].split() == ["band", "high", "high", "low"]
    code, out, _ = run_cli(["score", "--compare", "ai-2025", "insulin-1922", "--json"], capsys)
    data = json.loads(out)
    assert [c["total"] for c in data["cases"]] == [8, 3]
    code, out, _ = run_cli(["score", "--compare", "ai-2025", "insulin-1922", "--markdown"], capsys)
    assert out.startswith("|  | ai-2025 | insulin-1922 |")


def test_list_cases(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(["score", "--list"], capsys)
    assert code == 0
    assert "ai-2025" in out.split()


def test_override_is_recorded_and_displayed(write_yaml, minimal, capsys) -> None:  # type: ignore[no-untyped-def]
    text = minimal + "overrides:\n  narrative: {level: 1, reason: hype is fading in our panel}\n"
    path = write_yaml(text)
    r = score_case(path)
    f = r.factor("narrative")
    assert (f.level, f.computed_level) == (1, 2)
    assert f.override is not None
    assert f.override.reason == "hype is fading in our panel"
    assert r.total == 7
    assert "ANALYST OVERRIDE (computed 2): hype is fading in our panel" in r.summary()
    _code, out, _ = run_cli(["score", str(path), "--json"], capsys)
    d = json.loads(out)["factors"]["narrative"]
    assert d["level"] == 1
    assert d["computed_level"] == 2
    assert d["override"] == {"level": 1, "reason": "hype is fading in our panel"}


def test_override_errors(write_yaml, minimal, capsys) -> None:  # type: ignore[no-untyped-def]
    bad_level = minimal + "overrides:\n  narrative: {level: 3, reason: x}\n"
    code, _, err = run_cli(["score", str(write_yaml(bad_level))], capsys)
    assert code == 3
    assert "above the rubric's max_level 2" in err
    assert ":27:" in err
    no_reason = minimal + "overrides:\n  narrative: {level: 1}\n"
    code, _, err = run_cli(["score", str(write_yaml(no_reason))], capsys)
    assert code == 3
    assert "overrides.narrative.reason" in err


def test_custom_rubric_changes_the_score(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    text = resources.files("boombust.score").joinpath("rubrics/default.yaml").read_text()
    # a stricter rubric: a pure play must be 10% of the market to count as 'high'
    stricter = text.replace("thresholds: [0.5, 3]", "thresholds: [5, 10]").replace(
        "combine: median_half_up\n    indicators:\n      - name: vc_share_pct",
        "combine: min\n    indicators:\n      - name: vc_share_pct",
    )
    assert stricter != text
    path = tmp_path / "strict.yaml"
    path.write_text(stricter)
    code, out, _ = run_cli(["score", "ai-2025", "--rubric", str(path), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    # min(vc 58% -> 2, weight 8% -> 1, several -> 1) = 1
    assert data["factors"]["pure_plays"]["level"] == 1
    assert data["total"] == 7


def test_api_outputs_frame_dict_plot() -> None:
    import matplotlib.pyplot as plt

    r = score_case("television-1950")
    frame = r.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == sum(len(f.indicators) for f in r.factors)
    assert set(frame["factor"]) == {f.name for f in r.factors}
    d = r.to_dict()
    json.dumps(d)
    assert d["provenance"]["data_hash"]
    ax = r.plot()
    assert ax.get_title().startswith("Television boom: 4/8")
    plt.close("all")
    with pytest.raises(AttributeError):
        r.total = 3  # type: ignore[misc]


# ---- properties ---------------------------------------------------------------------------


def _entry_for_level(ind: NumericIndicator | object, level: int) -> IndicatorEntry:
    if isinstance(ind, NumericIndicator):
        # a value inside the band of `level`: the threshold itself, or the range end for level 0
        if level == 0:
            value = ind.range[0] if ind.direction == "higher" else ind.range[1]
        else:
            value = ind.thresholds[level - 1]
        return IndicatorEntry(value=value, source="s")
    categories = ind.categories  # type: ignore[attr-defined]
    name = next(k for k, v in categories.items() if v == level)
    return IndicatorEntry(value=name, judgement=True, rationale="r")


@st.composite
def indicator_levels(draw: st.DrawFn) -> dict[str, dict[str, int | None]]:
    rubric = default_rubric()
    out: dict[str, dict[str, int | None]] = {}
    for f in rubric.factors:
        out[f.name] = {
            i.name: draw(st.one_of(st.none(), st.integers(0, rubric.max_level)))
            for i in f.indicators
        }
    return out


def _evidence(levels: dict[str, dict[str, int | None]]) -> Evidence:
    rubric = default_rubric()
    factors = {}
    for f in rubric.factors:
        factors[f.name] = {
            i.name: _entry_for_level(i, lvl)
            for i in f.indicators
            if (lvl := levels[f.name][i.name]) is not None
        }
    src = Source(id="s", title="t", publisher="p", url="https://x", confidence="confirmed")
    return Evidence(case="prop", title="prop", sources=(src,), factors=factors)


@settings(max_examples=60, deadline=None)
@given(indicator_levels(), st.data())
def test_total_is_sum_and_raising_an_indicator_never_lowers_it(
    levels: dict[str, dict[str, int | None]], data: st.DataObject
) -> None:
    rubric = default_rubric()
    r = score_evidence(_evidence(levels))
    assert r.total == sum(f.level for f in r.factors if f.level is not None)
    for f in r.factors:
        for i in f.indicators:
            assert i.level == levels[f.name][i.name]  # value -> level mapping round-trips
    set_ = [(fn, iname) for fn, d in levels.items() for iname, v in d.items() if v is not None]
    if not set_:
        return
    fname, iname = data.draw(st.sampled_from(set_))
    if levels[fname][iname] == rubric.max_level:
        return
    raised = {fn: dict(d) for fn, d in levels.items()}
    raised[fname][iname] = levels[fname][iname] + 1  # type: ignore[operator]
    r2 = score_evidence(_evidence(raised))
    assert r2.total >= r.total
    assert rubric.band_rank(r2.band) >= rubric.band_rank(r.band)
    assert r2.total_bounds[0] >= r.total_bounds[0]
    assert r2.total_bounds[1] >= r.total_bounds[1]


def test_compare_api() -> None:
    from boombust.score import compare

    frame = compare("ai-2025", "dotcom-1999", "insulin-1922")
    assert list(frame.columns) == ["ai-2025", "dotcom-1999", "insulin-1922"]
    assert frame.loc["total"].tolist() == [8, 8, 3]
    assert frame.loc["band"].tolist() == ["high", "high", "low"]
    assert frame.loc["pure_plays"].tolist() == [2, 2, 0]
