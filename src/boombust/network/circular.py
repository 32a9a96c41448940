"""Circular commitments: who funds whom, and how much of the circle is outside money.

Works on a plain representation -- node ids plus an edge list (payer, payee,
amount, type) -- so it does not depend on the dataset; :meth:`CommitmentGraph.
from_dataset` adapts a :class:`boombust.data.schema.Dataset`.

How commitment types count (the convention of this module)
---------------------------------------------------------
* **Purchases** (``compute``, ``chips``, ``lease``): cash from buyer to seller;
  the seller's revenue. They are obligations in commitment clearing.
* **Cash funding** (``equity``, ``equity_pledge``, ``jv``): cash from investor to
  investee in exchange for shares. They fund the investee and are obligations
  in commitment clearing (a pledge is only as good as the investor's cash).
* **Non-cash funding** (``warrant``): shares handed over for (almost) nothing --
  a rebate on the purchase it comes with. It *funds* the counterparty (it counts
  for cycles and for vendor financing) but moves no cash, so it is not an
  obligation in clearing.
* **Contingent support** (``backstop``): a promise to buy unsold capacity. It
  funds the counterparty for cycles and vendor financing; it is not a flow in
  the base clearing (include it with ``include=`` to stress it).
* Commitments with status ``completed`` (already paid) count for funding and
  cycles but are not outstanding obligations.

Measures
--------
* Strongly connected components of the commitment graph
  (``scipy.sparse.csgraph.connected_components(connection="strong")``).
* Simple cycles up to ``max_length`` edges, each rooted at its lowest-index node
  (a depth-first enumeration that finds each elementary cycle exactly once, as
  Johnson's 1975 algorithm does; on these small graphs no blocking is needed),
  with the bottleneck (smallest pair amount) along the cycle.
* Circular revenue share of each firm: the share of its purchase revenue that
  comes from counterparties it funds directly (vendor financing: a funding
  edge back to the buyer) or through a cycle (buyer and seller in the same
  strongly connected component, so the seller's money can reach the buyer).
* Commitment clearing: with end-user AI revenue ``X`` flowing into the AI labs
  (split by their current AI revenue) and every other firm's outside money
  (operating cash flow, optionally liquid assets), clear the annual commitment
  obligations with Eisenberg–Noe, then trace the outside money through the
  payments: each firm's pool of funds is mixed pro rata, a dollar at firm i goes
  to j with probability ``flow_ij / F_i`` (an absorbing Markov chain), and a
  payment is *backed by outside money* when the dollar reaches the payee for
  the first time; a dollar coming back to a firm it already passed through is
  *circular money*. Each commitment splits into backed + circular + unpaid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from boombust._provenance import Provenance, stable_hash
from boombust.errors import InputError
from boombust.network._layout import draw_network
from boombust.network.clearing import clear

__all__ = [
    "CASH_TYPES",
    "FUNDING_TYPES",
    "PURCHASE_TYPES",
    "CircularityResult",
    "CommitmentClearingCurve",
    "CommitmentClearingResult",
    "CommitmentEdge",
    "CommitmentGraph",
    "Cycle",
    "analyze_circularity",
    "clear_commitments",
    "commitment_clearing_curve",
]

FloatArray = NDArray[np.float64]

PURCHASE_TYPES = frozenset({"compute", "chips", "lease"})
FUNDING_TYPES = frozenset({"equity", "equity_pledge", "warrant", "jv", "backstop"})
CASH_TYPES = frozenset({"compute", "chips", "lease", "equity", "equity_pledge", "jv"})
ALL_TYPES = PURCHASE_TYPES | FUNDING_TYPES


@dataclass(frozen=True)
class CommitmentEdge:
    """``payer`` promises ``amount`` (USD bn, total) to ``payee`` over ``years``."""

    payer: str
    payee: str
    amount: float
    type: str
    years: float | None = None
    id: str | None = None
    status: str | None = None

    @property
    def annual_amount(self) -> float:
        return self.amount / self.years if self.years else self.amount

    def value(self, basis: str) -> float:
        return self.annual_amount if basis == "annual" else self.amount


@dataclass(frozen=True)
class CommitmentGraph:
    """Node ids, commitment edges and each node's outside money.

    Attributes
    ----------
    nodes
        Node ids in a fixed order.
    edges
        Commitments.
    end_user_weight
        Share of end-user AI revenue ``X`` each node receives (the AI labs);
        normalised to sum 1. Nodes not listed get none.
    outside_money
        Each node's annual outside money besides ``X`` (operating cash flow of its
        other businesses, optionally liquid assets).
    baseline_revenue
        The current end-user AI revenue (``X`` at shortfall 0).
    revenue
        Reported total revenue per node (for the circular revenue share).
    """

    nodes: tuple[str, ...]
    edges: tuple[CommitmentEdge, ...]
    end_user_weight: Mapping[str, float] = field(default_factory=dict)
    outside_money: Mapping[str, float] = field(default_factory=dict)
    baseline_revenue: float = 0.0
    revenue: Mapping[str, float] = field(default_factory=dict)
    name: str = "commitments"
    missing_outside: tuple[str, ...] = ()
    liquid_fallback: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        known = set(self.nodes)
        if len(known) != len(self.nodes):
            raise InputError("node ids must be unique", field="nodes")
        for k, e in enumerate(self.edges):
            where = f"edges[{k}]" + (f" ({e.id})" if e.id else "")
            for end in (e.payer, e.payee):
                if end not in known:
                    raise InputError(f"{where}: unknown node {end!r}; add it to nodes", field=where)
            if e.payer == e.payee:
                raise InputError(f"{where}: payer and payee are the same", field=where)
            if not np.isfinite(e.amount) or e.amount < 0:
                raise InputError(f"{where}: amount must be finite and >= 0", field=where)
            if e.type not in ALL_TYPES:
                raise InputError(
                    f"{where}: unknown type {e.type!r}; use one of {sorted(ALL_TYPES)}",
                    field=where,
                )
            if e.years is not None and not e.years > 0:
                raise InputError(f"{where}: years must be > 0", field=where)
        for label, mapping in (
            ("end_user_weight", self.end_user_weight),
            ("outside_money", self.outside_money),
        ):
            for node, value in mapping.items():
                if node not in known:
                    raise InputError(f"{label}: unknown node {node!r}", field=label)
                if not np.isfinite(value) or value < 0:
                    raise InputError(f"{label}[{node}] must be finite and >= 0", field=label)

    @classmethod
    def from_edges(
        cls,
        edges: Iterable[CommitmentEdge | tuple[str, str, float, str] | Mapping[str, Any]],
        **kwargs: Any,
    ) -> CommitmentGraph:
        """Build from edges (``CommitmentEdge``, ``(payer, payee, amount, type)`` or dicts)."""
        out: list[CommitmentEdge] = []
        for e in edges:
            if isinstance(e, CommitmentEdge):
                out.append(e)
            elif isinstance(e, Mapping):
                out.append(CommitmentEdge(**e))
            else:
                payer, payee, amount, kind = e
                out.append(CommitmentEdge(payer, payee, float(amount), kind))
        nodes = kwargs.pop("nodes", None)
        if nodes is None:
            seen: dict[str, None] = {}
            for e in out:
                seen.setdefault(e.payer)
                seen.setdefault(e.payee)
            nodes = tuple(seen)
        return cls(nodes=tuple(nodes), edges=tuple(out), **kwargs)

    @classmethod
    def from_dataset(
        cls, ds: Any, *, include_liquid: bool = False, liquid_if_no_cash_flow: bool = True
    ) -> CommitmentGraph:
        """Adapter for a :class:`boombust.data.schema.Dataset` (``ds.commitments``,
        ``ds.institutions``).

        End-user AI revenue goes to institutions of kind ``ai_lab``, split by their
        ``income.ai_revenue`` (or ``income.revenue``); everyone else's outside money is
        ``max(0, income.operating_cash_flow)`` (plus ``balance_sheet.liquid_assets``
        with ``include_liquid``); a firm with no operating cash flow in the data uses its
        liquid assets instead (``liquid_if_no_cash_flow``, listed in
        ``liquid_fallback``), or 0 if it has none (listed in ``missing_outside``). Labs get
        no other outside money.
        """
        inst = {i.id: i for i in ds.institutions}
        edges = tuple(
            CommitmentEdge(
                payer=c.payer,
                payee=c.payee,
                amount=float(c.amount),
                type=str(c.type),
                years=float(c.years) if c.years else None,
                id=c.id,
                status=str(c.status) if c.status is not None else None,
            )
            for c in ds.commitments
        )
        seen: dict[str, None] = {}
        for e in edges:
            seen.setdefault(e.payer)
            seen.setdefault(e.payee)
        nodes = tuple(seen)
        weight: dict[str, float] = {}
        outside: dict[str, float] = {}
        revenue: dict[str, float] = {}
        missing: list[str] = []
        fallback: list[str] = []
        for node in nodes:
            i = inst.get(node)
            if i is None:
                missing.append(node)
                continue
            income = i.income
            if income is not None and income.revenue is not None:
                revenue[node] = float(income.revenue)
            if str(i.kind) == "ai_lab":
                lab_rev = None
                if income is not None:
                    lab_rev = income.ai_revenue if income.ai_revenue is not None else income.revenue
                weight[node] = float(lab_rev or 0.0)
                continue
            money = 0.0
            liquid = i.balance_sheet.liquid_assets
            if income is not None and income.operating_cash_flow is not None:
                money += max(0.0, float(income.operating_cash_flow))
                if include_liquid and liquid is not None:
                    money += float(liquid)
            elif liquid is not None and (include_liquid or liquid_if_no_cash_flow):
                money += float(liquid)
                fallback.append(node)
            else:
                missing.append(node)
            outside[node] = money
        baseline = float(sum(weight.values()))
        return cls(
            nodes=nodes,
            edges=edges,
            end_user_weight=weight,
            outside_money=outside,
            baseline_revenue=baseline,
            revenue=revenue,
            name=str(getattr(getattr(ds, "meta", None), "name", "dataset")),
            missing_outside=tuple(missing),
            liquid_fallback=tuple(fallback),
        )

    @property
    def index(self) -> dict[str, int]:
        return {n: k for k, n in enumerate(self.nodes)}

    def matrix(self, *, basis: str = "annual", types: Iterable[str] | None = None) -> sp.csr_matrix:
        """Pair matrix ``M[i, j]`` = sum of amounts of edges i → j (of the given types)."""
        keep = ALL_TYPES if types is None else frozenset(types)
        idx = self.index
        rows, cols, vals = [], [], []
        for e in self.edges:
            if e.type in keep:
                rows.append(idx[e.payer])
                cols.append(idx[e.payee])
                vals.append(e.value(basis))
        n = len(self.nodes)
        return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))

    def external(self, revenue: float) -> FloatArray:
        """Outside money per node when end-user AI revenue is ``revenue``."""
        e = np.array([float(self.outside_money.get(n, 0.0)) for n in self.nodes])
        w = np.array([float(self.end_user_weight.get(n, 0.0)) for n in self.nodes])
        if w.sum() > 0:
            e = e + revenue * w / w.sum()
        return e


@dataclass(frozen=True)
class Cycle:
    """A simple cycle ``nodes[0] -> nodes[1] -> ... -> nodes[0]``."""

    nodes: tuple[str, ...]
    amounts: tuple[float, ...]  # pair amount on each step
    types: tuple[str, ...]  # "+"-joined edge types on each step

    @property
    def bottleneck(self) -> float:
        """The smallest amount along the cycle: the most that can go round it."""
        return min(self.amounts)

    def __str__(self) -> str:
        steps = " -> ".join(
            f"{a} -[{t} {x:.3g}]"
            for a, t, x in zip(self.nodes, self.types, self.amounts, strict=True)
        )
        return f"{steps} -> {self.nodes[0]}"


def _simple_cycles(adj: list[list[int]], max_length: int) -> list[list[int]]:
    """Elementary cycles, each rooted at its smallest node, up to ``max_length`` edges."""
    cycles: list[list[int]] = []
    n = len(adj)
    for root in range(n):
        path = [root]
        on_path = [False] * n
        on_path[root] = True
        stack = [iter(sorted(adj[root]))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                on_path[path.pop()] = False
                continue
            if nxt == root:
                cycles.append(list(path))
            elif nxt > root and not on_path[nxt] and len(path) < max_length:
                path.append(nxt)
                on_path[nxt] = True
                stack.append(iter(sorted(adj[nxt])))
    return cycles


@dataclass(frozen=True)
class CircularityResult:
    """Components, cycles and circular revenue shares of a commitment graph."""

    graph: CommitmentGraph
    basis: str
    component: NDArray[np.int64]
    cycles: tuple[Cycle, ...]
    revenue_in: FloatArray
    vendor_financed: FloatArray
    circular: FloatArray
    on_cycle_edges: tuple[bool, ...]
    provenance: Provenance = field(repr=False, compare=False)

    @property
    def circular_components(self) -> list[tuple[str, ...]]:
        """Strongly connected components with more than one node."""
        comps: dict[int, list[str]] = {}
        for node, c in zip(self.graph.nodes, self.component, strict=True):
            comps.setdefault(int(c), []).append(node)
        return sorted((tuple(v) for v in comps.values() if len(v) > 1), key=len, reverse=True)

    @property
    def circular_share(self) -> FloatArray:
        """Circular purchase revenue / all purchase revenue from commitments."""
        out = np.zeros_like(self.circular)
        np.divide(self.circular, self.revenue_in, out=out, where=self.revenue_in > 0)
        return out

    @property
    def vendor_financed_share(self) -> FloatArray:
        out = np.zeros_like(self.vendor_financed)
        np.divide(self.vendor_financed, self.revenue_in, out=out, where=self.revenue_in > 0)
        return out

    def to_frame(self) -> Any:
        """One row per firm: commitment revenue, circular parts and shares."""
        import pandas as pd

        reported = np.array([self.graph.revenue.get(n, np.nan) for n in self.graph.nodes])
        with np.errstate(divide="ignore", invalid="ignore"):
            of_reported = np.where(reported > 0, self.circular / reported, np.nan)
        return pd.DataFrame(
            {
                "component": self.component,
                "commitment_revenue": self.revenue_in,
                "vendor_financed": self.vendor_financed,
                "circular": self.circular,
                "circular_share": self.circular_share,
                "vendor_financed_share": self.vendor_financed_share,
                "reported_revenue": reported,
                "circular_of_reported": of_reported if self.basis == "annual" else np.nan,
            },
            index=pd.Index(list(self.graph.nodes), name="firm"),
        )

    def cycles_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {
                "cycle": [" -> ".join((*c.nodes, c.nodes[0])) for c in self.cycles],
                "length": [len(c.nodes) for c in self.cycles],
                "bottleneck": [c.bottleneck for c in self.cycles],
                "types": [" | ".join(c.types) for c in self.cycles],
            }
        )

    def summary(self) -> str:
        unit = "USD bn/yr" if self.basis == "annual" else "USD bn total"
        lines = [
            f"Circular commitments in {self.graph.name} ({len(self.graph.nodes)} firms, "
            f"{len(self.graph.edges)} commitments; amounts in {unit})",
            f"  circular components: {len(self.circular_components)}",
        ]
        for comp in self.circular_components:
            lines.append(f"    {{{', '.join(comp)}}}")
        lines.append(f"  simple cycles: {len(self.cycles)} (largest bottlenecks first)")
        for c in sorted(self.cycles, key=lambda c: -c.bottleneck)[:12]:
            lines.append(f"    {c.bottleneck:8.3g}  {' -> '.join((*c.nodes, c.nodes[0]))}")
        frame = self.to_frame()
        frame = frame[frame["commitment_revenue"] > 0].sort_values("circular", ascending=False)
        lines.append("  circular revenue by firm:")
        for firm, row in frame.iterrows():
            of_reported = row["circular_of_reported"]
            extra = (
                f"  = {of_reported:6.1%} of reported revenue"
                if isinstance(of_reported, float) and np.isfinite(of_reported)
                else ""
            )
            lines.append(
                f"    {firm!s:<22} revenue {row['commitment_revenue']:8.3g}  circular "
                f"{row['circular_share']:6.1%}  vendor-financed "
                f"{row['vendor_financed_share']:6.1%}{extra}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        frame = self.to_frame()
        return {
            "basis": self.basis,
            "components": [list(c) for c in self.circular_components],
            "cycles": [
                {
                    "nodes": list(c.nodes),
                    "amounts": list(c.amounts),
                    "types": list(c.types),
                    "bottleneck": c.bottleneck,
                }
                for c in self.cycles
            ],
            "firms": {
                str(k): {
                    key: (None if isinstance(v, float) and not np.isfinite(v) else v)
                    for key, v in row.items()
                }
                for k, row in frame.to_dict(orient="index").items()
            },
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None, *, layout: str = "spring") -> Any:
        """The commitment graph with edges on cycles in red."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 8))
        idx = self.graph.index
        edges = [
            (idx[e.payer], idx[e.payee], e.value(self.basis), hot)
            for e, hot in zip(self.graph.edges, self.on_cycle_edges, strict=True)
        ]
        colours = [
            "tab:orange" if self.graph.end_user_weight.get(n, 0) > 0 else "white"
            for n in self.graph.nodes
        ]
        draw_network(ax, self.graph.nodes, edges, layout=layout, node_colour=colours)
        ax.set_title(f"{self.graph.name}: commitments on a cycle in red (orange = AI labs)")
        return ax


def analyze_circularity(
    graph: CommitmentGraph, *, basis: str = "annual", max_length: int = 8
) -> CircularityResult:
    """Strongly connected components, simple cycles and circular revenue shares.

    Parameters
    ----------
    basis
        ``"annual"`` (amount / years) or ``"total"``.
    max_length
        Longest cycle (in edges) enumerated.
    """
    if basis not in {"annual", "total"}:
        raise InputError(f"basis must be 'annual' or 'total', got {basis!r}", field="basis")
    n = len(graph.nodes)
    pair = graph.matrix(basis=basis)
    _, labels = connected_components(pair, directed=True, connection="strong")
    labels = np.asarray(labels, dtype=np.int64)
    idx = graph.index
    pair_types: dict[tuple[int, int], list[str]] = {}
    for e in graph.edges:
        pair_types.setdefault((idx[e.payer], idx[e.payee]), []).append(e.type)
    adj: list[list[int]] = [[] for _ in range(n)]
    for s, t in pair_types:
        adj[s].append(t)
    dense = pair.toarray()
    cycles = []
    for cyc in _simple_cycles(adj, max_length):
        steps = list(zip(cyc, [*cyc[1:], cyc[0]], strict=True))
        cycles.append(
            Cycle(
                nodes=tuple(graph.nodes[i] for i in cyc),
                amounts=tuple(float(dense[s, t]) for s, t in steps),
                types=tuple("+".join(sorted(set(pair_types[(s, t)]))) for s, t in steps),
            )
        )
    funds = {(idx[e.payer], idx[e.payee]) for e in graph.edges if e.type in FUNDING_TYPES}
    revenue_in = np.zeros(n)
    vendor = np.zeros(n)
    circ = np.zeros(n)
    on_cycle = []
    for e in graph.edges:
        i, j = idx[e.payer], idx[e.payee]
        hot = bool(labels[i] == labels[j])
        on_cycle.append(hot)
        if e.type not in PURCHASE_TYPES:
            continue
        amount = e.value(basis)
        revenue_in[j] += amount
        if (j, i) in funds:
            vendor[j] += amount
        if hot or (j, i) in funds:
            circ[j] += amount
    return CircularityResult(
        graph=graph,
        basis=basis,
        component=labels,
        cycles=tuple(cycles),
        revenue_in=revenue_in,
        vendor_financed=vendor,
        circular=circ,
        on_cycle_edges=tuple(on_cycle),
        provenance=Provenance(
            spec={"model": "circularity", "basis": basis, "max_length": max_length},
            data_hash=_graph_hash(graph),
        ),
    )


def _graph_hash(graph: CommitmentGraph) -> str:
    return stable_hash(
        [
            list(graph.nodes),
            [[e.payer, e.payee, e.amount, e.type, e.years, e.status] for e in graph.edges],
            dict(graph.outside_money),
            dict(graph.end_user_weight),
        ]
    )


def _obligation_edges(graph: CommitmentGraph, include: frozenset[str]) -> list[int]:
    return [
        k
        for k, e in enumerate(graph.edges)
        if e.type in include and e.status != "completed" and e.amount > 0
    ]


def _clear_once(
    graph: CommitmentGraph, revenue: float, include: frozenset[str], alpha: float, beta: float
) -> tuple[Any, FloatArray, FloatArray, list[int]]:
    """EN clearing of the obligations, then first-entry tracing of outside money.

    Returns the clearing result, the pair flows ``flow[i, j]`` (what i pays j) and
    the outside-backed part ``backed[i, j]`` of each flow, and the obligation edges.

    Tracing: each firm's pool of funds ``F_i = e_i + sum_j flow[j, i]`` is mixed pro
    rata, so a dollar at i moves to j with probability ``T_ij = flow[i, j] / F_i``
    and stays at i (retained) otherwise -- an absorbing Markov chain started by the
    outside money ``e``. A payment i -> j is *backed* when the dollar reaches j for
    the first time; a dollar returning to a firm it has already passed through is
    circular money. With ``Q`` the chain without node j, the expected visits of
    outside dollars to i before they first reach j are ``y = (I - Q)^{-T} e``, so
    ``backed[i, j] = y_i T_ij``.
    """
    idx = graph.index
    n = len(graph.nodes)
    keep = _obligation_edges(graph, include)
    liabilities = np.zeros((n, n))
    for k in keep:
        e = graph.edges[k]
        liabilities[idx[e.payer], idx[e.payee]] += e.annual_amount
    e_out = graph.external(revenue)
    res = clear(liabilities, e_out, alpha=alpha, beta=beta, names=graph.nodes)
    p = res.payments
    pbar = res.pbar
    pi = np.zeros_like(liabilities)
    np.divide(liabilities, pbar[:, None], out=pi, where=pbar[:, None] > 0)
    flow = pi * p[:, None]
    funds = e_out + flow.sum(axis=0)
    trans = np.zeros_like(flow)
    np.divide(flow, funds[:, None], out=trans, where=funds[:, None] > 0)
    # only firms outside money can reach carry any; a loop no outside dollar
    # enters (paying itself) is all circular, and is left out of the solves
    reach = e_out > 0
    while True:
        grown = reach | (flow[reach].sum(axis=0) > 0)
        if np.array_equal(grown, reach):
            break
        reach = grown
    backed = np.zeros_like(flow)
    live = np.flatnonzero(reach)
    for j in range(n):
        if not (flow[:, j] > 0).any():
            continue
        others = live[live != j]
        if others.size == 0:
            continue
        q = trans[np.ix_(others, others)]
        visits = np.linalg.solve((np.eye(others.size) - q).T, e_out[others])
        backed[others, j] = np.maximum(visits, 0.0) * trans[others, j]
    backed = np.minimum(backed, flow)
    return res, flow, backed, keep


@dataclass(frozen=True)
class CommitmentClearingResult:
    """Commitment clearing at one level of end-user AI revenue.

    ``backed`` is the fraction of each obligation paid with outside money,
    ``circular`` the fraction paid with money that came round the network, and
    ``1 - paid`` the unpaid fraction.
    """

    graph: CommitmentGraph
    revenue: float
    edge_ids: tuple[str, ...]
    edge_index: tuple[int, ...]
    amount: FloatArray  # annual obligation per edge
    paid: FloatArray
    backed: FloatArray
    outside_fraction: FloatArray  # per node: share of its commitment inflow that is new money
    clearing: Any
    provenance: Provenance = field(repr=False, compare=False)

    @property
    def circular(self) -> FloatArray:
        out: FloatArray = self.paid - self.backed
        return out

    @property
    def total_backed_fraction(self) -> float:
        total = float(self.amount.sum())
        return float((self.amount * self.backed).sum() / total) if total else 1.0

    @property
    def total_paid_fraction(self) -> float:
        total = float(self.amount.sum())
        return float((self.amount * self.paid).sum() / total) if total else 1.0

    def to_frame(self) -> Any:
        import pandas as pd

        edges = [self.graph.edges[k] for k in self.edge_index]
        return pd.DataFrame(
            {
                "payer": [e.payer for e in edges],
                "payee": [e.payee for e in edges],
                "type": [e.type for e in edges],
                "annual_amount": self.amount,
                "paid": self.paid,
                "backed_by_outside_money": self.backed,
                "circular_money": self.circular,
                "unpaid": 1.0 - self.paid,
            },
            index=pd.Index(list(self.edge_ids), name="commitment"),
        )

    def summary(self) -> str:
        res = self.clearing
        defaulted = [n for n, d in zip(self.graph.nodes, res.defaulted, strict=True) if d]
        lines = [
            f"Commitment clearing of {self.graph.name} at end-user AI revenue "
            f"{self.revenue:.4g} USD bn/yr (baseline {self.graph.baseline_revenue:.4g})",
            f"  annual obligations    {float(self.amount.sum()):.4g} USD bn",
            f"  paid                  {self.total_paid_fraction:.1%}",
            f"  backed by outside $   {self.total_backed_fraction:.1%}",
            f"  paid with circular $  {self.total_paid_fraction - self.total_backed_fraction:.1%}",
            f"  firms short           {', '.join(defaulted) if defaulted else 'none'}",
            f"  residual              {res.residual:.2g}",
        ]
        if self.graph.liquid_fallback:
            lines.append(
                "  no operating cash flow in the data, liquid assets used instead: "
                + ", ".join(self.graph.liquid_fallback)
            )
        if self.graph.missing_outside:
            lines.append(
                "  no operating cash flow or liquid assets in the data (outside money 0): "
                + ", ".join(self.graph.missing_outside)
            )
        lines += [
            "",
            self.to_frame().to_string(float_format=lambda v: f"{v:.3g}"),
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        frame = self.to_frame()
        return {
            "revenue": self.revenue,
            "baseline_revenue": self.graph.baseline_revenue,
            "total_paid_fraction": self.total_paid_fraction,
            "total_backed_fraction": self.total_backed_fraction,
            "commitments": frame.reset_index().to_dict(orient="records"),
            "firms": {
                n: {
                    "payments": float(p),
                    "obligations": float(b),
                    "outside_fraction": float(f),
                    "defaulted": bool(d),
                    "default_round": int(r),
                }
                for n, p, b, f, d, r in zip(
                    self.graph.nodes,
                    self.clearing.payments,
                    self.clearing.pbar,
                    self.outside_fraction,
                    self.clearing.defaulted,
                    self.clearing.default_round,
                    strict=True,
                )
            },
            "residual": self.clearing.residual,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Stacked bars per commitment: outside-backed, circular, unpaid."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(max(5.0, 0.4 * len(self.amount)), 3.8))
        x = np.arange(len(self.amount))
        ax.bar(x, self.backed, color="tab:green", label="outside money")
        ax.bar(x, self.circular, bottom=self.backed, color="tab:red", label="circular money")
        ax.bar(x, 1 - self.paid, bottom=self.paid, color="0.8", label="unpaid")
        ax.set_xticks(x)
        ax.set_xticklabels(self.edge_ids, rotation=70, ha="right", fontsize=7)
        ax.set_ylabel("share of annual commitment")
        ax.legend(fontsize=8)
        return ax


def clear_commitments(
    graph: CommitmentGraph,
    revenue: float | None = None,
    *,
    revenue_shortfall: float | None = None,
    include: Iterable[str] = CASH_TYPES,
    alpha: float = 1.0,
    beta: float = 1.0,
) -> CommitmentClearingResult:
    """Clear the annual commitments at end-user AI revenue ``revenue`` (USD bn/yr).

    Give either ``revenue`` or ``revenue_shortfall`` (``revenue = (1 - shortfall) x
    graph.baseline_revenue``). Obligations are the annual amounts of outstanding
    commitments whose type is in ``include`` (default: the cash types).
    """
    if (revenue is None) == (revenue_shortfall is None):
        raise InputError("give exactly one of revenue and revenue_shortfall", field="revenue")
    if revenue_shortfall is not None:
        if not 0.0 <= revenue_shortfall <= 1.0:
            raise InputError(
                f"revenue_shortfall must be in [0, 1], got {revenue_shortfall:g}",
                field="revenue_shortfall",
            )
        revenue = (1.0 - revenue_shortfall) * graph.baseline_revenue
    assert revenue is not None
    if not np.isfinite(revenue) or revenue < 0:
        raise InputError(f"revenue must be >= 0, got {revenue:g}", field="revenue")
    kinds = frozenset(include)
    res, flow, backed_pair, keep = _clear_once(graph, float(revenue), kinds, alpha, beta)
    idx = graph.index
    payer = np.array([idx[graph.edges[k].payer] for k in keep], dtype=np.int64)
    payee = np.array([idx[graph.edges[k].payee] for k in keep], dtype=np.int64)
    amount = np.array([graph.edges[k].annual_amount for k in keep])
    pair_amount = np.zeros_like(flow)
    np.add.at(pair_amount, (payer, payee), amount)
    # commitments between the same pair share the pair's flow pro rata
    paid = np.ones(len(keep))
    backed = np.zeros(len(keep))
    if keep:
        denom = pair_amount[payer, payee]
        paid = flow[payer, payee] / denom
        backed = backed_pair[payer, payee] / denom
    inflow = flow.sum(axis=0)
    f = np.ones(len(graph.nodes))
    np.divide(backed_pair.sum(axis=0), inflow, out=f, where=inflow > 0)
    ids = tuple(
        graph.edges[k].id or f"{graph.edges[k].payer}->{graph.edges[k].payee}" for k in keep
    )
    return CommitmentClearingResult(
        graph=graph,
        revenue=float(revenue),
        edge_ids=ids,
        edge_index=tuple(keep),
        amount=amount,
        paid=paid,
        backed=backed,
        outside_fraction=f,
        clearing=res,
        provenance=Provenance(
            spec={"model": "commitment-clearing", "revenue": revenue, "include": sorted(kinds)},
            data_hash=_graph_hash(graph),
        ),
    )


@dataclass(frozen=True)
class CommitmentClearingCurve:
    """Commitment clearing over a grid of end-user AI revenue ``X``."""

    graph: CommitmentGraph
    revenue: FloatArray  # (k,)
    edge_ids: tuple[str, ...]
    amount: FloatArray  # (m,)
    paid: FloatArray  # (k, m)
    backed: FloatArray  # (k, m)
    defaults: NDArray[np.int64]  # (k,)
    provenance: Provenance = field(repr=False, compare=False)

    @property
    def total_backed(self) -> FloatArray:
        out: FloatArray = self.backed @ self.amount / max(float(self.amount.sum()), 1e-300)
        return out

    @property
    def total_paid(self) -> FloatArray:
        out: FloatArray = self.paid @ self.amount / max(float(self.amount.sum()), 1e-300)
        return out

    def to_frame(self) -> Any:
        """Long format: one row per (revenue, commitment)."""
        import pandas as pd

        k, m = self.backed.shape
        return pd.DataFrame(
            {
                "revenue": np.repeat(self.revenue, m),
                "commitment": np.tile(np.array(self.edge_ids, dtype=object), k),
                "paid": self.paid.ravel(),
                "backed_by_outside_money": self.backed.ravel(),
            }
        )

    def summary(self) -> str:
        lines = [
            f"Commitment clearing curve of {self.graph.name}: {len(self.revenue)} levels of "
            f"end-user AI revenue (baseline {self.graph.baseline_revenue:.4g} USD bn/yr)",
            f"  {'revenue':>10} {'paid':>7} {'backed':>7} {'firms short':>12}",
        ]
        for x, p, b, d in zip(
            self.revenue, self.total_paid, self.total_backed, self.defaults, strict=True
        ):
            lines.append(f"  {x:10.4g} {p:7.1%} {b:7.1%} {int(d):12d}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "revenue": self.revenue.tolist(),
            "commitments": list(self.edge_ids),
            "annual_amount": self.amount.tolist(),
            "paid": self.paid.tolist(),
            "backed": self.backed.tolist(),
            "total_paid": self.total_paid.tolist(),
            "total_backed": self.total_backed.tolist(),
            "defaults": self.defaults.tolist(),
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None, *, top: int = 6) -> Any:
        """Share of commitments paid and backed by outside money against ``X``."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.2))
        ax.plot(self.revenue, self.total_paid, color="black", lw=2, label="paid (all)")
        ax.plot(
            self.revenue, self.total_backed, color="tab:green", lw=2, label="outside-backed (all)"
        )
        for j in np.argsort(-self.amount)[:top]:
            ax.plot(self.revenue, self.backed[:, j], lw=0.9, ls="--", label=self.edge_ids[j])
        if self.graph.baseline_revenue > 0:
            ax.axvline(self.graph.baseline_revenue, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("end-user AI revenue X (USD bn/yr)")
        ax.set_ylabel("share of annual commitments")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=7)
        return ax


def default_revenue_top(graph: CommitmentGraph, include: Iterable[str] = CASH_TYPES) -> float:
    """Top of the default ``X`` grid: max(3 x baseline, labs' annual obligations)."""
    kinds = frozenset(include)
    labs = {n for n, w in graph.end_user_weight.items() if w > 0}
    owed = sum(
        graph.edges[k].annual_amount
        for k in _obligation_edges(graph, kinds)
        if graph.edges[k].payer in labs
    )
    return float(max(3.0 * graph.baseline_revenue, owed, 1.0))


def commitment_clearing_curve(
    graph: CommitmentGraph,
    revenues: Sequence[float] | FloatArray | None = None,
    *,
    include: Iterable[str] = CASH_TYPES,
    alpha: float = 1.0,
    beta: float = 1.0,
) -> CommitmentClearingCurve:
    """:func:`clear_commitments` over a grid of ``X``.

    The default grid runs from 0 to the larger of 3x today's end-user revenue and
    the labs' total annual obligations (where every commitment could be paid).
    """
    if revenues is None:
        grid = np.linspace(0.0, default_revenue_top(graph, include), 31)
    else:
        grid = np.asarray(revenues, dtype=np.float64)
    rows = [
        clear_commitments(graph, float(x), include=include, alpha=alpha, beta=beta) for x in grid
    ]
    first = rows[0]
    return CommitmentClearingCurve(
        graph=graph,
        revenue=grid,
        edge_ids=first.edge_ids,
        amount=first.amount,
        paid=np.array([r.paid for r in rows]),
        backed=np.array([r.backed for r in rows]),
        defaults=np.array([int(r.clearing.defaulted.sum()) for r in rows], dtype=np.int64),
        provenance=Provenance(
            spec={"model": "commitment-clearing-curve", "n_levels": len(grid)},
            data_hash=_graph_hash(graph),
        ),
    )
