"""``boombust detect lppls``: DS LPPLS Confidence / Trust from a CSV of prices.

Thin adapter over :func:`boombust.detect.lppls_indicators.ds_lppls_indicators`. The
command is added to the ``detect`` group by :func:`add_to`.

"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from boombust.cli._common import echo_json
from boombust.errors import InputError, Issue

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["add_to", "load_prices_csv", "lppls"]


def load_prices_csv(path: Path, column: str, date_column: str | None = None) -> pd.Series:
    """Read one price column (prices > 0, strictly increasing dates) with located errors."""
    from boombust.detect._series import load_price_csv

    return load_price_csv(path, column, date_column, require_positive=True)


def lppls(
    prices: Annotated[Path, typer.Argument(help="CSV file of prices, oldest first.")],
    column: Annotated[str, typer.Option("--column", help="Price column.")] = "close",
    date_column: Annotated[
        str | None, typer.Option("--date-column", help="Date column (YYYY-MM-DD).")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="First day (a date, or a row number).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Last day (a date, or a row number).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Root seed (bootstrap, grid shift).")] = 0,
    n_bootstrap: Annotated[
        int, typer.Option("--n-bootstrap", min=0, help="Trust replicates per window (0: skip).")
    ] = 100,
    window_max: Annotated[
        int, typer.Option("--window-max", min=10, help="Largest window t2 - t1 (days).")
    ] = 750,
    window_min: Annotated[
        int, typer.Option("--window-min", min=10, help="Smallest window (days).")
    ] = 125,
    window_step: Annotated[int, typer.Option("--window-step", min=1, help="Window step.")] = 5,
    fast: Annotated[
        bool, typer.Option("--fast", help="Cheaper, less robust search (LPPLSSearch.fast).")
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes over days (same results).")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="JSON: one record per day.")] = False,
) -> None:
    """DS LPPLS Confidence and Trust per day (Sornette et al. 2015, Table 1)."""
    from pydantic import ValidationError

    from boombust.detect.lppls import LPPLSSearch
    from boombust.detect.lppls_indicators import DSLPPLSSpec, ds_lppls_indicators

    series = load_prices_csv(prices, column, date_column)

    def _day(value: str | None, name: str) -> Any:
        if value is None:
            return None
        if date_column is None:
            try:
                return int(value)
            except ValueError:
                raise InputError(
                    f"{value!r} is not a row number; without --date-column, days are rows",
                    field=name,
                ) from None
        import pandas as pd

        try:
            return pd.Timestamp(value)
        except ValueError:
            raise InputError(f"cannot read date {value!r}; use YYYY-MM-DD", field=name) from None

    try:
        spec = DSLPPLSSpec(
            n_bootstrap=n_bootstrap,
            window_max=window_max,
            window_min=window_min,
            window_step=window_step,
            search=LPPLSSearch.fast() if fast else LPPLSSearch(),
        )
    except ValidationError as err:
        raise InputError(
            [
                Issue(
                    str(e["msg"]).removeprefix("Value error, "),
                    field=("--" + "-".join(map(str, e["loc"])).replace("_", "-"))
                    if e["loc"]
                    else "options",
                )
                for e in err.errors()
            ]
        ) from None
    progress = None
    if not as_json and sys.stderr.isatty():  # pragma: no cover - interactive only

        def progress(done: int, total: int) -> None:
            print(f"\r{done}/{total} days", end="", file=sys.stderr, flush=True)

    kwargs: dict[str, Any] = {
        "start": _day(start, "--start"),
        "end": _day(end, "--end"),
        "spec": spec,
        "seed": seed,
        "progress": progress,
    }
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            result = ds_lppls_indicators(series, executor=pool, **kwargs)
    else:
        result = ds_lppls_indicators(series, **kwargs)
    if as_json:
        echo_json(result.to_dict()["days"])
    else:
        typer.echo(result.summary())


def add_to(group: typer.Typer) -> None:
    """Add the ``lppls`` command to a Typer group (the ``detect`` group)."""
    group.command("lppls")(lppls)
