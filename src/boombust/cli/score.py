"""``boombust score``: the Goldfarb–Kirsch four-factor scorecard on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register"]


def _read_prices(path: Path, column: str | None, market_column: str | None) -> tuple[Any, Any]:
    import pandas as pd

    from boombust.errors import InputError

    try:
        frame = pd.read_csv(path, index_col=0, parse_dates=True)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise InputError(
            f"cannot read the price CSV ({err}); check the path and format", path=str(path)
        ) from None
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise InputError(
            "the first column must hold dates (e.g. 1999-12-31); put the dates first",
            path=str(path),
            line=2,
        )
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if column is None:
        if len(numeric) != 1:
            raise InputError(
                f"choose the price column with --column; numeric columns: {numeric}",
                path=str(path),
                field="--column",
            )
        column = numeric[0]
    for name in (column, market_column):
        if name is not None and name not in frame.columns:
            raise InputError(
                f"no column {name!r}; columns are {list(frame.columns)}",
                path=str(path),
                field="--column" if name == column else "--market-column",
            )
    prices = frame[column].dropna()
    prices.name = f"{path.name}:{column}"
    market = None
    if market_column is not None:
        market = frame[market_column].dropna()
        market.name = f"{path.name}:{market_column}"
    return prices, market


def _compare_table(results: list[Any]) -> list[list[str]]:
    factors = [f.name for f in results[0].factors]
    rows = [["", *[r.case for r in results]]]
    for name in factors:
        rows.append(
            [
                name,
                *[
                    ("?" if r.factor(name).level is None else str(r.factor(name).level))
                    + ("*" if r.factor(name).override is not None else "")
                    for r in results
                ],
            ]
        )
    rows.append(["total", *[f"{r.total}/{r.max_total}" for r in results]])
    rows.append(["band", *[r.band for r in results]])
    rows.append(
        [
            "partial",
            *[
                ("yes " + f"{r.total_bounds[0]}..{r.total_bounds[1]}") if r.partial else "no"
                for r in results
            ],
        ]
    )
    return rows


def register(app: typer.Typer) -> None:
    """Add the top-level ``score`` command to ``app``."""

    @app.command("score")
    def score(
        cases: Annotated[
            list[str] | None,
            typer.Argument(help="Bundled case name(s) (e.g. ai-2025) or evidence YAML file(s)."),
        ] = None,
        rubric: Annotated[
            Path | None, typer.Option("--rubric", help="Rubric YAML (default: boombust's).")
        ] = None,
        compare: Annotated[
            bool, typer.Option("--compare", help="Side-by-side table of several cases.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
        markdown: Annotated[bool, typer.Option("--markdown", help="Markdown output.")] = False,
        sensitivity: Annotated[
            bool,
            typer.Option(
                "--sensitivity", help="Band-changing moves and what it takes to change band."
            ),
        ] = False,
        prices: Annotated[
            Path | None,
            typer.Option(
                "--prices", help="CSV (dates first) for market corroboration (GSY run-ups)."
            ),
        ] = None,
        column: Annotated[
            str | None, typer.Option("--column", help="Price column in --prices.")
        ] = None,
        market_column: Annotated[
            str | None,
            typer.Option(
                "--market-column", help="Market column in --prices (net-of-market run-ups)."
            ),
        ] = None,
        signals: Annotated[
            str | None,
            typer.Option(
                "--signals",
                help="Also run market tests on --prices, shown beside the score: psy, lppls "
                "or psy,lppls.",
            ),
        ] = None,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the market tests.")] = 0,
        list_cases: Annotated[bool, typer.Option("--list", help="List the bundled cases.")] = False,
    ) -> None:
        """Score bubble cases on the Goldfarb–Kirsch four factors (0-2 each, total 0-8).

        The rubric is boombust's own operationalisation: no public per-factor rubric exists.
        """
        from boombust.cli._common import echo_json
        from boombust.score import case_names, load_rubric, score_case
        from boombust.score import sensitivity as run_sensitivity

        if list_cases:
            for name in case_names():
                typer.echo(name)
            return
        if not cases:
            raise typer.BadParameter("give a case name or an evidence file (see --list)")
        if as_json and markdown:
            raise typer.BadParameter("choose one of --json and --markdown")
        if len(cases) > 1 and not compare:
            raise typer.BadParameter("several cases need --compare")
        if (column or market_column or signals) and prices is None:
            raise typer.BadParameter("--column/--market-column/--signals need --prices")
        rub = load_rubric(rubric) if rubric is not None else None
        series, market = (None, None)
        if prices is not None:
            series, market = _read_prices(prices, column, market_column)
        market_signals = _market_signals(signals, series, seed)
        results = [
            score_case(c, rubric=rub, prices=series, market=market, signals=market_signals)
            for c in cases
        ]

        if compare:
            if as_json:
                echo_json({"cases": [r.to_dict() for r in results]})
                return
            rows = _compare_table(results)
            if markdown:
                typer.echo("| " + " | ".join(rows[0]) + " |")
                typer.echo("|" + "---|" * len(rows[0]))
                for row in rows[1:]:
                    typer.echo("| " + " | ".join(row) + " |")
            else:
                widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
                for row in rows:
                    typer.echo(
                        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                    )
            typer.echo("")
            typer.echo(
                "* = analyst override. Rubric: " + " ".join(results[0].rubric.statement.split())
            )
            return

        result = results[0]
        sens = run_sensitivity(result) if sensitivity else None
        if as_json:
            out = result.to_dict()
            if sens is not None:
                out["sensitivity"] = sens.to_dict()
            echo_json(out)
        elif markdown:
            typer.echo(result.to_markdown())
            if sens is not None:
                typer.echo("\n```\n" + sens.summary() + "\n```")
        else:
            typer.echo(result.summary())
            if sens is not None:
                typer.echo("")
                typer.echo(sens.summary())


def _market_signals(names: str | None, series: Any, seed: int) -> list[Any]:
    """PSY / LPPLS verdicts on the price series (kept apart from the 0-8 total)."""
    if not names:
        return []
    from boombust.score.corroborate import lppls_signal, psy_signal

    makers: dict[str, Any] = {"psy": psy_signal, "lppls": lppls_signal}
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in makers]
    if unknown:
        raise typer.BadParameter(
            f"unknown signal {unknown[0]!r}; choose from psy, lppls", param_hint="--signals"
        )
    return [makers[n](series, seed=seed) for n in chosen]
