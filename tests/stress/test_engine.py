"""The whole cascade: invariants, reproducibility across executors, the Dask path."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.data import Dataset, bundled_datasets, load_dataset
from boombust.stress import (
    CascadeConvergenceWarning,
    PoolExecutor,
    Scenario,
    SerialExecutor,
    load_scenario,
    run_grid,
    run_stress,
)
from boombust.stress.steps import STEP_NAMES

SRC = str(Path(__file__).resolve().parents[2] / "src")
WEB = Path(__file__).parent / "fixtures" / "web.yaml"


@functools.cache
def _WEB() -> Dataset:
    return load_dataset(WEB)


def _fixed(**values: float) -> Scenario:
    return Scenario.model_validate({"name": "fixed", "parameters": values})


def test_zero_shock_moves_nothing(web: Dataset) -> None:
    res = run_stress(web, Scenario(name="zero"), paths=20, seed=1)
    assert np.all(res.loss == 0)
    assert np.all(res.price_stage == 1)
    assert not res.defaulted.any()
    assert np.all(res.tranche_loss == 0)
    assert np.all(res.capex_cut == 0)
    assert res.glt_av.max() == 0


def test_no_path_creates_money(web: Dataset) -> None:
    res = run_stress(web, load_scenario("ai-bust"), paths=300, seed=2)
    # adverse shocks only: every step's loss is a loss for everyone, prices never rise
    assert res.loss.min() >= -1e-4
    assert res.price_stage.max() <= 1 + 1e-6
    assert np.all(res.surviving <= 1 + 1e-6)
    assert np.all((res.tranche_loss >= -1e-6) & (res.tranche_loss <= 1 + 1e-6))
    # nobody loses more than it holds plus what it is owed plus its own lost revenue
    net = res.network
    bound = net.holdings.sum(axis=1) + net.liabilities.sum(axis=0) + net.ai_revenue
    bound += np.bincount(net.comm_payee, weights=net.comm_annual, minlength=net.n_inst)
    assert np.all(res.loss.sum(axis=2) <= bound + 1e-3)


@settings(max_examples=15, deadline=None)
@given(
    shortfall=st.floats(0, 1),
    drawdown=st.floats(0, 1),
    gpu=st.floats(0.5, 20),
    du=st.floats(0, 10),
    walk=st.floats(0, 1),
    impact=st.sampled_from(["linear", "exponential"]),
)
def test_no_money_created_for_any_adverse_shock(
    shortfall: float, drawdown: float, gpu: float, du: float, walk: float, impact: str
) -> None:
    sc = Scenario.model_validate(
        {
            "name": "adverse",
            "impact": impact,
            "parameters": {
                "revenue_shortfall": shortfall,
                "ai_equity_drawdown": drawdown,
                "gpu_life": gpu,
                "unemployment_rise_pp": du,
                "walk_away_base": walk,
                "renegotiation_prob": 0.5,
                "rent_haircut": 0.3,
            },
        }
    )
    res = run_stress(_WEB(), sc, paths=6, seed=2)
    assert res.loss.min() >= -1e-6  # nobody gains from an adverse shock
    assert res.price_stage.max() <= 1 + 1e-9
    assert np.all(res.surviving <= 1 + 1e-9)
    net = res.network
    bound = net.holdings.sum(axis=1) + net.liabilities.sum(axis=0) + net.ai_revenue
    bound += np.bincount(net.comm_payee, weights=net.comm_annual, minlength=net.n_inst)
    assert np.all(res.loss.sum(axis=2) <= bound + 1e-3)


def test_attribution_adds_up(web: Dataset) -> None:
    res = run_stress(web, load_scenario("ai-bust"), paths=200, seed=3)
    by_step = res.loss_by_step()
    assert list(by_step.index) == list(STEP_NAMES)
    assert by_step.sum() == pytest.approx(res.total_loss()["mean"], rel=1e-5)
    sectors = res.loss_by_sector()["mean"].sum()
    assert sectors == pytest.approx(res.total_loss()["mean"], rel=1e-5)
    cross = res.loss_by_sector_step()
    assert cross["total"].sum() == pytest.approx(res.total_loss()["mean"], rel=1e-5)
    np.testing.assert_allclose(cross[list(STEP_NAMES)].sum(axis=0), by_step, rtol=1e-6)
    assert res.amplification >= 1.0
    assert res.rounds < load_scenario("ai-bust").max_rounds


@settings(max_examples=25, deadline=None)
@given(
    s1=st.floats(0.0, 1.0),
    s2=st.floats(0.0, 1.0),
    impact=st.sampled_from(["linear", "exponential"]),
    mode=st.sampled_from(["threshold", "target"]),
)
def test_losses_monotone_in_shock_size(s1: float, s2: float, impact: str, mode: str) -> None:
    lo, hi = sorted((s1, s2))
    web = _WEB()

    def total(x: float) -> np.ndarray:
        sc = Scenario.model_validate(
            {
                "name": "m",
                "impact": impact,
                "deleveraging": mode,
                "parameters": {
                    "revenue_shortfall": x,
                    "ai_equity_drawdown": 0.6 * x,
                    "gpu_life": 6.0 - 4.0 * x,
                    "walk_away_value_sensitivity": 0.5,
                    "unemployment_rise_pp": 3 * x,
                },
            }
        )
        return run_stress(web, sc, paths=8, seed=11).total_loss_paths

    a, b = total(lo), total(hi)
    assert np.all(a <= b + 1e-6 * (1 + b))  # path by path (common random numbers)


def test_same_seed_same_numbers_serial_pool_and_chunking(web: Dataset) -> None:
    sc = load_scenario("ai-bust")
    a = run_stress(web, sc, paths=50, seed=9, chunk_size=16)
    b = run_stress(web, sc, paths=50, seed=9, chunk_size=16, executor=PoolExecutor(2))
    c = run_stress(web, sc, paths=50, seed=9, chunk_size=16, executor=SerialExecutor())
    for x in (b, c):
        np.testing.assert_array_equal(a.loss, x.loss)
        np.testing.assert_array_equal(a.defaulted, x.defaulted)
        np.testing.assert_array_equal(a.price_stage, x.price_stage)
    d = run_stress(web, sc, paths=50, seed=10, chunk_size=16)
    assert not np.array_equal(a.loss, d.loss)


def test_grid_is_tidy_and_uses_common_random_numbers(web: Dataset) -> None:
    sc = load_scenario("ai-bust")
    g = run_grid(web, sc, {"gpu_life": [2.0, 6.0], "revenue_shortfall": [0.3, 0.7]},
                 paths=40, seed=4)  # fmt: skip
    t = g.to_frame()
    assert len(t) == 4
    assert {"gpu_life", "revenue_shortfall", "total_loss_mean", "total_loss_es95"} <= set(t)
    for life in (2.0, 6.0):
        rows = t[t.gpu_life == life].sort_values("revenue_shortfall")
        assert rows.total_loss_mean.is_monotonic_increasing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_dask_distributed_gives_identical_numbers(web: Dataset, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    dask_bin = shutil.which("dask") or str(Path(sys.executable).parent / "dask")
    if not Path(dask_bin).exists():
        pytest.skip("the dask command is not installed (pip install 'boombust[dask]')")
    from distributed import Client

    from boombust.stress import DaskExecutor

    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    common = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
              "cwd": tmp_path}  # fmt: skip
    procs = [
        subprocess.Popen(
            [dask_bin, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **common,
        )
    ]
    try:
        time.sleep(1.0)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        dask_bin,
                        "worker",
                        addr,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                    ],
                    **common,
                )
            )
        deadline = time.monotonic() + 60
        with Client(addr, timeout="30s") as client:
            while len(client.scheduler_info()["workers"]) < 2:
                if time.monotonic() > deadline:
                    pytest.fail("two dask workers did not connect within 60 s")
                time.sleep(0.2)
        sc = load_scenario("ai-bust")
        serial = run_stress(web, sc, paths=40, seed=5, chunk_size=10)
        dask = run_stress(web, sc, paths=40, seed=5, chunk_size=10, executor=DaskExecutor(addr))
        np.testing.assert_array_equal(serial.loss, dask.loss)
        np.testing.assert_array_equal(serial.defaulted, dask.defaulted)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


_AI2025 = pytest.mark.skipif(
    "ai-2025" not in bundled_datasets(),
    reason="the bundled ai-2025 dataset is not on this branch yet",
)


@_AI2025
def test_ai2025_zero_shock_and_both_endings() -> None:
    ds = load_dataset("ai-2025")
    z = run_stress(ds, Scenario(name="zero"), paths=10, seed=1)
    assert np.all(z.loss == 0)
    assert not z.defaulted.any()
    for name in ("ai-bust", "ai-success"):
        res = run_stress(ds, load_scenario(name), paths=100, seed=2)
        assert res.total_loss()["mean"] > 0
        assert np.all(res.price_stage >= 0)  # Treasuries may rise (ai_beta < 0): flight to quality
        assert np.isfinite(res.amplification)


def test_convergence_warning_when_rounds_run_out(web: Dataset) -> None:
    sc = load_scenario("ai-bust").model_copy(update={"max_rounds": 1})
    with pytest.warns(CascadeConvergenceWarning, match="max_rounds=1"):
        run_stress(web, sc, paths=20, seed=1)


def test_progress_bar_only_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from boombust.cli.stress import _Progress

    _Progress(enabled=False)(1, 2)
    assert capsys.readouterr().err == ""
    bar = _Progress(enabled=True)
    bar(1, 2)
    bar(2, 2)
    err = capsys.readouterr().err
    assert "1/2 chunks" in err
    assert "2/2 chunks" in err
    assert err.endswith("\n")
