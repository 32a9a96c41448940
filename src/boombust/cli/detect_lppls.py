"""``boombust detect lppls``: DS LPPLS Confidence / Trust from a CSV of prices.

Thin adapter over :func:`boombust.detect.lppls_indicators.ds_lppls_indicators`. The
command is added to a Typer group by :func:`add_to`; until the ``detect`` group of the
PSY work is merged, this module also provides a temporary group ``app``.
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
    """Read one price column of a CSV; errors name the file, line and column.

    Checks: the file and columns exist, prices are numbers, finite and > 0, dates parse
    and are strictly increasing. (The lead will unify this with the PSY loader.)
    """
    import numpy as np
    import pandas as pd

    where = str(path)
    if not path.is_file():
        raise InputError("file not found; pass a CSV of prices", path=where)
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise InputError(f"not a readable CSV ({err})", path=where) from None
    missing = [c for c in (column, date_column) if c is not None and c not in frame.columns]
    if missing:
        cols = ", ".join(map(str, frame.columns))
        raise InputError(
            f"no column {missing[0]!r}; the file has: {cols}. Use --column/--date-column",
            path=where,
            field=missing[0],
        )
    values = pd.to_numeric(frame[column], errors="coerce")
    issues: list[Issue] = []
    # line numbers: header is line 1, first data row line 2
    bad = values.isna() | ~np.isfinite(values.fillna(0.0))
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raw = frame[column].iloc[first]
        shown = "empty" if pd.isna(raw) else repr(str(raw))
        issues.append(
            Issue(
                f"{int(bad.sum())} missing or non-numeric price(s) (first: {shown}); "
                "drop or fill them",
                path=where,
                line=first + 2,
                field=column,
            )
        )
    nonpos = (~bad) & (values <= 0)
    if nonpos.any():
        first = int(np.flatnonzero(nonpos.to_numpy())[0])
        issues.append(
            Issue(
                f"{int(nonpos.sum())} non-positive price(s) (first: {values.iloc[first]}); "
                "LPPLS fits log-prices, every price must be > 0",
                path=where,
                line=first + 2,
                field=column,
            )
        )
    index: pd.Index = pd.RangeIndex(len(frame))
    if date_column is not None:
        dates = pd.to_datetime(frame[date_column], errors="coerce")
        if dates.isna().any():
            first = int(np.flatnonzero(dates.isna().to_numpy())[0])
            issues.append(
                Issue(
                    f"cannot read date {str(frame[date_column].iloc[first])!r}; use YYYY-MM-DD",
                    path=where,
                    line=first + 2,
                    field=date_column,
                )
            )
        else:
            steps = np.diff(dates.to_numpy().astype("datetime64[ns]").astype(np.int64))
            if (steps <= 0).any():
                first = int(np.flatnonzero(steps <= 0)[0]) + 1
                issues.append(
                    Issue(
                        f"dates must be strictly increasing: {dates.iloc[first].date()} "
                        f"follows {dates.iloc[first - 1].date()}; sort the file by date and "
                        "drop duplicate days",
                        path=where,
                        line=first + 2,
                        field=date_column,
                    )
                )
            index = pd.DatetimeIndex(dates, name=date_column)
    if issues:
        raise InputError(issues)
    return pd.Series(values.to_numpy(dtype=float), index=index, name=column)


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
