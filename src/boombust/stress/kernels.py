"""The seam where the network and credit engines plug into the cascade.

The cascade calls three small kernels through a :class:`Kernels` value:

* ``clear`` — greatest clearing vector, batched over paths (steps 1 and 6);
* ``value_curve`` — facility value curves with the GPU useful-life switch (step 3);
* ``tranche_payoff`` — allocation of a deal's value through attach/detach (step 3).

:data:`COMPACT` holds the cascade's own compact kernels. ``network_engine_clear`` and
``credit_engine_tranche_payoff`` adapt :mod:`boombust.network` and :mod:`boombust.credit`
(imported lazily); ``tests/stress/test_engines_agree.py`` pins the compact kernels to them, so
``run_stress(..., kernels=Kernels(clear=network_engine_clear))`` gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from boombust.data.schema import ValueCurve
from boombust.stress.clearing import ClearingResult, clear
from boombust.stress.network import curve_value

__all__ = [
    "COMPACT",
    "Clearer",
    "CurveFn",
    "Kernels",
    "PayoffFn",
    "credit_engine_tranche_payoff",
    "network_engine_clear",
    "tranche_payoff",
]

F64 = NDArray[np.float64]


class Clearer(Protocol):
    def __call__(
        self,
        liabilities: F64,
        external: F64,
        *,
        alpha: F64 | float = 1.0,
        beta: F64 | float = 1.0,
    ) -> ClearingResult: ...


class CurveFn(Protocol):
    def __call__(self, curve: ValueCurve, years: F64, life: F64 | float | None = None) -> F64: ...


class PayoffFn(Protocol):
    def __call__(self, value: F64, attach: F64, detach: F64, capital: float) -> F64: ...


def tranche_payoff(value: F64, attach: F64, detach: F64, capital: float) -> F64:
    """Payoff of each tranche when the deal is worth ``value`` (P,) (senior first).

    Tranche [a, d] receives ``clip(V - (1 - d) C, 0, (d - a) C)``; the first-loss tranche
    (``a = 0``) keeps any value above the debt. As a loss fraction of the tranche this is
    ``(min(L, d) - min(L, a)) / (d - a)`` with pool loss ``L = 1 - V / C``.
    """
    v = value[:, None]
    pay = np.clip(v - (1.0 - detach) * capital, 0.0, (detach - attach) * capital)
    upside = np.maximum(v - capital, 0.0)
    return np.asarray(np.where(attach <= 0.0, pay + upside, pay), dtype=float)


@dataclass(frozen=True)
class Kernels:
    """The kernels the cascade uses (see the module docstring)."""

    clear: Clearer = clear
    value_curve: CurveFn = curve_value
    tranche_payoff: PayoffFn = tranche_payoff


COMPACT = Kernels()
"""The cascade's own compact kernels (dense, batched over paths)."""


def network_engine_clear(
    liabilities: F64,
    external: F64,
    *,
    alpha: F64 | float = 1.0,
    beta: F64 | float = 1.0,
) -> ClearingResult:
    """:func:`boombust.network.clear` path by path, in the compact kernel's interface.

    Exact but a Python loop over paths: use it to check the cascade, not for 100,000 paths.
    """
    from boombust.network import clear as engine_clear  # type: ignore[import-not-found,attr-defined,unused-ignore]

    e = np.maximum(np.atleast_2d(np.asarray(external, dtype=float)), 0.0)
    p, n = e.shape
    lmat = np.asarray(liabilities, dtype=float)
    lmat = np.broadcast_to(lmat, (p, n, n)) if lmat.ndim == 2 else lmat
    al = np.broadcast_to(np.asarray(alpha, dtype=float), (p,))
    be = np.broadcast_to(np.asarray(beta, dtype=float), (p,))
    pay = np.zeros((p, n))
    ins = np.zeros((p, n), dtype=bool)
    lvl = np.full((p, n), -1, dtype=np.int64)
    for k in range(p):
        r = engine_clear(lmat[k], e[k], alpha=float(al[k]), beta=float(be[k]))
        pay[k] = r.payments
        ins[k] = r.defaulted
        lvl[k] = np.asarray(r.default_round) - 1
    return ClearingResult(pay, ins, lvl)


def credit_engine_tranche_payoff(value: F64, attach: F64, detach: F64, capital: float) -> F64:
    """:func:`boombust.credit.tranche_loss` in the payoff interface (value at most capital)."""
    from boombust.credit import tranche_loss  # type: ignore[import-not-found,attr-defined,unused-ignore]

    pool_loss = np.clip(1.0 - np.asarray(value, dtype=float) / capital, 0.0, 1.0)
    out = np.empty((pool_loss.size, len(attach)))
    for j, (a, d) in enumerate(zip(attach, detach, strict=True)):
        out[:, j] = (1.0 - tranche_loss(pool_loss, float(a), float(d))) * (d - a) * capital
    upside = np.maximum(np.asarray(value, dtype=float) - capital, 0.0)
    return np.asarray(np.where(attach <= 0.0, out + upside[:, None], out), dtype=float)
