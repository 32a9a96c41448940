"""The boombust dashboard (``boombust serve``; needs the ``dashboard`` extra: Dash).

Three pages — Diagnose (scorecard, PSY, LPPLS), Runs (browse, open, compare stored runs)
and Stress (the cascade with sliders, run in the background) — built on the public API
and the run store. Callbacks are plain functions in :mod:`boombust.app.callbacks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import dash

__all__ = ["create_app"]


def create_app(runs_dir: Any = None, **options: Any) -> dash.Dash:
    """Build the Dash app (see :func:`boombust.app.server.create_app`)."""
    from boombust.app.server import create_app as _create

    return _create(runs_dir, **options)
