"""The Goldfarb–Kirsch four-factor bubble scorecard (uncertainty, pure plays,
novice investors, narrative), with sourced evidence, sensitivity and market
corroboration.

The rubric — indicators, thresholds, per-factor combination rules, 0/1/2 per
factor, bands — is **boombust's own operationalisation**: Goldfarb & Kirsch
(2019) name the four factors, but no public source gives a per-factor rubric,
and 0/1/2 per factor (so that AI's "8 out of 8" is 4 × 2) is an inference.
"""

from __future__ import annotations

from boombust.score.corroborate import MarketCorroboration, MarketSignal, corroborate
from boombust.score.evidence import Evidence, IndicatorEntry, Override, Source, load_evidence
from boombust.score.library import case_names, load_case
from boombust.score.rubric import Rubric, combine_levels, default_rubric, load_rubric
from boombust.score.scoring import (
    FactorScore,
    IndicatorScore,
    ScoreResult,
    compare,
    score_case,
    score_evidence,
)
from boombust.score.sensitivity import (
    IndicatorChange,
    Sensitivity,
    TargetPlan,
    sensitivity,
    what_would_it_take,
)

__all__ = [
    "Evidence",
    "FactorScore",
    "IndicatorChange",
    "IndicatorEntry",
    "IndicatorScore",
    "MarketCorroboration",
    "MarketSignal",
    "Override",
    "Rubric",
    "ScoreResult",
    "Sensitivity",
    "Source",
    "TargetPlan",
    "case_names",
    "combine_levels",
    "compare",
    "corroborate",
    "default_rubric",
    "load_case",
    "load_evidence",
    "load_rubric",
    "score_case",
    "score_evidence",
    "sensitivity",
    "what_would_it_take",
]
