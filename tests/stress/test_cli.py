"""``boombust stress``: JSON keys, run store, grid, bad input exits 3 with file:line: field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from boombust.cli.main import main
from boombust.store import RunStore

WEB = str(Path(__file__).parent / "fixtures" / "web.yaml")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def test_json_keys_and_run_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        ["stress", "ai-bust", "--dataset", WEB, "--paths", "60", "--seed", "3", "--json",
         "--runs-dir", str(tmp_path)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    for key in ("scenario", "paths", "seed", "loss_by_sector", "loss_by_step", "total_loss",
                "amplification", "defaults", "commitments_surviving"):  # fmt: skip
        assert key in doc
    assert doc["scenario"] == "ai-bust"
    assert doc["paths"] == 60
    assert doc["seed"] == 3
    for stats in [*doc["loss_by_sector"].values(), doc["total_loss"]]:
        assert set(stats) == {"mean", "q05", "q50", "q95", "es95"}
        assert stats["q05"] <= stats["q50"] <= stats["q95"] <= stats["es95"] + 1e-9
    assert set(doc["loss_by_step"]) == {
        "demand_and_commitments", "equity_repricing", "leases_and_tranches", "downgrades",
        "fire_sales", "defaults",
    }  # fmt: skip
    assert all(0 <= p <= 1 for p in doc["defaults"].values())
    assert err == ""  # no progress bar when not on a terminal
    run = RunStore(tmp_path).get(doc["run_id"])
    assert run.kind == "stress"
    assert len(run.table("paths")) == 60
    assert set(run.artefacts) >= {"paths", "institutions", "sectors", "tranches", "defaults"}


def test_same_seed_same_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["stress", "ai-success", "--dataset", WEB, "--paths", "30", "--json", "--no-save"]
    a = json.loads(_run(argv, capsys)[1])
    b = json.loads(_run([*argv, "--workers", "2"], capsys)[1])
    a.pop("duration_s")
    b.pop("duration_s")
    assert a == b


def test_vary_grid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["stress", "ai-bust", "--dataset", WEB, "--paths", "20", "--no-save", "--json",
         "--vary", "gpu_life=2,6", "--vary", "revenue_shortfall=0.3,0.5,0.7"],
        capsys,
    )  # fmt: skip
    assert code == 0
    grid = json.loads(out)["grid"]
    assert len(grid) == 6
    assert {(g["gpu_life"], g["revenue_shortfall"]) for g in grid} == {
        (a, b) for a in (2.0, 6.0) for b in (0.3, 0.5, 0.7)
    }


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--vary", "gpu_lif=2"], "unknown parameter 'gpu_lif'"),
        (["--vary", "revenue_shortfall=2"], "outside [0, 1]"),
        (["--scheduler", "localhost:8786"], "tcp://HOST:PORT"),
    ],
)
def test_bad_options_exit_3(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["stress", "ai-bust", "--dataset", WEB, "--paths", "5", "--no-save",
                         *argv], capsys)  # fmt: skip
    assert code == 3
    assert words in err
    assert "Traceback" not in err


def test_bad_scenario_file_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sc = tmp_path / "bad.yaml"
    sc.write_text("name: bad\nparameters:\n  gpu_life: {dist: lognormal, median: -2, sigma: 1}\n")
    code, _, err = _run(["stress", str(sc), "--dataset", WEB, "--no-save"], capsys)
    assert code == 3
    assert err.startswith(f"error: {sc}:3: parameters.gpu_life.median:")


def test_scenario_names_missing_institution_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = tmp_path / "who.yaml"
    sc.write_text("name: who\ninstitution_overrides:\n  lehman: {leverage_max: 20}\n")
    code, _, err = _run(["stress", str(sc), "--dataset", WEB, "--no-save"], capsys)
    assert code == 3
    assert (
        f"{sc}:3: institution_overrides.lehman: institution 'lehman' is not in the dataset" in err
    )


def test_missing_dataset_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["stress", "ai-bust", "--dataset", "no-such-data", "--no-save"], capsys)
    assert code == 3
    assert "no such dataset" in err


def test_runs_on_the_minimal_loader_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    mini = str(Path(__file__).parents[1] / "data" / "fixtures" / "mini.yaml")
    code, out, err = _run(
        ["stress", "ai-bust", "--dataset", mini, "--paths", "20", "--json", "--no-save"], capsys
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["commitments_surviving"] == pytest.approx(1.0)  # Meta's cash flow pays its lease
    assert doc["total_loss"]["mean"] > 0


def test_step_model_options(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["stress", "ai-bust", "--dataset", WEB, "--paths", "40", "--json", "--no-save"]
    wf = json.loads(_run(argv, capsys)[1])["loss_by_step"]
    val = json.loads(_run([*argv, "--tranche-model", "value"], capsys)[1])["loss_by_step"]
    # the same draws: steps 1-2 agree, step 3 is the other model
    assert val["demand_and_commitments"] == pytest.approx(wf["demand_and_commitments"])
    assert val["equity_repricing"] == pytest.approx(wf["equity_repricing"])
    assert val["leases_and_tranches"] != pytest.approx(wf["leases_and_tranches"])
    today = json.loads(_run([*argv, "--commitment-baseline", "today"], capsys)[1])
    assert today["commitments_surviving"] <= today["commitments_backed_today"] + 1e-9
    code, _, err = _run([*argv, "--tranche-model", "bogus"], capsys)
    assert code == 3
    assert "tranche_model" in err
    assert "waterfall, value" in err
