"""Stress page callbacks: a run in the background, saved to the store, equal to run_stress."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dash", reason="needs the dashboard extra (Dash)")

from boombust.app import callbacks as cb
from boombust.app.jobs import JobManager
from boombust.store import RunStore

pytestmark = pytest.mark.skipif(
    not cb.stress_available(), reason="this build has no cascade engine (boombust.stress)"
)


@pytest.fixture
def jobs() -> Iterator[JobManager]:
    manager = JobManager(max_workers=2)
    yield manager
    manager.shutdown()


def test_moving_a_slider_fixes_its_parameter() -> None:
    assert cb.fixed_from_sliders([], "gpu_life") == ["gpu_life"]
    assert cb.fixed_from_sliders(["gpu_life"], "gpu_life") == ["gpu_life"]
    assert cb.fixed_from_sliders(None, None) == []


def test_stress_run_equals_run_stress(jobs: JobManager, tmp_path: Path) -> None:
    from boombust.data import load_dataset
    from boombust.stress import load_scenario, run_stress

    values = {"revenue_shortfall": 0.7, "gpu_life": 2.5, "leverage_max_scale": 0.5}
    job_id = cb.stress_submit(
        jobs, tmp_path, "ai-bust", list(values), {**values, "walk_away_base": 0.9},
        paths=120, seed=9,
    )  # fmt: skip
    assert isinstance(job_id, str)
    job = jobs.wait(job_id, timeout=120)
    assert job.state == "done", job.error
    assert job.done == job.total > 0
    text, fraction, run_id, error = cb.stress_poll(jobs, job_id)
    assert (fraction, run_id, error) == (1.0, job.result, "")
    assert text == f"done: run {run_id} saved"

    sc = load_scenario("ai-bust").with_values(**values)  # walk_away_base was not fixed
    api = run_stress(load_dataset("ai-2025"), sc, paths=120, seed=9)
    stored = RunStore(tmp_path).get(str(run_id))
    assert stored.manifest["summary"]["total_loss"] == api.total_loss()
    panel = cb.stress_view(tmp_path, run_id)
    assert panel.ok
    assert panel.data["total_loss_mean"] == api.total_loss()["mean"]
    waterfall = panel.figure.data[0]
    np.testing.assert_allclose(waterfall.y[:-1], api.loss_by_step().to_numpy(), rtol=1e-9)
    probs = stored.table("institutions").set_index("institution")["default_probability"]
    assert probs.to_dict() == pytest.approx(api.default_probabilities())
    assert "commitments" in stored.artefacts
    # the Runs page opens the same run with the same charts
    assert cb.open_run(tmp_path, run_id).data["total_loss_mean"] == api.total_loss()["mean"]


@pytest.mark.parametrize(
    ("scenario", "fixed", "values", "paths", "message"),
    [
        ("no-such", [], {}, 100, "scenario: unknown scenario 'no-such'"),
        ("ai-bust", ["gpu_life"], {"gpu_life": 50}, 100, "GPU useful life (years): 50 is out"),
        ("ai-bust", [], {}, 0, "paths: 0 is out of range"),
        ("ai-bust", ["nonsense"], {}, 100, "fixed: unknown control 'nonsense'"),
    ],
)
def test_stress_controls_are_validated(
    jobs: JobManager, tmp_path: Path, scenario: str, fixed: list[str], values: dict[str, float],
    paths: int, message: str,
) -> None:  # fmt: skip
    out = cb.stress_submit(jobs, tmp_path, scenario, fixed, values, paths=paths)
    assert isinstance(out, cb.Panel)
    assert out.message.startswith(message)


def test_compare_two_stress_runs(jobs: JobManager, tmp_path: Path) -> None:
    ids = []
    for seed in (1, 2):
        job_id = cb.stress_submit(jobs, tmp_path, "ai-bust", [], {}, paths=40, seed=seed)
        assert isinstance(job_id, str)
        ids.append(str(jobs.wait(job_id, timeout=120).result))
    panel = cb.compare_runs(tmp_path, ids[0], ids[1])
    assert [t.name for t in panel.figure.data] == ["A", "A", "B", "B"]
    store = RunStore(tmp_path)
    for trace, run_id in ((panel.figure.data[1], ids[0]), (panel.figure.data[3], ids[1])):
        sectors = store.get(run_id).table("sectors")
        assert list(trace.x) == list(sectors["sector"])
        np.testing.assert_array_equal(trace.y, sectors["mean"].to_numpy())
    seeds = next(r for r in panel.data["rows"] if r["quantity"] == "seed")
    assert (seeds["A"], seeds["B"]) == ("1", "2")


def test_a_run_saved_by_the_cli_opens_on_the_runs_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from boombust.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["stress", "ai-bust", "--paths", "30", "--seed", "4", "--runs-dir", str(tmp_path),
              "--save", "--json"])  # fmt: skip
    assert exc.value.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    panel = cb.open_run(tmp_path, out["run_id"])
    assert panel.ok, panel.message
    assert panel.data["total_loss_mean"] == out["total_loss"]["mean"]
    network = next(c.figure for c in panel.body.children if getattr(c, "id", "") == "run-network")
    # CLI and dashboard store the same artefacts (StressResult.store_tables), so the
    # circular-deal network of a CLI run is drawn too
    assert len(network.data) > 0
