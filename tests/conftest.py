from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

REDUCED = os.environ.get("BOOMBUST_REDUCED", "") not in ("", "0")
"""CI sets BOOMBUST_REDUCED=1: slow reference runs use reduced sizes."""
