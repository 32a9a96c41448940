"""Run artefacts (Parquet) and a DuckDB catalog over them."""

from boombust.store.runstore import RunStore, StoredRun, default_runs_dir

__all__ = ["RunStore", "StoredRun", "default_runs_dir"]
