"""Run store: atomic writes, DuckDB catalog, CLI (issue 2, item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from boombust.cli.main import main
from boombust.errors import InputError
from boombust.store import RunStore


def test_save_list_get(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    assert store.list().empty
    run = store.save(
        kind="stress",
        spec={"scenario": "ai-bust", "paths": 10},
        tables={"losses": pd.DataFrame({"sector": ["bank"], "loss": [1.5]})},
        seed=7,
        dataset_hash="abc",
        duration_s=0.25,
        summary={"total_loss_mean": 1.5},
    )
    listed = store.list()
    assert list(listed["run_id"]) == [run.run_id]
    assert listed.loc[0, "seed"] == 7
    back = store.get(run.run_id)
    assert back.manifest["spec"] == {"scenario": "ai-bust", "paths": 10}
    pd.testing.assert_frame_equal(
        back.table("losses"), pd.DataFrame({"sector": ["bank"], "loss": [1.5]})
    )
    assert "total_loss_mean" in back.summary()
    assert list(store.list(kind="other")["run_id"]) == []


def test_killed_run_leaves_nothing_listed_and_earlier_runs_intact(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    first = store.save(kind="stress", spec={}, tables={"t": pd.DataFrame({"x": [1]})})
    before = (first.path / "manifest.json").read_bytes()

    class Boom(pd.DataFrame):
        def to_parquet(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            raise KeyboardInterrupt  # the process is killed midway through the artefacts

    with pytest.raises(KeyboardInterrupt):
        store.save(
            kind="stress", spec={}, tables={"ok": pd.DataFrame({"x": [1]}), "bad": Boom({"x": [1]})}
        )
    assert list(store.list()["run_id"]) == [first.run_id]
    assert not list(tmp_path.glob(".tmp-*"))
    assert (first.path / "manifest.json").read_bytes() == before


def test_half_written_temp_folder_is_invisible(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    ghost = tmp_path / ".tmp-20260101T000000-stress-deadbeef"
    ghost.mkdir()
    (ghost / "manifest.json").write_text(json.dumps({"run_id": "ghost", "kind": "stress"}))
    assert store.list().empty
    removed = store.clean_incomplete(older_than_s=-1)
    assert removed == [ghost]


def test_unknown_run_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no run"):
        RunStore(tmp_path).get("20260101T000000-x-1")


def test_cli_runs_list_and_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOMBUST_RUNS", str(tmp_path))
    run = RunStore().save(
        kind="demo", spec={"a": 1}, tables={"t": pd.DataFrame({"x": [1, 2]})}, seed=1
    )
    with pytest.raises(SystemExit) as info:
        main(["runs", "list", "--json"])
    assert info.value.code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in rows] == [run.run_id]
    with pytest.raises(SystemExit):
        main(["runs", "show", run.run_id, "--json"])
    assert json.loads(capsys.readouterr().out)["artefacts"]["t"]["rows"] == 2
    with pytest.raises(SystemExit) as info:
        main(["runs", "show", "nope-run"])
    assert info.value.code == 3
    assert "no run 'nope-run'" in capsys.readouterr().err
