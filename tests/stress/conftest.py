from __future__ import annotations

from pathlib import Path

import pytest

from boombust.data import Dataset, load_dataset

FIXTURES = Path(__file__).parent / "fixtures"
WEB = FIXTURES / "web.yaml"


@pytest.fixture(scope="session")
def web() -> Dataset:
    """The small AI-web test network (all numbers are marked assumptions)."""
    return load_dataset(WEB)
