"""Plotly figures built from the public results' ``to_frame()``/``to_dict()`` output.

Nothing here computes a model quantity: each function lays out numbers an API returned.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = [
    "compare_stress_figure",
    "default_probability_figure",
    "empty_figure",
    "lppls_figure",
    "network_figure",
    "psy_figure",
    "scorecard_figure",
    "sector_loss_figure",
    "step_waterfall_figure",
    "tranche_figure",
]

_RED = "#b33a3a"
_GREY = "#9e9e9e"


def empty_figure(note: str = "") -> go.Figure:
    """A blank figure with a centred note (shown before a run or on an error)."""
    fig = go.Figure()
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {"text": note, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
        ]
        if note
        else [],
        height=260,
        margin={"l": 20, "r": 20, "t": 30, "b": 20},
    )
    return fig


def scorecard_figure(result: dict[str, Any]) -> go.Figure:
    """Factor levels of a :class:`~boombust.score.ScoreResult` (from its ``to_dict()``)."""
    factors = result["factors"]
    names = list(factors)[::-1]
    levels = [factors[n]["level"] for n in names]
    colors = [_GREY if lv is None else _RED for lv in levels]
    lo = [factors[n]["level_bounds"][0] for n in names]
    hi = [factors[n]["level_bounds"][1] for n in names]
    fig = go.Figure(
        go.Bar(
            x=[0 if lv is None else lv for lv in levels],
            y=[n.replace("_", " ") for n in names],
            orientation="h",
            marker_color=colors,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - (lv or 0) for h, lv in zip(hi, levels, strict=True)],
                "arrayminus": [(lv or 0) - low for low, lv in zip(lo, levels, strict=True)],
            },
            hovertemplate="%{y}: level %{x}<extra></extra>",
        )
    )
    max_level = result["max_total"] // max(1, len(factors))
    fig.update_layout(
        title=f"{result['title']} ({result['period']}): {result['total']}/{result['max_total']} "
        f"— {result['band']}",
        xaxis={"range": [0, max_level], "dtick": 1, "title": "factor level"},
        height=300,
        margin={"l": 140, "r": 20, "t": 50, "b": 40},
    )
    return fig


def _episode_shapes(frame: pd.DataFrame) -> list[dict[str, Any]]:
    flag = frame["episode"].to_numpy(dtype=bool)
    idx = frame.index
    shapes: list[dict[str, Any]] = []
    i = 0
    while i < len(flag):
        if flag[i]:
            j = i
            while j + 1 < len(flag) and flag[j + 1]:
                j += 1
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "paper",
                    "x0": idx[i],
                    "x1": idx[j],
                    "y0": 0,
                    "y1": 1,
                    "fillcolor": "rgba(179,58,58,0.15)",
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
            i = j + 1
        else:
            i += 1
    return shapes


def psy_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Series with PSY episodes shaded over BSADF and its critical values (``to_frame()``)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    fig.add_trace(go.Scatter(x=frame.index, y=frame["series"], name="series"), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=frame.index, y=frame["bsadf"], name="BSADF", line={"color": _RED}),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=frame.index,
            y=frame["bsadf_cv"],
            name="critical value",
            line={"color": "black", "dash": "dash"},
        ),
        row=2,
        col=1,
    )
    fig.update_layout(
        title=title,
        shapes=_episode_shapes(frame),
        height=420,
        margin={"l": 50, "r": 20, "t": 50, "b": 30},
        legend={"orientation": "h", "y": -0.08},
    )
    return fig


def lppls_figure(prices: pd.Series, frame: pd.DataFrame, title: str) -> go.Figure:
    """Prices over the DS LPPLS Confidence indicators (``DSLPPLSResult.to_frame()``)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    fig.add_trace(go.Scatter(x=prices.index, y=prices.to_numpy(), name="price"), row=1, col=1)
    fig.add_trace(
        go.Bar(x=frame.index, y=frame["confidence_pos"], name="Confidence +", marker_color=_RED),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=frame.index,
            y=-frame["confidence_neg"].to_numpy(),
            name="Confidence − (negative bubble)",
            marker_color="#2b6cb0",
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(range=[-1, 1], row=2, col=1)
    fig.update_layout(
        title=title, height=420, margin={"l": 50, "r": 20, "t": 50, "b": 30}, barmode="relative"
    )
    return fig


def compare_stress_figure(runs: dict[str, tuple[pd.Series, pd.Series]]) -> go.Figure:
    """Two stress runs side by side: mean loss by step (left) and by sector (right)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("mean loss by step", "mean loss by sector"))
    colors = {"A": "#2b6cb0", "B": _RED}
    for label, (by_step, by_sector) in runs.items():
        color = colors.get(label, _GREY)
        fig.add_trace(
            go.Bar(
                x=[str(s) for s in by_step.index],
                y=by_step.to_numpy(),
                name=label,
                marker_color=color,
                legendgroup=label,
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Bar(
                x=[str(s) for s in by_sector.index],
                y=by_sector.to_numpy(),
                name=label,
                marker_color=color,
                legendgroup=label,
                showlegend=False,
            ),
            row=1,
            col=2,
        )
    fig.update_layout(barmode="group", height=380, margin={"t": 60, "b": 110})
    fig.update_yaxes(title_text="USD bn", row=1, col=1)
    return fig


def step_waterfall_figure(by_step: pd.Series, title: str = "loss by step") -> go.Figure:
    """Waterfall of the mean system loss by cascade step (USD bn)."""
    fig = go.Figure(
        go.Waterfall(
            x=[str(s).replace("_", " ") for s in by_step.index] + ["total"],
            y=[*by_step.to_numpy().tolist(), 0.0],
            measure=["relative"] * len(by_step) + ["total"],
            increasing={"marker": {"color": _RED}},
            totals={"marker": {"color": "#555555"}},
        )
    )
    fig.update_layout(
        title=title, yaxis_title="mean loss, USD bn", height=340, margin={"t": 50, "b": 40}
    )
    return fig


def sector_loss_figure(paths: pd.DataFrame) -> go.Figure:
    """Box plots of the loss per path by sector (``sector_*`` columns of the paths table)."""
    fig = go.Figure()
    cols = [c for c in paths.columns if str(c).startswith("sector_")]
    means = {c: float(paths[c].to_numpy(dtype=float).mean()) for c in cols}
    order = sorted(cols, key=lambda c: -means[c])
    for c in order:
        if not paths[c].abs().to_numpy().any():
            continue
        fig.add_trace(go.Box(y=paths[c], name=str(c).removeprefix("sector_"), boxpoints=False))
    fig.update_layout(
        title="sector loss distributions over paths",
        yaxis_title="loss, USD bn",
        showlegend=False,
        height=360,
        margin={"t": 50, "b": 80},
    )
    return fig


def default_probability_figure(institutions: pd.DataFrame, top: int = 20) -> go.Figure:
    """Default probabilities of the institutions that default on some path."""
    d = institutions[institutions["default_probability"] > 0]
    d = d.sort_values("default_probability", ascending=False).head(top)
    if d.empty:
        return empty_figure("no institution defaults on any path")
    fig = go.Figure(
        go.Bar(
            x=d["institution"],
            y=d["default_probability"],
            marker_color=_RED,
            hovertext=d["sector"],
        )
    )
    fig.update_layout(
        title="default probabilities",
        yaxis={"range": [0, 1], "title": "probability"},
        height=340,
        margin={"t": 50, "b": 100},
    )
    return fig


def tranche_figure(tranches: pd.DataFrame) -> go.Figure:
    """Mean loss and probability of any loss per tranche (fractions of value)."""
    if tranches.empty:
        return empty_figure("no tranches in this run")
    fig = go.Figure(
        [
            go.Bar(x=tranches["tranche"], y=tranches["mean_loss"], name="mean loss"),
            go.Bar(x=tranches["tranche"], y=tranches["p_loss"], name="P(any loss)"),
            go.Bar(x=tranches["tranche"], y=tranches["q95_loss"], name="95% loss"),
        ]
    )
    fig.update_layout(
        title="tranche outcomes",
        yaxis={"range": [0, 1], "title": "share of tranche value"},
        barmode="group",
        height=340,
        margin={"t": 50, "b": 100},
    )
    return fig


def network_figure(commitments: pd.DataFrame, institutions: pd.DataFrame) -> go.Figure:
    """The circular-deal network: institutions on a circle, commitments as edges.

    Edge width grows with the annual commitment; edge colour is the share honoured (red:
    not honoured); node colour is the default probability.
    """
    nodes = sorted(set(commitments["payer"]) | set(commitments["payee"]))
    if not nodes:
        return empty_figure("no commitments in this run")
    angle = {n: 2 * math.pi * k / len(nodes) for k, n in enumerate(nodes)}
    pos = {n: (math.cos(a), math.sin(a)) for n, a in angle.items()}
    fig = go.Figure()
    top = float(commitments["annual"].to_numpy(dtype=float).max()) or 1.0
    annual_all = commitments["annual"].to_numpy(dtype=float)
    honoured_all = commitments["honoured"].to_numpy(dtype=float)
    for payer, payee, annual, honoured in zip(
        commitments["payer"].astype(str),
        commitments["payee"].astype(str),
        annual_all,
        honoured_all,
        strict=True,
    ):
        (x0, y0), (x1, y1) = pos[payer], pos[payee]
        color = f"rgba({int(200 * (1 - honoured)) + 40},{int(120 * honoured) + 40},60,0.7)"
        fig.add_trace(
            go.Scatter(
                x=[x0, 0.85 * x1 + 0.15 * x0, x1],
                y=[y0, 0.85 * y1 + 0.15 * y0, y1],
                mode="lines",
                line={"width": 1 + 8 * annual / top, "color": color},
                hovertext=f"{payer} → {payee}: {annual:.1f} bn/yr, {honoured:.0%} honoured",
                hoverinfo="text",
                showlegend=False,
            )
        )
    pd_map = dict(
        zip(
            institutions["institution"].astype(str),
            institutions["default_probability"].to_numpy(dtype=float),
            strict=True,
        )
    )
    probs = np.array([pd_map.get(n, 0.0) for n in nodes], dtype=float)
    fig.add_trace(
        go.Scatter(
            x=[pos[n][0] for n in nodes],
            y=[pos[n][1] for n in nodes],
            mode="markers+text",
            text=nodes,
            textposition="top center",
            marker={
                "size": 14,
                "color": probs,
                "colorscale": "Reds",
                "cmin": 0,
                "cmax": 1,
                "colorbar": {"title": "P(default)"},
                "line": {"width": 1, "color": "black"},
            },
            hovertext=[f"{n}: P(default) {p:.1%}" for n, p in zip(nodes, probs, strict=True)],
            hoverinfo="text",
            showlegend=False,
        )
    )
    fig.update_layout(
        title="circular-deal network (edges: commitments, colour: share honoured)",
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        height=520,
        margin={"t": 50, "b": 20},
    )
    return fig
