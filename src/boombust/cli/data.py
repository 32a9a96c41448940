"""``boombust data``: validate, show, list sources of, and export datasets."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Literal

import typer

from boombust.cli._common import echo_json

app = typer.Typer(help="Validate, show and export datasets.", no_args_is_help=True)

DatasetArg = Annotated[
    str, typer.Argument(help="A bundled dataset name (ai-2025), a YAML file or a folder of CSVs.")
]
AllowUnsourced = Annotated[
    bool, typer.Option("--allow-unsourced", help="Accept numbers without source or assumption.")
]


@app.command()
def validate(path: DatasetArg, allow_unsourced: AllowUnsourced = False) -> None:
    """Check a dataset: types, ids, references, tranche stacks, balance sheets, sources."""
    from boombust.data import dataset_hash, load_dataset
    from boombust.data.schema import TABLES

    ds = load_dataset(path, allow_unsourced=allow_unsourced)
    counts = ", ".join(f"{len(getattr(ds, t))} {t}" for t in TABLES)
    typer.echo(f"ok: {ds.meta.name} ({path}): {counts}")
    typer.echo(f"sha256 {dataset_hash(ds)}")


@app.command()
def show(
    dataset: Annotated[
        str, typer.Argument(help="Bundled name, YAML file or CSV folder.")
    ] = "ai-2025",
    table: Annotated[str | None, typer.Option("--table", "-t", help="Show one table.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Summarise a dataset, or print one of its tables."""
    from boombust.data import dataset_hash, load_dataset, table_frame
    from boombust.data.loaders import iter_rows
    from boombust.data.schema import TABLES
    from boombust.data.validate import provenance_counts

    ds = load_dataset(dataset)
    if table is not None:
        frame = table_frame(ds, table)
        if as_json:
            echo_json(list(iter_rows(ds, table)))
        else:
            with _wide_pandas():
                typer.echo(frame.to_string(index=False) if len(frame) else f"(no rows in {table})")
        return
    prov = provenance_counts(ds)
    total_numbers = prov["sourced"] + prov["assumption"]
    summary = {
        "name": ds.meta.name,
        "title": ds.meta.title,
        "as_of": ds.meta.as_of,
        "sha256": dataset_hash(ds),
        "tables": {t: len(getattr(ds, t)) for t in TABLES},
        "sources_by_confidence": dict(Counter(s.confidence.value for s in ds.sources)),
        "numbers": {**prov, "total": total_numbers},
        "commitments_total_usd_bn": round(sum(c.amount for c in ds.commitments), 3),
        "deals": [
            {"id": d.id, "capital_usd_bn": round(d.capital, 3), "tranches": len(d.tranches)}
            for d in ds.deals
        ],
    }
    if as_json:
        echo_json(summary)
        return
    typer.echo(f"{ds.meta.name}: {ds.meta.title} (as of {ds.meta.as_of})")
    typer.echo(f"sha256 {summary['sha256']}")
    for t in TABLES:
        typer.echo(f"  {t:<13} {len(getattr(ds, t)):>5} rows")
    share = prov["assumption"] / total_numbers if total_numbers else 0.0
    typer.echo(
        f"numbers: {total_numbers} written, {prov['sourced']} cite a source, "
        f"{prov['assumption']} are assumptions ({share:.0%})"
    )
    if ds.commitments:
        typer.echo(
            f"commitments: {len(ds.commitments)} edges, "
            f"${summary['commitments_total_usd_bn']:,.1f}B in total"
        )
    for d in ds.deals:
        typer.echo(f"deal {d.id}: {d.name}, capital ${d.capital:,.2f}B, {len(d.tranches)} tranches")
    typer.echo("tables: boombust data show DATASET --table NAME [--json]")


@app.command()
def sources(
    dataset: DatasetArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the sources a dataset cites, with how many rows cite each."""
    from boombust.data import load_dataset
    from boombust.data.schema import Record, iter_records

    ds = load_dataset(dataset)
    cited: Counter[str] = Counter()

    def visit(obj: object) -> None:
        if isinstance(obj, Record):
            for ref in set(obj.source_ids()):
                cited[ref] += 1
            for name in type(obj).model_fields:
                value = getattr(obj, name)
                for item in value if isinstance(value, list) else [value]:
                    visit(item)

    for _table, _i, row in iter_records(ds):
        visit(row)
    rows = [
        {
            "id": s.id,
            "confidence": s.confidence.value,
            "cited_by": cited.get(s.id, 0),
            "publisher": s.publisher,
            "date": s.date,
            "title": s.title,
            "url": s.url,
        }
        for s in ds.sources
    ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:<40} {r['confidence']:<11} cited {r['cited_by']:>3}x  {r['title']}")
        typer.echo(f"{'':<40} {r['publisher']}, {r['date'] or 'n.d.'}  {r['url'] or ''}")


@app.command()
def export(
    dataset: DatasetArg,
    to: Annotated[Path, typer.Option("--to", help="Target folder (or .yaml file).")],
    fmt: Annotated[
        Literal["csv", "yaml"], typer.Option("--format", help="csv (a folder) or yaml (one file).")
    ] = "yaml",
) -> None:
    """Write a dataset as a folder of CSVs or as one YAML file."""
    from boombust.data import export_dataset, load_dataset

    ds = load_dataset(dataset)
    out = export_dataset(ds, to, fmt=fmt)
    typer.echo(f"wrote {out}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of a dataset file (for editors)."""
    from boombust.data import dataset_json_schema

    typer.echo(json.dumps(dataset_json_schema(), indent=2))


class _wide_pandas:
    def __enter__(self) -> None:
        import pandas as pd

        self._ctx = pd.option_context(
            "display.max_columns", None, "display.width", 200, "display.max_colwidth", 40
        )
        self._ctx.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)
