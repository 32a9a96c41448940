"""Sensitivity grids: the cascade over a grid of fixed parameter values (``--vary``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from boombust.data import Dataset
from boombust.errors import InputError
from boombust.stress.engine import CHUNK_SIZE, ChunkOutput, chunk_tasks, run_chunk
from boombust.stress.executor import Executor, SerialExecutor
from boombust.stress.kernels import COMPACT, Kernels
from boombust.stress.network import build_network
from boombust.stress.scenario import PARAMETERS, Scenario

__all__ = ["SensitivityGrid", "parse_vary", "run_grid"]


def parse_vary(items: Sequence[str]) -> dict[str, list[float]]:
    """``["gpu_life=2,3,6", ...]`` -> ``{"gpu_life": [2.0, 3.0, 6.0]}``, validated."""
    out: dict[str, list[float]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not values.strip():
            raise InputError(f"--vary {item!r}: write NAME=V1,V2,…", field="vary")
        if name not in PARAMETERS:
            raise InputError(
                f"--vary: unknown parameter {name!r}; known: {', '.join(sorted(PARAMETERS))}",
                field="vary",
            )
        try:
            vals = [float(v) for v in values.split(",") if v.strip()]
        except ValueError:
            raise InputError(f"--vary {item!r}: values must be numbers", field="vary") from None
        info = PARAMETERS[name]
        bad = [v for v in vals if not info.low <= v <= info.high]
        if bad:
            raise InputError(
                f"--vary {name}: {bad} outside [{info.low:g}, {info.high:g}] ({info.meaning})",
                field="vary",
            )
        out[name] = vals
    return out


@dataclass(frozen=True)
class SensitivityGrid:
    """Tidy table: one row per grid point with the headline statistics."""

    table: pd.DataFrame
    scenario: str
    paths: int
    seed: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        return f"sensitivity grid for {self.scenario} ({self.paths} paths, seed {self.seed})\n" + (
            self.table.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        )

    def to_dict(self) -> dict[str, object]:
        return {"scenario": self.scenario, "paths": self.paths, "seed": self.seed,
                "grid": self.table.to_dict(orient="records")}  # fmt: skip


def _stats(outs: list[ChunkOutput]) -> dict[str, float]:
    loss = np.concatenate([o.loss for o in outs]).astype(np.float64)
    total = loss.sum(axis=(1, 2))
    first = np.concatenate([o.first_round for o in outs]).astype(np.float64).sum(axis=1)
    q95 = float(np.quantile(total, 0.95))
    return {
        "total_loss_mean": float(total.mean()),
        "total_loss_q95": q95,
        "total_loss_es95": float(total[total >= q95].mean()),
        "amplification": float(total.mean() / first.mean()) if first.mean() > 0 else np.nan,
        "defaults_mean": float(np.concatenate([o.defaulted for o in outs]).sum(axis=1).mean()),
        "commitments_surviving": float(np.concatenate([o.surviving for o in outs]).mean()),
    }


def run_grid(
    dataset: Dataset,
    scenario: Scenario,
    vary: dict[str, list[float]],
    *,
    paths: int = 1000,
    seed: int = 0,
    executor: Executor | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    kernels: Kernels = COMPACT,
) -> SensitivityGrid:
    """Run the cascade at every point of the grid (same seed, so common random numbers)."""
    names = list(vary)
    points = list(itertools.product(*(vary[n] for n in names)))
    tasks = []
    owners = []
    for gi, point in enumerate(points):
        sc = scenario.with_values(**dict(zip(names, point, strict=True)))
        net = build_network(dataset, sc)
        for t in chunk_tasks(net, sc, paths, seed, chunk_size, kernels):
            tasks.append(t)
            owners.append(gi)
    ex = executor or SerialExecutor()
    results: list[list[ChunkOutput]] = [[] for _ in points]
    for done, (gi, out) in enumerate(zip(owners, ex.map(run_chunk, tasks), strict=True), 1):
        results[gi].append(out)
        if progress is not None:
            progress(done, len(tasks))
    rows = [
        {**dict(zip(names, point, strict=True)), **_stats(results[gi])}
        for gi, point in enumerate(points)
    ]
    return SensitivityGrid(pd.DataFrame(rows), scenario.name, paths, seed)
