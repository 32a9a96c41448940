"""Credit rating scales: S&P/Fitch/DBRS-style and Moody's symbols on one notch scale.

Notch 1 is the best (AAA / Aaa); investment grade ends at notch 10 (BBB- / Baa3).
DBRS long-term symbols such as ``A (low)`` are read as the matching S&P notch.
"""

from __future__ import annotations

__all__ = ["INVESTMENT_GRADE_WORST", "RATING_NOTCH", "is_investment_grade", "normalise", "notch"]

_SP = [
    "AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-",
    "BB+", "BB", "BB-", "B+", "B", "B-", "CCC+", "CCC", "CCC-", "CC", "C", "D",
]  # fmt: skip
_MOODYS = [
    "Aaa", "Aa1", "Aa2", "Aa3", "A1", "A2", "A3", "Baa1", "Baa2", "Baa3",
    "Ba1", "Ba2", "Ba3", "B1", "B2", "B3", "Caa1", "Caa2", "Caa3", "Ca", "C",
]  # fmt: skip

RATING_NOTCH: dict[str, int] = {}
for _i, _s in enumerate(_SP, start=1):
    RATING_NOTCH[_s] = _i
for _i, _s in enumerate(_MOODYS, start=1):
    RATING_NOTCH.setdefault(_s, _i)

INVESTMENT_GRADE_WORST = RATING_NOTCH["BBB-"]
_DBRS = {"(high)": "+", "(low)": "-", "(sf)": ""}


def normalise(symbol: str) -> str:
    """Return the canonical symbol (``"A (low)"`` -> ``"A-"``); raise ``KeyError`` if unknown."""
    text = symbol.strip()
    for suffix, sign in _DBRS.items():
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip() + sign
    if text not in RATING_NOTCH:
        raise KeyError(symbol)
    return text


def notch(symbol: str) -> int:
    """Notch of a rating symbol on the common scale (1 = AAA/Aaa)."""
    return RATING_NOTCH[normalise(symbol)]


def is_investment_grade(symbol: str) -> bool:
    return notch(symbol) <= INVESTMENT_GRADE_WORST
