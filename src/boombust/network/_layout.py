"""Small graph layouts and a matplotlib network drawing (no networkx needed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def circular_layout(n: int) -> FloatArray:
    """Nodes evenly on the unit circle, first node at the top, clockwise."""
    angle = np.pi / 2 - 2 * np.pi * np.arange(n) / max(n, 1)
    return np.column_stack([np.cos(angle), np.sin(angle)])


def spring_layout(weights: FloatArray, *, iterations: int = 300) -> FloatArray:
    """Fruchterman–Reingold (1991) force layout, deterministic (starts on a circle).

    ``weights`` is a symmetric ``(n, n)`` matrix of attraction strengths.
    """
    n = weights.shape[0]
    pos = circular_layout(n)
    if n <= 2:
        return pos
    k = 2.0 / np.sqrt(n)  # ideal edge length for n nodes in a box of area ~4
    w = weights / max(float(weights.max()), 1e-300)
    temperature = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        repulse = (k * k / dist**2)[:, :, None] * delta
        attract = (w * dist / k)[:, :, None] * delta
        disp = (repulse - attract).sum(axis=1)
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature *= 0.985
    pos -= np.median(pos, axis=0)
    # spread the crowded core: compress radii (r -> sqrt r) before scaling to the box
    radius = np.linalg.norm(pos, axis=1)
    pos *= (np.sqrt(radius) / np.maximum(radius, 1e-12))[:, None]
    return pos / max(float(np.abs(pos).max()), 1e-9)


def draw_network(
    ax: Any,
    names: Sequence[str],
    edges: Sequence[tuple[int, int, float, bool]],
    *,
    layout: str = "spring",
    node_colour: Sequence[str] | None = None,
) -> FloatArray:
    """Draw directed edges ``(source, target, amount, highlighted)``.

    Highlighted (circular) edges are red, the others grey; width grows with
    ``log(1 + amount)``; reciprocal pairs are drawn as two arcs.
    """
    n = len(names)
    sym = np.zeros((n, n))
    for s, t, amount, _ in edges:
        sym[s, t] += np.log1p(amount)
        sym[t, s] += np.log1p(amount)
    pos = spring_layout(sym) if layout == "spring" else circular_layout(n)
    top = max((float(np.log1p(edge[2])) for edge in edges), default=1.0)
    pairs = {(s, t) for s, t, *_ in edges}
    for s, t, amount, hot in edges:
        width = 0.5 + 3.5 * np.log1p(amount) / max(top, 1e-9)
        bend = 0.2 if (t, s) in pairs else 0.05
        ax.annotate(
            "",
            xy=pos[t],
            xytext=pos[s],
            arrowprops={
                "arrowstyle": "-|>",
                "color": "tab:red" if hot else "0.6",
                "lw": width,
                "alpha": 0.85 if hot else 0.6,
                "shrinkA": 9,
                "shrinkB": 9,
                "connectionstyle": f"arc3,rad={bend}",
            },
            zorder=1,
        )
    colours = list(node_colour) if node_colour is not None else ["white"] * n
    ax.scatter(pos[:, 0], pos[:, 1], s=260, c=colours, edgecolors="black", zorder=2)
    for i, name in enumerate(names):
        ax.annotate(
            name, pos[i], xytext=(0, 11), textcoords="offset points", ha="center", fontsize=8
        )
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.25, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return pos
