"""``boombust detect``: bubble detection commands (one function per command; append new ones)."""

from __future__ import annotations

from pathlib import Path

import typer

from boombust.cli._common import echo_json

app = typer.Typer(
    name="detect",
    help="Bubble detection: explosive-root tests (psy) and LPPLS indicators (lppls).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _price_source(
    prices: str, column: str | None, date_column: str | None
) -> tuple[str, str, str | None]:
    """Resolve a bundled name (``nasdaq``, ``shiller-sp500``) to its default columns."""
    from boombust.detect._series import BUNDLED

    if prices in BUNDLED and not Path(prices).exists():
        _file, bundled_date, bundled_col = BUNDLED[prices]
        return prices, column or bundled_col, date_column or bundled_date
    if column is None:
        raise typer.BadParameter("--column is required for a CSV file", param_hint="--column")
    return prices, column, date_column


def _choose(name: str, value: object, allowed: tuple[object, ...]) -> None:
    if value not in allowed:
        choices = ", ".join(map(str, allowed))
        raise typer.BadParameter(f"{value!r} is not one of {choices}", param_hint=name)


# ----------------------------------------------------------------------------- psy
@app.command("psy")
def psy(
    prices: str = typer.Argument(
        ..., help="Price CSV file, or a bundled series: nasdaq, shiller-sp500."
    ),
    column: str | None = typer.Option(None, "--column", help="Value column (e.g. close)."),
    date_column: str | None = typer.Option(None, "--date-column", help="Date column."),
    log: bool = typer.Option(False, "--log", help="Test log prices (values must be > 0)."),
    lag: int = typer.Option(0, "--lag", min=0, help="Fixed ADF lag (PSY/exuber default 0)."),
    ic: str = typer.Option(
        "fixed", "--ic", help="Lag choice: fixed, aic or bic (up to --max-lag)."
    ),
    max_lag: int = typer.Option(6, "--max-lag", min=1, help="Largest lag tried with --ic."),
    minw: int | None = typer.Option(None, "--minw", min=3, help="Minimum window (rows)."),
    cv: str = typer.Option("mc", "--cv", help="Critical values: mc, wild-ps or wild-hlst."),
    null: str = typer.Option("rw", "--null", help="Monte Carlo null: rw (exuber) or drift (PSY)."),
    bsadf_cv: str = typer.Option(
        "pointwise", "--bsadf-cv", help="BSADF critical values: pointwise or conservative."
    ),
    tau_b: int | None = typer.Option(None, "--tau-b", min=1, help="Phillips–Shi window."),
    level: float = typer.Option(0.95, "--level", help="Dating level: 0.9, 0.95 or 0.99."),
    delta: float = typer.Option(1.0, "--delta", min=0.0, help="Min duration delta·log(T)."),
    nrep: int = typer.Option(2000, "--nrep", min=10, help="Replications."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Simulation seed."),
    plot: str | None = typer.Option(
        None, "--plot", help="Save the chart (series with episodes over BSADF) to this file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """PWY SADF and PSY GSADF/BSADF tests with date-stamped episodes."""
    from boombust.detect._series import load_price_csv
    from boombust.detect.critical_values import DEFAULT_SEED
    from boombust.detect.psy import psy_test

    _choose("--cv", cv, ("mc", "wild-ps", "wild-hlst"))
    _choose("--null", null, ("rw", "drift"))
    _choose("--bsadf-cv", bsadf_cv, ("pointwise", "conservative"))
    _choose("--ic", ic, ("fixed", "aic", "bic"))
    _choose("--level", level, (0.9, 0.95, 0.99))
    source, col, date_col = _price_source(prices, column, date_column)
    series = load_price_csv(source, col, date_column=date_col, log=log)
    result = psy_test(
        series,
        lag=lag,
        ic=ic,
        max_lag=max_lag,
        minw=minw,
        cv=cv,
        null=null,
        bsadf_cv=bsadf_cv,
        tau_b=tau_b,
        level=level,
        delta=delta,
        nrep=nrep,
        seed=DEFAULT_SEED if seed is None else seed,
    )
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        result.plot()
        fig = plt.gcf()
        fig.savefig(plot, dpi=120, bbox_inches="tight")
        plt.close(fig)
    if as_json:
        echo_json(result.cli_dict())
    else:
        typer.echo(result.summary())


def _add_lppls() -> None:
    from boombust.cli.detect_lppls import add_to

    add_to(app)


_add_lppls()
