"""Critical values and p-values for the recursive ADF tests (methods.md §A.3, §A.5).

* :func:`mc_critical_values` — Monte Carlo under the unit-root null: exuber's driftless
  random walk (``null="rw"``) or PSY's random walk with drift ``1/T`` (``null="drift"``).
  Both BSADF conventions are returned: the pointwise quantile of BSADF_t (PSY's published
  dates; our default) and exuber's conservative quantile of ``cummax(BADF)``.
* :func:`wild_bootstrap_ps` — Phillips & Shi (2020) wild bootstrap with family-wise size
  control over ``tau_b`` BSADF values (i.i.d. N(0,1) weights, one per observation).
* :func:`wild_bootstrap_hlst` — Harvey, Leybourne, Sollis & Taylor (2016): Rademacher
  weights on Δy.

Replications run in fixed chunks of :data:`CHUNK` paths, chunk ``i`` drawing from
``SeedSequence(seed).spawn(n_chunks)[i]``, so serial and parallel runs give identical
numbers. With numba the kernels release the GIL and chunks run on threads; without numba
they run on processes. Results are cached on disk (``$BOOMBUST_CACHE`` or
``~/.cache/boombust``), keyed by every setting, written atomically; a small table for
common sizes ships in ``boombust/detect/tables``.

References
----------
Phillips, Shi & Yu (2015), *Int. Econ. Rev.* 56(4), 1043–1078 (PSY).
Phillips, Wu & Yu (2011), *Int. Econ. Rev.* 52(1), 201–226 (PWY).
Phillips & Shi (2020), "Real-time monitoring of asset markets: bubbles and crises",
*Handbook of Statistics* 42, 61–80.
Harvey, Leybourne, Sollis & Taylor (2016), *J. Empirical Finance* 38, 548–574.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from boombust._provenance import stable_hash
from boombust.detect._adf_kernels import HAVE_NUMBA, adf_design, simulate_statistics
from boombust.errors import InputError

__all__ = [
    "CHUNK",
    "DEFAULT_SEED",
    "LEVELS",
    "NullDistribution",
    "cache_dir",
    "default_minw",
    "empirical_pvalue",
    "mc_critical_values",
    "wild_bootstrap_hlst",
    "wild_bootstrap_ps",
]

LEVELS: tuple[float, float, float] = (0.90, 0.95, 0.99)
CHUNK = 50
DEFAULT_SEED = 20150401
ALGORITHM_VERSION = 1
TABLES = Path(__file__).resolve().parent / "tables"

FloatArray = NDArray[np.float64]
NullName = Literal["rw", "drift"]
Method = Literal["mc", "wild-ps", "wild-hlst"]


def default_minw(n: int) -> int:
    """PSY's minimum window ``floor(n·(0.01 + 1.8/√n))`` (exuber ``psy_minw``)."""
    return math.floor((0.01 + 1.8 / math.sqrt(n)) * n)


@dataclass(frozen=True)
class NullDistribution:
    """Simulated null distributions and critical-value sequences for one setting.

    ``adf``, ``sadf``, ``gsadf`` hold the ``nrep`` simulated statistics (sorted), used for
    p-values. The sequences have one row per window end (``n - 1 - lag - minw + 1`` rows;
    one row for the family-wise Phillips–Shi bootstrap, broadcast by the caller) and one
    column per level in :data:`LEVELS`.
    """

    method: str
    n: int
    minw: int
    lag: int
    nrep: int
    seed: int
    settings: dict[str, Any]
    adf: FloatArray
    sadf: FloatArray
    gsadf: FloatArray
    bsadf_cv: FloatArray
    bsadf_cv_conservative: FloatArray
    badf_cv: FloatArray

    def quantiles(self, stat: str) -> FloatArray:
        """90/95/99% quantiles of ``adf``, ``sadf`` or ``gsadf`` (R type 7)."""
        draws = getattr(self, stat)
        if draws.size == 0:
            return np.full(len(LEVELS), np.nan)
        return np.asarray(np.quantile(draws, LEVELS), dtype=np.float64)

    def pvalue(self, stat: str, value: float) -> float:
        """Right-tail p-value of ``value`` against the simulated ``stat`` distribution."""
        return empirical_pvalue(getattr(self, stat), value)

    def to_npz(self, path: Path) -> None:
        meta = np.array(
            [
                stable_hash(
                    {
                        "method": self.method,
                        "n": self.n,
                        "minw": self.minw,
                        "lag": self.lag,
                        "nrep": self.nrep,
                        "seed": self.seed,
                        "settings": self.settings,
                    }
                )
            ]
        )
        _atomic_savez(
            path,
            meta=meta,
            header=np.array([self.n, self.minw, self.lag, self.nrep, self.seed]),
            method=np.array([self.method]),
            adf=self.adf.astype(np.float32),
            sadf=self.sadf.astype(np.float32),
            gsadf=self.gsadf.astype(np.float32),
            bsadf_cv=self.bsadf_cv.astype(np.float32),
            bsadf_cv_conservative=self.bsadf_cv_conservative.astype(np.float32),
            badf_cv=self.badf_cv.astype(np.float32),
        )

    @classmethod
    def from_npz(cls, path: Path, settings: dict[str, Any]) -> NullDistribution:
        with np.load(path, allow_pickle=False) as f:
            n, minw, lag, nrep, seed = (int(v) for v in f["header"])
            return cls(
                method=str(f["method"][0]),
                n=n,
                minw=minw,
                lag=lag,
                nrep=nrep,
                seed=seed,
                settings=settings,
                adf=np.asarray(f["adf"], dtype=np.float64),
                sadf=np.asarray(f["sadf"], dtype=np.float64),
                gsadf=np.asarray(f["gsadf"], dtype=np.float64),
                bsadf_cv=np.asarray(f["bsadf_cv"], dtype=np.float64),
                bsadf_cv_conservative=np.asarray(f["bsadf_cv_conservative"], dtype=np.float64),
                badf_cv=np.asarray(f["badf_cv"], dtype=np.float64),
            )


def _f32(a: Any) -> FloatArray:
    """Round to float32 precision (what the cache stores), so fresh and cached runs agree."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def empirical_pvalue(draws: FloatArray, value: float) -> float:
    """``(1 + #{draws ≥ value}) / (nrep + 1)`` (Davison & Hinkley 1997, eq. 4.11); NaN if none."""
    if draws.size == 0 or not math.isfinite(value):
        return math.nan
    return float((1 + np.count_nonzero(draws >= value)) / (draws.size + 1))


# --------------------------------------------------------------------------- cache


def cache_dir() -> Path:
    """``$BOOMBUST_CACHE`` or ``~/.cache/boombust``, subfolder ``psy``."""
    root = os.environ.get("BOOMBUST_CACHE")
    base = Path(root) if root else Path.home() / ".cache" / "boombust"
    return base / "psy"


def _key(settings: dict[str, Any]) -> str:
    return stable_hash({**settings, "algorithm": ALGORITHM_VERSION})[:32]


def _atomic_savez(path: Path, **arrays: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cached(
    settings: dict[str, Any], compute: Callable[[], NullDistribution], use_cache: bool
) -> NullDistribution:
    key = _key(settings)
    shipped = TABLES / f"{key}.npz"
    if shipped.exists():
        return NullDistribution.from_npz(shipped, settings)
    path = cache_dir() / f"{key}.npz"
    if use_cache and path.exists():
        try:
            return NullDistribution.from_npz(path, settings)
        except (OSError, ValueError, KeyError):  # a corrupt file: recompute
            path.unlink(missing_ok=True)
    dist = compute()
    if use_cache:
        with contextlib.suppress(OSError):  # read-only home: keep going without a cache
            dist.to_npz(path)
    return dist


# --------------------------------------------------------------------------- runner


def _executor(workers: int) -> Executor:
    """Threads when the numba kernels release the GIL, else spawned processes."""
    if HAVE_NUMBA:
        return ThreadPoolExecutor(max_workers=workers)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _chunks(nrep: int) -> list[int]:
    sizes = [CHUNK] * (nrep // CHUNK)
    if nrep % CHUNK:
        sizes.append(nrep % CHUNK)
    return sizes


def _run_chunks(
    worker: Callable[..., tuple[FloatArray, NDArray[np.float32], NDArray[np.float32]]],
    args: tuple[Any, ...],
    nrep: int,
    seed: int,
    workers: int,
) -> tuple[FloatArray, NDArray[np.float32], NDArray[np.float32]]:
    sizes = _chunks(nrep)
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    jobs = [(size, child, *args) for size, child in zip(sizes, children, strict=True)]
    if workers <= 1 or len(jobs) == 1:
        parts = [worker(*job) for job in jobs]
    else:
        with _executor(workers) as pool:
            parts = list(pool.map(worker, *zip(*jobs, strict=True)))
    stats = np.concatenate([p[0] for p in parts])
    bsadf = np.concatenate([p[1] for p in parts])
    badf = np.concatenate([p[2] for p in parts])
    return stats, bsadf, badf


def _quantile_rows(seq: NDArray[np.float32], block: int = 512) -> FloatArray:
    """Pointwise 90/95/99% quantiles over replications: shape (window ends, 3).

    Computed in float64 on blocks of columns, so memory stays small for long samples.
    """
    out = np.empty((seq.shape[1], len(LEVELS)))
    for lo in range(0, seq.shape[1], block):
        part = seq[:, lo : lo + block].astype(np.float64)
        quantile = np.nanquantile if np.isnan(part).any() else np.quantile
        out[lo : lo + block] = quantile(part, LEVELS, axis=0).T
    return out


def _sequence_cvs(
    bsadf: NDArray[np.float32], badf: NDArray[np.float32]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Pointwise BSADF, conservative (cummax BADF) and pointwise BADF critical values.

    ``badf`` is overwritten by its running maximum.
    """
    bsadf_cv = _quantile_rows(bsadf)
    badf_cv = _quantile_rows(badf)
    np.maximum.accumulate(badf, axis=1, out=badf)
    return bsadf_cv, _quantile_rows(badf), badf_cv


def _simulated_distribution(
    method: str,
    settings: dict[str, Any],
    stats: FloatArray,
    bsadf: NDArray[np.float32],
    badf: NDArray[np.float32],
) -> NullDistribution:
    """Sorted ADF/SADF/GSADF draws and the sequence critical values of one simulation."""
    seq_cv = _sequence_cvs(bsadf, badf)
    return NullDistribution(
        method=method,
        n=int(settings["n"]),
        minw=int(settings["minw"]),
        lag=int(settings["lag"]),
        nrep=int(settings["nrep"]),
        seed=int(settings["seed"]),
        settings=settings,
        adf=_f32(np.sort(stats[:, 0])),
        sadf=_f32(np.sort(stats[:, 1])),
        gsadf=_f32(np.sort(stats[:, 2])),
        bsadf_cv=_f32(seq_cv[0]),
        bsadf_cv_conservative=_f32(seq_cv[1]),
        badf_cv=_f32(seq_cv[2]),
    )


def _mc_paths(size: int, child: np.random.SeedSequence, n: int, null: str) -> FloatArray:
    """Null paths ``y_t = d + y_{t-1} + ε_t``, ``y_1 = d + ε_1``; ``d = 0`` (rw) or ``1/n``."""
    rng = np.random.default_rng(child)
    eps = rng.standard_normal((size, n))
    if null == "drift":
        eps += 1.0 / n
    return np.cumsum(eps, axis=1)


def _mc_chunk(
    size: int, child: np.random.SeedSequence, n: int, minw: int, lag: int, null: str
) -> tuple[FloatArray, NDArray[np.float32], NDArray[np.float32]]:
    return simulate_statistics(_mc_paths(size, child, n, null), minw, lag)


def _check_sizes(n: int, minw: int, lag: int, nrep: int) -> None:
    if n - 1 - lag - minw + 1 < 1:
        raise InputError(
            f"a sample of {n} observations is too short for minw={minw} and lag={lag}; "
            f"need at least minw + lag + 1 = {minw + lag + 1} observations",
            field="n",
        )
    if minw < lag + 3:
        raise InputError(
            f"minw={minw} leaves no degrees of freedom with lag={lag}; use minw >= {lag + 3}",
            field="minw",
        )
    if nrep < 10:
        raise InputError(f"nrep={nrep} is too small; use at least 10 (2000 is usual)", field="nrep")


def mc_critical_values(
    n: int,
    *,
    minw: int | None = None,
    lag: int = 0,
    nrep: int = 2000,
    null: NullName = "rw",
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    use_cache: bool = True,
) -> NullDistribution:
    """Monte Carlo null distributions of ADF, SADF, GSADF and the BADF/BSADF sequences.

    Parameters
    ----------
    n
        Sample size (number of prices), any size up to 10,000 and beyond.
    minw
        Minimum window in regression rows (default :func:`default_minw`).
    lag
        Fixed ADF lag.
    nrep
        Replications (exuber's stored tables use 2000).
    null
        ``"rw"``: ``y_t = y_{t-1} + ε_t`` (exuber ``radf_mc_cv``); ``"drift"``:
        ``y_t = 1/n + y_{t-1} + ε_t`` (PSY 2015, psymonitor ``cvPSYmc``); ε ~ N(0,1).
    seed
        Seed of the ``SeedSequence`` spawned per chunk of :data:`CHUNK` paths.
    workers
        Threads (with numba) or processes; identical numbers for any value.
    use_cache
        Read and write the on-disk cache.
    """
    minw = default_minw(n) if minw is None else int(minw)
    _check_sizes(n, minw, lag, nrep)
    if null not in ("rw", "drift"):
        raise InputError(f"null must be 'rw' or 'drift', got {null!r}", field="null")
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    settings = {
        "method": "mc",
        "n": n,
        "minw": minw,
        "lag": lag,
        "nrep": nrep,
        "null": null,
        "seed": seed,
        "levels": list(LEVELS),
    }

    def compute() -> NullDistribution:
        stats, bsadf, badf = _run_chunks(_mc_chunk, (n, minw, lag, null), nrep, seed, workers)
        return _simulated_distribution("mc", settings, stats, bsadf, badf)

    return _cached(settings, compute, use_cache)


# --------------------------------------------------------------------------- wild bootstraps


def _null_fit(y: FloatArray, lag: int) -> tuple[FloatArray, FloatArray]:
    """OLS of ``Δy_t = a + Σ ψ_i Δy_{t-i} + e_t`` on the full sample: (ψ̂, residuals)."""
    z, design = adf_design(y, lag)
    x = design[:, :-1]  # drop y_{t-1}: the null model
    coef, *_ = np.linalg.lstsq(x, z, rcond=None)
    resid = z - x @ coef
    return np.asarray(coef[1:], dtype=np.float64), np.asarray(resid, dtype=np.float64)


def _ps_paths(
    size: int,
    child: np.random.SeedSequence,
    tb: int,
    lag: int,
    y0: float,
    dy_start: FloatArray,
    psi: FloatArray,
    resid: FloatArray,
) -> FloatArray:
    """Phillips–Shi bootstrap paths (``size × tb``); see :func:`wild_bootstrap_ps`."""
    rng = np.random.default_rng(child)
    steps = tb - 1
    draws = rng.integers(0, resid.size, size=(size, steps - lag))
    weights = rng.standard_normal((size, steps - lag))  # i.i.d., one per observation
    shocks = weights * resid[draws]
    dyb = np.empty((size, steps))
    dyb[:, :lag] = dy_start
    for t in range(lag, steps):
        acc = shocks[:, t - lag].copy()
        for i in range(lag):
            acc += psi[i] * dyb[:, t - 1 - i]
        dyb[:, t] = acc
    paths = np.empty((size, tb))
    paths[:, 0] = y0
    paths[:, 1:] = y0 + np.cumsum(dyb, axis=1)
    return paths


def _ps_chunk(
    size: int,
    child: np.random.SeedSequence,
    tb: int,
    minw: int,
    lag: int,
    y0: float,
    dy_start: FloatArray,
    psi: FloatArray,
    resid: FloatArray,
) -> tuple[FloatArray, NDArray[np.float32], NDArray[np.float32]]:
    paths = _ps_paths(size, child, tb, lag, y0, dy_start, psi, resid)
    return simulate_statistics(paths, minw, lag)


def wild_bootstrap_ps(
    y: Sequence[float] | FloatArray,
    *,
    minw: int | None = None,
    lag: int = 0,
    tau_b: int | None = None,
    nboot: int = 500,
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    use_cache: bool = True,
) -> NullDistribution:
    """Phillips & Shi (2020) wild bootstrap with family-wise size control over ``tau_b``.

    The null ``Δy_t = a + Σψ_iΔy_{t-i} + e_t`` is fitted on the full sample; bootstrap
    samples of ``Tb = minw + tau_b + lag`` prices (so that each has ``tau_b`` BSADF values)
    follow ``Δy*_t = Σψ̂_iΔy*_{t-i} + w_t ê_{j_t}`` with ``j_t`` drawn with replacement and
    ``w_t ~ N(0,1)`` i.i.d. *per observation* (psymonitor's ``rnorm(1)`` bug reuses one
    weight for all), the first ``lag`` differences set to the observed ones and
    ``y*_1 = y_1``. The critical value is the quantile of ``max BSADF`` over the sample:
    one constant (``bsadf_cv`` has one row) that bounds the chance of any false alarm
    within ``tau_b`` periods. ``tau_b=None`` uses the full sample (``Tb = n``); then
    ``max BSADF = GSADF`` and the ADF/SADF/GSADF draws give p-values; otherwise they are
    the statistics of ``Tb``-samples and p-values are not reported.
    """
    arr = np.asarray(y, dtype=np.float64)
    n = arr.size
    minw = default_minw(n) if minw is None else int(minw)
    _check_sizes(n, minw, lag, nboot)
    tb = n if tau_b is None else int(minw + tau_b + lag)
    if tau_b is not None and (tau_b < 1 or tb > n):
        raise InputError(
            f"tau_b={tau_b} must be between 1 and n - minw - lag = {n - minw - lag}",
            field="tau_b",
        )
    psi, resid = _null_fit(arr, lag)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    settings = {
        "method": "wild-ps",
        "data": stable_hash(arr.tolist()),
        "n": n,
        "tb": tb,
        "minw": minw,
        "lag": lag,
        "nrep": nboot,
        "seed": seed,
        "levels": list(LEVELS),
    }

    def compute() -> NullDistribution:
        dy = np.diff(arr)
        stats, _bsadf, _badf = _run_chunks(
            _ps_chunk,
            (tb, minw, lag, float(arr[0]), dy[:lag].copy(), psi, resid),
            nboot,
            seed,
            workers,
        )
        maxima = stats[:, 2].astype(np.float64)  # max BSADF over the Tb sample = its GSADF
        cv = np.quantile(maxima, LEVELS)[None, :]
        full = tb == n
        empty = np.empty(0)
        return NullDistribution(
            method="wild-ps",
            n=n,
            minw=minw,
            lag=lag,
            nrep=nboot,
            seed=seed,
            settings=settings,
            adf=_f32(np.sort(stats[:, 0]) if full else empty),
            sadf=_f32(np.sort(stats[:, 1]) if full else empty),
            gsadf=_f32(np.sort(maxima) if full else empty),
            bsadf_cv=_f32(cv),
            bsadf_cv_conservative=_f32(cv),
            badf_cv=_f32(np.quantile(stats[:, 1], LEVELS)[None, :]),
        )

    return _cached(settings, compute, use_cache)


def _hlst_paths(size: int, child: np.random.SeedSequence, dy: FloatArray) -> FloatArray:
    """HLST bootstrap paths ``y*_t = Σ_{s≤t} w_s Δy_s``, ``y*_0 = 0``, Rademacher ``w``."""
    rng = np.random.default_rng(child)
    signs = rng.integers(0, 2, size=(size, dy.size)) * 2.0 - 1.0
    paths = np.zeros((size, dy.size + 1))
    paths[:, 1:] = np.cumsum(signs * dy, axis=1)
    return paths


def _hlst_chunk(
    size: int, child: np.random.SeedSequence, minw: int, lag: int, dy: FloatArray
) -> tuple[FloatArray, NDArray[np.float32], NDArray[np.float32]]:
    return simulate_statistics(_hlst_paths(size, child, dy), minw, lag)


def wild_bootstrap_hlst(
    y: Sequence[float] | FloatArray,
    *,
    minw: int | None = None,
    lag: int = 0,
    nboot: int = 500,
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    use_cache: bool = True,
) -> NullDistribution:
    """Harvey, Leybourne, Sollis & Taylor (2016) wild bootstrap.

    ``y*_t = Σ_{s≤t} w_s Δy_s`` with Rademacher ``w_s`` (``y*_0 = 0``), as exuber's
    ``radf_wb_cv``; the statistics are recomputed on each ``y*`` with the same lag and
    minimum window (exuber uses lag 0 there whatever the lag of the test). Pointwise
    quantiles give the BADF/BSADF sequences.
    """
    arr = np.asarray(y, dtype=np.float64)
    n = arr.size
    minw = default_minw(n) if minw is None else int(minw)
    _check_sizes(n, minw, lag, nboot)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    settings = {
        "method": "wild-hlst",
        "data": stable_hash(arr.tolist()),
        "n": n,
        "minw": minw,
        "lag": lag,
        "nrep": nboot,
        "seed": seed,
        "levels": list(LEVELS),
    }

    def compute() -> NullDistribution:
        stats, bsadf, badf = _run_chunks(
            _hlst_chunk, (minw, lag, np.diff(arr)), nboot, seed, workers
        )
        return _simulated_distribution("wild-hlst", settings, stats, bsadf, badf)

    return _cached(settings, compute, use_cache)
