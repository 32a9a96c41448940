"""boombust: is this boom a bubble, and if it bursts, who loses?

The public API is small and explicit; heavy parts load on first use.
"""

from __future__ import annotations

from boombust._version import __version__
from boombust.errors import (
    BoombustError,
    BoombustWarning,
    ConvergenceWarning,
    DataError,
    InputError,
    SpecError,
)

__all__ = [
    "BoombustError",
    "BoombustWarning",
    "ConvergenceWarning",
    "DataError",
    "InputError",
    "SpecError",
    "__version__",
]
