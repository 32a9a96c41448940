"""Bundled datasets and the one entry point that loads any dataset."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from boombust.data.loaders import iter_rows, load_csv_dataset, load_yaml_dataset
from boombust.data.schema import TABLES, Dataset, Record
from boombust.errors import InputError

__all__ = ["bundled_datasets", "dataset_json_schema", "load_dataset", "table_frame"]


def _bundled_dir() -> Path:
    return Path(str(resources.files("boombust.data") / "datasets"))


def bundled_datasets() -> list[str]:
    """Names of the datasets shipped inside the package (e.g. ``ai-2025``)."""
    return sorted(p.stem for p in _bundled_dir().glob("*.yaml"))


def load_dataset(name_or_path: str | Path, *, allow_unsourced: bool = False) -> Dataset:
    """Load a bundled dataset by name, a YAML file, or a folder of CSV tables.

    Parameters
    ----------
    name_or_path
        ``"ai-2025"`` (see :func:`bundled_datasets`), a ``.yaml`` file, or a folder.
    allow_unsourced
        Accept numbers without a source or assumption (with a warning).

    Raises
    ------
    boombust.errors.DataError
        The data does not validate; each issue names file, line and field.
    """
    text = str(name_or_path)
    if isinstance(name_or_path, str) and text in bundled_datasets():
        return load_yaml_dataset(_bundled_dir() / f"{text}.yaml", allow_unsourced=allow_unsourced)
    path = Path(name_or_path)
    if path.is_dir():
        return load_csv_dataset(path, allow_unsourced=allow_unsourced)
    if path.is_file():
        return load_yaml_dataset(path, allow_unsourced=allow_unsourced)
    names = ", ".join(bundled_datasets()) or "none"
    raise InputError(
        f"no such dataset; give a bundled name ({names}), a YAML file or a folder of CSVs",
        path=text,
    )


def table_frame(ds: Dataset, table: str) -> pd.DataFrame:
    """One table as a flat DataFrame (dotted columns for nested parts)."""
    if table not in (*TABLES, "meta"):
        raise InputError(
            f"unknown table {table!r}; choose one of meta, {', '.join(TABLES)}", field="table"
        )
    return pd.DataFrame(list(iter_rows(ds, table)))


def dataset_json_schema() -> dict[str, Any]:
    """JSON Schema of a dataset file, for editors; sourced numbers accept the value form."""
    schema = Dataset.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    value_form = {
        "type": "object",
        "properties": {
            "value": {"type": "number"},
            "source": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
            "assumption": {"type": "string"},
            "note": {"type": "string"},
        },
        "required": ["value"],
        "additionalProperties": False,
    }
    for name, definition in defs.items():
        model = _record_models().get(name)
        if model is None:
            continue
        props = definition.get("properties", {})
        props.pop("field_sources", None)
        for fld in model._sourced_fields:
            if fld in props:
                props[fld] = {"anyOf": [props[fld], value_form]}
    schema["title"] = "boombust dataset"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _record_models() -> dict[str, type[Record]]:
    out: dict[str, type[Record]] = {}
    stack: list[type[Record]] = list(Record.__subclasses__())
    while stack:
        cls = stack.pop()
        out[cls.__name__] = cls
        stack.extend(cls.__subclasses__())
    return out
