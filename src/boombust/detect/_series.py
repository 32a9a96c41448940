"""Load and validate a price series from a CSV file (shared by the ``detect`` commands).

Bundled series (``src/boombust/data/prices``) can be named instead of a path:
``shiller-sp500`` (Shiller's monthly S&P composite, 1871–) and ``nasdaq`` (NASDAQ
composite daily close 1994–2018, splice of the lppls and arch sample data).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from boombust.errors import InputError, Issue

__all__ = ["BUNDLED", "bundled_path", "load_price_csv", "validate_prices"]

_PRICES = Path(__file__).resolve().parent.parent / "data" / "prices"

#: name -> (file, date column, default value column)
BUNDLED: dict[str, tuple[str, str, str]] = {
    "shiller-sp500": ("shiller_sp500_monthly.csv", "Date", "SP500"),
    "nasdaq": ("nasdaq_1994_2018.csv", "date", "close"),
}


def bundled_path(name: str) -> Path | None:
    """Path of a bundled price file by name (``None`` if ``name`` is not bundled)."""
    entry = BUNDLED.get(name)
    return None if entry is None else _PRICES / entry[0]


def load_price_csv(
    path: str | Path,
    column: str,
    date_column: str | None = None,
    log: bool = False,
    *,
    min_length: int = 3,
    require_positive: bool = False,
) -> pd.Series:
    """Read one numeric column of a CSV as a float Series, validated.

    Parameters
    ----------
    path
        CSV file, or a bundled name from :data:`BUNDLED`.
    column
        The value column.
    date_column
        Optional date column; the index becomes a ``DatetimeIndex`` that must be strictly
        increasing (no duplicates). Without it the index is ``0..n-1``.
    log
        Take natural logs (then every value must be > 0).
    min_length
        Fewer valid rows raise an error.
    require_positive
        Every value must be > 0 even without ``log`` (models that log prices themselves).

    Raises
    ------
    InputError
        Naming the file, the line (1-based, header = line 1) and the column: missing file or
        column, non-numeric/NaN values, non-positive values with ``log``, unparseable,
        unsorted or duplicate dates, too few rows.
    """
    shown = str(path)
    resolved = bundled_path(str(path)) or Path(path)
    if not resolved.exists():
        raise InputError(
            "file not found; give a CSV path or one of the bundled names "
            + ", ".join(sorted(BUNDLED)),
            path=shown,
        )
    try:
        frame = pd.read_csv(resolved)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"not a readable CSV file ({err})", path=shown) from None
    for name in (column, date_column):
        if name is not None and name not in frame.columns:
            raise InputError(
                f"column not found; the file has columns {', '.join(map(str, frame.columns))}",
                path=shown,
                field=name,
            )
    values = pd.to_numeric(frame[column], errors="coerce")
    index: pd.Index
    if date_column is not None:
        dates = pd.to_datetime(frame[date_column], errors="coerce")
        bad = np.flatnonzero(dates.isna().to_numpy())
        if bad.size:
            raise InputError(
                f"cannot parse date {frame[date_column].iloc[bad[0]]!r}; use ISO dates "
                "like 2001-08-31",
                path=shown,
                line=int(bad[0]) + 2,
                field=date_column,
            )
        index = pd.DatetimeIndex(dates, name=date_column)
    else:
        index = pd.RangeIndex(len(frame))
    series = pd.Series(values.to_numpy(dtype=np.float64), index=index, name=column)
    validate_prices(
        series, log=log, path=shown, min_length=min_length, require_positive=require_positive
    )
    return series.apply(np.log) if log else series


def validate_prices(
    series: pd.Series,
    *,
    log: bool = False,
    path: str | None = None,
    min_length: int = 3,
    require_positive: bool = False,
) -> None:
    """Raise :class:`InputError` for NaN/inf, non-positive (with ``log``), bad dates, short series.

    Lines are reported as CSV lines (row ``i`` is line ``i + 2``) when ``path`` is given.
    """
    name = str(series.name) if series.name is not None else "value"

    def line(i: int) -> int | None:
        return i + 2 if path is not None else None

    where = "row" if path is None else "line"
    values = series.to_numpy(dtype=np.float64)
    issues: list[Issue] = []
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        rows = ", ".join(str(line(int(i)) or int(i)) for i in bad[:5])
        issues.append(
            Issue(
                f"{bad.size} missing or non-numeric value(s) ({where}s {rows}"
                f"{', …' if bad.size > 5 else ''}); drop or fill them before testing",
                path=path,
                line=line(int(bad[0])),
                field=name,
            )
        )
    if log or require_positive:
        nonpos = np.flatnonzero(np.isfinite(values) & (values <= 0))
        if nonpos.size:
            why = (
                "so --log cannot be taken"
                if log
                else "and this model works on log-prices, so every price must be > 0"
            )
            todo = "drop --log or fix the data" if log else "fix or drop those rows"
            issues.append(
                Issue(
                    f"value {values[nonpos[0]]:g} is not positive, {why} "
                    f"({nonpos.size} such value(s)); {todo}",
                    path=path,
                    line=line(int(nonpos[0])),
                    field=name,
                )
            )
    if isinstance(series.index, pd.DatetimeIndex):
        idx = series.index
        field = str(idx.name) if idx.name is not None else "date"
        diffs = np.diff(idx.asi8)
        dup = np.flatnonzero(diffs == 0)
        down = np.flatnonzero(diffs < 0)
        if dup.size:
            issues.append(
                Issue(
                    f"duplicate date {idx[dup[0] + 1].date()} (also on the previous row); "
                    "keep one row per date",
                    path=path,
                    line=line(int(dup[0]) + 1),
                    field=field,
                )
            )
        if down.size:
            issues.append(
                Issue(
                    f"dates are not sorted: {idx[down[0] + 1].date()} comes after "
                    f"{idx[down[0]].date()}; sort the file by date",
                    path=path,
                    line=line(int(down[0]) + 1),
                    field=field,
                )
            )
    if len(values) < min_length:
        issues.append(
            Issue(
                f"only {len(values)} observations; need at least {min_length}",
                path=path,
                field=name,
            )
        )
    if issues:
        raise InputError(issues)
