"""Network engine: default clearing, DebtRank and circular commitments.

* :func:`clear` / :func:`clear_many` -- Eisenberg–Noe and Rogers–Veraart greatest
  clearing vectors (fictitious-default / GA rounds, exact fast inner solves).
* :func:`debtrank_single_hit`, :func:`debtrank_linear`,
  :func:`debtrank_all_single_node` -- Battiston 2012 and Bardoscia 2015 DebtRank.
* :class:`CommitmentGraph`, :func:`analyze_circularity`, :func:`clear_commitments`,
  :func:`commitment_clearing_curve` -- how much of the circular money is real.
"""

from __future__ import annotations

from boombust.network.circular import (
    CircularityResult,
    CommitmentClearingCurve,
    CommitmentClearingResult,
    CommitmentEdge,
    CommitmentGraph,
    Cycle,
    analyze_circularity,
    clear_commitments,
    commitment_clearing_curve,
)
from boombust.network.clearing import (
    ClearingBatchResult,
    ClearingResult,
    clear,
    clear_many,
    clearing_map,
    picard_clear,
)
from boombust.network.debtrank import (
    DebtRankBatchResult,
    DebtRankResult,
    debtrank,
    debtrank_all_single_node,
    debtrank_linear,
    debtrank_single_hit,
    leverage_matrix,
)

__all__ = [
    "CircularityResult",
    "ClearingBatchResult",
    "ClearingResult",
    "CommitmentClearingCurve",
    "CommitmentClearingResult",
    "CommitmentEdge",
    "CommitmentGraph",
    "Cycle",
    "DebtRankBatchResult",
    "DebtRankResult",
    "analyze_circularity",
    "clear",
    "clear_commitments",
    "clear_many",
    "clearing_map",
    "commitment_clearing_curve",
    "debtrank",
    "debtrank_all_single_node",
    "debtrank_linear",
    "debtrank_single_hit",
    "leverage_matrix",
    "picard_clear",
]
