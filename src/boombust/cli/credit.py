"""``boombust credit``: data-centre lease securitisation engine (run a deal; Vasicek tranches)."""

from __future__ import annotations

import itertools
from typing import Any

import typer

from boombust.errors import InputError, Issue

app = typer.Typer(
    help="Data-centre lease securitisations: waterfalls, correlated defaults, ratings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.command("run")
def run(
    deal: str = typer.Argument(..., help="DEAL.yaml, or ai-2025:DEAL_ID from the bundled dataset"),
    paths: int | None = typer.Option(None, "--paths", help="Monte Carlo paths"),
    seed: int | None = typer.Option(None, "--seed", help="random seed"),
    gpu_life: float | None = typer.Option(None, "--gpu-life", help="IT useful life, years"),
    copula: str | None = typer.Option(None, "--copula", help="gaussian or t"),
    rho: float | None = typer.Option(None, "--rho", help="asset correlation in [0, 1)"),
    nu: float | None = typer.Option(None, "--nu", help="t-copula degrees of freedom"),
    rating_table: str | None = typer.Option(None, "--rating-table", help="idealized-EL YAML"),
    allow_short_leases: bool = typer.Option(
        False, "--allow-short-leases", help="run leases that end before the bonds (sale at end)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    plot: str | None = typer.Option(None, "--plot", help="save the figure to this file"),
) -> None:
    """Simulate a deal: tranche EL, PD, LGD, WAL, loss quantiles, price, implied rating."""
    from pydantic import ValidationError

    from boombust.cli._common import echo_json
    from boombust.credit.engine import load_deal, run_deal
    from boombust.credit.spec import CreditRunSpec

    d, run_spec, _, path = load_deal(deal, allow_short_leases=allow_short_leases)
    base = run_spec.model_dump() if run_spec is not None else {}
    for key, value in (
        ("n_paths", paths),
        ("seed", seed),
        ("gpu_life", gpu_life),
        ("copula", copula),
        ("rho", rho),
        ("nu", nu),
        ("rating_table", rating_table),
        ("allow_short_leases", allow_short_leases or None),
    ):
        if value is not None:
            base[key] = value
    try:
        spec = CreditRunSpec.model_validate(base)
    except ValidationError as err:
        raise InputError(
            [
                Issue(
                    f"deal {d.id!r}: " + str(e["msg"]).removeprefix("Value error, "),
                    path=path,
                    field="run." + ".".join(str(x) for x in e["loc"]),
                )
                for e in err.errors()
            ]
        ) from None
    result = run_deal(d, spec)
    if plot:
        import matplotlib

        matplotlib.use("Agg")
        result.plot().savefig(plot, dpi=120)
    if as_json:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())


def _parse_points(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            f"--tranches must be comma-separated numbers, e.g. 0,0.03,0.07,0.15,1; got {text!r}",
            field="tranches",
        ) from None


@app.command("vasicek")
def vasicek(
    pd: float = typer.Option(..., "--pd", help="default probability to the horizon"),
    rho: float = typer.Option(..., "--rho", help="asset correlation in (0, 1)"),
    lgd: float = typer.Option(1.0, "--lgd", help="loss given default"),
    tranches: str = typer.Option("0,0.03,0.07,0.15,1", "--tranches", help="attachment points"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Vasicek large-pool tranche expected loss (fraction of each tranche's notional)."""
    from boombust.cli._common import echo_json
    from boombust.credit.vasicek import vasicek_tranches

    pts = _parse_points(tranches)
    checks: list[tuple[str, bool, str]] = [
        ("pd", 0.0 < pd < 1.0, f"must be in (0, 1), got {pd}"),
        ("rho", 0.0 < rho < 1.0, f"correlation must be in (0, 1), got {rho}"),
        ("lgd", 0.0 < lgd <= 1.0, f"must be in (0, 1], got {lgd}"),
        (
            "tranches",
            len(pts) >= 2 and all(b > a for a, b in itertools.pairwise(pts)),
            f"attachment points must increase strictly, got {pts}",
        ),
        (
            "tranches",
            bool(pts) and pts[0] >= 0 and pts[-1] <= 1,
            f"points must lie in [0, 1], got {pts}",
        ),
    ]
    for name, ok, msg in checks:
        if not ok:
            raise InputError(msg, field=name)
    rows = vasicek_tranches(pts, pd, rho, lgd)
    out: dict[str, Any] = {
        "pd": pd,
        "rho": rho,
        "lgd": lgd,
        "tranches": [r.to_dict() for r in rows],
    }
    if as_json:
        echo_json(out)
    else:
        typer.echo(f"Vasicek large pool: pd={pd:g} rho={rho:g} lgd={lgd:g}")
        for r in rows:
            typer.echo(f"  [{r.attach:.4g}, {r.detach:.4g}]  EL = {r.expected_loss:.6%}")
