"""The cascade on one chunk of paths, and the Monte Carlo driver over chunks.

:func:`cascade` runs the six steps (:mod:`boombust.stress.steps`) on ``P`` paths at once,
iterating forced selling, fire sales and default clearing (steps 4–6) jointly to a fixed
point. :func:`run_stress` splits the paths into fixed-size chunks, gives chunk ``c`` the
generator ``default_rng(SeedSequence(seed).spawn(n_chunks)[c])`` and runs the chunks through
an executor seam (serial, process pool, Dask): the numbers are identical whichever runs them.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from boombust._provenance import Provenance
from boombust.data import Dataset, dataset_hash
from boombust.errors import BoombustWarning, InputError
from boombust.stress.executor import Executor, SerialExecutor
from boombust.stress.firesale import glt_measures
from boombust.stress.kernels import COMPACT, Kernels
from boombust.stress.network import Network, build_network
from boombust.stress.scenario import PARAMETERS, Scenario
from boombust.stress.steps import (
    clear_defaults,
    demand_shock,
    downgrade,
    fire_sale_round,
    forced_sales,
    initial_state,
    leases_and_tranches,
    reprice,
)

__all__ = [
    "CHUNK_SIZE",
    "CascadeConvergenceWarning",
    "ChunkOutput",
    "cascade",
    "run_chunk",
    "run_stress",
]

F64 = NDArray[np.float64]
F32 = NDArray[np.float32]

CHUNK_SIZE = 500
"""Paths per chunk (fixed, so results never depend on the number of workers)."""

TRACE_ROUNDS = 30
"""Fire-sale rounds kept in the mean price path."""


class CascadeConvergenceWarning(BoombustWarning):
    """Steps 4–6 stopped at ``max_rounds`` before sales and defaults came to rest."""


@dataclass(frozen=True)
class ChunkOutput:
    """Per-path outputs of one chunk (float32 to keep 100,000 paths light)."""

    loss: F32  # (P, N, 6)
    first_round: F32  # (P, N) losses of steps 1–4 (before any fire sale or default)
    defaulted: NDArray[np.bool_]  # (P, N)
    default_round: NDArray[np.int16]  # (P, N)
    surviving: F32  # (P,)
    backed_today: F32  # (P,)
    capex_cut: F32  # (P,)
    gdp_growth_effect: F32  # (P,) percentage points
    glt_av: F32  # (P,)
    glt_systemicness: F32  # (P, N)
    glt_indirect: F32  # (P, N)
    price_stage: F32  # (P, K, 4): after steps 2, 3, 4 and at the fixed point
    price_trace: F64  # (TRACE_ROUNDS + 1, K) sum over the chunk's paths
    commitment_paid: F64  # (C,) sum over the chunk's paths of each commitment's payment
    tranche_loss: F32  # (P, T)
    walked: NDArray[np.bool_]  # (P, leases)
    draws: F32  # (P, parameters)
    rounds: int
    converged: bool


def _macro(net: Network, keys: tuple[str, ...], fallback: F64) -> F64:
    """The first of ``keys`` in the dataset's macro table, else the scenario's draw."""
    for key in keys:
        if key in net.macro:
            return np.full_like(fallback, net.macro[key])
    return fallback


def cascade(
    net: Network,
    scenario: Scenario,
    rng: np.random.Generator,
    paths: int,
    kernels: Kernels = COMPACT,
) -> ChunkOutput:
    """Run the six-step cascade on ``paths`` paths drawn from ``rng``."""
    draws = scenario.draw(rng, paths)
    n_leases = sum(len(d.lease_rent) for d in net.deals)
    uniforms = rng.random((paths, 2 + n_leases))
    st = initial_state(net, paths)
    k = net.n_assets
    stage = np.ones((paths, k, 4))

    com = demand_shock(net, draws, st, kernels, scenario.commitment_baseline)
    fall = reprice(net, draws, st)
    stage[:, :, 0] = st.price
    tr = leases_and_tranches(net, draws, st, uniforms, kernels)
    stage[:, :, 1] = st.price
    downgrade(net, draws, st, fall)
    stage[:, :, 2] = st.price
    first = st.loss.sum(axis=2).copy()
    shock = st.price - 1.0
    st.price_pre = st.price.copy()
    st.market = st.price.copy()

    trace = np.zeros((TRACE_ROUNDS + 1, k))
    trace[0] = st.price.sum(axis=0)
    # steps 4-6 to a fixed point, path by path: a path leaves the loop once its new sales
    # are below tolerance (relative to its holdings) and no new institution defaults
    scale = max(float(net.holdings.sum()), 1.0)
    act = np.arange(paths)
    sub, d_sub = st, draws
    frozen = np.zeros(k)
    rnd = 0
    for rnd in range(scenario.max_rounds):
        units = forced_sales(net, d_sub, sub, scenario.deleveraging)
        vol = units.sum(axis=(1, 2))
        if vol.any():
            fire_sale_round(net, d_sub, sub, units, scenario.impact)
        newly = clear_defaults(net, d_sub, sub, rnd, kernels)
        if rnd < TRACE_ROUNDS:
            trace[rnd + 1] = frozen + sub.price.sum(axis=0)
        done = (vol <= scenario.tolerance * scale) & ~newly.any(axis=1)
        if done.any():
            if sub is not st:
                st.put(act[done], sub.take(np.flatnonzero(done)))
            frozen += sub.price[done].sum(axis=0)
            keep = np.flatnonzero(~done)
            act = act[keep]
            if act.size == 0:
                break
            sub = sub.take(keep)
            d_sub = {key: val[keep] for key, val in d_sub.items()}
    converged = act.size == 0
    if not converged and sub is not st:
        st.put(act, sub)
    last = min(rnd + 1, TRACE_ROUNDS)
    trace[last + 1 :] = trace[last]
    if not converged:
        warnings.warn(
            f"the cascade stopped after max_rounds={scenario.max_rounds} rounds with sales still "
            f"above tolerance on {act.size} paths; raise max_rounds or loosen tolerance",
            CascadeConvergenceWarning,
            stacklevel=2,
        )
    stage[:, :, 3] = st.price

    # GLT measures for the first-round shock (linear impact, leverage targeting)
    ok = net.equity0 > 0
    glt_s = np.zeros((paths, net.n_inst))
    glt_iv = np.zeros((paths, net.n_inst))
    glt_av = np.zeros(paths)
    if ok.any() and k > 0:
        weights = net.holdings[ok] / net.assets0[ok, None]
        m = glt_measures(net.assets0[ok], net.equity0[ok], weights, 1.0 / net.depth, shock)
        sc = draws["price_impact_scale"]
        glt_av = m.aggregate_vulnerability * sc
        glt_s[:, ok] = m.systemicness * sc[:, None]
        glt_iv[:, ok] = m.indirect_vulnerability * sc[:, None]

    # AI capex cut and the growth arithmetic (contribution accounting)
    capex = float(net.capex[net.is_ai_capex].sum())
    cut_share = np.clip(draws["capex_cut_elasticity"] * (1.0 - com.surviving), 0, 1)
    cut = cut_share * capex
    gdp = _macro(net, ("us-gdp", "us-nominal-gdp-2025q2"), draws["gdp_usd_bn"])
    growth_effect = -100.0 * cut / gdp

    return ChunkOutput(
        loss=st.loss.astype(np.float32),
        first_round=first.astype(np.float32),
        defaulted=st.defaulted,
        default_round=st.default_round.astype(np.int16),
        surviving=com.surviving.astype(np.float32),
        backed_today=com.backed_today.astype(np.float32),
        capex_cut=cut.astype(np.float32),
        gdp_growth_effect=growth_effect.astype(np.float32),
        glt_av=glt_av.astype(np.float32),
        glt_systemicness=glt_s.astype(np.float32),
        glt_indirect=glt_iv.astype(np.float32),
        price_stage=stage.astype(np.float32),
        price_trace=trace,
        commitment_paid=com.paid.sum(axis=0),
        tranche_loss=tr.tranche_loss.astype(np.float32),
        walked=tr.walked,
        draws=np.stack([draws[p] for p in PARAMETERS], axis=1).astype(np.float32),
        rounds=rnd + 1,
        converged=converged,
    )


@dataclass(frozen=True)
class _Task:
    net: Network
    scenario: Scenario
    seed_seq: np.random.SeedSequence
    paths: int
    kernels: Kernels = COMPACT


def run_chunk(task: _Task) -> ChunkOutput:
    """Run one chunk (module-level so process pools and Dask can pickle it)."""
    rng = np.random.default_rng(task.seed_seq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", CascadeConvergenceWarning)
        return cascade(task.net, task.scenario, rng, task.paths, task.kernels)


def chunk_tasks(
    net: Network,
    scenario: Scenario,
    paths: int,
    seed: int,
    chunk_size: int = CHUNK_SIZE,
    kernels: Kernels = COMPACT,
) -> list[_Task]:
    """Fixed-size chunks, each with its own child seed (``SeedSequence(seed).spawn``)."""
    if paths < 1:
        raise InputError(f"paths must be at least 1 (got {paths})", field="paths")
    if seed < 0:
        raise InputError(f"seed must be a non-negative integer (got {seed})", field="seed")
    n_chunks = -(-paths // chunk_size)
    children = np.random.SeedSequence(seed).spawn(n_chunks)
    sizes = [min(chunk_size, paths - c * chunk_size) for c in range(n_chunks)]
    return [_Task(net, scenario, children[c], sizes[c], kernels) for c in range(n_chunks)]


def run_stress(
    dataset: Dataset,
    scenario: Scenario,
    *,
    paths: int = 1000,
    seed: int = 0,
    executor: Executor | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    kernels: Kernels = COMPACT,
) -> Any:
    """Run the Monte Carlo cascade and return a :class:`~boombust.stress.results.StressResult`.

    Parameters
    ----------
    dataset
        A validated dataset (:func:`boombust.data.load_dataset`).
    scenario
        A scenario (:func:`boombust.stress.load_scenario`).
    paths, seed
        Number of Monte Carlo paths and the seed of ``SeedSequence``.
    executor
        Serial (default), :class:`~boombust.stress.executor.PoolExecutor` or
        :class:`~boombust.stress.executor.DaskExecutor`; the numbers do not depend on it.
    progress
        Called with (chunks done, chunks total).
    kernels
        Clearing, value-curve and tranche kernels (:mod:`boombust.stress.kernels`); the
        cascade's compact ones by default.
    """
    from boombust.stress.results import StressResult

    t0 = time.perf_counter()
    net = build_network(dataset, scenario)
    tasks = chunk_tasks(net, scenario, paths, seed, chunk_size, kernels)
    ex = executor or SerialExecutor()
    outs: list[ChunkOutput] = []
    for out in ex.map(run_chunk, tasks):
        outs.append(out)
        if progress is not None:
            progress(len(outs), len(tasks))
    if not all(o.converged for o in outs):
        warnings.warn(
            f"some chunks stopped after max_rounds={scenario.max_rounds} rounds before the "
            "fire sales came to rest; raise max_rounds or loosen tolerance",
            CascadeConvergenceWarning,
            stacklevel=2,
        )
    prov = Provenance(
        spec={"scenario": scenario.model_dump(mode="json"), "paths": paths, "executor": ex.name},
        seed=seed,
        data_hash=dataset_hash(dataset),
    )
    return StressResult.from_chunks(
        net, scenario, outs, paths=paths, seed=seed, provenance=prov,
        dataset=dataset, duration_s=time.perf_counter() - t0,
    )  # fmt: skip
