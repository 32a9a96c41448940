"""The published JSON Schema (schema/dataset.schema.json) matches the models."""

from __future__ import annotations

import json
from pathlib import Path

from boombust.data import dataset_json_schema

SCHEMA_FILE = Path(__file__).parents[2] / "schema" / "dataset.schema.json"


def test_published_schema_is_current() -> None:
    published = json.loads(SCHEMA_FILE.read_text())
    assert published == dataset_json_schema(), "run `make schema` and commit the result"


def test_public_api_is_lazy_and_small() -> None:
    import boombust

    assert callable(boombust.load_dataset)
    assert boombust.RunStore.__name__ == "RunStore"
    assert set(boombust.__all__) >= {"load_dataset", "RunStore", "InputError", "__version__"}
