"""``boombust network``: circular commitments, default clearing and DebtRank."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from boombust.cli._common import echo_json
from boombust.errors import InputError, Issue

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

app = typer.Typer(
    help="Circular commitments, default clearing (Eisenberg–Noe, Rogers–Veraart) and DebtRank.",
    no_args_is_help=True,
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PlotPath = Annotated[
    Path | None, typer.Option("--plot", help="Save a figure to this file (PNG, SVG, PDF).")
]


def _usage(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def read_matrix_csv(path: Path, *, name: str) -> NDArray[np.float64]:
    """A numeric matrix without header; errors name the file, line and column."""
    import numpy as np

    if not path.is_file():
        raise InputError("file not found", path=str(path), field=name)
    rows: list[list[float]] = []
    width = None
    for line_no, raw in enumerate(path.read_text().splitlines(), start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in raw.split(",")]
        values = []
        for col, cell in enumerate(cells, start=1):
            try:
                values.append(float(cell) if cell else float("nan"))
            except ValueError:
                raise InputError(
                    f"column {col}: {cell!r} is not a number; the file must be a plain "
                    "numeric matrix without header",
                    path=str(path),
                    line=line_no,
                    field=name,
                ) from None
        if width is None:
            width = len(values)
        elif len(values) != width:
            raise InputError(
                f"row has {len(values)} values but the first row has {width}; "
                "every row needs one value per node",
                path=str(path),
                line=line_no,
                field=name,
            )
        rows.append(values)
    if not rows:
        raise InputError("file is empty", path=str(path), field=name)
    out: NDArray[np.float64] = np.array(rows, dtype=np.float64)
    return out


def read_vector_csv(path: Path, *, name: str) -> NDArray[np.float64]:
    """One value per line (a single column; a single row also works)."""
    mat = read_matrix_csv(path, name=name)
    if mat.shape[1] == 1 or mat.shape[0] == 1:
        out: NDArray[np.float64] = mat.ravel()
        return out
    raise InputError(
        f"expected one value per line, got a {mat.shape[0]} x {mat.shape[1]} table",
        path=str(path),
        field=name,
    )


def _row_names(n: int) -> list[str]:
    """CSV nodes are named by their row number, counting from 1 (as --default takes)."""
    return [str(i) for i in range(1, n + 1)]


@contextmanager
def _located(files: dict[str, Path]) -> Iterator[None]:
    """Add the file name to input errors about the named arguments."""
    try:
        yield
    except InputError as err:
        issues = [
            Issue(i.message, path=str(files[i.field]), line=i.line, field=i.field)
            if i.path is None and i.field in files
            else i
            for i in err.issues
        ]
        raise InputError(issues) from None


def _emit(result: Any, *, as_json: bool, plot: Path | None) -> None:
    """Save the figure if asked, then print the result as JSON or as its summary."""
    _save(plot, result)
    if as_json:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())


def _save(fig_path: Path | None, result: Any) -> None:
    if fig_path is None:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = result.plot()
    ax.figure.tight_layout()
    ax.figure.savefig(fig_path, dpi=120)
    plt.close(ax.figure)
    typer.echo(f"figure written to {fig_path}", err=True)


def _load_graph(dataset: str, include_liquid: bool) -> Any:
    from boombust.data import load_dataset
    from boombust.network.circular import CommitmentGraph

    return CommitmentGraph.from_dataset(load_dataset(dataset), include_liquid=include_liquid)


@app.command()
def cycles(
    dataset: Annotated[
        str, typer.Argument(help="Bundled dataset name (ai-2025), YAML file or CSV folder.")
    ],
    basis: Annotated[
        str, typer.Option("--basis", help="annual (amount / years) or total amounts.")
    ] = "annual",
    max_length: Annotated[int, typer.Option("--max-length", min=2, help="Longest cycle.")] = 8,
    as_json: AsJson = False,
    plot: PlotPath = None,
) -> None:
    """Strongly connected components, cycles with bottlenecks, circular revenue shares."""
    from boombust.network.circular import analyze_circularity

    result = analyze_circularity(_load_graph(dataset, False), basis=basis, max_length=max_length)
    _emit(result, as_json=as_json, plot=plot)


@app.command()
def clear(
    dataset: Annotated[
        str | None,
        typer.Argument(help="Dataset for commitment clearing (omit with --liabilities)."),
    ] = None,
    revenue_shortfall: Annotated[
        float | None,
        typer.Option(
            "--revenue-shortfall", help="Fall in end-user AI revenue, 0..1 (dataset mode)."
        ),
    ] = None,
    revenue: Annotated[
        float | None,
        typer.Option("--revenue", help="End-user AI revenue X in USD bn/yr (dataset mode)."),
    ] = None,
    include_liquid: Annotated[
        bool,
        typer.Option("--include-liquid", help="Count liquid assets as outside money."),
    ] = False,
    liabilities: Annotated[
        Path | None,
        typer.Option("--liabilities", help="Square CSV, no header: L[i,j] = what i owes j."),
    ] = None,
    external: Annotated[
        Path | None, typer.Option("--external", help="CSV, one external asset value per line.")
    ] = None,
    alpha: Annotated[
        float, typer.Option("--alpha", help="Rogers–Veraart recovery on external assets.")
    ] = 1.0,
    beta: Annotated[
        float, typer.Option("--beta", help="Rogers–Veraart recovery on interbank assets.")
    ] = 1.0,
    as_json: AsJson = False,
    plot: PlotPath = None,
) -> None:
    """Clear a payment network (--liabilities/--external) or a dataset's commitments."""
    from boombust.network._validate import as_fraction

    as_fraction(alpha, name="alpha")
    as_fraction(beta, name="beta")
    if liabilities is not None or external is not None:
        if dataset is not None:
            _usage("give either a dataset or --liabilities/--external, not both")
        if liabilities is None or external is None:
            _usage("--liabilities and --external go together")
        assert liabilities is not None
        assert external is not None
        from boombust.network.clearing import clear as clear_network

        mat = read_matrix_csv(liabilities, name="liabilities")
        e = read_vector_csv(external, name="external")
        with _located({"liabilities": liabilities, "external": external}):
            result = clear_network(mat, e, alpha=alpha, beta=beta, names=_row_names(mat.shape[0]))
        _emit(result, as_json=as_json, plot=plot)
        return
    if dataset is None:
        _usage("give a dataset (e.g. ai-2025) or --liabilities L.csv --external e.csv")
    assert dataset is not None
    if (revenue is None) == (revenue_shortfall is None):
        _usage("dataset mode needs exactly one of --revenue-shortfall and --revenue")
    from boombust.network.circular import clear_commitments

    commitments = clear_commitments(
        _load_graph(dataset, include_liquid),
        revenue,
        revenue_shortfall=revenue_shortfall,
        alpha=alpha,
        beta=beta,
    )
    _save(plot, commitments)
    if as_json:
        echo_json(commitments.to_dict())
    else:
        typer.echo(commitments.summary())


@app.command()
def curve(
    dataset: Annotated[str, typer.Argument(help="Bundled dataset name, YAML file or folder.")],
    points: Annotated[int, typer.Option("--points", min=2, help="Levels of X.")] = 13,
    top: Annotated[
        float | None,
        typer.Option(
            "--max-revenue",
            help="Largest X, USD bn/yr (default: max of 3x today and the labs' obligations).",
        ),
    ] = None,
    include_liquid: Annotated[bool, typer.Option("--include-liquid")] = False,
    as_json: AsJson = False,
    plot: PlotPath = None,
) -> None:
    """Share of commitments paid and backed by outside money, over end-user revenue X."""
    import numpy as np

    from boombust.network.circular import commitment_clearing_curve, default_revenue_top

    graph = _load_graph(dataset, include_liquid)
    grid = np.linspace(0.0, top if top is not None else default_revenue_top(graph), points)
    result = commitment_clearing_curve(graph, grid)
    _emit(result, as_json=as_json, plot=plot)


@app.command()
def debtrank(
    exposures: Annotated[
        Path, typer.Option("--exposures", help="Square CSV: A[i,j] = i's exposure to j.")
    ],
    capital: Annotated[Path, typer.Option("--capital", help="CSV, capital per node per line.")],
    shock: Annotated[
        Path | None,
        typer.Option("--shock", help="CSV, initial relative equity loss per node (0..1)."),
    ] = None,
    default: Annotated[
        int | None,
        typer.Option("--default", help="Node that defaults (h = 1): its row number, from 1."),
    ] = None,
    variant: Annotated[
        str,
        typer.Option("--variant", help="single-hit (Battiston 2012) or linear (Bardoscia 2015)."),
    ] = "single-hit",
    as_json: AsJson = False,
    plot: PlotPath = None,
) -> None:
    """DebtRank of one shock: final relative equity losses h and the DebtRank R."""
    import numpy as np

    from boombust.network.debtrank import debtrank_linear, debtrank_single_hit

    if variant not in {"single-hit", "linear"}:
        _usage(f"--variant must be single-hit or linear, got {variant!r}")
    if (shock is None) == (default is None):
        _usage("give exactly one of --shock s.csv and --default NODE")
    a = read_matrix_csv(exposures, name="exposures")
    c = read_vector_csv(capital, name="capital")
    s = read_vector_csv(shock, name="shock") if shock is not None else None
    files = {"exposures": exposures, "capital": capital}
    if shock is not None:
        files["shock"] = shock
    n = a.shape[0]
    if s is None:
        assert default is not None
        if not 1 <= default <= n:
            raise InputError(
                f"--default {default} is not a node; give a row number from 1 to {n}",
                field="default",
            )
        s = np.zeros(n)
        s[default - 1] = 1.0
    run = debtrank_single_hit if variant == "single-hit" else debtrank_linear
    with _located(files):
        result = run(a, c, s, names=_row_names(n))
    _emit(result, as_json=as_json, plot=plot)
