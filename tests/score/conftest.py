from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

MINIMAL = """\
case: toy
title: Toy case
sources:
  - id: s1
    title: A source
    publisher: Someone
    url: https://example.org/s1
    confidence: confirmed
factors:
  uncertainty:
    no_return_share_pct: {value: 95, source: s1}
    leader_loss_margin_pct: {value: 135, source: s1}
    years_since_commercialisation: {value: 3, source: s1}
    business_model_uncertainty: {value: high, judgement: true, rationale: burn rates}
  pure_plays:
    vc_share_pct: {value: 58, source: s1}
    leader_market_weight_pct: {value: 8, source: s1}
    listed_pure_plays: {value: several, judgement: true, rationale: two named}
  novice_investors:
    retail_portfolio_share_leader_pct: {value: 10, source: s1}
    retail_buying_leader_vs_index: {value: 1.95, source: s1}
    novice_participation: {value: widespread, judgement: true, rationale: apps}
  narrative:
    promise_breadth: {value: unbounded, judgement: true, rationale: AGI}
    coordinating_event: {value: salient, judgement: true, rationale: ChatGPT}
"""


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "ev.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def minimal() -> str:
    """A complete toy evidence file that scores 8/8 under the default rubric."""
    return MINIMAL
