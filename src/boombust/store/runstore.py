"""The run store: Parquet artefacts and a JSON manifest per run, a DuckDB catalog over them.

Layout::

    <root>/                      default ./boombust-runs, or $BOOMBUST_RUNS
      <run_id>/manifest.json     spec, seed, version, dataset hash, timing, summary
      <run_id>/<artefact>.parquet

A run is written into a hidden temporary folder and renamed into place in one
step, so a run killed midway leaves nothing that ``runs list`` shows and never
touches earlier runs. The catalog is DuckDB reading the manifests directly: there
is no second copy of the metadata that could drift or be corrupted.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from boombust._provenance import stable_hash
from boombust._version import __version__
from boombust.errors import InputError

__all__ = ["RunStore", "StoredRun", "default_runs_dir"]

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ARTEFACT = re.compile(r"^[a-z0-9][a-z0-9_]*$")
MANIFEST = "manifest.json"


def default_runs_dir() -> Path:
    """``$BOOMBUST_RUNS`` if set, else ``./boombust-runs``."""
    return Path(os.environ.get("BOOMBUST_RUNS", "boombust-runs"))


@dataclass(frozen=True)
class StoredRun:
    """A run read back from the store: its manifest and lazily loaded artefacts."""

    run_id: str
    path: Path
    manifest: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def artefacts(self) -> list[str]:
        return sorted(self.manifest.get("artefacts", {}))

    def table(self, name: str) -> pd.DataFrame:
        """Load one Parquet artefact."""
        if name not in self.manifest.get("artefacts", {}):
            raise InputError(
                f"run {self.run_id} has no artefact {name!r}; it has {', '.join(self.artefacts)}",
                field="artefact",
            )
        return pd.read_parquet(self.path / self.manifest["artefacts"][name]["file"])

    def summary(self) -> str:
        m = self.manifest
        lines = [
            f"run {self.run_id}",
            f"  kind          {m['kind']}",
            f"  created       {m['created']}",
            f"  version       {m['version']}",
            f"  seed          {m.get('seed')}",
            f"  dataset hash  {m.get('dataset_hash')}",
            f"  duration      {m.get('duration_s', float('nan')):.3f} s",
            "  artefacts",
        ]
        for name, info in sorted(m.get("artefacts", {}).items()):
            lines.append(f"    {name:<24} {info['rows']:>8} rows  {len(info['columns'])} columns")
        if m.get("summary"):
            lines.append("  summary")
            for key, value in m["summary"].items():
                lines.append(f"    {key:<24} {value}")
        return "\n".join(lines)


class RunStore:
    """Save runs atomically and query them through DuckDB.

    Parameters
    ----------
    root
        Results directory; defaults to :func:`default_runs_dir`.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_runs_dir()

    def save(
        self,
        *,
        kind: str,
        spec: Mapping[str, Any],
        tables: Mapping[str, pd.DataFrame],
        seed: int | None = None,
        dataset_hash: str | None = None,
        duration_s: float | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> StoredRun:
        """Write one run: every table as Parquet, then the manifest, then rename into place."""
        if not _ARTEFACT.match(kind):
            raise InputError(f"run kind {kind!r} must be lowercase letters, digits and _")
        for name in tables:
            if not _ARTEFACT.match(name):
                raise InputError(f"artefact name {name!r} must be lowercase letters, digits and _")
        created = datetime.now(UTC)
        run_id = (
            f"{created:%Y%m%dT%H%M%S}-{kind}-"
            f"{stable_hash([dict(spec), seed, dataset_hash, secrets.token_hex(4)])[:8]}"
        )
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".tmp-{run_id}"
        tmp.mkdir()
        try:
            artefacts: dict[str, Any] = {}
            for name, frame in tables.items():
                file = f"{name}.parquet"
                frame.to_parquet(tmp / file, index=False)
                artefacts[name] = {
                    "file": file,
                    "rows": len(frame),
                    "columns": [str(c) for c in frame.columns],
                }
            manifest = {
                "run_id": run_id,
                "kind": kind,
                "created": created.isoformat(timespec="seconds"),
                "version": __version__,
                "seed": seed,
                "dataset_hash": dataset_hash,
                "duration_s": duration_s,
                "spec": dict(spec),
                "summary": dict(summary or {}),
                "artefacts": artefacts,
            }
            text = json.dumps(manifest, indent=2, sort_keys=True, default=str)
            with (tmp / MANIFEST).open("w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.rename(tmp, self.root / run_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return StoredRun(run_id, self.root / run_id, manifest)

    def _manifest_files(self) -> builtins.list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(
            p / MANIFEST
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file()
        )

    def list(self, *, kind: str | None = None) -> pd.DataFrame:
        """All complete runs, newest first, through the DuckDB catalog."""
        columns = ["run_id", "kind", "created", "version", "seed", "dataset_hash", "duration_s"]
        files = self._manifest_files()
        if not files:
            return pd.DataFrame(columns=columns)
        con = self.catalog(files)
        try:
            query = f"SELECT {', '.join(columns)} FROM runs"
            params: builtins.list[Any] = []
            if kind is not None:
                query += " WHERE kind = ?"
                params.append(kind)
            query += " ORDER BY created DESC, run_id DESC"
            frame: pd.DataFrame = con.execute(query, params).df()
            return frame
        finally:
            con.close()

    def catalog(self, files: builtins.list[Path] | None = None) -> Any:
        """An in-memory DuckDB connection with a ``runs`` view over every manifest."""
        import duckdb

        files = self._manifest_files() if files is None else files
        con = duckdb.connect(":memory:")
        if not files:
            con.execute(
                "CREATE VIEW runs AS SELECT NULL::VARCHAR AS run_id, NULL::VARCHAR AS kind, "
                "NULL::VARCHAR AS created, NULL::VARCHAR AS version, NULL::BIGINT AS seed, "
                "NULL::VARCHAR AS dataset_hash, NULL::DOUBLE AS duration_s, NULL::JSON AS spec, "
                "NULL::JSON AS summary WHERE false"
            )
            return con
        paths = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
        con.execute(
            f"CREATE VIEW runs AS SELECT * FROM read_json({paths}, columns = {{"
            "run_id: 'VARCHAR', kind: 'VARCHAR', created: 'VARCHAR', version: 'VARCHAR', "
            "seed: 'BIGINT', dataset_hash: 'VARCHAR', duration_s: 'DOUBLE', spec: 'JSON', "
            "summary: 'JSON'}, format = 'auto')"
        )
        return con

    def get(self, run_id: str) -> StoredRun:
        """Read a run back; unknown or incomplete runs are an :class:`InputError`."""
        if not _RUN_ID.match(run_id):
            raise InputError(
                f"{run_id!r} is not a run id; see `boombust runs list`", field="run_id"
            )
        path = self.root / run_id
        manifest_file = path / MANIFEST
        if not manifest_file.is_file():
            raise InputError(
                f"no run {run_id!r} in {self.root}; see `boombust runs list`", field="run_id"
            )
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise InputError(
                f"manifest is not valid JSON ({e.msg}); the run is damaged",
                path=str(manifest_file),
                line=e.lineno,
            ) from None
        return StoredRun(run_id, path, manifest)

    def clean_incomplete(self, *, older_than_s: float = 3600.0) -> builtins.list[Path]:
        """Remove temporary folders left by runs killed midway (older than ``older_than_s``)."""
        removed: builtins.list[Path] = []
        if not self.root.is_dir():
            return removed
        now = time.time()
        for p in self.root.glob(".tmp-*"):
            if p.is_dir() and now - p.stat().st_mtime > older_than_s:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        return removed
