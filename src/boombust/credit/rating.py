"""Implied ratings by the Moody's idealized expected-loss method (methods.md F.2).

A tranche with expected loss ``EL`` and weighted-average life ``WAL`` gets the best rating
whose idealized cumulative EL at horizon ``WAL`` is at least ``EL``. The idealized EL table is
``PD x LGD`` with ``LGD = 0.55``. The shipped table has only the 10-year default row (confirmed:
WARF factors / 10,000); for a WAL below 10 years the EL is scaled by ``WAL / 10`` -- an
approximation, reported in the result; a WAL beyond 10 years uses the 10-year row. Users may
supply a full 1-10 year table (YAML with ``default_rates: {1: {Aaa: ...}, 2: {...}, ...}``),
interpolated linearly in the horizon.

References
----------
Moody's Investors Service, "Rating Symbols and Definitions" (idealized probabilities of default
and expected losses); "Moody's Approach to Rating Multisector CDOs" (2000).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from boombust.errors import InputError

__all__ = [
    "IdealizedTable",
    "ImpliedRating",
    "implied_rating",
    "load_idealized_table",
    "sp_equivalent",
]

MOODYS_ORDER = (
    "Aaa", "Aa1", "Aa2", "Aa3", "A1", "A2", "A3", "Baa1", "Baa2", "Baa3",
    "Ba1", "Ba2", "Ba3", "B1", "B2", "B3", "Caa1", "Caa2", "Caa3", "Ca",
)  # fmt: skip


@dataclass(frozen=True)
class IdealizedTable:
    """Idealized cumulative default rates by horizon (years) and rating; EL = PD x lgd."""

    horizons: tuple[float, ...]
    ratings: tuple[str, ...]
    default_rates: np.ndarray[Any, np.dtype[np.float64]]  # (n_horizons, n_ratings)
    lgd: float
    source: str

    @property
    def full_grid(self) -> bool:
        return len(self.horizons) > 1

    def expected_loss(
        self, horizon: float
    ) -> tuple[np.ndarray[Any, np.dtype[np.float64]], str | None]:
        """Idealized EL per rating at ``horizon`` years, and a note if it is approximated."""
        el = self.default_rates * self.lgd
        h = np.asarray(self.horizons)
        if self.full_grid:
            hh = float(np.clip(horizon, h[0], h[-1]))
            out = np.array([np.interp(hh, h, el[:, j]) for j in range(el.shape[1])])
            note = None if hh == horizon else f"WAL {horizon:.2f}y clamped to the table's {hh:g}y"
            return out, note
        h0 = float(h[0])
        scale = min(max(horizon, 1e-6), h0) / h0
        note = (
            f"only the {h0:g}-year idealized row is available: EL scaled by "
            f"min(WAL, {h0:g})/{h0:g} = {scale:.3f} (an approximation; supply a full table)"
        )
        return np.minimum(el[0] * scale, 1.0), note


def load_idealized_table(path: str | Path | None = None) -> IdealizedTable:
    """Load the shipped 10-year table (``path=None``) or a user YAML table."""
    if path is None:
        text = (
            resources.files("boombust.credit").joinpath("tables/moodys_idealized.yaml").read_text()
        )
        where = "moodys_idealized.yaml"
    else:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise InputError(f"cannot read rating table: {exc}", path=str(path)) from None
        where = str(path)
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("default_rates"), dict):
        raise InputError(
            "a rating table needs `default_rates: {10: {Aaa: 0.0001, ...}}`",
            path=where,
            field="default_rates",
        )
    rows = data["default_rates"]
    horizons = sorted(float(h) for h in rows)
    ratings = [r for r in MOODYS_ORDER if r in rows[next(iter(rows))]]
    grid = np.zeros((len(horizons), len(ratings)))
    for i, h in enumerate(horizons):
        row = rows.get(int(h), rows.get(h, rows.get(str(int(h)))))
        if row is None or any(r not in row for r in ratings):
            raise InputError(
                f"horizon {h:g} lacks some ratings of {ratings}", path=where, field="default_rates"
            )
        grid[i] = [float(row[r]) for r in ratings]
    if np.any(np.diff(grid, axis=1) < -1e-12):
        raise InputError(
            "default rates must not fall as the rating worsens", path=where, field="default_rates"
        )
    return IdealizedTable(
        horizons=tuple(horizons),
        ratings=tuple(ratings),
        default_rates=grid,
        lgd=float(data.get("lgd", 0.55)),
        source=str(data.get("source", where)),
    )


@dataclass(frozen=True)
class ImpliedRating:
    rating: str
    expected_loss: float
    wal: float
    idealized_el: float
    note: str | None


def implied_rating(
    expected_loss: float, wal: float, table: IdealizedTable | None = None
) -> ImpliedRating:
    """Best rating whose idealized EL at horizon ``wal`` is >= ``expected_loss``."""
    tab = table if table is not None else load_idealized_table()
    el_row, note = tab.expected_loss(wal)
    for j, r in enumerate(tab.ratings):
        if el_row[j] >= expected_loss:
            return ImpliedRating(r, expected_loss, wal, float(el_row[j]), note)
    return ImpliedRating("C", expected_loss, wal, 1.0, note)


def sp_equivalent(moodys: str) -> str:
    """S&P/Fitch symbol on the same notch as a Moody's symbol (``"A2"`` -> ``"A"``)."""
    from boombust.data.ratings import RATING_NOTCH, notch

    n = notch(moodys)
    for sym, k in RATING_NOTCH.items():
        if k == n and sym == sym.upper() and not any(ch.isdigit() for ch in sym):
            return sym
    return moodys
