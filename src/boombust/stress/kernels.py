"""The seam where the network and credit engines plug into the cascade.

The cascade calls four small kernels through a :class:`Kernels` value:

* ``commitments`` — commitment clearing: what each commitment pays when end-user AI revenue
  falls short (step 1);
* ``clear`` — greatest clearing vector, batched over paths (step 6, and step 1's compact
  commitment clearing);
* ``value_curve`` — facility value curves with the GPU useful-life switch (step 3);
* ``tranche_payoff`` — allocation of a deal's value through attach/detach (step 3).

:data:`COMPACT` holds the cascade's own compact kernels. ``network_engine_clear``,
``network_engine_commitments`` and ``credit_engine_tranche_payoff`` adapt
:mod:`boombust.network` and :mod:`boombust.credit` (imported lazily);
``tests/stress/test_engines_agree.py`` pins the compact kernels to them, so
``run_stress(..., kernels=Kernels(clear=network_engine_clear))`` gives the same numbers.

Under the default ``tranche_model: waterfall`` step 3 does not use ``tranche_payoff`` for the
deals the credit engine runs: their tranche losses come from the engine's period-by-period
waterfall, tabulated once per run (:mod:`boombust.stress.waterfall`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from boombust.data.schema import ValueCurve
from boombust.stress.clearing import ClearingResult, clear
from boombust.stress.network import Network, curve_value

__all__ = [
    "COMPACT",
    "Clearer",
    "CommitmentFn",
    "CurveFn",
    "Kernels",
    "PayoffFn",
    "clear_commitment_edges",
    "credit_engine_tranche_payoff",
    "network_engine_clear",
    "network_engine_commitments",
    "tranche_payoff",
]

F64 = NDArray[np.float64]


class Clearer(Protocol):
    def __call__(
        self,
        liabilities: F64,
        external: F64,
        *,
        alpha: F64 | float = 1.0,
        beta: F64 | float = 1.0,
    ) -> ClearingResult: ...


class CurveFn(Protocol):
    def __call__(self, curve: ValueCurve, years: F64, life: F64 | float | None = None) -> F64: ...


class PayoffFn(Protocol):
    def __call__(self, value: F64, attach: F64, detach: F64, capital: float) -> F64: ...


class CommitmentFn(Protocol):
    def __call__(self, net: Network, revenue: F64, other: F64, shortfall: F64) -> F64: ...


def _obligations(net: Network) -> NDArray[np.bool_]:
    obl = net.comm_obligation
    if obl.shape != net.comm_annual.shape:  # a hand-built network without the mask
        return np.ones(net.comm_annual.shape, dtype=bool)
    return obl


def clear_commitment_edges(net: Network, revenue: F64, other: F64, shortfall: F64) -> F64:
    """Annual payment of every commitment (P, C) when end-user AI revenue falls short.

    Firm i's outside money is ``revenue_i (1 - shortfall) + other_i``; the obligations
    (``net.comm_obligation``: cash types, not completed — the network engine's convention) are
    cleared with Eisenberg–Noe (greatest clearing vector, batched over paths), each firm paying
    its commitments pro rata. Commitments that are not obligations pay in full (not at stake).
    The same as :func:`boombust.network.clear_commitments` on the graph with end-user weights
    ``revenue`` and outside money ``other`` (pinned by ``tests/stress/test_engines_agree.py``).
    """
    p = revenue.shape[0]
    obl = _obligations(net)
    paid = np.broadcast_to(net.comm_annual, (p, net.comm_annual.size)).copy()
    if not obl.any():
        return paid
    n = net.n_inst
    mat = np.zeros((n, n))
    np.add.at(mat, (net.comm_payer[obl], net.comm_payee[obl]), net.comm_annual[obl])
    nodes = np.flatnonzero((mat.sum(axis=0) + mat.sum(axis=1)) > 0)
    sub = mat[np.ix_(nodes, nodes)]
    pb = sub.sum(axis=1)
    ext = revenue[:, nodes] * (1.0 - shortfall[:, None]) + other[:, nodes]
    res = clear(sub, np.maximum(ext, 0.0))
    ratio = np.ones((p, n))
    ratio[:, nodes] = np.where(pb > 0, res.payments / np.where(pb > 0, pb, 1.0), 1.0)
    paid[:, obl] = ratio[:, net.comm_payer[obl]] * net.comm_annual[obl]
    return paid


def tranche_payoff(value: F64, attach: F64, detach: F64, capital: float) -> F64:
    """Payoff of each tranche when the deal is worth ``value`` (P,) (senior first).

    Tranche [a, d] receives ``clip(V - (1 - d) C, 0, (d - a) C)``; the first-loss tranche
    (``a = 0``) keeps any value above the debt. As a loss fraction of the tranche this is
    ``(min(L, d) - min(L, a)) / (d - a)`` with pool loss ``L = 1 - V / C``.
    """
    v = value[:, None]
    pay = np.clip(v - (1.0 - detach) * capital, 0.0, (detach - attach) * capital)
    upside = np.maximum(v - capital, 0.0)
    return np.asarray(np.where(attach <= 0.0, pay + upside, pay), dtype=float)


@dataclass(frozen=True)
class Kernels:
    """The kernels the cascade uses (see the module docstring)."""

    clear: Clearer = clear
    commitments: CommitmentFn = clear_commitment_edges
    value_curve: CurveFn = curve_value
    tranche_payoff: PayoffFn = tranche_payoff


COMPACT = Kernels()
"""The cascade's own compact kernels (dense, batched over paths)."""


def network_engine_clear(
    liabilities: F64,
    external: F64,
    *,
    alpha: F64 | float = 1.0,
    beta: F64 | float = 1.0,
) -> ClearingResult:
    """:func:`boombust.network.clear` path by path, in the compact kernel's interface.

    Exact but a Python loop over paths: use it to check the cascade, not for 100,000 paths.
    """
    from boombust.network import clear as engine_clear  # type: ignore[import-not-found,attr-defined,unused-ignore]

    e = np.maximum(np.atleast_2d(np.asarray(external, dtype=float)), 0.0)
    p, n = e.shape
    lmat = np.asarray(liabilities, dtype=float)
    lmat = np.broadcast_to(lmat, (p, n, n)) if lmat.ndim == 2 else lmat
    al = np.broadcast_to(np.asarray(alpha, dtype=float), (p,))
    be = np.broadcast_to(np.asarray(beta, dtype=float), (p,))
    pay = np.zeros((p, n))
    ins = np.zeros((p, n), dtype=bool)
    lvl = np.full((p, n), -1, dtype=np.int64)
    for k in range(p):
        r = engine_clear(lmat[k], e[k], alpha=float(al[k]), beta=float(be[k]))
        pay[k] = r.payments
        ins[k] = r.defaulted
        lvl[k] = np.asarray(r.default_round) - 1
    return ClearingResult(pay, ins, lvl)


def credit_engine_tranche_payoff(value: F64, attach: F64, detach: F64, capital: float) -> F64:
    """:func:`boombust.credit.tranche_loss` in the payoff interface (value at most capital)."""
    from boombust.credit import tranche_loss  # type: ignore[import-not-found,attr-defined,unused-ignore]

    pool_loss = np.clip(1.0 - np.asarray(value, dtype=float) / capital, 0.0, 1.0)
    out = np.empty((pool_loss.size, len(attach)))
    for j, (a, d) in enumerate(zip(attach, detach, strict=True)):
        out[:, j] = (1.0 - tranche_loss(pool_loss, float(a), float(d))) * (d - a) * capital
    upside = np.maximum(np.asarray(value, dtype=float) - capital, 0.0)
    return np.asarray(np.where(attach <= 0.0, out + upside[:, None], out), dtype=float)


def network_engine_commitments(net: Network, revenue: F64, other: F64, shortfall: F64) -> F64:
    """:func:`boombust.network.clear_commitments` path by path, in the step-1 interface.

    Each path's graph has every commitment (with its type and status: the engine picks the
    obligations itself), end-user weights ``revenue`` and outside money ``other``; its
    ``baseline_revenue`` is ``sum(revenue)``, so ``revenue_shortfall`` cuts each firm's
    ``revenue`` by the same share — the cascade's definition (docs/methods/stress.md, step 1).
    Exact but a Python loop over paths: use it to check the cascade.
    """
    from boombust.network import (  # type: ignore[attr-defined,unused-ignore]
        CommitmentEdge,
        CommitmentGraph,
        clear_commitments,
    )

    p = revenue.shape[0]
    paid = np.broadcast_to(net.comm_annual, (p, net.comm_annual.size)).copy()
    if net.comm_annual.size == 0:
        return paid
    involved = sorted(set(net.comm_payer.tolist()) | set(net.comm_payee.tolist()))
    names = tuple(net.inst_ids[i] for i in involved)
    types = net.comm_types or ("compute",) * net.comm_annual.size
    status = net.comm_status or ("reported",) * net.comm_annual.size
    edges = tuple(
        CommitmentEdge(
            payer=net.inst_ids[int(a)],
            payee=net.inst_ids[int(b)],
            amount=float(x),
            type=types[k],
            id=f"e{k}",
            status=status[k],
        )
        for k, (a, b, x) in enumerate(
            zip(net.comm_payer, net.comm_payee, net.comm_annual, strict=True)
        )
    )
    for row in range(p):
        rev = {names[j]: float(max(revenue[row, i], 0.0)) for j, i in enumerate(involved)}
        out = {names[j]: float(max(other[row, i], 0.0)) for j, i in enumerate(involved)}
        graph = CommitmentGraph(
            nodes=names,
            edges=edges,
            end_user_weight=rev,
            outside_money=out,
            baseline_revenue=float(sum(rev.values())),
        )
        res = clear_commitments(graph, revenue_shortfall=float(shortfall[row]))
        for k, frac in zip(res.edge_index, res.paid, strict=True):
            paid[row, k] = frac * net.comm_annual[k]
    return paid
