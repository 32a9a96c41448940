"""Shared helpers of the dashboard tests (modules that need Dash skip without it)."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest


def upload_contents(text: str | bytes) -> str:
    """What ``dcc.Upload`` hands a callback for a file with this content."""
    raw = text.encode() if isinstance(text, str) else text
    return "data:text/csv;base64," + base64.b64encode(raw).decode()


@pytest.fixture
def random_walk_csv() -> str:
    """A dated, positive geometric random walk with an explosive stretch (seeded)."""
    rng = np.random.default_rng(11)
    n = 160
    steps = rng.normal(0.0, 0.02, n)
    steps[100:130] += 0.03  # a run-up
    prices = 100 * np.exp(np.cumsum(steps))
    dates = pd.bdate_range("2020-01-01", periods=n)
    frame = pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Close": prices})
    return str(frame.to_csv(index=False))
