"""Helpers shared by the CLI adapters: JSON output, error exit, console."""

from __future__ import annotations

import json
import math
import sys
from typing import Any, NoReturn

import numpy as np
import typer

from boombust.errors import InputError

__all__ = ["echo_json", "fail", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Convert numpy / pandas scalars and containers to plain JSON types (NaN -> null)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj


def echo_json(obj: Any) -> None:
    typer.echo(json.dumps(to_jsonable(obj), indent=2))


def fail(message: str, *, code: int = 3) -> NoReturn:
    """Print one clear message on stderr and exit with ``code`` (3 = invalid input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def report_input_error(err: InputError) -> NoReturn:
    for issue in err.issues:
        print(f"error: {issue}", file=sys.stderr)
    raise SystemExit(err.exit_code)
