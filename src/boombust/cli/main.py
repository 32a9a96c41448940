"""Entry point of the ``boombust`` command.

Exit codes: 0 ok, 2 usage error (bad options), 3 invalid input (a file, spec
or value that does not validate; one message per problem, no traceback).
"""

from __future__ import annotations

import importlib
import sys

import typer

from boombust._version import __version__
from boombust.errors import InputError

app = typer.Typer(
    name="boombust",
    help="Is this boom a bubble, and if it bursts, who loses?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command groups: (module under boombust.cli, group name). Each module defines ``app``
# (a Typer group) or ``register(app)`` for top-level commands.
_GROUPS: list[tuple[str, str | None]] = [
    ("data", "data"),
    ("runs", "runs"),
    ("score", None),
    ("detect", "detect"),
    ("network", "network"),
    ("credit", "credit"),
    ("stress", None),
    ("serve", None),
]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"boombust {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """boombust: bubble diagnostics and crash-cascade stress tests."""


def _build() -> typer.Typer:
    for module_name, group in _GROUPS:
        module = importlib.import_module(f"boombust.cli.{module_name}")
        if group is None:
            module.register(app)
        else:
            app.add_typer(module.app, name=group)
    return app


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; bad input exits 3 with ``path:line: field: message`` on stderr."""
    cli = _build()
    try:
        cli(args=argv, prog_name="boombust", standalone_mode=True)
    except InputError as err:
        for issue in err.issues:
            print(f"error: {issue}", file=sys.stderr)
        raise SystemExit(err.exit_code) from None


if __name__ == "__main__":  # pragma: no cover
    main()
