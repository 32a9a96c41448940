"""``boombust runs``: browse the run store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from boombust.cli._common import echo_json

app = typer.Typer(help="Browse stored runs.", no_args_is_help=True)

RunsDir = Annotated[
    Path | None,
    typer.Option(
        "--runs-dir", help="Results directory (default $BOOMBUST_RUNS or ./boombust-runs)."
    ),
]


@app.command("list")
def list_runs(
    runs_dir: RunsDir = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only runs of this kind.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List complete runs, newest first."""
    from boombust.store import RunStore

    store = RunStore(runs_dir)
    frame = store.list(kind=kind)
    if as_json:
        echo_json(frame.to_dict(orient="records"))
        return
    if frame.empty:
        typer.echo(f"no runs in {store.root}")
        return
    typer.echo(frame.to_string(index=False))


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="A run id from `boombust runs list`.")],
    runs_dir: RunsDir = None,
    table: Annotated[str | None, typer.Option("--table", help="Print one artefact.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a run's manifest, or one of its artefacts."""
    from boombust.store import RunStore

    run = RunStore(runs_dir).get(run_id)
    if table is not None:
        frame = run.table(table)
        if as_json:
            echo_json(frame.to_dict(orient="records"))
        else:
            typer.echo(frame.to_string(index=False))
        return
    if as_json:
        echo_json(run.manifest)
    else:
        typer.echo(run.summary())
