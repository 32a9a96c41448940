"""Network engine: default clearing, DebtRank and circular commitments."""

from __future__ import annotations

from boombust.network.clearing import (
    ClearingBatchResult,
    ClearingResult,
    clear,
    clear_many,
    clearing_map,
    picard_clear,
)

__all__ = [
    "ClearingBatchResult",
    "ClearingResult",
    "clear",
    "clear_many",
    "clearing_map",
    "picard_clear",
]
