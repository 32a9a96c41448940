"""Dataset loading, validation and export (issue 2, items 3 and Bad input)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from boombust.cli.main import main
from boombust.data import (
    UnsourcedNumberWarning,
    dataset_hash,
    dataset_json_schema,
    export_dataset,
    load_dataset,
)
from boombust.errors import DataError, InputError

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.yaml"
BROKEN = FIXTURES / "broken"


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line containing ``text`` (expected error location)."""
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return i
    raise AssertionError(f"{text!r} not in {path}")


def test_mini_loads_and_is_frozen() -> None:
    ds = load_dataset(str(MINI))
    assert ds.meta.name == "mini"
    assert [d.id for d in ds.deals] == ["hyperion"]
    deal = ds.deals[0]
    assert deal.capital == pytest.approx(29.8)
    with pytest.raises(ValueError, match="frozen"):
        deal.id = "x"  # type: ignore[misc]


def test_value_form_keeps_field_provenance() -> None:
    ds = load_dataset(str(MINI))
    hf = next(i for i in ds.institutions if i.id == "hedge-funds")
    eq = hf.balance_sheet.provenance_of("equity")
    assert eq is not None
    assert eq.assumption is not None
    assert "leverage" in eq.assumption
    # the nested balance sheet inherits the row's source for its other numbers
    assert hf.balance_sheet.provenance_of("total_assets") is None
    assert hf.source == "fed-fsr-2025-11"


def test_yaml_and_csv_round_trip_to_the_same_hash(tmp_path: Path) -> None:
    ds = load_dataset(str(MINI))
    export_dataset(ds, tmp_path / "csv", fmt="csv")
    assert (tmp_path / "csv" / "deals.tranches.csv").exists()
    from_csv = load_dataset(tmp_path / "csv")
    out = export_dataset(ds, tmp_path / "y", fmt="yaml")
    from_yaml = load_dataset(out)
    assert from_csv == ds
    assert from_yaml == ds
    assert dataset_hash(from_csv) == dataset_hash(ds) == dataset_hash(from_yaml)


@pytest.mark.parametrize(
    ("fixture", "marker", "field", "words"),
    [
        ("negative_amount.yaml", "amount: -40", "holdings.amount", "greater than or equal to 0"),
        ("nan_amount.yaml", "amount: .nan", "holdings.amount", "finite number"),
        ("dangling_id.yaml", "payee: openai", "commitments.payee", "'openai' does not exist"),
        ("unknown_field.yaml", "amount_currency", "commitments.amount_currency", "unknown field"),
        ("unsourced_number.yaml", "id: o1", "obligations.amount", "unsourced number"),
        ("tranche_gap.yaml", "attach: 0.1,", "deals.tranches.attach", "gap between"),
        ("balance_sheet.yaml", "equity: 150", "institutions.balance_sheet.total_assets", "!="),
        ("tranche_overheld.yaml", "amount: 30,", "holdings.amount", "more than its notional"),
        ("unknown_source.yaml", "source: hyperion-pr", "commitments.source", "not in `sources`"),
        ("duplicate_id.yaml", "  - id: meta", "institutions.id", "duplicate id"),
        ("malformed.yaml", "name: oops", None, "malformed YAML"),
    ],
)
def test_broken_fixture_gives_located_message(
    fixture: str, marker: str, field: str | None, words: str
) -> None:
    path = BROKEN / fixture
    with pytest.raises(InputError) as info:
        load_dataset(str(path))
    first = info.value.first
    assert first.path == str(path)
    expected_line = line_of(path, marker)
    if fixture == "duplicate_id.yaml":  # the second occurrence is the duplicate
        lines = path.read_text().splitlines()
        expected_line = [i for i, s in enumerate(lines, 1) if s == marker][1]
    assert first.line == expected_line
    assert first.field == field
    assert words in first.message


@pytest.mark.parametrize("fixture", sorted(p.name for p in BROKEN.glob("*.yaml")))
def test_cli_validate_exits_3_without_traceback(
    fixture: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["data", "validate", str(BROKEN / fixture)])
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith(f"error: {BROKEN / fixture}:")
    assert "Traceback" not in err


def test_cli_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["data", "validate", str(MINI)])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("ok: mini")


def test_allow_unsourced_warns_instead() -> None:
    with pytest.warns(UnsourcedNumberWarning, match="no source or assumption"):
        ds = load_dataset(str(BROKEN / "unsourced_number.yaml"), allow_unsourced=True)
    assert ds.obligations[0].amount == 3


def _mini_csv(tmp_path: Path) -> Path:
    folder = tmp_path / "csv"
    export_dataset(load_dataset(str(MINI)), folder, fmt="csv")
    return folder


def _edit_cell(path: Path, row: int, column: str, value: str) -> int:
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0])
    rows[row][column] = value
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return row + 2  # header is line 1


def test_csv_negative_amount_names_file_line_field(tmp_path: Path) -> None:
    folder = _mini_csv(tmp_path)
    line = _edit_cell(folder / "holdings.csv", 1, "amount", "-3")
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    issue = info.value.first
    assert (issue.path, issue.line, issue.field) == (
        str(folder / "holdings.csv"),
        line,
        "holdings.amount",
    )


def test_csv_child_table_error_points_at_child_file(tmp_path: Path) -> None:
    folder = _mini_csv(tmp_path)
    line = _edit_cell(folder / "deals.tranches.csv", 1, "attach", "0.2")
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    issue = info.value.first
    assert issue.path == str(folder / "deals.tranches.csv")
    assert issue.line == line
    assert issue.field == "deals.tranches.attach"


def test_csv_nan_and_malformed_rows(tmp_path: Path) -> None:
    folder = _mini_csv(tmp_path)
    _edit_cell(folder / "commitments.csv", 0, "amount", "nan")
    with pytest.raises(
        DataError, match=r"commitments\.csv:2: commitments\.amount: must be a finite"
    ):
        load_dataset(folder)
    with (folder / "commitments.csv").open("a") as fh:
        fh.write("c2,1,meta\n")
    with pytest.raises(DataError, match=r"commitments\.csv:3: row has 3 cells"):
        load_dataset(folder)


def test_csv_unknown_table_file(tmp_path: Path) -> None:
    folder = _mini_csv(tmp_path)
    (folder / "holdngs.csv").write_text("holder,asset,amount\n")
    with pytest.raises(DataError, match="unknown table file"):
        load_dataset(folder)


def test_json_schema_accepts_value_form() -> None:
    schema = dataset_json_schema()
    amount = schema["$defs"]["Holding"]["properties"]["amount"]
    assert any(alt.get("type") == "object" for alt in amount["anyOf"])
    assert "field_sources" not in schema["$defs"]["Holding"]["properties"]
