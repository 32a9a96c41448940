"""Kernels for recursive right-tailed ADF statistics (PWY 2011, PSY 2015).

All kernels work on the *regression rows* of the ADF design, exactly as R exuber
does: for a price series ``y`` of length ``n`` and lag ``k``, row ``i`` (0-based)
is observation ``t = k + 1 + i`` with dependent ``Δy_t`` and regressors
``(1, Δy_{t-1}, …, Δy_{t-k}, y_{t-1})``; there are ``N = n - 1 - k`` rows. A window
is a contiguous block of rows ``[s, e]`` of at least ``minw`` rows (lagged
differences may reach before the window, as in exuber's ``unroot``/``rls_gsadf``).
The t-ratio of the ``y_{t-1}`` coefficient is the ADF statistic; it equals exuber's
``(ρ̂ - 1)/se`` from the levels regression exactly.

Two algorithms:

* :func:`recursive_adf` (any lag): for each window end ``e`` the normal equations
  are accumulated *backwards* over the start ``s`` (one row added per step), on data
  shifted by the regressors' values at row ``e``, then solved by a small Cholesky
  factorisation. ``t = w_p / σ̂`` with ``w = L⁻¹X'z`` and ``x`` ordered last.
  ``O(N² p²)`` and numerically careful (no differences of large prefix sums).
* :func:`recursive_adf_fast` (any lag): prefix sums of every cross-product of
  ``[X z]``; for each end all windows' normal equations at once and an LDLᵀ
  factorisation vectorised over the start (no square roots), returning the signed
  squared t-ratio; one square root per end. Used for Monte Carlo with lag > 0.
* :func:`recursive_adf_lag0_fast` (lag 0): prefix sums of the five
  cross-products, vectorisable over ``s``; ``t = B√(n-2)/√(AC - B²)`` with
  ``A = nΣx² - (Σx)²``, ``B = nΣxz - ΣxΣz``, ``C = nΣz² - (Σz)²``. It maximises the
  signed square ``B|B|(n-2)/(AC - B²)`` (monotone in ``t``), dividing only the largest
  of every four candidates (picked by cross-multiplication), and takes one square
  root per window end.

numba is optional: :func:`_jit` compiles with ``numba.njit(nogil=True,
error_model="numpy")`` (no fastmath, so no reassociation) when numba imports and
returns the plain Python function otherwise; both give the same numbers (the jitted
functions keep the original as ``.py_func``). Divisions are guarded, so numpy's error
model never differs from Python's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "HAVE_NUMBA",
    "adf_design",
    "recursive_adf",
    "recursive_adf_fast",
    "recursive_adf_ic",
    "recursive_adf_lag0_fast",
]

F = TypeVar("F", bound=Callable[..., Any])

_numba: Any
try:  # pragma: no cover - depends on the environment
    import numba as _numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    _numba = None
    HAVE_NUMBA = False


def _jit(f: F) -> F:
    """Compile ``f`` with numba (nogil, no fastmath) if available, else return it."""
    if _numba is None:  # pragma: no cover
        return f
    compiled: F = _numba.njit(cache=False, nogil=True, error_model="numpy")(f)
    return compiled


FloatArray = NDArray[np.float64]


def adf_design(y: FloatArray, lag: int) -> tuple[FloatArray, FloatArray]:
    """Dependent ``Δy_t`` and design ``(1, Δy_{t-1..t-lag}, y_{t-1})`` (``x`` last).

    Rows are ``t = lag+1, …, n-1`` (0-based), i.e. ``n - 1 - lag`` rows, as exuber's
    ``unroot(y, lag)``.
    """
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    dy = np.diff(y)
    rows = n - 1 - lag
    z = dy[lag:].copy()
    design = np.empty((rows, lag + 2), dtype=np.float64)
    design[:, 0] = 1.0
    for j in range(1, lag + 1):
        design[:, j] = dy[lag - j : lag - j + rows]
    design[:, lag + 1] = y[lag : lag + rows]
    return z, design


@_jit
def _chol_tstat(m: FloatArray, v: FloatArray, zz: float, nobs: float, p: int) -> float:
    """t-ratio of the last coefficient from normal equations ``m b = v`` (upper used).

    ``m`` and ``v`` are overwritten (Cholesky factor, then ``L⁻¹v``).
    """
    for j in range(p):
        d = m[j, j]
        for k in range(j):
            d -= m[k, j] * m[k, j]
        if d <= 0.0:
            return math.nan
        d = math.sqrt(d)
        m[j, j] = d
        for i in range(j + 1, p):
            acc = m[j, i]
            for k in range(j):
                acc -= m[k, j] * m[k, i]
            m[j, i] = acc / d
    ssr = zz
    for j in range(p):
        acc = v[j]
        for k in range(j):
            acc -= m[k, j] * v[k]
        acc /= m[j, j]
        v[j] = acc
        ssr -= acc * acc
    dof = nobs - p
    if ssr <= 0.0 or dof <= 0.0:
        return math.nan
    t: float = v[p - 1] / math.sqrt(ssr / dof)
    return t


@_jit
def _recursive_adf_kernel(
    z: FloatArray, design: FloatArray, minw: int, badf: FloatArray, bsadf: FloatArray
) -> None:
    n_rows, p = design.shape
    acc_m = np.empty((p, p))
    acc_v = np.empty(p)
    work_m = np.empty((p, p))
    work_v = np.empty(p)
    shifted = np.empty(p)
    for e in range(minw - 1, n_rows):
        acc_m[:, :] = 0.0
        acc_v[:] = 0.0
        acc_zz = 0.0
        best = -math.inf
        for s in range(e, -1, -1):
            shifted[0] = 1.0
            for j in range(1, p):
                shifted[j] = design[s, j] - design[e, j]
            zs = z[s]
            for i in range(p):
                xi = shifted[i]
                acc_v[i] += xi * zs
                for j in range(i, p):
                    acc_m[i, j] += xi * shifted[j]
            acc_zz += zs * zs
            nobs = e - s + 1
            if nobs >= minw:
                for i in range(p):
                    work_v[i] = acc_v[i]
                    for j in range(i, p):
                        work_m[i, j] = acc_m[i, j]
                t = _chol_tstat(work_m, work_v, acc_zz, float(nobs), p)
                if t > best:
                    best = t
                if s == 0:
                    badf[e - minw + 1] = t
        bsadf[e - minw + 1] = best if best > -math.inf else math.nan


def recursive_adf(
    z: FloatArray, design: FloatArray, minw: int, *, use_jit: bool = True
) -> tuple[FloatArray, FloatArray]:
    """BADF (forward, start fixed at row 0) and BSADF sequences for every window end.

    Returns two arrays of length ``N - minw + 1``; element ``r`` is for end row
    ``minw - 1 + r``. GSADF is ``max(bsadf)``, SADF is ``max(badf)``, ADF ``badf[-1]``.
    """
    n_rows = design.shape[0]
    out = n_rows - minw + 1
    badf = np.full(out, np.nan)
    bsadf = np.full(out, np.nan)
    kern = _recursive_adf_kernel if use_jit else _py(_recursive_adf_kernel)
    kern(np.ascontiguousarray(z), np.ascontiguousarray(design), int(minw), badf, bsadf)
    return badf, bsadf


@_jit
def _recursive_adf_ic_kernel(
    z: FloatArray,
    design: FloatArray,
    minw: int,
    penalty_kind: int,
    badf: FloatArray,
    bsadf: FloatArray,
    badf_lag: NDArray[np.int64],
    bsadf_lag: NDArray[np.int64],
) -> None:
    # design columns: 0 intercept, 1..K lags, K+1 = y_{t-1}; model k uses [0, 1..k, K+1].
    n_rows, p_full = design.shape
    kmax = p_full - 2
    acc_m = np.empty((p_full, p_full))
    acc_v = np.empty(p_full)
    work_m = np.empty((p_full, p_full))
    work_v = np.empty(p_full)
    shifted = np.empty(p_full)
    cols = np.empty(p_full, dtype=np.int64)
    for e in range(minw - 1, n_rows):
        acc_m[:, :] = 0.0
        acc_v[:] = 0.0
        acc_zz = 0.0
        best = -math.inf
        best_lag = -1
        for s in range(e, -1, -1):
            shifted[0] = 1.0
            for j in range(1, p_full):
                shifted[j] = design[s, j] - design[e, j]
            zs = z[s]
            for i in range(p_full):
                xi = shifted[i]
                acc_v[i] += xi * zs
                for j in range(i, p_full):
                    acc_m[i, j] += xi * shifted[j]
            acc_zz += zs * zs
            nobs = e - s + 1
            if nobs < minw:
                continue
            best_ic = math.inf
            t_sel = math.nan
            k_sel = -1
            for k in range(kmax + 1):
                p = k + 2
                for i in range(k + 1):
                    cols[i] = i
                cols[k + 1] = p_full - 1
                for i in range(p):
                    ci = cols[i]
                    work_v[i] = acc_v[ci]
                    for j in range(i, p):
                        work_m[i, j] = acc_m[ci, cols[j]]
                ssr = acc_zz
                t = _chol_tstat(work_m, work_v, acc_zz, float(nobs), p)
                for i in range(p):
                    ssr -= work_v[i] * work_v[i]
                if not (ssr > 0.0) or math.isnan(t):
                    continue
                pen = 2.0 if penalty_kind == 0 else math.log(float(nobs))
                ic = math.log(ssr / nobs) + pen * p / nobs
                if ic < best_ic:
                    best_ic = ic
                    t_sel = t
                    k_sel = k
            if t_sel > best:
                best = t_sel
                best_lag = k_sel
            if s == 0:
                badf[e - minw + 1] = t_sel
                badf_lag[e - minw + 1] = k_sel
        bsadf[e - minw + 1] = best if best > -math.inf else math.nan
        bsadf_lag[e - minw + 1] = best_lag


def recursive_adf_ic(
    z: FloatArray, design: FloatArray, minw: int, ic: str, *, use_jit: bool = True
) -> tuple[FloatArray, FloatArray, NDArray[np.int64], NDArray[np.int64]]:
    """As :func:`recursive_adf`, choosing the lag per window by AIC or BIC.

    ``design`` is built with the maximum lag; every candidate lag ``0..kmax`` is fitted
    on the same rows of the window (common sample), ``IC = log(SSR/n) + c·p/n`` with
    ``c = 2`` (AIC) or ``log n`` (BIC) and ``p = k + 2``. Also returns the chosen lags.
    """
    n_rows = design.shape[0]
    out = n_rows - minw + 1
    badf = np.full(out, np.nan)
    bsadf = np.full(out, np.nan)
    badf_lag = np.full(out, -1, dtype=np.int64)
    bsadf_lag = np.full(out, -1, dtype=np.int64)
    kind = {"aic": 0, "bic": 1}[ic]
    kern = _recursive_adf_ic_kernel if use_jit else _py(_recursive_adf_ic_kernel)
    kern(
        np.ascontiguousarray(z),
        np.ascontiguousarray(design),
        int(minw),
        kind,
        badf,
        bsadf,
        badf_lag,
        bsadf_lag,
    )
    return badf, bsadf, badf_lag, bsadf_lag


@_jit
def _lag0_prefix(y: FloatArray, prefix: FloatArray) -> None:
    """Prefix sums of x, z, x², xz, z² (x = y_{t-1} - mean, z = Δy_t) into ``prefix[5, N+1]``;
    ``prefix[5]`` holds the window sizes 0..N as floats."""
    n_rows = y.shape[0] - 1
    mean = 0.0
    for i in range(n_rows):
        mean += y[i]
    mean /= n_rows
    for j in range(5):
        prefix[j, 0] = 0.0
    prefix[5, 0] = 0.0
    for i in range(n_rows):
        x = y[i] - mean
        zi = y[i + 1] - y[i]
        prefix[0, i + 1] = prefix[0, i] + x
        prefix[1, i + 1] = prefix[1, i] + zi
        prefix[2, i + 1] = prefix[2, i] + x * x
        prefix[3, i + 1] = prefix[3, i] + x * zi
        prefix[4, i + 1] = prefix[4, i] + zi * zi
        prefix[5, i + 1] = float(i + 1)


@_jit
def _lag0_window(
    ex: float,
    ez: float,
    exx: float,
    exz: float,
    ezz: float,
    prefix: FloatArray,
    e: int,
    s: int,
) -> tuple[float, float]:
    """Numerator ``B|B|(n-2)`` and denominator ``AC - B²`` (floored at 1e-300) of the signed
    squared t-ratio of window ``[s, e]``."""
    nobs = prefix[5, e + 1 - s]
    sx = ex - prefix[0, s]
    sz = ez - prefix[1, s]
    a = nobs * (exx - prefix[2, s]) - sx * sx
    b = nobs * (exz - prefix[3, s]) - sx * sz
    c = nobs * (ezz - prefix[4, s]) - sz * sz
    d = a * c - b * b
    # AC - B² > 0 unless the window is degenerate (constant data): then t := 0
    d = d if d > 1e-300 else 1e-300
    return b * abs(b) * (nobs - 2.0), d


@_jit
def _lag0_rows(
    prefix: FloatArray,
    minw: int,
    e_first: int,
    e_step: int,
    badf: FloatArray,
    bsadf: FloatArray,
    buf: FloatArray,
) -> None:
    """BADF/BSADF for window ends ``e_first, e_first + e_step, …`` (rows of ``prefix``).

    For each end the starts are taken four at a time (``i, i+q, i+2q, i+3q``): the largest
    of the four ratios ``N/D`` (all ``D > 0``) is picked by cross-multiplication and only it
    is divided, in one branch-free pass that LLVM vectorises; then a max-reduction.
    """
    n_rows = prefix.shape[1] - 1
    for e in range(e_first, n_rows, e_step):
        last = e - minw + 1
        m = last + 1
        q = m // 4
        ex = prefix[0, e + 1]
        ez = prefix[1, e + 1]
        exx = prefix[2, e + 1]
        exz = prefix[3, e + 1]
        ezz = prefix[4, e + 1]
        for i in range(q):
            n1, d1 = _lag0_window(ex, ez, exx, exz, ezz, prefix, e, i)
            n2, d2 = _lag0_window(ex, ez, exx, exz, ezz, prefix, e, i + q)
            n3, d3 = _lag0_window(ex, ez, exx, exz, ezz, prefix, e, i + 2 * q)
            n4, d4 = _lag0_window(ex, ez, exx, exz, ezz, prefix, e, i + 3 * q)
            k12 = n1 * d2 >= n2 * d1
            na = n1 if k12 else n2
            da = d1 if k12 else d2
            k34 = n3 * d4 >= n4 * d3
            nc = n3 if k34 else n4
            dc = d3 if k34 else d4
            kac = na * dc >= nc * da
            buf[i] = (na if kac else nc) / (da if kac else dc)
        best = -math.inf
        for i in range(q):
            v = buf[i]
            best = v if v > best else best
        for s in range(4 * q, m):
            nn, dd = _lag0_window(ex, ez, exx, exz, ezz, prefix, e, s)
            v = nn / dd
            best = v if v > best else best
        nn, dd = _lag0_window(ex, ez, exx, exz, ezz, prefix, e, 0)
        first = nn / dd
        badf[last] = math.copysign(math.sqrt(abs(first)), first)
        bsadf[last] = math.copysign(math.sqrt(abs(best)), best)


@_jit
def _lag0_fast_kernel(y: FloatArray, minw: int, badf: FloatArray, bsadf: FloatArray) -> None:
    n = y.shape[0]
    prefix = np.empty((6, n))
    buf = np.empty(n)
    _lag0_prefix(y, prefix)
    _lag0_rows(prefix, minw, minw - 1, 1, badf, bsadf, buf)


def recursive_adf_lag0_fast(
    y: FloatArray, minw: int, *, use_jit: bool = True, workers: int = 1
) -> tuple[FloatArray, FloatArray]:
    """Lag-0 BADF and BSADF sequences of price series ``y`` by prefix sums (fast path).

    ``workers > 1`` splits the window ends over threads (numba releases the GIL); the
    numbers do not depend on ``workers``.
    """
    y = np.ascontiguousarray(y, dtype=np.float64)
    n = y.shape[0]
    out = n - 1 - minw + 1
    badf = np.empty(out)
    bsadf = np.empty(out)
    if not use_jit or not HAVE_NUMBA or workers <= 1 or out < 256:
        kern = _lag0_fast_kernel if use_jit else _py(_lag0_fast_kernel)
        kern(y, int(minw), badf, bsadf)
        return badf, bsadf
    from concurrent.futures import ThreadPoolExecutor

    prefix = np.empty((6, n))
    _lag0_prefix(y, prefix)
    bufs = [np.empty(n) for _ in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(_lag0_rows, prefix, int(minw), minw - 1 + w, workers, badf, bsadf, bufs[w])
            for w in range(workers)
        ]
        for f in futures:
            f.result()
    return badf, bsadf


@_jit
def _general_prefix(z: FloatArray, design: FloatArray, prefix: FloatArray) -> None:
    """Prefix sums of the cross-products of ``[X z]`` (``X`` = design with its last column
    centred by its mean) into ``prefix[q, N+1]``, ``q = p(p+1)/2 + p + 1``; order: upper
    triangle of X'X row by row, then X'z, then z'z."""
    n_rows, p = design.shape
    mean = 0.0
    for i in range(n_rows):
        mean += design[i, p - 1]
    mean /= n_rows
    q = prefix.shape[0]
    row = np.empty(p)
    for k in range(q):
        prefix[k, 0] = 0.0
    for r in range(n_rows):
        for j in range(p):
            row[j] = design[r, j]
        row[p - 1] -= mean
        zr = z[r]
        k = 0
        for i in range(p):
            for j in range(i, p):
                prefix[k, r + 1] = prefix[k, r] + row[i] * row[j]
                k += 1
        for i in range(p):
            prefix[k, r + 1] = prefix[k, r] + row[i] * zr
            k += 1
        prefix[k, r + 1] = prefix[k, r] + zr * zr


@_jit
def _general_rows(
    prefix: FloatArray,
    p: int,
    minw: int,
    badf: FloatArray,
    bsadf: FloatArray,
    a: FloatArray,
    v: FloatArray,
    zz: FloatArray,
    inv: FloatArray,
    ok: FloatArray,
) -> None:
    """For every end ``e``: all windows' normal equations from prefix sums, an LDLᵀ
    factorisation vectorised over the start ``s`` (no square roots), and the signed
    squared t-ratio ``y_p|y_p|/D_p · (n-p)/SSR`` of the last regressor."""
    n_rows = prefix.shape[1] - 1
    for e in range(minw - 1, n_rows):
        last = e - minw + 1
        m = last + 1
        k = 0
        for i in range(p):
            for j in range(i, p):
                pe = prefix[k, e + 1]
                for s in range(m):
                    a[i, j, s] = pe - prefix[k, s]
                if j != i:
                    for s in range(m):
                        a[j, i, s] = a[i, j, s]
                k += 1
        for i in range(p):
            pe = prefix[k, e + 1]
            for s in range(m):
                v[i, s] = pe - prefix[k, s]
            k += 1
        pe = prefix[k, e + 1]
        for s in range(m):
            zz[s] = pe - prefix[k, s]
            ok[s] = 1.0
        # LDL^T in place: D on the diagonal, L below it (column j finished after step j)
        for j in range(p):
            dj = _diag_index(j, p)
            for s in range(m):
                d = a[j, j, s]
                # a pivot lost to cancellation (relative to the column's raw scale) = singular
                raw = prefix[dj, e + 1] - prefix[dj, s]
                good = d > 1e-12 * abs(raw) and d > 0.0
                ok[s] = ok[s] if good else 0.0
                inv[j, s] = 1.0 / d if good else 0.0
            for i in range(j + 1, p):
                for kk in range(j + 1, i + 1):
                    for s in range(m):
                        a[i, kk, s] -= a[i, j, s] * inv[j, s] * a[kk, j, s]
            for i in range(j + 1, p):
                for s in range(m):
                    a[i, j, s] *= inv[j, s]
        # forward substitution L y = v (unit L), in place in v
        for j in range(1, p):
            for kk in range(j):
                for s in range(m):
                    v[j, s] -= a[j, kk, s] * v[kk, s]
        best = -math.inf
        for s in range(m):
            ssr = zz[s]
            for j in range(p):
                ssr -= v[j, s] * v[j, s] * inv[j, s]
            yp = v[p - 1, s]
            nobs = float(e + 1 - s)
            good = ok[s] > 0.0 and ssr > 0.0
            val = yp * abs(yp) * inv[p - 1, s] * (nobs - p) / (ssr if good else 1.0)
            val = val if good else -math.inf
            zz[s] = val
            best = val if val > best else best
        first = zz[0]
        badf[last] = math.copysign(math.sqrt(abs(first)), first) if first > -math.inf else math.nan
        bsadf[last] = math.copysign(math.sqrt(abs(best)), best) if best > -math.inf else math.nan


@_jit
def _diag_index(j: int, p: int) -> int:
    """Row of ``prefix`` holding the diagonal entry ``(j, j)`` of X'X (upper, row by row)."""
    return j * p - (j * (j - 1)) // 2


@_jit
def _general_fast_kernel(
    z: FloatArray, design: FloatArray, minw: int, badf: FloatArray, bsadf: FloatArray
) -> None:
    n_rows, p = design.shape
    q = p * (p + 1) // 2 + p + 1
    prefix = np.empty((q, n_rows + 1))
    _general_prefix(z, design, prefix)
    a = np.empty((p, p, n_rows))
    v = np.empty((p, n_rows))
    zz = np.empty(n_rows)
    inv = np.empty((p, n_rows))
    ok = np.empty(n_rows)
    if p == 3:
        _lag1_rows(prefix, minw, badf, bsadf, zz)
    else:
        _general_rows(prefix, p, minw, badf, bsadf, a, v, zz, inv, ok)


@_jit
def _lag1_rows(
    prefix: FloatArray, minw: int, badf: FloatArray, bsadf: FloatArray, buf: FloatArray
) -> None:
    """Lag 1 (regressors ``1, Δy_{t-1}, y_{t-1}``): the 3×3 LDLᵀ of :func:`_general_rows`
    written out in registers, one fused branch-free pass over the starts per end."""
    n_rows = prefix.shape[1] - 1
    for e in range(minw - 1, n_rows):
        last = e - minw + 1
        m = last + 1
        best = -math.inf
        for s in range(m):
            m00 = prefix[0, e + 1] - prefix[0, s]
            m01 = prefix[1, e + 1] - prefix[1, s]
            m02 = prefix[2, e + 1] - prefix[2, s]
            m11 = prefix[3, e + 1] - prefix[3, s]
            m12 = prefix[4, e + 1] - prefix[4, s]
            m22 = prefix[5, e + 1] - prefix[5, s]
            v0 = prefix[6, e + 1] - prefix[6, s]
            v1 = prefix[7, e + 1] - prefix[7, s]
            v2 = prefix[8, e + 1] - prefix[8, s]
            zz = prefix[9, e + 1] - prefix[9, s]
            i0 = 1.0 / m00
            l10 = m01 * i0
            l20 = m02 * i0
            d1 = m11 - l10 * m01
            e21 = m12 - l20 * m01
            ok1 = d1 > 1e-12 * abs(m11)
            i1 = 1.0 / (d1 if ok1 else 1.0)
            l21 = e21 * i1
            d2 = m22 - l20 * m02 - l21 * e21
            y1 = v1 - l10 * v0
            y2 = v2 - l20 * v0 - l21 * y1
            # SSR·D2 = (zz - y0²/D0 - y1²/D1)·D2 - y2²; t² = y2²(n-3)/(SSR·D2)
            rest = (zz - v0 * v0 * i0 - y1 * y1 * i1) * d2 - y2 * y2
            good = ok1 and d2 > 1e-12 * abs(m22) and rest > 0.0
            val = y2 * abs(y2) * (m00 - 3.0) / (rest if good else 1.0)
            buf[s] = val if good else -math.inf
        for s in range(m):
            v = buf[s]
            best = v if v > best else best
        first = buf[0]
        badf[last] = math.copysign(math.sqrt(abs(first)), first) if first > -math.inf else math.nan
        bsadf[last] = math.copysign(math.sqrt(abs(best)), best) if best > -math.inf else math.nan


def recursive_adf_fast(
    z: FloatArray, design: FloatArray, minw: int, *, use_jit: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Any-lag BADF and BSADF by prefix sums and a vectorised LDLᵀ (fast path).

    Same output as :func:`recursive_adf`; undefined windows (singular normal equations)
    are skipped in the maximum and reported as NaN in BADF.
    """
    n_rows = design.shape[0]
    out = n_rows - minw + 1
    badf = np.empty(out)
    bsadf = np.empty(out)
    kern = _general_fast_kernel if use_jit else _py(_general_fast_kernel)
    kern(np.ascontiguousarray(z), np.ascontiguousarray(design), int(minw), badf, bsadf)
    return badf, bsadf


@_jit
def _mc_lag0_kernel(
    paths: FloatArray,
    minw: int,
    stats: FloatArray,
    bsadf_out: NDArray[np.float32],
    badf_out: NDArray[np.float32],
) -> None:
    nrep, n = paths.shape
    out = n - 1 - minw + 1
    badf = np.empty(out)
    bsadf = np.empty(out)
    for r in range(nrep):
        _lag0_fast_kernel(paths[r], minw, badf, bsadf)
        _summarise(badf, bsadf, stats[r], bsadf_out[r], badf_out[r])


@_jit
def _mc_general_kernel(
    paths: FloatArray,
    minw: int,
    lag: int,
    stats: FloatArray,
    bsadf_out: NDArray[np.float32],
    badf_out: NDArray[np.float32],
) -> None:
    nrep, n = paths.shape
    n_rows = n - 1 - lag
    out = n_rows - minw + 1
    badf = np.empty(out)
    bsadf = np.empty(out)
    z = np.empty(n_rows)
    design = np.empty((n_rows, lag + 2))
    for r in range(nrep):
        y = paths[r]
        for i in range(n_rows):
            t = lag + 1 + i
            z[i] = y[t] - y[t - 1]
            design[i, 0] = 1.0
            for j in range(1, lag + 1):
                design[i, j] = y[t - j] - y[t - j - 1]
            design[i, lag + 1] = y[t - 1]
        _general_fast_kernel(z, design, minw, badf, bsadf)
        _summarise(badf, bsadf, stats[r], bsadf_out[r], badf_out[r])


@_jit
def _summarise(
    badf: FloatArray,
    bsadf: FloatArray,
    stats_row: FloatArray,
    bsadf_row: NDArray[np.float32],
    badf_row: NDArray[np.float32],
) -> None:
    """stats_row = (adf, sadf, gsadf); BSADF and BADF sequences stored as float32."""
    out = badf.shape[0]
    sadf = -math.inf
    gsadf = -math.inf
    for i in range(out):
        if badf[i] > sadf:
            sadf = badf[i]
        if bsadf[i] > gsadf:
            gsadf = bsadf[i]
        bsadf_row[i] = bsadf[i]
        badf_row[i] = badf[i]
    stats_row[0] = badf[out - 1]
    stats_row[1] = sadf
    stats_row[2] = gsadf


def simulate_statistics(
    paths: FloatArray, minw: int, lag: int, *, use_jit: bool = True
) -> tuple[FloatArray, NDArray[np.float32], NDArray[np.float32]]:
    """ADF/SADF/GSADF (``nrep × 3``) and BSADF, BADF sequences (float32) for each path."""
    paths = np.ascontiguousarray(paths, dtype=np.float64)
    nrep, n = paths.shape
    out = n - 1 - lag - minw + 1
    stats = np.empty((nrep, 3))
    bsadf = np.empty((nrep, out), dtype=np.float32)
    badf = np.empty((nrep, out), dtype=np.float32)
    if lag == 0:
        kern = _mc_lag0_kernel if use_jit else _py(_mc_lag0_kernel)
        kern(paths, int(minw), stats, bsadf, badf)
    else:
        kern2 = _mc_general_kernel if use_jit else _py(_mc_general_kernel)
        kern2(paths, int(minw), int(lag), stats, bsadf, badf)
    return stats, bsadf, badf


def _py(f: Any) -> Any:
    """The plain-Python original of a jitted kernel (itself when numba is absent)."""
    return getattr(f, "py_func", f)
