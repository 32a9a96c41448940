"""The seed's circle as a plain commitment graph (test fixture).

Amounts (USD bn, totals) from /work/shared/reference/ai-2025-facts.md section 3, edge
numbers in brackets. Where the facts give no figure the value is marked ASSUMPTION
(the same assumptions as the ai-2025 dataset draft). Outside money and end-user
revenue are round illustrative numbers for tests, not facts.
"""

from __future__ import annotations

from boombust.network.circular import CommitmentEdge, CommitmentGraph

SEED_EDGES = (
    # [1] Nvidia -> OpenAI, up to $100B, staged per GW; ASSUMPTION 5 years
    CommitmentEdge("nvidia", "openai", 100.0, "equity_pledge", 5.0, "c01"),
    # [2] OpenAI -> Nvidia chips, undisclosed; ASSUMPTION 10 GW x $35B/GW over 5 years
    CommitmentEdge("openai", "nvidia", 350.0, "chips", 5.0, "c02"),
    # [3] OpenAI -> Oracle compute ~$300B over ~5 years
    CommitmentEdge("openai", "oracle", 300.0, "compute", 5.0, "c03"),
    # [4] Oracle -> Nvidia ~$40B of GB200; ASSUMPTION over 1.5 years
    CommitmentEdge("oracle", "nvidia", 40.0, "chips", 1.5, "c04"),
    # [7] Microsoft -> OpenAI ~$13.8B invested since 2019 (already paid)
    CommitmentEdge("microsoft", "openai", 13.8, "equity", None, "c07", "completed"),
    # [8] OpenAI -> Microsoft +$250B Azure; ASSUMPTION 8 years (Altman's 8-year horizon)
    CommitmentEdge("openai", "microsoft", 250.0, "compute", 8.0, "c08"),
    # [9] AMD -> OpenAI warrant, 160M shares; ASSUMPTION valued at ~$200/share = $32B, 4 years
    CommitmentEdge("amd", "openai", 32.0, "warrant", 4.0, "c09"),
    # [10] OpenAI -> AMD 6 GW of Instinct GPUs, ~$90B estimate [U]; ASSUMPTION 4 years
    CommitmentEdge("openai", "amd", 90.0, "chips", 4.0, "c10"),
    # [12] Nvidia -> CoreWeave equity ($250M IPO anchor; ~6% pre-IPO), taken as $0.35B, paid
    CommitmentEdge("nvidia", "coreweave", 0.35, "equity", None, "c12", "completed"),
    # [13] Nvidia -> CoreWeave $6.3B capacity backstop through Apr 2032 (~6.6 years)
    CommitmentEdge("nvidia", "coreweave", 6.3, "backstop", 6.6, "c13"),
    # [14] OpenAI -> CoreWeave $22.4B through Oct 2030 (~5.6 years)
    CommitmentEdge("openai", "coreweave", 22.4, "compute", 5.6, "c14"),
    # [15] CoreWeave -> OpenAI $350M of stock at the IPO price (already issued)
    CommitmentEdge("coreweave", "openai", 0.35, "equity", None, "c15", "completed"),
)


def seed_graph() -> CommitmentGraph:
    return CommitmentGraph.from_edges(
        SEED_EDGES,
        # end-user AI revenue goes to OpenAI: >$20B annualised run-rate (facts, OpenAI totals)
        end_user_weight={"openai": 1.0},
        baseline_revenue=20.0,
        # illustrative outside money of everyone else (USD bn/yr), for tests only
        outside_money={
            "nvidia": 60.0,
            "oracle": 20.0,
            "microsoft": 100.0,
            "amd": 5.0,
            "coreweave": 2.0,
        },
        revenue={
            "nvidia": 165.0,
            "oracle": 60.0,
            "amd": 30.0,
            "coreweave": 5.0,
            "microsoft": 280.0,
        },
        name="seed-circle",
    )
