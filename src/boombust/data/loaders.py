"""Load and export datasets: one YAML file, or a folder of CSVs with the same tables.

CSV layout (``boombust data export ai-2025 --to DIR --format csv`` writes it):

- one file per table, ``<table>.csv``, plus ``meta.csv`` (one row);
- nested parts flatten to dotted columns (``balance_sheet.total_assets``);
- lists of nested records go to child files ``<table>.<field>.csv`` whose
  ``parent`` column holds the id of the owning row (``deals.tranches.csv``);
- a number's own provenance goes in ``<column>__source`` / ``<column>__assumption``;
- several source ids in one cell are separated by ``;``; empty cells are absent.
"""

from __future__ import annotations

import csv
import os
import tempfile
import types
import warnings
from collections import defaultdict
from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from boombust._provenance import stable_hash
from boombust.data._locate import Loc, Locator, issues_from_validation_error, load_yaml_with_lines
from boombust.data.schema import TABLES, Dataset, DatasetMeta, Record
from boombust.data.validate import check_dataset
from boombust.errors import BoombustWarning, DataError, InputError, Issue

__all__ = [
    "UnsourcedNumberWarning",
    "dataset_hash",
    "dataset_to_plain",
    "export_dataset",
    "flatten_record",
    "load_csv_dataset",
    "load_yaml_dataset",
    "parse_dataset",
]

_VALUE_KEYS = frozenset({"value", "source", "assumption"})


class UnsourcedNumberWarning(BoombustWarning):
    """A number without a source or assumption was accepted because of ``allow_unsourced``."""


# --------------------------------------------------------------------------- parsing


def parse_dataset(
    raw: Any, locator: Locator, *, allow_unsourced: bool = False, prefix: Loc = ()
) -> Dataset:
    """Validate a plain mapping into a :class:`Dataset` and run the cross-table checks.

    Raises
    ------
    boombust.errors.DataError
        With one located :class:`~boombust.errors.Issue` per problem.
    """
    if not isinstance(raw, dict):
        raise DataError(
            [locator.issue(prefix, "a dataset must be a mapping with `meta` and table keys")]
        )
    try:
        ds = Dataset.model_validate(raw)
    except ValidationError as err:
        raise DataError(issues_from_validation_error(err, locator, prefix=prefix)) from None
    problems = check_dataset(ds, require_sources=not allow_unsourced)
    if problems:
        raise DataError([locator.issue((*prefix, *loc), msg) for loc, msg in problems])
    if allow_unsourced:
        from boombust.data.validate import check_provenance

        unsourced = check_provenance(ds)
        if unsourced:
            warnings.warn(
                f"{len(unsourced)} numbers have no source or assumption "
                f"(first: {locator.issue(unsourced[0][0], unsourced[0][1])})",
                UnsourcedNumberWarning,
                stacklevel=2,
            )
    return ds


def load_yaml_dataset(path: str | Path, *, allow_unsourced: bool = False) -> Dataset:
    """Load a dataset from one YAML file (see :mod:`boombust.data.schema`)."""
    raw, locator = load_yaml_with_lines(path)
    return parse_dataset(raw, locator, allow_unsourced=allow_unsourced)


# --------------------------------------------------------------------------- plain form


def dataset_to_plain(ds: Dataset) -> dict[str, Any]:
    """The dataset as plain YAML/JSON data, numbers in their written provenance form."""
    out: dict[str, Any] = {"meta": _plain(ds.meta)}
    for table in TABLES:
        out[table] = [_plain(row) for row in getattr(ds, table)]
    return out


def _plain(obj: BaseModel) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in type(obj).model_fields:
        if name == "field_sources" or name not in obj.model_fields_set:
            continue
        value = _plain_value(getattr(obj, name))
        if isinstance(obj, Record) and name in obj.field_sources:
            fs = obj.field_sources[name]
            value = {"value": value, **fs.model_dump(exclude_none=True)}
        out[name] = value
    return out


def _plain_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _plain(value)
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def dataset_hash(ds: Dataset) -> str:
    """SHA-256 of the dataset's canonical plain form: the same data gives the same hash
    whichever file format it was loaded from."""
    return stable_hash(dataset_to_plain(ds))


# --------------------------------------------------------------------------- CSV


def flatten_record(plain: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten one plain record to CSV columns (lists of records are left out)."""
    flat, _ = _flatten(plain, prefix)
    return flat


def _flatten(
    plain: dict[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    flat: dict[str, Any] = {}
    children: dict[str, list[dict[str, Any]]] = {}
    for key, value in plain.items():
        col = f"{prefix}{key}"
        if isinstance(value, dict) and "value" in value and set(value) <= _VALUE_KEYS:
            flat[col] = value["value"]
            if "source" in value:
                flat[f"{col}__source"] = _join(value["source"])
            if "assumption" in value:
                flat[f"{col}__assumption"] = value["assumption"]
        elif isinstance(value, dict):
            sub, sub_children = _flatten(value, f"{col}.")
            flat.update(sub)
            children.update(sub_children)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            children[col] = value
        elif isinstance(value, list):
            flat[col] = _join(value)
        else:
            flat[col] = value
    return flat, children


def _join(value: Any) -> str:
    return ";".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        for col in row:
            if col not in columns:
                columns.append(col)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(v) for k, v in row.items()})


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return value


def _export_csv(ds: Dataset, folder: Path) -> None:
    plain = dataset_to_plain(ds)
    _write_csv(folder / "meta.csv", [flatten_record(plain["meta"])])
    for table in TABLES:
        rows: list[dict[str, Any]] = []
        child_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in plain[table]:
            flat, children = _flatten(record)
            rows.append(flat)
            for path, items in children.items():
                for item in items:
                    sub, nested = _flatten(item)
                    if nested:
                        raise InputError(
                            f"{table}.{path}: lists nested inside list items cannot be "
                            "written as CSV; export as YAML"
                        )
                    child_rows[path].append({"parent": record["id"], **sub})
        _write_csv(folder / f"{table}.csv", rows)
        for path, items in child_rows.items():
            _write_csv(folder / f"{table}.{path}.csv", items)


def load_csv_dataset(folder: str | Path, *, allow_unsourced: bool = False) -> Dataset:
    """Load a dataset from a folder of CSVs written in the layout described above."""
    root = Path(folder)
    locator = Locator(default_path=str(root))
    if not root.is_dir():
        raise InputError("not a folder of CSV tables; check the path", path=str(root))
    allowed = {"meta", *TABLES}
    files = sorted(root.glob("*.csv"))
    for f in files:
        table = f.name.split(".")[0]
        if table not in allowed:
            raise DataError(
                [
                    Issue(
                        f"unknown table file; expected meta.csv or one of "
                        f"{', '.join(t + '.csv' for t in TABLES)} (and child files like "
                        "deals.tranches.csv)",
                        path=str(f),
                    )
                ]
            )
    if not (root / "meta.csv").exists():
        raise DataError([Issue("missing meta.csv (one row: name, title, as_of …)", path=str(root))])
    raw: dict[str, Any] = {}
    meta_rows = _read_csv(root / "meta.csv", ("meta",), locator, DatasetMeta, one=True)
    raw["meta"] = meta_rows[0] if meta_rows else {}
    for table in TABLES:
        path = root / f"{table}.csv"
        if not path.exists():
            continue
        model = _row_model(table)
        rows = _read_csv(path, (table,), locator, model)
        ids: dict[str, int] = {}
        for i, row in enumerate(rows):
            if isinstance(row.get("id"), str):
                ids.setdefault(row["id"], i)
        for child in sorted(root.glob(f"{table}.*.csv")):
            field_path = child.name[len(table) + 1 : -len(".csv")]
            child_model = _child_model(model, field_path.split("."))
            if child_model is None:
                raise DataError(
                    [
                        Issue(
                            f"{table} has no list field {field_path!r}; rename or remove the file",
                            path=str(child),
                        )
                    ]
                )
            _attach_children(child, table, field_path, child_model, rows, ids, locator)
        raw[table] = rows
    return parse_dataset(raw, locator, allow_unsourced=allow_unsourced)


def _row_model(table: str) -> type[BaseModel]:
    annotation = Dataset.model_fields[table].annotation
    (item,) = get_args(annotation)
    assert isinstance(item, type)
    assert issubclass(item, BaseModel)
    return item


def _unwrap_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(model class, is_list) of a field annotation, through Optional/list."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            model, is_list = _unwrap_model(arg)
            if model is not None:
                return model, is_list
        return None, False
    if origin is list:
        (item,) = get_args(annotation)
        model, _ = _unwrap_model(item)
        return model, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def _child_model(model: type[BaseModel], parts: list[str]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for k, part in enumerate(parts):
        if current is None or part not in current.model_fields:
            return None
        sub, is_list = _unwrap_model(current.model_fields[part].annotation)
        if is_list:
            return sub if k == len(parts) - 1 else None
        current = sub
    return None


def _list_kind(model: type[BaseModel] | None, name: str) -> Literal["always", "maybe", "no"]:
    if model is None or name not in model.model_fields:
        return "no"
    annotation = model.model_fields[name].annotation
    if _is_str_list(annotation):
        return "always"
    if get_origin(annotation) in (Union, types.UnionType) and any(
        _is_str_list(a) for a in get_args(annotation)
    ):
        return "maybe"
    return "no"


def _is_str_list(annotation: Any) -> bool:
    if get_origin(annotation) is not list:
        return False
    (item,) = get_args(annotation)
    if get_origin(item) is Annotated:
        item = get_args(item)[0]
    return item is str


def _read_csv(
    path: Path,
    at: Loc,
    locator: Locator,
    model: type[BaseModel],
    *,
    one: bool = False,
    parent_column: bool = False,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return rows
            header = [h.strip() for h in header]
            for k, cells in enumerate(reader):
                line = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    raise DataError(
                        [
                            Issue(
                                f"row has {len(cells)} cells but the header has {len(header)}; "
                                "check for a missing or extra comma",
                                path=str(path),
                                line=line,
                            )
                        ]
                    )
                index = len(rows)
                loc = at if one else (*at, index)
                locator.record(loc, str(path), line)
                row = _unflatten(dict(zip(header, cells, strict=True)), model, path, line)
                if parent_column:
                    row["__line__"] = line
                rows.append(row)
                _ = k
    except UnicodeDecodeError as e:
        raise DataError([Issue(f"not UTF-8 text ({e.reason})", path=str(path))]) from None
    except csv.Error as e:
        raise DataError([Issue(f"malformed CSV: {e}", path=str(path))]) from None
    if one and len(rows) != 1:
        raise DataError([Issue(f"expected exactly one row, found {len(rows)}", path=str(path))])
    return rows


def _unflatten(
    cells: dict[str, str], model: type[BaseModel], path: Path, line: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    suffixed: list[tuple[list[str], str, str]] = []
    for col, cell in cells.items():
        text = cell.strip()
        if text == "":
            continue
        base, sep, suffix = col.partition("__")
        parts = base.split(".")
        if sep:
            if suffix not in ("source", "assumption"):
                raise DataError(
                    [
                        Issue(
                            f"unknown column suffix {suffix!r}; use __source or __assumption",
                            path=str(path),
                            line=line,
                            field=col,
                        )
                    ]
                )
            suffixed.append((parts, suffix, text))
            continue
        _set(out, parts, _convert(model, parts, text))
    for parts, suffix, text in suffixed:
        holder = _get_parent(out, parts)
        key = parts[-1]
        if key not in holder:
            raise DataError(
                [
                    Issue(
                        f"provenance given for {'.'.join(parts)!r} but the value is empty",
                        path=str(path),
                        line=line,
                        field="__".join([".".join(parts), suffix]),
                    )
                ]
            )
        current = holder[key]
        if not (isinstance(current, dict) and "value" in current):
            current = {"value": current}
        current[suffix] = text.split(";") if suffix == "source" and ";" in text else text
        holder[key] = current
    return out


def _convert(model: type[BaseModel], parts: list[str], text: str) -> Any:
    current: type[BaseModel] | None = model
    for part in parts[:-1]:
        if current is None or part not in current.model_fields:
            current = None
            break
        current, _ = _unwrap_model(current.model_fields[part].annotation)
    kind = _list_kind(current, parts[-1])
    if kind == "always" or (kind == "maybe" and ";" in text):
        return [t.strip() for t in text.split(";")]
    return text


def _set(out: dict[str, Any], parts: list[str], value: Any) -> None:
    node = out
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _get_parent(out: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    node = out
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    return node


def _attach_children(
    child: Path,
    table: str,
    field_path: str,
    model: type[BaseModel],
    rows: list[dict[str, Any]],
    ids: dict[str, int],
    locator: Locator,
) -> None:
    parts = field_path.split(".")
    scratch = Locator(default_path=str(child))
    items = _read_csv(child, ("_",), scratch, model, parent_column=True)
    counts: dict[int, int] = defaultdict(int)
    for item in items:
        line = item.pop("__line__")
        parent = item.pop("parent", None)
        if parent is None or parent not in ids:
            raise DataError(
                [
                    Issue(
                        f"parent {parent!r} is not an id in {table}.csv; "
                        "set `parent` to the owning row's id",
                        path=str(child),
                        line=line,
                        field="parent",
                    )
                ]
            )
        index = ids[parent]
        holder = _get_parent(rows[index], parts)
        holder.setdefault(parts[-1], []).append(item)
        j = counts[index]
        counts[index] += 1
        locator.record((table, index, *parts, j), str(child), line)


# --------------------------------------------------------------------------- export


def export_dataset(ds: Dataset, to: str | Path, *, fmt: Literal["yaml", "csv"]) -> Path:
    """Write ``ds`` as one YAML file (``to`` a file or folder) or a folder of CSVs.

    Writes are atomic: a temporary file or folder is renamed into place, so an
    interrupted export never leaves a half-written dataset behind.
    """
    target = Path(to)
    if fmt == "yaml":
        if target.suffix not in (".yaml", ".yml"):
            target.mkdir(parents=True, exist_ok=True)
            target = target / f"{ds.meta.name}.yaml"
        text = yaml.safe_dump(dataset_to_plain(ds), sort_keys=False, allow_unicode=True, width=100)
        _atomic_write_text(target, text)
        return target
    if fmt == "csv":
        target.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target))
        try:
            _export_csv(ds, tmp)
            for f in tmp.iterdir():
                os.replace(f, target / f.name)
        finally:
            for f in tmp.iterdir():
                f.unlink()
            tmp.rmdir()
        return target
    raise InputError(f"unknown export format {fmt!r}; use yaml or csv", field="format")


def _atomic_write_text(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def iter_rows(ds: Dataset, table: str) -> Iterable[dict[str, Any]]:
    """Flat rows of a table (CSV columns), for display."""
    plain = dataset_to_plain(ds)
    if table == "meta":
        yield flatten_record(plain["meta"])
        return
    for record in plain[table]:
        yield flatten_record(record)
