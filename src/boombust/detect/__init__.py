"""Bubble detection.

- explosive-root tests (PWY SADF, PSY GSADF/BSADF): :func:`psy_test` (:mod:`boombust.detect.psy`);
- LPPLS fits and the DS LPPLS Confidence / Trust indicators: :mod:`boombust.detect.lppls` and
  :mod:`boombust.detect.lppls_indicators`;
- the Greenwood–Shleifer–You run-up rule: :mod:`boombust.detect.runup`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boombust.detect.critical_values import (
        NullDistribution,
        mc_critical_values,
        wild_bootstrap_hlst,
        wild_bootstrap_ps,
    )
    from boombust.detect.psy import (
        ADFResult,
        Episode,
        PSYResult,
        PSYSpec,
        PSYWarning,
        adf,
        psy_test,
    )

__all__ = [
    "ADFResult",
    "Episode",
    "NullDistribution",
    "PSYResult",
    "PSYSpec",
    "PSYWarning",
    "adf",
    "mc_critical_values",
    "psy_test",
    "wild_bootstrap_hlst",
    "wild_bootstrap_ps",
]

# The PSY names load on first use: importing a sibling module (``boombust.detect.runup``)
# must not pay for compiling the explosive-root kernels.
_LAZY = {
    **dict.fromkeys(
        ("NullDistribution", "mc_critical_values", "wild_bootstrap_hlst", "wild_bootstrap_ps"),
        "boombust.detect.critical_values",
    ),
    **dict.fromkeys(
        ("ADFResult", "Episode", "PSYResult", "PSYSpec", "PSYWarning", "adf", "psy_test"),
        "boombust.detect.psy",
    ),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'boombust.detect' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
