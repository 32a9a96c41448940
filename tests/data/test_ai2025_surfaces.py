"""ai-2025 through the CLI and the CSV round trip (content checks: test_ai_2025_dataset.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from boombust.cli.main import main
from boombust.data import dataset_hash, export_dataset, load_dataset
from boombust.data.schema import Dataset


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return load_dataset("ai-2025")


def test_csv_round_trip_keeps_hash(ds: Dataset, tmp_path: Path) -> None:
    export_dataset(ds, tmp_path, fmt="csv")
    assert dataset_hash(load_dataset(tmp_path)) == dataset_hash(ds)


def test_cli_show_commitments_json(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["data", "show", "ai-2025", "--table", "commitments", "--json"])
    assert info.value.code == 0
    rows = json.loads(capsys.readouterr().out)
    assert len({r["edge"] for r in rows if r.get("edge")}) == 30
    for r in rows:
        assert isinstance(r["amount"], float)
        assert (
            r.get("source")
            or r.get("amount__source")
            or r.get("assumption")
            or r.get("amount__assumption")
        )
