"""DebtRank: single-hit (Battiston et al. 2012) and linear (Bardoscia et al. 2015).

Conventions (both variants): ``A[i, j]`` is node i's exposure to node j (an asset
of i, a liability of j), ``E`` each node's capital (equity), ``h`` each node's
relative equity loss in [0, 1], and ``v`` the weights of the aggregate loss
(default: capital shares, so ``v'h`` is the share of system equity lost -- the
``H`` of Bardoscia et al. 2015; Battiston et al. use shares of economic value,
pass ``value=`` for that). DebtRank is the loss caused *beyond* the initial shock,
``R = v'h(T) - v'h(1)``.

Single-hit (Battiston et al. 2012, eqs. 1-3): impact of j on i is
``W_ji = min(1, A_ij / E_i)``; every distressed node propagates its distress
once, then becomes inactive::

    h_i(t) = min(1, h_i(t-1) + sum_{j: s_j(t-1) = D} W_ji h_j(t-1))

Linear / differential (Bardoscia et al. 2015, eq. 6): interbank leverage
``Lambda_ij = A_ij / E_i``; every new loss propagates::

    h_i(t+1) = min(1, h_i(t) + sum_j Lambda_ij (h_j(t) - h_j(t-1))),  h(0) = 0.

Because ``Lambda >= 0`` the increments are non-negative and this equals the
capped Picard map ``h(t+1) = min(1, h(1) + Lambda h(t))`` (telescoping the sum;
a capped node stays at 1), which is how it is computed here, also for a whole
block of shocks at once.

References
----------
Battiston, S., Puliga, M., Kaushik, R., Tasca, P. & Caldarelli, G. (2012).
    DebtRank: too central to fail? Scientific Reports 2, 541.
    https://doi.org/10.1038/srep00541
Bardoscia, M., Battiston, S., Caccioli, F. & Caldarelli, G. (2015). DebtRank: a
    microscopic foundation for shock propagation. PLoS ONE 10(6), e0130406.
    https://doi.org/10.1371/journal.pone.0130406
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from boombust._provenance import Provenance, stable_hash
from boombust.errors import ConvergenceWarning, InputError
from boombust.network._kernels import (
    HAVE_NUMBA,
    capped_sweep_gauss_seidel,
    single_hit_from_nodes,
    single_hit_kernel,
)
from boombust.network._validate import as_square_matrix, as_vector

__all__ = [
    "DebtRankBatchResult",
    "DebtRankResult",
    "debtrank",
    "debtrank_all_single_node",
    "debtrank_linear",
    "debtrank_single_hit",
    "leverage_matrix",
]

FloatArray = NDArray[np.float64]
Variant = Literal["single-hit", "linear"]


@dataclass(frozen=True)
class _Prepared:
    leverage: sp.csr_matrix  # Lambda_ij = A_ij / E_i (row i = who hits i)
    capital: FloatArray
    value: FloatArray
    names: tuple[str, ...]
    n: int


def _prepare(
    exposures: Any,
    capital: Any,
    value: Any | None,
    names: Sequence[str] | None,
    *,
    source_exposures: str | None = None,
    source_capital: str | None = None,
) -> _Prepared:
    a = as_square_matrix(exposures, name="exposures", source=source_exposures)
    n = int(a.shape[0])
    c = as_vector(capital, n=n, name="capital", source=source_capital)
    if (c <= 0).any():
        i = int(np.flatnonzero(c <= 0)[0])
        raise InputError(
            f"capital of node {i + 1} is {c[i]:g}; DebtRank needs positive capital "
            "(drop already-defaulted nodes or give them a small positive capital)",
            path=source_capital,
            line=i + 1,
            field="capital",
        )
    if value is None:
        v = c / c.sum()
    else:
        v = as_vector(value, n=n, name="value")
        total = float(v.sum())
        if total <= 0:
            raise InputError("value weights sum to 0; give positive weights", field="value")
        v = v / total
    lev = sp.csr_matrix(sp.diags(1.0 / c) @ a)
    labels = tuple(str(i) for i in range(n)) if names is None else tuple(map(str, names))
    if len(labels) != n:
        raise InputError(f"names has {len(labels)} entries for {n} nodes", field="names")
    return _Prepared(lev, c, v, labels, n)


def leverage_matrix(exposures: Any, capital: Any) -> sp.csr_matrix:
    """Interbank leverage ``Lambda_ij = A_ij / E_i`` (Bardoscia et al. 2015, eq. 3)."""
    return _prepare(exposures, capital, None, None).leverage


def _impact_by_source(prep: _Prepared) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
    """CSR of ``W'`` (row j: nodes hit by j, weight ``W_ji = min(1, Lambda_ij)``)."""
    w = prep.leverage.copy()
    np.minimum(w.data, 1.0, out=w.data)
    wt = sp.csr_matrix(w.T)
    wt.sort_indices()
    return (
        wt.indptr.astype(np.int64),
        wt.indices.astype(np.int64),
        wt.data.astype(np.float64),
    )


@dataclass(frozen=True)
class DebtRankResult:
    """Distress after one shock.

    Attributes
    ----------
    h
        Final relative equity loss per node.
    h_initial
        The shock ``h(1)``.
    debtrank
        ``R = v'h - v'h(1)``: loss caused beyond the initial shock.
    total_loss
        ``v'h``: share of the weighted value lost, shock included.
    """

    variant: str
    h: FloatArray
    h_initial: FloatArray
    debtrank: float
    total_loss: float
    steps: int
    value: FloatArray
    capital: FloatArray
    names: tuple[str, ...]
    provenance: Provenance = field(repr=False, compare=False)

    @property
    def amplification(self) -> float:
        """``v'h / v'h(1)``: how much the network multiplies the initial loss."""
        initial = float(self.value @ self.h_initial)
        return float("nan") if initial == 0 else self.total_loss / initial

    def summary(self) -> str:
        lines = [
            f"DebtRank ({self.variant})",
            f"  nodes            {len(self.h)}",
            f"  initial loss     {float(self.value @ self.h_initial):.6g}",
            f"  DebtRank R       {self.debtrank:.6g}",
            f"  total loss v'h   {self.total_loss:.6g}",
            f"  amplification    {self.amplification:.4g}",
            f"  distressed       {int((self.h > 0).sum())}, wiped out {int((self.h >= 1).sum())}",
            f"  steps            {self.steps}",
        ]
        if len(self.h) <= 30:
            lines += ["", self.to_frame().to_string(float_format=lambda v: f"{v:.6g}")]
        return "\n".join(lines)

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {
                "h_initial": self.h_initial,
                "h": self.h,
                "capital": self.capital,
                "equity_loss": self.h * self.capital,
                "value": self.value,
            },
            index=pd.Index(list(self.names), name="node"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "nodes": list(self.names),
            "h": self.h.tolist(),
            "h_initial": self.h_initial.tolist(),
            "debtrank": self.debtrank,
            "total_loss": self.total_loss,
            "steps": self.steps,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Initial and final relative equity loss per node."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(max(4.0, 0.35 * len(self.h)), 3.2))
        x = np.arange(len(self.h))
        ax.bar(x, self.h, color="tab:red", label="final h")
        ax.bar(x, self.h_initial, color="tab:grey", label="shock h(1)")
        if len(x) <= 40:
            ax.set_xticks(x)
            ax.set_xticklabels(self.names, rotation=60, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("relative equity loss h")
        ax.set_title(f"DebtRank ({self.variant}): R = {self.debtrank:.4g}")
        ax.legend(fontsize=8)
        return ax


def _result(
    prep: _Prepared, variant: str, h: FloatArray, h0: FloatArray, steps: int, spec: dict[str, Any]
) -> DebtRankResult:
    total = float(prep.value @ h)
    return DebtRankResult(
        variant=variant,
        h=h,
        h_initial=h0,
        debtrank=total - float(prep.value @ h0),
        total_loss=total,
        steps=steps,
        value=prep.value,
        capital=prep.capital,
        names=prep.names,
        provenance=Provenance(
            spec=spec, data_hash=stable_hash([prep.capital.tolist(), h0.tolist()])
        ),
    )


def debtrank_single_hit(
    exposures: Any,
    capital: Any,
    shock: Any,
    *,
    value: Any | None = None,
    names: Sequence[str] | None = None,
) -> DebtRankResult:
    """Battiston et al. (2012) single-hit DebtRank for one shock.

    Parameters
    ----------
    exposures
        ``A[i, j]``: node i's exposure to node j, dense or scipy sparse, ``>= 0``.
    capital
        Each node's capital (equity), ``> 0``.
    shock
        Initial relative equity loss ``h(1)`` per node, in [0, 1].
    value
        Weights of the aggregate loss (normalised to sum 1); default capital shares.
    """
    prep = _prepare(exposures, capital, value, names)
    h0 = as_vector(shock, n=prep.n, name="shock", upper=1.0)
    indptr, indices, weights = _impact_by_source(prep)
    h = h0.copy()
    state = np.where(h > 0, 1, 0).astype(np.int8)
    n = prep.n
    steps = single_hit_kernel(
        indptr,
        indices,
        weights,
        h,
        state,
        np.zeros(n),
        np.empty(n, dtype=np.int64),
        np.zeros(n, dtype=np.bool_),
    )
    return _result(prep, "single-hit", h, h0, int(steps), {"model": "debtrank-single-hit"})


def _linear_iterate(
    leverage: sp.csr_matrix, shock: FloatArray, *, tol: float, max_iter: int
) -> tuple[FloatArray, int, bool]:
    """Capped Picard iteration ``h <- min(1, s + Lambda h)`` from ``h = s`` (columns = shocks)."""
    h = shock.copy()
    for it in range(1, max_iter + 1):
        h_new = np.minimum(1.0, shock + leverage @ h)
        step = float(np.max(h_new - h, initial=0.0))
        h = h_new
        if step <= tol:
            return h, it, True
    return h, max_iter, False


def debtrank_linear(
    exposures: Any,
    capital: Any,
    shock: Any,
    *,
    value: Any | None = None,
    names: Sequence[str] | None = None,
    tol: float = 1e-12,
    max_iter: int = 100_000,
) -> DebtRankResult:
    """Bardoscia et al. (2015) linear (differential) DebtRank for one shock.

    Iterates eq. 6 (as the equivalent capped map ``min(1, h(1) + Lambda h)``) until
    no node's loss grows by more than ``tol``. Stable without the cap iff the
    spectral radius of ``Lambda`` is below 1; with the cap it always converges.
    """
    prep = _prepare(exposures, capital, value, names)
    h0 = as_vector(shock, n=prep.n, name="shock", upper=1.0)
    h, steps, ok = _linear_iterate(prep.leverage, h0, tol=tol, max_iter=max_iter)
    if not ok:
        warnings.warn(
            f"linear DebtRank did not settle within {max_iter} steps (tol {tol:g})",
            ConvergenceWarning,
            stacklevel=2,
        )
    return _result(prep, "linear", h, h0, steps, {"model": "debtrank-linear", "tol": tol})


def debtrank(
    exposures: Any,
    capital: Any,
    shock: Any,
    *,
    variant: Variant = "single-hit",
    value: Any | None = None,
    names: Sequence[str] | None = None,
) -> DebtRankResult:
    """Dispatch to :func:`debtrank_single_hit` or :func:`debtrank_linear`."""
    if variant == "single-hit":
        return debtrank_single_hit(exposures, capital, shock, value=value, names=names)
    if variant == "linear":
        return debtrank_linear(exposures, capital, shock, value=value, names=names)
    raise InputError(f"variant must be 'single-hit' or 'linear', got {variant!r}", field="variant")


@dataclass(frozen=True)
class DebtRankBatchResult:
    """DebtRank of every node shocked alone (distress ``psi``), one row per node."""

    variant: str
    psi: float
    debtrank: FloatArray
    total_loss: FloatArray
    distressed: NDArray[np.int64]
    names: tuple[str, ...]
    provenance: Provenance = field(repr=False, compare=False)

    def ranking(self) -> list[str]:
        """Node names by DebtRank, most systemic first."""
        return [self.names[i] for i in np.argsort(-self.debtrank, kind="stable")]

    def summary(self) -> str:
        top = np.argsort(-self.debtrank, kind="stable")[:10]
        lines = [
            f"DebtRank ({self.variant}) of each of {len(self.debtrank)} nodes shocked alone "
            f"(psi = {self.psi:g})",
            f"  mean R {float(self.debtrank.mean()):.6g}, max R {float(self.debtrank.max()):.6g}",
            "  most systemic:",
        ]
        lines += [f"    {self.names[i]:<20} R = {self.debtrank[i]:.6g}" for i in top]
        return "\n".join(lines)

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {
                "debtrank": self.debtrank,
                "total_loss": self.total_loss,
                "distressed": self.distressed,
            },
            index=pd.Index(list(self.names), name="shocked_node"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "psi": self.psi,
            "nodes": list(self.names),
            "debtrank": self.debtrank.tolist(),
            "total_loss": self.total_loss.tolist(),
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Histogram of the DebtRank of single-node shocks."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        ax.hist(self.debtrank, bins=40, color="tab:red")
        ax.set_xlabel("DebtRank R of the node's default")
        ax.set_ylabel("nodes")
        return ax


def _linear_block(
    lev: sp.csr_matrix, cols: NDArray[np.int64], psi: float, *, tol: float, max_iter: int
) -> tuple[FloatArray, int, int]:
    """Capped Picard for the unit shocks ``psi e_k``, k in ``cols``, as one ``(n, k)`` block.

    Columns whose largest increment is ``<= tol`` are frozen and dropped from the
    block once a quarter of the block has settled.
    """
    n, k = lev.shape[0], len(cols)
    out = np.zeros((n, k))
    active = np.arange(k)
    h = np.zeros((n, k))
    h[cols, active] = psi
    rows = cols.astype(np.int64)
    fused = HAVE_NUMBA
    if fused:
        indptr = lev.indptr.astype(np.int64)
        indices = lev.indices.astype(np.int64)
        data = lev.data.astype(np.float64)
    its = 0
    while active.size and its < max_iter:
        its += 1
        if fused:
            new = h  # updated in place, Gauss–Seidel order
            step = np.empty(active.size)
            capped_sweep_gauss_seidel(indptr, indices, data, h, rows, float(psi), step)
        else:
            new = lev @ h
            new[rows, np.arange(active.size)] += psi
            np.minimum(new, 1.0, out=new)
            np.subtract(new, h, out=h)
            step = h.max(axis=0)
        h = new
        done = step <= tol
        if done.all() or (done.sum() * 4 >= active.size):
            out[:, active[done]] = h[:, done]
            keep = ~done
            active, rows, h = active[keep], rows[keep], np.ascontiguousarray(h[:, keep])
    if active.size:
        out[:, active] = h
    return out, its, int(active.size)


def _store_block(
    prep: _Prepared,
    psi: float,
    block: tuple[NDArray[np.int64], FloatArray, int],
    r: FloatArray,
    total: FloatArray,
    hit: NDArray[np.int64],
) -> int:
    """Write one chunk's DebtRank, total loss and distressed count; return its unsettled count."""
    cols, h, unsettled = block
    total[cols] = prep.value @ h
    r[cols] = total[cols] - psi * prep.value[cols]
    hit[cols] = (h > 0).sum(axis=0)
    return unsettled


def debtrank_all_single_node(
    exposures: Any,
    capital: Any,
    *,
    variant: Variant = "single-hit",
    psi: float = 1.0,
    value: Any | None = None,
    names: Sequence[str] | None = None,
    tol: float = 1e-10,
    chunk: int = 32,
    max_iter: int = 100_000,
    workers: int | None = None,
) -> DebtRankBatchResult:
    """DebtRank of each node shocked alone with distress ``psi`` (``psi = 1``: default).

    Single-hit runs the compiled propagation kernel once per shock (each
    distressed node propagates once, so a shock costs one pass over the edges).
    Linear iterates all shocks of a chunk at once as ``H <- min(1, S + Lambda H)``
    with ``H`` an ``(n, chunk)`` block, dropping columns that have settled. With numba
    each step is one fused compiled Gauss–Seidel sweep (in place, rows in order):
    from ``H = S`` its iterates rise monotonically and stay below the least fixed
    point above ``S``, which is also the limit of the Bardoscia dynamic, so both
    reach the same vector (to ``tol``) and Gauss–Seidel in about half the sweeps.
    Without numba: the Jacobi (literal) sweep with scipy sparse x dense.

    Shocks are independent, so both variants split them over a pool of
    ``workers`` threads (default: the number of CPUs; the compiled kernels release
    the GIL). Each shock gets exactly the same arithmetic whichever thread runs
    it, so the numbers are identical for any ``workers``.
    """
    prep = _prepare(exposures, capital, value, names)
    if not 0.0 <= psi <= 1.0:
        raise InputError(f"psi must be in [0, 1], got {psi:g}", field="psi")
    n = prep.n
    if workers is not None and workers < 1:
        raise InputError(f"workers must be >= 1, got {workers}", field="workers")
    if variant == "single-hit":
        indptr, indices, weights = _impact_by_source(prep)
        n_workers = min(n, max(1, workers or os.cpu_count() or 1))
        parts = np.array_split(np.arange(n, dtype=np.int64), n_workers)

        def run_hit(nodes: NDArray[np.int64]) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
            return single_hit_from_nodes(indptr, indices, weights, nodes, float(psi), prep.value)

        if n_workers > 1:
            with ThreadPoolExecutor(max_workers=n_workers) as pool:
                outs = list(pool.map(run_hit, parts))
        else:
            outs = [run_hit(parts[0])]
        r = np.concatenate([o[0] for o in outs])
        total = np.concatenate([o[1] for o in outs])
        hit = np.concatenate([o[2] for o in outs])
    elif variant == "linear":
        r = np.empty(n)
        total = np.empty(n)
        hit = np.empty(n, dtype=np.int64)
        lev = prep.leverage
        starts = range(0, n, chunk)
        n_workers = min(len(starts), max(1, workers or os.cpu_count() or 1))

        def run(start: int) -> tuple[NDArray[np.int64], FloatArray, int]:
            cols = np.arange(start, min(n, start + chunk))
            h, _its, unsettled = _linear_block(lev, cols, psi, tol=tol, max_iter=max_iter)
            return cols, h, unsettled

        if n_workers > 1:
            with ThreadPoolExecutor(max_workers=n_workers) as pool:
                blocks = pool.map(run, starts)
                unsettled_total = sum(_store_block(prep, psi, b, r, total, hit) for b in blocks)
        else:
            unsettled_total = sum(_store_block(prep, psi, run(s), r, total, hit) for s in starts)
        if unsettled_total:
            warnings.warn(
                f"linear DebtRank: {unsettled_total} shocks did not settle in {max_iter} steps",
                ConvergenceWarning,
                stacklevel=2,
            )
    else:
        raise InputError(
            f"variant must be 'single-hit' or 'linear', got {variant!r}", field="variant"
        )
    return DebtRankBatchResult(
        variant=variant,
        psi=float(psi),
        debtrank=np.asarray(r, dtype=np.float64),
        total_loss=np.asarray(total, dtype=np.float64),
        distressed=np.asarray(hit, dtype=np.int64),
        names=prep.names,
        provenance=Provenance(
            spec={"model": f"debtrank-{variant}-all", "psi": psi, "tol": tol},
            data_hash=stable_hash(prep.capital.tolist()),
        ),
    )
