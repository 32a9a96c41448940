"""Evidence validation: every bad input exits 3 via the CLI with file:line: field: message."""

from __future__ import annotations

import json

import pytest

from boombust.cli.main import main
from boombust.score import default_rubric, load_evidence, score_case


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else int(code)), out.out, out.err


def test_minimal_evidence_scores_8(write_yaml, capsys, minimal) -> None:  # type: ignore[no-untyped-def]
    path = write_yaml(minimal)
    code, out, _ = run_cli(["score", str(path), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 8
    assert data["band"] == "high"
    assert not data["partial"]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        # unknown indicator (line 13 is the business_model_uncertainty key in minimal)
        (
            "    business_model_uncertainty:",
            "    business_model_uncertanity:",
            14,
            "factors.uncertainty.business_model_uncertanity",
            "unknown indicator",
        ),
        # out-of-range value (a share above 100%)
        (
            "no_return_share_pct: {value: 95,",
            "no_return_share_pct: {value: 950,",
            11,
            "factors.uncertainty.no_return_share_pct.value",
            "out of range [0, 100]",
        ),
        # unknown source id
        (
            "vc_share_pct: {value: 58, source: s1}",
            "vc_share_pct: {value: 58, source: svb}",
            16,
            "factors.pure_plays.vc_share_pct.source",
            "unknown source 'svb'",
        ),
        # unknown factor
        ("  narrative:", "  narative:", 23, "factors.narative", "unknown factor"),
        # category not in the rubric
        (
            "{value: widespread,",
            "{value: everywhere,",
            22,
            "factors.novice_investors.novice_participation.value",
            "not a category",
        ),
        # a number where a category is needed
        (
            "coordinating_event: {value: salient,",
            "coordinating_event: {value: 3,",
            25,
            "coordinating_event.value",
            "not a category",
        ),
        # measured value without a source
        (
            "leader_market_weight_pct: {value: 8, source: s1}",
            "leader_market_weight_pct: {value: 8}",
            17,
            "factors.pure_plays.leader_market_weight_pct",
            "needs a source",
        ),
        # judgement without rationale
        (
            "{value: unbounded, judgement: true, rationale: AGI}",
            "{value: unbounded, judgement: true}",
            24,
            "factors.narrative.promise_breadth",
            "needs a rationale",
        ),
        # unknown field in an entry (extra="forbid")
        (
            "{value: 1.95, source: s1}",
            "{value: 1.95, source: s1, weight: 3}",
            21,
            "retail_buying_leader_vs_index.weight",
            "unknown field",
        ),
        # unknown top-level field
        ("title: Toy case", "title: Toy case\nauthor: me", 3, "author", "unknown field"),
        # a YAML boolean is not a number (strict types: `yes` must not become 1)
        (
            "retail_portfolio_share_leader_pct: {value: 10,",
            "retail_portfolio_share_leader_pct: {value: yes,",
            20,
            "retail_portfolio_share_leader_pct.value",
            "neither a number nor a category",
        ),
        # bad confidence value in a source
        (
            "confidence: confirmed",
            "confidence: sure",
            8,
            "sources[0].confidence",
            "Input should be",
        ),
    ],
)
def test_bad_evidence_exits_3_naming_file_and_line(  # type: ignore[no-untyped-def]
    write_yaml, capsys, minimal, old, new, line, field, words
) -> None:
    assert old in minimal
    text = minimal.replace(old, new, 1)
    # the line to report is where the offending text is written (checked independently of us)
    expected_line = next(
        n for n, row in enumerate(text.splitlines(), 1) if new.splitlines()[-1] in row
    )
    assert expected_line == line
    path = write_yaml(text)
    code, out, err = run_cli(["score", str(path)], capsys)
    assert code == 3
    assert out == ""
    assert "Traceback" not in err
    first = err.strip().splitlines()[0]
    assert first.startswith(f"error: {path}:{line}: ")
    assert field in first
    assert words in first


def test_yaml_syntax_error_names_line(write_yaml, capsys, minimal) -> None:  # type: ignore[no-untyped-def]
    path = write_yaml(
        minimal.replace(
            "    leader_loss_margin_pct: {value: 135, source: s1}",
            "    leader_loss_margin_pct: {value: 135, source: s1",
        )
    )
    code, _, err = run_cli(["score", str(path)], capsys)
    assert code == 3
    assert f"{path}:" in err
    assert "not valid YAML" in err


def test_unknown_case_and_missing_file_exit_3(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(["score", "tulips-1637"], capsys)
    assert code == 3
    assert "unknown case 'tulips-1637'" in err
    assert "ai-2025" in err
    code, _, err = run_cli(["score", "/nonexistent/ev.yaml"], capsys)
    assert code == 3
    assert "cannot read the file" in err


def test_usage_errors_exit_2(capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(["score"], capsys)[0] == 2
    assert run_cli(["score", "ai-2025", "--json", "--markdown"], capsys)[0] == 2
    assert run_cli(["score", "ai-2025", "insulin-1922"], capsys)[0] == 2


def test_several_errors_reported_together(write_yaml, minimal) -> None:  # type: ignore[no-untyped-def]
    text = minimal.replace("{value: 95,", "{value: 950,").replace(
        "vc_share_pct: {value: 58, source: s1}", "vc_share_pct: {value: 58, source: nope}"
    )
    path = write_yaml(text)
    from boombust.errors import InputError

    with pytest.raises(InputError) as err:
        load_evidence(path, default_rubric())
    assert [i.line for i in err.value.issues] == [11, 16]


def test_missing_indicator_gives_partial_score_with_gap_stated(write_yaml, capsys, minimal) -> None:  # type: ignore[no-untyped-def]
    # drop the two narrative indicators' second one and one pure-play indicator
    text = minimal.replace(
        "    coordinating_event: {value: salient, judgement: true, rationale: ChatGPT}\n", ""
    )
    text = text.replace("    leader_market_weight_pct: {value: 8, source: s1}\n", "")
    path = write_yaml(text)
    r = score_case(path)
    assert r.partial
    assert set(r.gaps) == {"pure_plays.leader_market_weight_pct", "narrative.coordinating_event"}
    # pure plays known [2 (vc 58%), 1 (several)]: median 1.5 -> 2; gap at 0 -> median 1, at 2 -> 2
    assert r.factor("pure_plays").level == 2
    assert r.factor("pure_plays").level_bounds == (1, 2)
    # narrative known [2]; gap -> median(2, 0) = 1 (half up), median(2, 2) = 2
    assert r.factor("narrative").level_bounds == (1, 2)
    assert r.total == 8
    assert r.total_bounds == (6, 8)
    assert not r.all_sourced
    code, out, _ = run_cli(["score", str(path)], capsys)
    assert code == 0
    assert "PARTIAL" in out
    assert "narrative.coordinating_event" in out
    assert "no evidence: gap (not scored as 0)" in out
    code, out, _ = run_cli(["score", str(path), "--json"], capsys)
    data = json.loads(out)
    assert data["partial"] is True
    ind = {i["name"]: i for i in data["factors"]["narrative"]["indicators"]}
    assert ind["coordinating_event"]["status"] == "missing"
    assert ind["coordinating_event"]["level"] is None
    assert ind["coordinating_event"]["value"] is None


def test_factor_with_no_evidence_is_unscored_not_zero(write_yaml, minimal) -> None:  # type: ignore[no-untyped-def]
    text = minimal.split("  narrative:")[0]
    r = score_case(write_yaml(text))
    f = r.factor("narrative")
    assert f.level is None
    assert f.level_bounds == (0, 2)
    assert r.total == 6
    assert r.total_bounds == (6, 8)
    assert r.band_bounds == ("elevated", "high")
    assert "narrative.promise_breadth" in r.gaps


def test_not_applicable_is_stated_and_excluded(write_yaml, minimal) -> None:  # type: ignore[no-untyped-def]
    text = minimal.replace(
        "    vc_share_pct: {value: 58, source: s1}\n",
        "    vc_share_pct: {not_applicable: no venture capital in 1845}\n",
    )
    r = score_case(write_yaml(text))
    ind = next(i for i in r.factor("pure_plays").indicators if i.name == "vc_share_pct")
    assert ind.status == "not_applicable"
    assert ind.level is None
    assert not r.partial  # a stated n/a is not a gap
    # pure plays now median(2, 1) = 1.5 -> 2
    assert r.factor("pure_plays").level == 2
    assert "not applicable: no venture capital in 1845" in r.summary()


def test_value_and_not_applicable_together_rejected(write_yaml, capsys, minimal) -> None:  # type: ignore[no-untyped-def]
    text = minimal.replace("{value: 58, source: s1}", "{value: 58, source: s1, not_applicable: x}")
    code, _, err = run_cli(["score", str(write_yaml(text))], capsys)
    assert code == 3
    assert ":16:" in err
    assert "not both" in err
