"""Bubble detection.

- explosive-root tests (PWY SADF, PSY GSADF/BSADF): :func:`psy_test` (:mod:`boombust.detect.psy`);
- LPPLS fits and the DS LPPLS Confidence / Trust indicators: :mod:`boombust.detect.lppls` and
  :mod:`boombust.detect.lppls_indicators`;
- the Greenwood–Shleifer–You run-up rule: :mod:`boombust.detect.runup`.
"""

from __future__ import annotations

from boombust.detect.critical_values import (
    NullDistribution,
    mc_critical_values,
    wild_bootstrap_hlst,
    wild_bootstrap_ps,
)
from boombust.detect.psy import ADFResult, Episode, PSYResult, PSYSpec, PSYWarning, adf, psy_test

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
