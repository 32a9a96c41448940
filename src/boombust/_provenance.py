"""Provenance carried by every result: spec, seed, data hash, package version."""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from boombust._version import __version__

__all__ = ["Provenance", "stable_hash"]


def stable_hash(obj: Any) -> str:
    """SHA-256 of the canonical JSON form of ``obj`` (sorted keys, no whitespace)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Provenance:
    """Where a result came from: enough to rerun it and get the same numbers."""

    spec: dict[str, Any]
    seed: int | None = None
    data_hash: str | None = None
    version: str = __version__
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    python: str = field(default_factory=platform.python_version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "seed": self.seed,
            "data_hash": self.data_hash,
            "version": self.version,
            "created": self.created,
            "python": self.python,
        }
