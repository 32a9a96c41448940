from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference" / "network"))

REDUCED = os.environ.get("BOOMBUST_REDUCED") == "1"
