"""``boombust serve``: the dashboard in a browser (needs ``boombust[dashboard]``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8050,
    runs_dir: Annotated[
        Path | None,
        typer.Option("--runs-dir", help="Run store (default $BOOMBUST_RUNS or ./boombust-runs)."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=32, help="Background jobs run at once.")
    ] = 2,
    debug: Annotated[bool, typer.Option("--debug", help="Dash debug mode (reloader).")] = False,
) -> None:
    """Serve the dashboard: Diagnose, Runs and Stress pages."""
    import importlib.util

    if importlib.util.find_spec("dash") is None:
        typer.echo(
            "error: the dashboard needs Dash; install boombust[dashboard] "
            "(pip install 'boombust[dashboard]')",
            err=True,
        )
        raise typer.Exit(3)
    from boombust.app import create_app

    app = create_app(runs_dir, max_workers=workers)
    typer.echo(f"boombust dashboard on http://{host}:{port}/ (Ctrl-C to stop)")
    app.run(host=host, port=port, debug=debug)


def register(app: typer.Typer) -> None:
    """Add the top-level ``serve`` command."""
    app.command("serve")(serve)
