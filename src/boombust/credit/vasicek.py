"""Vasicek large-homogeneous-pool (one-factor Gaussian) loss distribution and tranche EL.

With default probability ``p``, asset correlation ``rho`` and loss given default ``lgd``
(lambda), the pool loss is ``L = lambda * Phi((Phi^-1(p) - sqrt(rho) Y) / sqrt(1 - rho))``
with ``Y ~ N(0, 1)`` (Vasicek 1987, 2002). The call on the loss has the closed form

    E[(L - K)^+] = lambda * Phi2(-Phi^-1(K / lambda), Phi^-1(p); -sqrt(1 - rho))

for ``0 < K < lambda`` (methods.md F.1), so the expected loss of tranche ``[A, D]`` as a
fraction of its notional is ``(E[(L - A)^+] - E[(L - D)^+]) / (D - A)``.

References
----------
Vasicek, O. (2002), "The distribution of loan portfolio value", Risk 15(12), 160-162.
Basel Committee (2005), "An explanatory note on the Basel II IRB risk weight functions".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import special, stats

__all__ = [
    "VasicekTranche",
    "bivariate_normal_cdf",
    "vasicek_call",
    "vasicek_cdf",
    "vasicek_quantile",
    "vasicek_tranche_el",
    "vasicek_tranches",
]


def _check(pd: float, rho: float, lgd: float) -> None:
    if not 0.0 < pd < 1.0:
        raise ValueError(f"pd must be in (0, 1), got {pd}")
    if not 0.0 < rho < 1.0:
        raise ValueError(f"rho must be in (0, 1), got {rho}")
    if not 0.0 < lgd <= 1.0:
        raise ValueError(f"lgd must be in (0, 1], got {lgd}")


def bivariate_normal_cdf(x: float, y: float, corr: float) -> float:
    """``Phi2(x, y; corr)``: P(X <= x, Y <= y) for standard normals with correlation ``corr``.

    Owen's (1956) T-function identity, accurate to machine precision:
    ``Phi2 = (Phi(x) + Phi(y))/2 - T(x, a_x) - T(y, a_y) - beta`` with
    ``a_x = (y - r x) / (x sqrt(1 - r^2))``, ``a_y = (x - r y) / (y sqrt(1 - r^2))`` and
    ``beta = 1/2`` if ``x y < 0`` (or ``x y = 0`` with ``x + y < 0``), else 0.
    """
    if x == -math.inf or y == -math.inf:
        return 0.0
    if x == math.inf:
        return float(special.ndtr(y))
    if y == math.inf:
        return float(special.ndtr(x))
    if abs(corr) >= 1.0:
        return (
            float(special.ndtr(min(x, y)))
            if corr > 0
            else max(0.0, float(special.ndtr(x) + special.ndtr(y) - 1.0))
        )
    s = math.sqrt(1.0 - corr * corr)
    if x == 0.0 and y == 0.0:
        return 0.25 + math.asin(corr) / (2.0 * math.pi)
    xx = x if x != 0.0 else math.copysign(1e-300, y)
    yy = y if y != 0.0 else math.copysign(1e-300, x)
    ax = (yy - corr * xx) / (xx * s)
    ay = (xx - corr * yy) / (yy * s)
    beta = 0.5 if xx * yy < 0 or (xx * yy == 0 and xx + yy < 0) else 0.0
    value = (
        0.5 * (special.ndtr(x) + special.ndtr(y))
        - special.owens_t(xx, ax)
        - special.owens_t(yy, ay)
        - beta
    )
    return float(min(1.0, max(0.0, value)))


def vasicek_cdf(x: float, pd: float, rho: float, lgd: float = 1.0) -> float:
    """``P(L <= x)`` for the large-pool loss ``L``."""
    _check(pd, rho, lgd)
    if x <= 0:
        return 0.0
    if x >= lgd:
        return 1.0
    z = (math.sqrt(1 - rho) * stats.norm.ppf(x / lgd) - stats.norm.ppf(pd)) / math.sqrt(rho)
    return float(stats.norm.cdf(z))


def vasicek_quantile(q: float, pd: float, rho: float, lgd: float = 1.0) -> float:
    """q-quantile of the large-pool loss (the Basel IRB formula)."""
    _check(pd, rho, lgd)
    z = (stats.norm.ppf(pd) + math.sqrt(rho) * stats.norm.ppf(q)) / math.sqrt(1 - rho)
    return float(lgd * stats.norm.cdf(z))


def vasicek_call(strike: float, pd: float, rho: float, lgd: float = 1.0) -> float:
    """``E[(L - K)^+]`` in closed form (bivariate normal)."""
    _check(pd, rho, lgd)
    if strike <= 0:
        return lgd * pd - strike
    if strike >= lgd:
        return 0.0
    a = -float(stats.norm.ppf(strike / lgd))
    b = float(stats.norm.ppf(pd))
    return lgd * bivariate_normal_cdf(a, b, -math.sqrt(1 - rho))


def vasicek_tranche_el(
    attach: float, detach: float, pd: float, rho: float, lgd: float = 1.0
) -> float:
    """Expected loss of tranche ``[attach, detach]`` as a fraction of its notional."""
    if not 0.0 <= attach < detach <= 1.0:
        raise ValueError(f"need 0 <= attach < detach <= 1, got [{attach}, {detach}]")
    return (vasicek_call(attach, pd, rho, lgd) - vasicek_call(detach, pd, rho, lgd)) / (
        detach - attach
    )


@dataclass(frozen=True)
class VasicekTranche:
    attach: float
    detach: float
    expected_loss: float

    def to_dict(self) -> dict[str, float]:
        return {"attach": self.attach, "detach": self.detach, "expected_loss": self.expected_loss}


def vasicek_tranches(
    points: Sequence[float], pd: float, rho: float, lgd: float = 1.0
) -> list[VasicekTranche]:
    """Tranche ELs for consecutive attachment points, e.g. ``[0, 0.03, 0.07, 0.15, 1]``."""
    pts = [float(p) for p in points]
    if len(pts) < 2:
        raise ValueError("need at least two attachment points, e.g. 0,1")
    if any(b <= a for a, b in itertools.pairwise(pts)):
        raise ValueError(f"attachment points must increase strictly, got {pts}")
    if pts[0] < 0 or pts[-1] > 1:
        raise ValueError(f"attachment points must lie in [0, 1], got {pts}")
    _check(pd, rho, lgd)
    return [
        VasicekTranche(a, d, vasicek_tranche_el(a, d, pd, rho, lgd))
        for a, d in itertools.pairwise(pts)
    ]
