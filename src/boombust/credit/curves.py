"""Value curves for the three layers of a data centre: shell, power/cooling and IT (GPUs).

Each curve maps age in years to value relative to cost (1 at age 0). Three methods:

* ``straight_line``: ``v(a) = 1 - (1 - s) a / L`` until ``L``, then the salvage ``s``.
* ``declining_balance``: ``v(a) = (1 - r)^a`` with ``r = m / L`` (``m`` = ``rate_multiple``,
  2 = double-declining), floored at ``s`` and equal to ``s`` from ``L`` on; if ``r >= 1`` the
  continuous form ``exp(-m a / L)`` is used.
* ``rental_decay``: an empirical relative rental-price path (e.g. the H100 hourly price from
  >$8 in 2023 to ~$2 in Oct 2024 and $1.70 in Oct 2025), linearly interpolated, held flat after
  the last point, floored at ``s`` and equal to ``s`` from ``L`` on.

The useful life is one switch: :func:`value_fraction` takes ``useful_life`` to override the
curve's own. For ``rental_decay`` an override compresses (or stretches) the age axis by
``curve.useful_life / useful_life``, so the empirical path observed over a 5-6-year book life is
run through in 2-3 years when ``useful_life=2.5``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from boombust.data.schema import CurveMethod, CurvePoint, Facility, ValueCurve

__all__ = [
    "H100_RENTAL_PATH",
    "H100_SOURCES",
    "facility_value_fraction",
    "h100_rental_curve",
    "value_fraction",
]

FloatArray = npt.NDArray[np.float64]

H100_RENTAL_PATH: tuple[tuple[str, float], ...] = (
    ("2023-06", 8.00),
    ("2024-10", 2.00),
    ("2025-10", 1.70),
)
"""H100 $/GPU-hour: >$8 at the 2023 scarcity peak, ~$2 (marketplace) Oct 2024, $1.70 Oct 2025."""

H100_SOURCES: tuple[str, ...] = (
    "https://chaincatcher.com/en/article/2148352",
    "https://neighborhoodsf.com/Wikis/Neighborhood+Notes/Published/H100+rental+prices+(%24+per+GPU-hour)",
)
"""Eugene Cheah, "$2 H100s" (2023 peak, Oct 2024); SemiAnalysis / Latent Space (Oct 2025)."""


def _year_fraction(date: str) -> float:
    parts = [int(p) for p in date.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 1
    return year + (month - 1) / 12.0


def h100_rental_curve(useful_life: float = 5.5, salvage: float = 0.0) -> ValueCurve:
    """The H100 rental-price path as a ``rental_decay`` curve, relative to the 2023 peak.

    Ages are years since June 2023: 0 -> 1.0, 1.33 -> 0.25, 2.33 -> 0.2125.
    """
    t0 = _year_fraction(H100_RENTAL_PATH[0][0])
    p0 = H100_RENTAL_PATH[0][1]
    points = [
        CurvePoint(years=round(_year_fraction(d) - t0, 6), value=price / p0)
        for d, price in H100_RENTAL_PATH
    ]
    return ValueCurve(
        method=CurveMethod.rental_decay,
        useful_life=useful_life,
        salvage=salvage,
        points=points,
        source=list(H100_SOURCES),
    )


def value_fraction(
    curve: ValueCurve, ages: npt.ArrayLike, *, useful_life: float | None = None
) -> FloatArray:
    """Value relative to cost at ``ages`` (years) under ``curve``.

    Parameters
    ----------
    curve
        The value curve (method, useful life, salvage, points).
    ages
        Ages in years (any shape); negative ages are treated as 0.
    useful_life
        Override of ``curve.useful_life`` (the 2-3 vs 5-6 year switch).
    """
    a = np.maximum(np.asarray(ages, dtype=np.float64), 0.0)
    life = float(useful_life if useful_life is not None else curve.useful_life)
    if not life > 0:
        raise ValueError(f"useful_life must be positive, got {life}")
    s = float(curve.salvage)
    if curve.method is CurveMethod.straight_line:
        v = 1.0 - (1.0 - s) * a / life
    elif curve.method is CurveMethod.declining_balance:
        multiple = float(curve.rate_multiple) if curve.rate_multiple is not None else 2.0
        r = multiple / life
        v = (1.0 - r) ** a if r < 1.0 else np.exp(-multiple * a / life)
    else:
        pts = curve.points or []
        xs = np.array([p.years for p in pts], dtype=np.float64)
        ys = np.array([p.value for p in pts], dtype=np.float64)
        if ys[0] > 0:
            ys = ys / ys[0] if xs[0] == 0 else ys
        scaled = a * (float(curve.useful_life) / life)
        v = np.interp(scaled, xs, ys, left=float(ys[0]), right=float(ys[-1]))
    v = np.where(a >= life, s, np.maximum(v, s))
    return np.asarray(np.clip(v, 0.0, 1.0), dtype=np.float64)


def facility_value_fraction(
    facility: Facility, ages: npt.ArrayLike, *, gpu_life: float | None = None
) -> FloatArray:
    """Share-weighted value of shell, power/cooling and IT relative to cost.

    ``gpu_life`` overrides the IT curve's useful life only.
    """
    c = facility.curves
    return np.asarray(
        facility.shell_share * value_fraction(c.shell, ages)
        + facility.power_share * value_fraction(c.power, ages)
        + facility.it_share * value_fraction(c.it, ages, useful_life=gpu_life),
        dtype=np.float64,
    )
