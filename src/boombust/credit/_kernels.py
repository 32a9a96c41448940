"""Optional numba kernels. Without numba the same functions run as plain Python (use small inputs)
and the callers fall back to equivalent numpy code."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

__all__ = ["HAVE_NUMBA", "defaulted_exposure"]

F = TypeVar("F", bound=Callable[..., Any])

_numba: Any
try:  # pragma: no cover - depends on the environment
    _numba = importlib.import_module("numba")
except ImportError:  # pragma: no cover
    _numba = None

HAVE_NUMBA = _numba is not None


def _jit(parallel: bool = False) -> Callable[[F], F]:
    def wrap(f: F) -> F:
        if _numba is None:  # pragma: no cover
            return f
        return cast(F, _numba.njit(cache=False, parallel=parallel)(f))

    return wrap


_prange: Any = range if _numba is None else _numba.prange


@_jit(parallel=True)
def defaulted_exposure(
    u: npt.NDArray[np.float32],
    p: npt.NDArray[np.float32],
    starts: npt.NDArray[np.int64],
    stops: npt.NDArray[np.int64],
    exposure: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
) -> None:
    """``out[r] = sum_i exposure[i] * (u[r, i] < p[r, g(i)])``, names grouped by pd level ``g``.

    Names of level ``g`` occupy columns ``starts[g]:stops[g]``. Summed in float64, name order.
    """
    n_rows = u.shape[0]
    n_levels = starts.shape[0]
    for r in _prange(n_rows):
        acc = 0.0
        for g in range(n_levels):
            pg = p[r, g]
            for i in range(starts[g], stops[g]):
                if u[r, i] < pg:
                    acc += exposure[i]
        out[r] = acc
