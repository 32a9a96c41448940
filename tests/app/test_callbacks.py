"""Callbacks as plain functions: values in, figures/components out; numbers equal the API's."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dash", reason="needs the dashboard extra (Dash)")

from boombust.app import callbacks as cb
from boombust.app.jobs import JobManager, ProgressFn
from boombust.detect._series import load_price_csv
from boombust.detect.psy import psy_test
from boombust.errors import InputError
from boombust.score import score_case
from boombust.store import RunStore

from .conftest import upload_contents


@pytest.fixture
def jobs() -> Iterator[JobManager]:
    manager = JobManager(max_workers=2)
    yield manager
    manager.shutdown()


def _text(component: object) -> str:
    """All text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


# ----------------------------------------------------------------------------- controls
@pytest.mark.parametrize(
    ("value", "ok"), [(5, True), ("7", True), (None, False), ("x", False), (0, False), (2.5, False)]
)
def test_check_number_validates(value: object, ok: bool) -> None:
    if ok:
        assert cb.check_number(value, "paths", 1, 10, integer=True) == int(value)  # type: ignore[call-overload]
    else:
        with pytest.raises(InputError, match=r"paths: .*between 1 and 10"):
            cb.check_number(value, "paths", 1, 10, integer=True)


# ----------------------------------------------------------------------------- diagnose
def test_scorecard_shows_the_api_scores() -> None:
    panel = cb.scorecard_view("ai-2025")
    api = score_case("ai-2025")
    assert panel.ok
    assert panel.data == {"total": api.total, "band": api.band}
    bars = panel.figure.data[0]
    levels = {f.name.replace("_", " "): f.level for f in api.factors}
    assert dict(zip(bars.y, bars.x, strict=True)) == levels
    text = _text(panel.body)
    for row in api.to_frame().itertuples():
        assert row.indicator in text
        if isinstance(row.source, str):
            assert row.source in text  # every indicator's source is shown


def test_scorecard_unknown_case_is_a_message() -> None:
    panel = cb.scorecard_view("tulips-1637")
    assert "unknown case 'tulips-1637'" in panel.message
    assert "ai-2025" in panel.message


def test_psy_on_a_bundled_series_equals_psy_test() -> None:
    panel = cb.psy_view("shiller-sp500", log=True, last=150, nrep=49, seed=5)
    series = load_price_csv("shiller-sp500", "SP500", "Date", log=True).iloc[-150:]
    api = psy_test(series, nrep=49, seed=5)
    assert panel.ok
    assert panel.data["gsadf"] == api.gsadf
    assert panel.data["episodes"] == len(api.episodes)
    bsadf = next(t for t in panel.figure.data if t.name == "BSADF")
    np.testing.assert_array_equal(np.asarray(bsadf.y), api.bsadf.to_numpy())
    assert f"{api.gsadf:.4f}" in _text(panel.body)


def test_psy_on_an_upload_equals_psy_test(random_walk_csv: str) -> None:
    contents = upload_contents(random_walk_csv)
    panel = cb.psy_view("upload", contents, "walk.csv", log=True, last=160, nrep=49, seed=2)
    frame = pd.read_csv(io.StringIO(random_walk_csv), parse_dates=["Date"])
    series = np.log(frame.set_index("Date")["Close"])
    api = psy_test(series, nrep=49, seed=2)
    assert panel.ok, panel.message
    assert panel.data["gsadf"] == pytest.approx(api.gsadf, rel=1e-12)
    assert "walk.csv" in panel.figure.layout.title.text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Date,Close\n2020-01-01,1\n2020-01-02,abc\n2020-01-03,2\n2020-01-06,3\n",
         "bad.csv:3: Close: 1 missing or non-numeric value(s)"),
        ("Date,Close\n2020-01-02,1\n2020-01-01,2\n2020-01-03,3\n",
         "bad.csv:3: Date: dates are not sorted"),
        ("Date,Close\n2020-01-01,1\n2020-01-02,-2\n2020-01-03,3\n",
         "bad.csv:3: Close: value -2 is not positive, so --log cannot be taken"),
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "bad.csv: not a readable CSV file"),
        ("", "bad.csv: not a readable CSV file"),
    ],
)  # fmt: skip
def test_a_bad_upload_is_a_clear_message(content: str | bytes, expected: str) -> None:
    panel = cb.psy_view("upload", upload_contents(content), "bad.csv", log=True, last=50, nrep=20)
    assert expected in panel.message
    assert "Traceback" not in panel.message
    assert "/tmp" not in panel.message  # the user's file name, not our temporary path


def test_upload_column_not_found_lists_the_columns() -> None:
    content = upload_contents("day,px\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n")
    panel = cb.psy_view("upload", content, "x.csv", column="close", last=20, nrep=20)
    assert "x.csv: close: column not found; the file has columns day, px" in panel.message


def test_no_upload_yet_and_undecodable_upload() -> None:
    assert "no file uploaded yet" in cb.psy_view("upload", None, None).message
    assert "could not be decoded" in cb.psy_view("upload", "garbage", "f.csv").message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"last": 5}, "observations"), ({"nrep": "many"}, "replications"), ({"seed": -1}, "seed"),
     ({"level": 0.5}, "level")],
)  # fmt: skip
def test_psy_controls_are_validated(kwargs: dict[str, object], field: str) -> None:
    panel = cb.psy_view("nasdaq", **kwargs)  # type: ignore[arg-type]
    assert panel.message.startswith(f"{field}: ")


def test_lppls_too_short_series_is_a_message(jobs: JobManager, random_walk_csv: str) -> None:
    out = cb.lppls_submit(jobs, "upload", upload_contents(random_walk_csv), "walk.csv", days=5)
    assert isinstance(out, cb.Panel)
    assert "the series has 160 prices; DS LPPLS needs 750 days" in out.message


def test_lppls_job_equals_the_api(jobs: JobManager) -> None:
    from boombust.detect.lppls_indicators import DSLPPLSSpec, ds_lppls_indicators

    job_id = cb.lppls_submit(jobs, "nasdaq", days=2, window_step=125, seed=4)
    assert isinstance(job_id, str)
    job = jobs.wait(job_id, timeout=120)
    assert job.state == "done", job.error
    assert (job.done, job.total) == (2, 2)
    prices = load_price_csv("nasdaq", "close", "date")
    api = ds_lppls_indicators(
        prices, start=prices.index[-2], end=prices.index[-1],
        spec=DSLPPLSSpec(n_bootstrap=0, window_step=125), seed=4,
    ).to_frame()  # fmt: skip
    pd.testing.assert_frame_equal(job.result["frame"], api)
    panel = cb.lppls_render(job)
    assert panel.ok
    assert "DS LPPLS" in panel.figure.layout.title.text


# ----------------------------------------------------------------------------- runs
def _save_demo(store: RunStore, seed: int, loss: float) -> str:
    return store.save(
        kind="demo",
        spec={"x": seed},
        tables={"losses": pd.DataFrame({"sector": ["bank", "hedge_fund"], "loss": [loss, 2.0]})},
        seed=seed,
        summary={"total_loss": {"mean": loss}},
    ).run_id


def test_runs_browse_open_compare(tmp_path: Path) -> None:
    assert cb.runs_table(tmp_path) == ([], [])
    store = RunStore(tmp_path)
    a, b = _save_demo(store, 1, 10.0), _save_demo(store, 2, 12.5)
    rows, options = cb.runs_table(tmp_path)
    assert {r["run_id"] for r in rows} == {a, b}
    assert {o["value"] for o in options} == {a, b}
    opened = cb.open_run(tmp_path, a)
    assert opened.ok
    assert opened.data == {"kind": "demo", "artefacts": ["losses"]}
    assert "hedge_fund" in _text(opened.body)
    compared = cb.compare_runs(tmp_path, a, b)
    row = next(r for r in compared.data["rows"] if r["quantity"] == "total_loss.mean")
    assert (row["A"], row["B"], row["B − A"]) == ("10", "12.5", "2.5")


def test_open_unknown_run_is_a_message(tmp_path: Path) -> None:
    assert "no run 'nope'" in cb.open_run(tmp_path, "nope").message
    assert "not a run id" in cb.compare_runs(tmp_path, "../etc", "x").message


# ----------------------------------------------------------------------------- jobs
def test_a_long_job_does_not_block_a_short_one(jobs: JobManager) -> None:
    release = threading.Event()

    def slow(progress: ProgressFn) -> str:
        progress(1, 2)
        assert release.wait(10)
        return "slow"

    slow_id = jobs.submit("slow", slow)
    fast_id = jobs.submit("fast", lambda progress: "fast")
    assert jobs.wait(fast_id, timeout=5).result == "fast"
    running = jobs.status(slow_id)
    assert running.state == "running"
    release.set()
    assert jobs.wait(slow_id).result == "slow"


def test_job_errors_become_messages(jobs: JobManager, capsys: pytest.CaptureFixture[str]) -> None:
    def bad_input(progress: ProgressFn) -> None:
        raise InputError("paths must be positive", field="paths")

    def crash(progress: ProgressFn) -> None:
        raise RuntimeError("boom")

    assert jobs.wait(jobs.submit("x", bad_input)).error == "paths: paths must be positive"
    assert jobs.wait(jobs.submit("x", crash)).error == "the run failed: RuntimeError: boom"
    capsys.readouterr()  # the server log has the traceback; the page does not
    with pytest.raises(InputError, match="no job"):
        jobs.status("missing")
