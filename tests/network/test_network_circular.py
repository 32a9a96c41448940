"""Circular commitments: cycles, circular revenue, commitment clearing and tracing.

Expected values are hand computations documented in
tests/reference/network/test_reference_values.md ("three-firm loop").
"""

from __future__ import annotations

import numpy as np
import pytest
from seed_circle import seed_graph

from boombust.errors import InputError
from boombust.network.circular import (
    CommitmentEdge,
    CommitmentGraph,
    analyze_circularity,
    clear_commitments,
    commitment_clearing_curve,
)


def loop(x_outside: float = 0.0) -> CommitmentGraph:
    """Lab A owes cloud B 10, B owes chipmaker C 6, C invests 4 cash in A."""
    return CommitmentGraph.from_edges(
        [("A", "B", 10.0, "compute"), ("B", "C", 6.0, "chips"), ("C", "A", 4.0, "equity")],
        end_user_weight={"A": 1.0},
        baseline_revenue=10.0,
    )


def test_loop_without_outside_money_is_all_circular() -> None:
    res = clear_commitments(loop(), 0.0)
    # greatest clearing vector: 4 goes round A -> B -> C -> A with no outside money
    np.testing.assert_allclose(res.paid, [0.4, 4 / 6, 1.0])
    np.testing.assert_allclose(res.backed, [0.0, 0.0, 0.0])
    assert res.total_backed_fraction == 0.0


def test_loop_with_little_outside_money_by_hand() -> None:
    res = clear_commitments(loop(), 2.0)
    # p = (6, 6, 4); A defaults. First-entry tracing: the 2 outside dollars enter A,
    # pass B and C once (backed) and the 4 that C pays A are A's own money returning.
    np.testing.assert_allclose(res.paid, [0.6, 1.0, 1.0])
    np.testing.assert_allclose(res.backed, [0.2, 2 / 6, 0.0], atol=1e-12)
    np.testing.assert_array_equal(res.clearing.default_round, [1, 0, 0])


def test_loop_with_ample_outside_money_by_hand() -> None:
    res = clear_commitments(loop(), 10.0)
    np.testing.assert_allclose(res.paid, [1.0, 1.0, 1.0])
    # A's pool 10 outside + 4 returned: 10/14 of A -> B is new money to B;
    # C first receives 10 * (10/14) * (6/10) = 30/7 of B's 6; C -> A is returning money.
    np.testing.assert_allclose(res.backed, [10 / 14, (30 / 7) / 6, 0.0], atol=1e-12)


def test_seed_circle_cycles_and_components() -> None:
    res = analyze_circularity(seed_graph(), basis="total")
    comps = res.circular_components
    assert len(comps) == 1
    assert set(comps[0]) == {"nvidia", "openai", "oracle", "microsoft", "amd", "coreweave"}
    cycles = {c.nodes: c for c in res.cycles}
    # Nvidia -> OpenAI -> Oracle -> Nvidia (rooted at the lowest index: nvidia)
    big = cycles[("nvidia", "openai", "oracle")]
    assert big.amounts == (100.0, 300.0, 40.0)
    assert big.bottleneck == 40.0
    assert cycles[("nvidia", "openai")].bottleneck == 100.0
    assert cycles[("openai", "microsoft")].bottleneck == 13.8
    assert cycles[("openai", "amd")].bottleneck == 32.0
    # the warrant funds OpenAI, which buys AMD chips: all of AMD's commitment revenue
    # is vendor financed
    frame = res.to_frame()
    assert frame.loc["amd", "vendor_financed_share"] == pytest.approx(1.0)
    assert frame.loc["oracle", "vendor_financed_share"] == 0.0
    assert frame.loc["oracle", "circular_share"] == pytest.approx(1.0)
    assert "nvidia -> openai -> oracle" in res.summary()


def test_simple_cycles_are_each_found_once() -> None:
    # complete digraph on 4 nodes: 6 two-cycles + 8 three-cycles + 6 four-cycles = 20
    names = "abcd"
    edges = [(a, b, 1.0, "compute") for a in names for b in names if a != b]
    res = analyze_circularity(CommitmentGraph.from_edges(edges))
    assert len(res.cycles) == 20
    assert len({tuple(c.nodes) for c in res.cycles}) == 20
    assert len(analyze_circularity(CommitmentGraph.from_edges(edges), max_length=2).cycles) == 6


def test_seed_curve_is_monotone_and_reaches_full_backing() -> None:
    curve = commitment_clearing_curve(seed_graph(), np.linspace(0, 400, 9))
    assert (np.diff(curve.total_paid) >= -1e-12).all()
    assert curve.total_paid[-1] == pytest.approx(1.0)
    assert (curve.total_backed <= curve.total_paid + 1e-12).all()
    assert len(curve.to_frame()) == 9 * len(curve.edge_ids)
    assert "revenue" in curve.summary()


def test_shortfall_and_types_convention() -> None:
    g = seed_graph()
    half = clear_commitments(g, revenue_shortfall=0.5)
    assert half.revenue == pytest.approx(10.0)
    ids = set(half.edge_ids)
    # warrants and backstops are not cash obligations; completed deals are not outstanding
    assert {"c09", "c13", "c07", "c12", "c15"}.isdisjoint(ids)
    assert {"c01", "c02", "c03", "c04", "c08", "c10", "c14"} <= ids
    # OpenAI cannot pay its ~$190B/yr of commitments out of $10B of revenue + $20B from Nvidia
    assert half.clearing.defaulted[g.index["openai"]]
    d = half.to_dict()
    assert d["total_paid_fraction"] == pytest.approx(half.total_paid_fraction)


def test_bad_commitment_graph() -> None:
    with pytest.raises(InputError, match="unknown node"):
        CommitmentGraph(nodes=("a",), edges=(CommitmentEdge("a", "b", 1.0, "chips"),))
    with pytest.raises(InputError, match="unknown type"):
        CommitmentGraph.from_edges([("a", "b", 1.0, "gift")])
    with pytest.raises(InputError, match="revenue_shortfall must be in"):
        clear_commitments(loop(), revenue_shortfall=1.5)


def test_plots() -> None:
    res = analyze_circularity(seed_graph())
    assert "cycle" in res.plot().get_title()
    assert res.plot(layout="circular") is not None
    curve = commitment_clearing_curve(seed_graph(), [0, 50, 100])
    assert curve.plot().get_xlabel().startswith("end-user")
    assert clear_commitments(seed_graph(), 20.0).plot() is not None
