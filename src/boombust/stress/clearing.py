"""The cascade's compact clearing kernel: Rogers–Veraart greatest clearing vector, batched.

This is the stress engine's own small kernel (dense, exact, vectorised over Monte Carlo
paths) for the few dozen institutions of the ai-2025 network. It is to be checked against,
and replaced by, :mod:`boombust.network.clearing` once that engine lands; the interface is
:func:`clear` (``Clearer`` protocol in :mod:`boombust.stress.engine`).

With ``alpha = beta = 1`` it is Eisenberg–Noe's fictitious-default algorithm; the cascade also
uses it that way to clear the circular commitment graph (step 1).

References
----------
Eisenberg, L., Noe, T. (2001). Systemic risk in financial systems. Mgmt Sci 47(2), 236–249.
Rogers, L.C.G., Veraart, L.A.M. (2013). Failure and rescue in an interbank network.
Mgmt Sci 59(4), 882–898 (greatest-clearing-vector algorithm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["ClearingResult", "clear"]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class ClearingResult:
    """Payments ``p`` (P, N), the insolvent set and the round in which each became insolvent."""

    payments: F64
    insolvent: NDArray[np.bool_]
    level: NDArray[np.int64]


def clear(
    liabilities: F64,
    external: F64,
    *,
    alpha: F64 | float = 1.0,
    beta: F64 | float = 1.0,
    tol: float = 1e-12,
) -> ClearingResult:
    """Greatest clearing vector of Rogers–Veraart (2013) for each path.

    Parameters
    ----------
    liabilities
        ``L`` with ``L[..., i, j]`` what i owes j: shape (N, N) or (P, N, N).
    external
        ``e`` (P, N): external assets net of non-network liabilities' priority, i.e. what each
        node has besides payments received. Negative values count as zero (limited
        liability: a node never pays out of what it does not have).
    alpha, beta
        Share of external / network assets a defaulter realises (scalars or (P,)).

    Notes
    -----
    The greatest-clearing-vector algorithm: start from ``p = pbar``; the insolvent set is
    ``I = {i : e_i + (Pi' p)_i < pbar_i}``; solve
    ``p_I = (I - beta Pi_II')^{-1} (alpha e_I + beta Pi_SI' pbar_S)`` with ``p_S = pbar_S``;
    repeat until ``I`` stops growing (at most N rounds). ``level`` is that round (-1: solvent).
    """
    e = np.maximum(np.atleast_2d(np.asarray(external, dtype=float)), 0.0)  # limited liability
    p_paths, n = e.shape
    lmat = np.asarray(liabilities, dtype=float)
    if lmat.ndim == 2:
        lmat = np.broadcast_to(lmat, (p_paths, n, n))
    pbar = lmat.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        pi = np.where(pbar[:, :, None] > 0, lmat / pbar[:, :, None], 0.0)
    al = np.broadcast_to(np.asarray(alpha, dtype=float), (p_paths,))[:, None]
    be = np.broadcast_to(np.asarray(beta, dtype=float), (p_paths,))[:, None]
    p = pbar.copy()
    insolvent = np.zeros((p_paths, n), dtype=bool)
    level = np.full((p_paths, n), -1, dtype=np.int64)
    eye = np.eye(n)
    scale = np.maximum(pbar, 1.0)
    for rnd in range(n + 1):
        inflow = np.einsum("pij,pi->pj", pi, p)
        now = insolvent | (e + inflow < pbar - tol * scale)
        newly = now & ~insolvent
        if not newly.any():
            break
        level[newly] = rnd
        insolvent = now
        rows = np.flatnonzero(insolvent.any(axis=1))
        ins = insolvent[rows]
        pi_r = pi[rows]
        pbar_r = pbar[rows]
        b_r = be[rows]
        # p_j = alpha e_j + beta sum_i Pi_ij p_i for j in I; unknowns are p_i, i in I
        pit = np.swapaxes(pi_r, 1, 2)  # pit[j, i] = Pi[i, j]
        mask = ins[:, :, None] & ins[:, None, :]
        mat = eye - b_r[:, :, None] * np.where(mask, pit, 0.0)
        known = np.where(ins, 0.0, pbar_r)  # solvent pay in full
        rhs_ins = al[rows] * e[rows] + b_r * np.einsum("pji,pi->pj", pit, known)
        rhs = np.where(ins, rhs_ins, pbar_r)
        sol = np.linalg.solve(mat, rhs[:, :, None])[:, :, 0]
        p[rows] = np.clip(sol, 0.0, pbar_r)
    return ClearingResult(p, insolvent, level)
