"""The immutable result of a stress run: per-path arrays and their aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from boombust._provenance import Provenance
from boombust.data import Dataset
from boombust.stress.engine import TRACE_ROUNDS, ChunkOutput
from boombust.stress.network import Network
from boombust.stress.scenario import PARAMETERS, Scenario
from boombust.stress.steps import STEP_NAMES

__all__ = ["StressResult", "distribution_stats"]

STAT_NAMES = ("mean", "q05", "q50", "q95", "es95")


def distribution_stats(x: NDArray[Any]) -> dict[str, float]:
    """Mean, 5/50/95% quantiles and 95% expected shortfall (mean of the worst 5%)."""
    v = np.asarray(x, dtype=float)
    q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95])
    tail = v[v >= q95]
    es = float(tail.mean()) if tail.size else float(q95)
    return {"mean": float(v.mean()), "q05": float(q05), "q50": float(q50), "q95": float(q95),
            "es95": es}  # fmt: skip


def _cat(outs: list[ChunkOutput], name: str) -> NDArray[Any]:
    return np.concatenate([getattr(o, name) for o in outs], axis=0)


@dataclass(frozen=True)
class StressResult:
    """Outcome of :func:`boombust.stress.run_stress` (USD bn; P paths, N institutions).

    Attributes hold per-path arrays; the methods aggregate them. ``loss[p, i, s]`` is the loss
    of institution ``i`` on path ``p`` caused by step ``s`` (:data:`STEP_NAMES`).
    """

    scenario: Scenario
    network: Network
    paths: int
    seed: int
    loss: NDArray[np.float32]
    first_round: NDArray[np.float32]
    defaulted: NDArray[np.bool_]
    default_round: NDArray[np.int16]
    surviving: NDArray[np.float32]
    backed_today: NDArray[np.float32]
    capex_cut: NDArray[np.float32]
    gdp_growth_effect: NDArray[np.float32]
    glt_av: NDArray[np.float32]
    glt_systemicness: NDArray[np.float32]
    glt_indirect: NDArray[np.float32]
    price_stage: NDArray[np.float32]
    price_trace: NDArray[np.float64]
    commitment_honoured: NDArray[np.float64]
    tranche_loss: NDArray[np.float32]
    walked: NDArray[np.bool_]
    draws: NDArray[np.float32]
    rounds: int
    provenance: Provenance
    duration_s: float = 0.0
    assumptions: tuple[dict[str, str], ...] = field(default=(), repr=False)

    @classmethod
    def from_chunks(
        cls,
        net: Network,
        scenario: Scenario,
        outs: list[ChunkOutput],
        *,
        paths: int,
        seed: int,
        provenance: Provenance,
        dataset: Dataset | None = None,
        duration_s: float = 0.0,
    ) -> StressResult:
        trace = np.sum([o.price_trace for o in outs], axis=0) / paths
        paid = np.sum([o.commitment_paid for o in outs], axis=0) / paths
        with np.errstate(invalid="ignore", divide="ignore"):
            honoured = np.where(net.comm_annual > 0, paid / net.comm_annual, 1.0)
        rows = list(scenario.assumptions())
        if dataset is not None:
            rows.extend(_dataset_assumptions(dataset))
        return cls(
            scenario=scenario,
            network=net,
            paths=paths,
            seed=seed,
            loss=_cat(outs, "loss"),
            first_round=_cat(outs, "first_round"),
            defaulted=_cat(outs, "defaulted"),
            default_round=_cat(outs, "default_round"),
            surviving=_cat(outs, "surviving"),
            backed_today=_cat(outs, "backed_today"),
            capex_cut=_cat(outs, "capex_cut"),
            gdp_growth_effect=_cat(outs, "gdp_growth_effect"),
            glt_av=_cat(outs, "glt_av"),
            glt_systemicness=_cat(outs, "glt_systemicness"),
            glt_indirect=_cat(outs, "glt_indirect"),
            price_stage=_cat(outs, "price_stage"),
            price_trace=trace,
            commitment_honoured=np.asarray(honoured, dtype=np.float64),
            tranche_loss=_cat(outs, "tranche_loss"),
            walked=_cat(outs, "walked"),
            draws=_cat(outs, "draws"),
            rounds=max(o.rounds for o in outs),
            provenance=provenance,
            duration_s=duration_s,
            assumptions=tuple(rows),
        )

    # ------------------------------------------------------------------ aggregates
    @property
    def total_loss_paths(self) -> NDArray[np.float64]:
        """System loss per path (sum over institutions and steps)."""
        return np.asarray(self.loss.sum(axis=(1, 2), dtype=np.float64))

    def sector_loss_paths(self) -> pd.DataFrame:
        """Loss per path (rows) and sector (columns)."""
        per_inst = self.loss.sum(axis=2, dtype=np.float64)
        idx = self.network.sector_index
        names = self.network.sector_names
        out = np.zeros((self.paths, len(names)))
        np.add.at(out.T, idx, per_inst.T)
        return pd.DataFrame(out, columns=list(names))

    def loss_by_sector(self) -> pd.DataFrame:
        """Sector × (mean, q05, q50, q95, es95) of the loss distribution over paths."""
        frame = self.sector_loss_paths()
        return pd.DataFrame({s: distribution_stats(frame[s].to_numpy()) for s in frame}).T

    def loss_by_step(self) -> pd.Series:
        """Mean system loss attributed to each of the six steps."""
        means = self.loss.sum(axis=1, dtype=np.float64).mean(axis=0)
        return pd.Series(means, index=list(STEP_NAMES), name="mean_loss")

    def loss_by_sector_step(self) -> pd.DataFrame:
        """Sector × step mean losses (attribution of each sector's loss to the six steps)."""
        m = self.loss.mean(axis=0, dtype=np.float64)  # (N, 6)
        names = self.network.sector_names
        out = np.zeros((len(names), m.shape[1]))
        np.add.at(out, self.network.sector_index, m)
        df = pd.DataFrame(out, index=list(names), columns=list(STEP_NAMES))
        df["total"] = out.sum(axis=1)
        return df

    def loss_by_institution(self) -> pd.DataFrame:
        """Institution × step mean losses, with sector, total and default probability."""
        m = self.loss.mean(axis=0, dtype=np.float64)
        df = pd.DataFrame(m, index=list(self.network.inst_ids), columns=list(STEP_NAMES))
        df.insert(0, "sector", list(self.network.sectors))
        df["total"] = m.sum(axis=1)
        df["equity"] = self.network.equity0
        df["default_probability"] = self.defaulted.mean(axis=0)
        return df

    def total_loss(self) -> dict[str, float]:
        return distribution_stats(self.total_loss_paths)

    @property
    def amplification(self) -> float:
        """Mean total loss ÷ mean first-round loss (steps 1–4, before fire sales and defaults)."""
        first = float(self.first_round.sum(axis=1, dtype=np.float64).mean())
        total = float(self.total_loss_paths.mean())
        return total / first if first > 0 else float("nan")

    def default_probabilities(self) -> dict[str, float]:
        p = self.defaulted.mean(axis=0)
        return {i: float(v) for i, v in zip(self.network.inst_ids, p, strict=True)}

    def default_order(self) -> pd.DataFrame:
        """Institutions that default on some path: probability and mean round of default."""
        rows = []
        for j, inst in enumerate(self.network.inst_ids):
            d = self.defaulted[:, j]
            if d.any():
                rnd = self.default_round[d, j].astype(float)
                rows.append(
                    {
                        "institution": inst,
                        "sector": self.network.sectors[j],
                        "probability": float(d.mean()),
                        "mean_round": float(rnd.mean()),
                    }
                )
        df = pd.DataFrame(rows, columns=["institution", "sector", "probability", "mean_round"])
        return df.sort_values(["mean_round", "probability"], ascending=[True, False]).reset_index(
            drop=True
        )

    def glt(self) -> pd.DataFrame:
        """Mean GLT systemicness and indirect vulnerability per institution."""
        return pd.DataFrame(
            {
                "sector": list(self.network.sectors),
                "systemicness": self.glt_systemicness.mean(axis=0, dtype=np.float64),
                "indirect_vulnerability": self.glt_indirect.mean(axis=0, dtype=np.float64),
            },
            index=list(self.network.inst_ids),
        )

    def tranche_outcomes(self) -> pd.DataFrame:
        """Per tranche: mean loss, probability of any loss, q95 loss, and the model.

        Losses are fractions of today's value. Under the credit engine's waterfall (``model``
        ``waterfall``) they are the loss beyond the engine's own no-shock run, whose loss
        fraction of notional is ``no_shock_loss``; ``value``: the compact one-horizon kernel.
        """
        tl = self.tranche_loss.astype(np.float64)
        ids = self.network.tranche_ids
        deal = [d.id for d in self.network.deals for _ in d.tranche_ids]
        tables = self.network.waterfall or (None,) * len(self.network.deals)
        model = [
            "waterfall" if tb is not None else "value"
            for d, tb in zip(self.network.deals, tables, strict=True)
            for _ in d.tranche_ids
        ]
        base = [
            float(tb.base_loss[j]) if tb is not None else float("nan")
            for d, tb in zip(self.network.deals, tables, strict=True)
            for j in range(len(d.tranche_ids))
        ]
        return pd.DataFrame(
            {
                "deal": deal,
                "mean_loss": tl.mean(axis=0) if len(ids) else [],
                "p_loss": (tl > 1e-9).mean(axis=0) if len(ids) else [],
                "q95_loss": np.quantile(tl, 0.95, axis=0) if len(ids) else [],
                "model": model,
                "no_shock_loss": base,
            },
            index=list(ids),
        )

    def price_paths(self) -> pd.DataFrame:
        """Mean relative price of each asset after steps 2, 3, 4 and at the fixed point."""
        m = self.price_stage.mean(axis=0, dtype=np.float64)
        return pd.DataFrame(
            m,
            index=list(self.network.asset_ids),
            columns=["after_repricing", "after_tranches", "after_downgrades", "final"],
        )

    def macro(self) -> dict[str, float]:
        """AI capex cut and growth arithmetic (contribution accounting, no multiplier).

        ``ai_contribution_pp = share × growth`` is what AI investment added to growth in the
        base period (Furman: 92% of H1-2025 growth); ``gdp_growth_after_pp = growth + effect``
        with ``effect = -capex cut / GDP`` (investment falls one-for-one in GDP).
        """
        net = self.network
        share = net.macro.get("ai-share-growth", float("nan"))
        if "furman-ai-share-h1-2025-growth" in net.macro:  # ai-2025 states it in percent
            share = net.macro["furman-ai-share-h1-2025-growth"] / 100.0
        j = list(PARAMETERS).index("gdp_growth")
        growth = 100.0 * float(self.draws[:, j].astype(np.float64).mean())
        if "us-real-gdp-growth-h1-2025-barclays" in net.macro:  # percent, annualised
            growth = net.macro["us-real-gdp-growth-h1-2025-barclays"]
        effect = float(self.gdp_growth_effect.mean())
        return {
            "ai_capex_cut_mean": float(self.capex_cut.mean()),
            "gdp_growth_effect_pp_mean": effect,
            "gdp_growth_effect_pp_q05": float(np.quantile(self.gdp_growth_effect, 0.05)),
            "ai_share_of_growth": share,
            "gdp_growth_base_pp": growth,
            "ai_contribution_pp": share * growth,
            "gdp_growth_after_pp": growth + effect,
        }

    def summary_dict(self) -> dict[str, Any]:
        """The JSON document of ``boombust stress --json`` (keys fixed by issue 8)."""
        return {
            "scenario": self.scenario.name,
            "paths": self.paths,
            "seed": self.seed,
            "loss_by_sector": {s: row.to_dict() for s, row in self.loss_by_sector().iterrows()},
            "loss_by_step": self.loss_by_step().to_dict(),
            "total_loss": self.total_loss(),
            "amplification": self.amplification,
            "defaults": self.default_probabilities(),
            "commitments_surviving": float(self.surviving.mean()),
            "commitments_backed_today": float(self.backed_today.mean()),
            "aggregate_vulnerability": float(self.glt_av.mean()),
            "macro": self.macro(),
            "duration_s": self.duration_s,
        }

    def to_dict(self) -> dict[str, Any]:
        out = self.summary_dict()
        out["provenance"] = self.provenance.to_dict()
        return out

    def store_tables(self) -> dict[str, pd.DataFrame]:
        """The run-store artefacts of this result, one table each (CLI and dashboard)."""
        net = self.network
        commitments = pd.DataFrame(
            {
                "commitment": list(net.comm_ids),
                "payer": [net.inst_ids[i] for i in net.comm_payer],
                "payee": [net.inst_ids[i] for i in net.comm_payee],
                "annual": net.comm_annual,
                "honoured": self.commitment_honoured,
            }
        )
        return {
            "paths": self.to_frame(),
            "institutions": self.loss_by_institution().reset_index(names="institution"),
            "sectors": self.loss_by_sector().reset_index(names="sector"),
            "sector_steps": self.loss_by_sector_step().reset_index(names="sector"),
            "tranches": self.tranche_outcomes().reset_index(names="tranche"),
            "prices": self.price_paths().reset_index(names="asset"),
            "glt": self.glt().reset_index(names="institution"),
            "defaults": self.default_order(),
            "commitments": commitments,
        }

    def store_summary(self) -> dict[str, Any]:
        """The headline numbers kept in a stored run's manifest."""
        summary = self.summary_dict()
        keys = ("scenario", "paths", "total_loss", "amplification", "commitments_surviving")
        return {k: summary[k] for k in keys}

    def to_frame(self) -> pd.DataFrame:
        """One row per path: total loss, loss by step, loss by sector, defaults, key draws."""
        steps = self.loss.sum(axis=1, dtype=np.float64)
        df = pd.DataFrame(steps, columns=[f"step_{s}" for s in STEP_NAMES])
        df.insert(0, "path", np.arange(self.paths))
        df.insert(1, "total_loss", self.total_loss_paths)
        sec = self.sector_loss_paths().add_prefix("sector_")
        df = pd.concat([df, sec], axis=1)
        df["defaults"] = self.defaulted.sum(axis=1)
        df["commitments_surviving"] = self.surviving.astype(np.float64)
        df["aggregate_vulnerability"] = self.glt_av.astype(np.float64)
        df["capex_cut"] = self.capex_cut.astype(np.float64)
        for j, name in enumerate(PARAMETERS):
            df[f"param_{name}"] = self.draws[:, j].astype(np.float64)
        return df

    def summary(self) -> str:
        tl = self.total_loss()
        lines = [
            f"stress scenario {self.scenario.name}: {self.paths} paths, seed {self.seed}",
            f"  total loss (USD bn): mean {tl['mean']:.1f}, q95 {tl['q95']:.1f}, "
            f"ES95 {tl['es95']:.1f}",
            f"  amplification (total / first round): {self.amplification:.2f}",
            f"  commitments honoured: {float(self.surviving.mean()):.1%} "
            f"(today's AI revenue would back {float(self.backed_today.mean()):.1%})",
            f"  aggregate vulnerability (GLT): {float(self.glt_av.mean()):.2%} of system equity",
            "  loss by step (mean):",
        ]
        for step, v in self.loss_by_step().items():
            lines.append(f"    {step:<24} {v:10.1f}")
        lines.append("  loss by sector (mean, q95):")
        for s, row in self.loss_by_sector().iterrows():
            lines.append(f"    {s:<24} {row['mean']:10.1f} {row['q95']:10.1f}")
        probs = sorted(self.default_probabilities().items(), key=lambda kv: -kv[1])
        shown = [f"{k} {v:.1%}" for k, v in probs if v > 0][:8]
        lines.append("  default probabilities: " + (", ".join(shown) or "none"))
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Loss waterfall by step (mean over paths)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        steps = self.loss_by_step()
        bottoms = np.concatenate([[0.0], np.cumsum(steps.to_numpy())[:-1]])
        ax.bar(range(len(steps)), steps.to_numpy(), bottom=bottoms, color="#b33a3a")
        ax.set_xticks(range(len(steps)))
        ax.set_xticklabels([s.replace("_", "\n") for s in steps.index], fontsize=7)
        ax.set_ylabel("mean loss, USD bn")
        ax.set_title(f"{self.scenario.name}: loss by step")
        return ax

    @property
    def trace_rounds(self) -> int:
        return TRACE_ROUNDS


def _dataset_assumptions(ds: Dataset) -> list[dict[str, str]]:
    """Every number in the dataset that rests on an assumption, with its reason."""
    rows: list[dict[str, str]] = []
    for table in ("institutions", "assets", "holdings", "obligations", "commitments", "deals"):
        for rec in getattr(ds, table):
            rid = (
                getattr(rec, "id", None)
                or f"{getattr(rec, 'holder', '')}→{getattr(rec, 'asset', '')}"
            )
            for fname, fs in rec.field_sources.items():
                rows.append(
                    {
                        "parameter": f"{table}.{rid}.{fname}",
                        "value": str(getattr(rec, fname)),
                        "unit": "",
                        "meaning": "dataset field",
                        "source": fs.assumption or str(fs.source),
                    }
                )
            if rec.assumption:
                rows.append({"parameter": f"{table}.{rid}", "value": "(row)", "unit": "",
                             "meaning": "dataset row", "source": rec.assumption})  # fmt: skip
            elif rec.source:
                rows.append({"parameter": f"{table}.{rid}", "value": "(row)", "unit": "",
                             "meaning": "dataset row", "source": str(rec.source)})  # fmt: skip
    return rows
