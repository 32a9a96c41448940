"""Loop kernels, compiled with numba when it is installed.

Each kernel is plain Python/numpy; ``_jit`` compiles it with ``numba.njit`` when
numba imports and returns it unchanged otherwise, so both paths give identical
numbers (the tests call ``.py_func`` of the jitted kernel to check).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "HAVE_NUMBA",
    "capped_sweep_gauss_seidel",
    "single_hit_from_nodes",
    "single_hit_kernel",
]

F = TypeVar("F", bound=Callable[..., Any])

try:  # pragma: no cover - depends on the environment
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False


def _jit(func: F) -> F:
    # nogil: the batched DebtRank runs blocks of shocks on a thread pool
    if HAVE_NUMBA:
        return numba.njit(cache=False, nogil=True)(func)  # type: ignore[return-value]
    return func


_U, _D, _I = 0, 1, 2


@_jit
def single_hit_kernel(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    weights: NDArray[np.float64],
    h: NDArray[np.float64],
    state: NDArray[np.int8],
    acc: NDArray[np.float64],
    touched: NDArray[np.int64],
    mark: NDArray[np.bool_],
) -> int:
    """Battiston et al. (2012) single-hit DebtRank, in place, for one shock.

    ``indptr/indices/weights`` is the CSR of the impact matrix by *source*:
    row j lists the nodes i that j hits with weight ``W_ji = min(1, A_ij / E_i)``.
    On entry ``h`` is the initial distress and ``state`` is D where ``h > 0``,
    U elsewhere; ``acc``, ``touched`` and ``mark`` are zeroed work arrays of
    length n. Each step, every D node j adds ``W_ji h_j(t-1)`` to each
    neighbour i (synchronously), then becomes I; a U node with ``h > 0``
    becomes D. Returns the number of steps.
    """
    n = h.shape[0]
    frontier = np.empty(n, dtype=np.int64)
    hsnap = np.empty(n, dtype=np.float64)
    nf = 0
    for i in range(n):
        if state[i] == _D:
            frontier[nf] = i
            nf += 1
    steps = 0
    while nf > 0:
        steps += 1
        for f in range(nf):
            hsnap[f] = h[frontier[f]]
        nt = 0
        for f in range(nf):
            j = frontier[f]
            hj = hsnap[f]
            for ptr in range(indptr[j], indptr[j + 1]):
                i = indices[ptr]
                acc[i] += weights[ptr] * hj
                if not mark[i]:
                    mark[i] = True
                    touched[nt] = i
                    nt += 1
        for f in range(nf):
            state[frontier[f]] = _I
        nf = 0
        for t in range(nt):
            i = touched[t]
            value = h[i] + acc[i]
            h[i] = value if value < 1.0 else 1.0
            acc[i] = 0.0
            mark[i] = False
            if state[i] == _U and h[i] > 0.0:
                state[i] = _D
                frontier[nf] = i
                nf += 1
    return steps


@_jit
def single_hit_from_nodes(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    weights: NDArray[np.float64],
    nodes: NDArray[np.int64],
    psi: float,
    value: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Single-hit DebtRank for each node in ``nodes`` shocked alone with distress ``psi``.

    Returns the DebtRank ``R = v'h(T) - v'h(1)``, the final loss ``v'h(T)`` and
    the number of nodes with ``h > 0`` at the end, one entry per shock.
    """
    n = value.shape[0]
    m = nodes.shape[0]
    out_r = np.empty(m, dtype=np.float64)
    out_total = np.empty(m, dtype=np.float64)
    out_hit = np.empty(m, dtype=np.int64)
    h = np.zeros(n, dtype=np.float64)
    state = np.zeros(n, dtype=np.int8)
    acc = np.zeros(n, dtype=np.float64)
    touched = np.empty(n, dtype=np.int64)
    mark = np.zeros(n, dtype=np.bool_)
    for s in range(m):
        k = nodes[s]
        h[:] = 0.0
        state[:] = _U
        h[k] = psi
        if psi > 0.0:
            state[k] = _D
        single_hit_kernel(indptr, indices, weights, h, state, acc, touched, mark)
        total = 0.0
        hit = 0
        for i in range(n):
            total += value[i] * h[i]
            if h[i] > 0.0:
                hit += 1
        out_total[s] = total
        out_r[s] = total - value[k] * psi
        out_hit[s] = hit
    return out_r, out_total, out_hit


@_jit
def capped_sweep_gauss_seidel(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    data: NDArray[np.float64],
    h: NDArray[np.float64],
    shock_rows: NDArray[np.int64],
    psi: float,
    step: NDArray[np.float64],
) -> None:
    """In-place Gauss–Seidel sweep of ``h <- min(1, S + Lambda h)`` (rows in order).

    Started from ``h = S`` the iterates rise monotonically (the map is monotone) and
    stay below the least fixed point above ``S`` -- the limit of the Bardoscia et al.
    dynamic -- so both converge to the same vector; Gauss–Seidel needs fewer sweeps.
    ``step[c]`` receives the largest change in column c.
    """
    n, k = h.shape
    for c in range(k):
        step[c] = 0.0
    acc = np.empty(k, dtype=np.float64)
    for i in range(n):
        for c in range(k):
            acc[c] = 0.0
        for ptr in range(indptr[i], indptr[i + 1]):
            j = indices[ptr]
            w = data[ptr]
            for c in range(k):
                acc[c] += w * h[j, c]
        for c in range(k):
            value = acc[c]
            if shock_rows[c] == i:
                value += psi
            if value > 1.0:
                value = 1.0
            diff = abs(value - h[i, c])
            if diff > step[c]:
                step[c] = diff
            h[i, c] = value
