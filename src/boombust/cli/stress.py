"""``boombust stress``: run the crash cascade (the main job)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from boombust.cli._common import echo_json

__all__ = ["register", "stress"]


class _Progress:
    """A one-line progress bar on stderr when it is a terminal; silent when piped."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.perf_counter() - self.t0
        sys.stderr.write(f"\r[{bar}] {done}/{total} chunks  {elapsed:5.1f}s")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def stress(
    scenario: Annotated[
        str, typer.Argument(help="ai-bust, ai-success, or a scenario YAML file.")
    ] = "ai-bust",
    dataset: Annotated[
        str, typer.Option("--dataset", help="Bundled dataset name or a path.")
    ] = "ai-2025",
    paths: Annotated[int, typer.Option("--paths", min=1, help="Monte Carlo paths.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the random streams.")] = 0,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the HTML report here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON summary.")] = False,
    vary: Annotated[
        list[str] | None,
        typer.Option("--vary", help="Sensitivity grid: NAME=V1,V2,... (repeatable)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Local worker processes.")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler, tcp://HOST:PORT (boombust[dask])."),
    ] = None,
    runs_dir: Annotated[
        Path | None,
        typer.Option("--runs-dir", help="Run store (default $BOOMBUST_RUNS or ./boombust-runs)."),
    ] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Save the run in the run store.")
    ] = True,
    allow_unsourced: Annotated[
        bool, typer.Option("--allow-unsourced", help="Accept unsourced dataset numbers.")
    ] = False,
    tranche_model: Annotated[
        str | None,
        typer.Option(
            "--tranche-model",
            help="Step 3: 'waterfall' (the credit engine, default) or 'value' (compact).",
        ),
    ] = None,
    commitment_baseline: Annotated[
        str | None,
        typer.Option(
            "--commitment-baseline",
            help="Step 1: the shortfall cuts the 'assumed' AI revenue (default) or 'today's'.",
        ),
    ] = None,
) -> None:
    """Run the AI crash cascade over Monte Carlo paths and summarise who loses.

    Examples: `boombust stress ai-bust --paths 2000 --report out/report.html`;
    `boombust stress ai-bust --vary gpu_life=2,3,6 --vary revenue_shortfall=0.3,0.5,0.7`.
    """
    from boombust.data import dataset_hash, load_dataset
    from boombust.errors import InputError
    from boombust.stress import load_scenario, make_executor, parse_vary, run_grid, run_stress
    from boombust.stress.network import build_network

    sc = load_scenario(scenario)
    for opt, value, allowed in (
        ("tranche_model", tranche_model, ("waterfall", "value")),
        ("commitment_baseline", commitment_baseline, ("assumed", "today")),
    ):
        if value is None:
            continue
        if value not in allowed:
            raise InputError(
                f"--{opt.replace('_', '-')} must be one of {', '.join(allowed)} (got {value!r})",
                field=opt,
            )
        sc = sc.model_copy(update={opt: value})
    ds = load_dataset(dataset, allow_unsourced=allow_unsourced)
    build_network(ds, sc)  # checks names the scenario uses against the dataset
    executor = make_executor(workers, scheduler)
    progress = _Progress(sys.stderr.isatty() and not as_json)
    if vary:
        grid_spec = parse_vary(vary)
        t0 = time.perf_counter()
        grid = run_grid(
            ds, sc, grid_spec, paths=paths, seed=seed, executor=executor, progress=progress
        )
        if save:
            from boombust.store import RunStore

            run = RunStore(runs_dir).save(
                kind="stress_grid",
                spec={"scenario": sc.model_dump(mode="json"), "vary": grid_spec, "paths": paths},
                tables={"grid": grid.to_frame()},
                seed=seed,
                dataset_hash=dataset_hash(ds),
                duration_s=time.perf_counter() - t0,
                summary={"scenario": sc.name, "points": len(grid.table)},
            )
            if not as_json:
                typer.echo(f"saved run {run.run_id}", err=True)
        if as_json:
            echo_json(grid.to_dict())
        else:
            typer.echo(grid.summary())
        return

    res = run_stress(ds, sc, paths=paths, seed=seed, executor=executor, progress=progress)
    if report is not None:
        from boombust.report import write_stress_report

        write_stress_report(res, report, dataset=ds)
    run_id = None
    if save:
        from boombust.store import RunStore

        run = RunStore(runs_dir).save(
            kind="stress",
            spec=res.provenance.spec,
            tables=res.store_tables(),
            seed=seed,
            dataset_hash=dataset_hash(ds),
            duration_s=res.duration_s,
            summary=res.store_summary(),
        )
        run_id = run.run_id
    if as_json:
        out = res.summary_dict()
        if run_id is not None:
            out["run_id"] = run_id
        echo_json(out)
        return
    typer.echo(res.summary())
    if report is not None:
        typer.echo(f"report: {report}")
    if run_id is not None:
        typer.echo(f"saved run {run_id}")


def register(app: typer.Typer) -> None:
    """Add the top-level ``stress`` command."""
    app.command("stress")(stress)
