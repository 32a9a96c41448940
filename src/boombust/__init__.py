"""boombust: is this boom a bubble, and if it bursts, who loses?

The public API is small and explicit. Subpackages load on first use, so
``import boombust`` stays fast:

- :mod:`boombust.data` — the sourced dataset (``load_dataset("ai-2025")``);
- :mod:`boombust.store` — the run store (``RunStore``);
- the engines (``boombust.detect``, ``boombust.score``, ``boombust.credit``,
  ``boombust.network``, ``boombust.stress``) as they land.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from boombust._version import __version__
from boombust.errors import (
    BoombustError,
    BoombustWarning,
    ConvergenceWarning,
    DataError,
    InputError,
    SpecError,
)

if TYPE_CHECKING:
    from boombust.data import Dataset, load_dataset
    from boombust.store import RunStore

__all__ = [
    "BoombustError",
    "BoombustWarning",
    "ConvergenceWarning",
    "DataError",
    "Dataset",
    "InputError",
    "RunStore",
    "SpecError",
    "__version__",
    "load_dataset",
]

_LAZY = {
    "Dataset": "boombust.data",
    "load_dataset": "boombust.data",
    "RunStore": "boombust.store",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'boombust' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
