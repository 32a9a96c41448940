"""The sourced dataset: schema, loaders, validation, bundled datasets.

>>> from boombust.data import load_dataset
>>> ds = load_dataset("ai-2025")          # doctest: +SKIP
>>> ds.commitments[0].payer               # doctest: +SKIP
"""

from boombust.data.loaders import (
    UnsourcedNumberWarning,
    dataset_hash,
    dataset_to_plain,
    export_dataset,
    load_csv_dataset,
    load_yaml_dataset,
)
from boombust.data.registry import bundled_datasets, dataset_json_schema, load_dataset, table_frame
from boombust.data.schema import TABLES, Dataset

__all__ = [
    "TABLES",
    "Dataset",
    "UnsourcedNumberWarning",
    "bundled_datasets",
    "dataset_hash",
    "dataset_json_schema",
    "dataset_to_plain",
    "export_dataset",
    "load_csv_dataset",
    "load_dataset",
    "load_yaml_dataset",
    "table_frame",
]
