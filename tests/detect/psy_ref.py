from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REF = Path(__file__).resolve().parents[1] / "reference" / "psy"
REDUCED = os.environ.get("BOOMBUST_REDUCED") == "1"


def load_ref(name: str) -> Any:
    return json.loads((REF / name).read_text())


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the user's cache from tests."""
    monkeypatch.setenv("BOOMBUST_CACHE", str(tmp_path / "cache"))
