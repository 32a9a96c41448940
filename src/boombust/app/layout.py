"""Page layout: three tabs (Diagnose, Runs, Stress) with their controls.

Every numeric control has bounds in the browser and is checked again server-side by
:func:`boombust.app.callbacks.check_number`.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from boombust.app import figures
from boombust.app.callbacks import STRESS_CONTROLS, UPLOAD
from boombust.detect.critical_values import DEFAULT_SEED

__all__ = ["build_layout"]

_ERROR = {"color": "#b33a3a", "whiteSpace": "pre-wrap", "fontFamily": "monospace"}
_ROW = {"display": "flex", "gap": "1em", "flexWrap": "wrap", "alignItems": "end"}


def _labelled(label: str, control: Any) -> html.Div:
    return html.Div([html.Label(label, style={"display": "block", "fontSize": 12}), control])


def _number(id_: str, value: float, low: float, high: float, step: float = 1) -> dcc.Input:
    return dcc.Input(
        id=id_,
        type="number",
        value=value,
        min=low,
        max=high,
        step=step,
        debounce=True,
        style={"width": "8em"},
    )


def _diagnose(cases: list[str], series: list[str]) -> html.Div:
    series_options = [{"label": s, "value": s} for s in series] + [
        {"label": "uploaded CSV", "value": UPLOAD}
    ]
    return html.Div(
        [
            html.H3("Four-factor scorecard"),
            _labelled(
                "case",
                dcc.Dropdown(
                    id="score-case",
                    options=[{"label": c, "value": c} for c in cases],
                    value="ai-2025" if "ai-2025" in cases else (cases[0] if cases else None),
                    clearable=False,
                    style={"width": "20em"},
                ),
            ),
            html.Div(id="score-message", style=_ERROR),
            dcc.Graph(id="score-figure", figure=figures.empty_figure()),
            html.Div(id="score-body"),
            html.Hr(),
            html.H3("Price series: PSY and LPPLS"),
            html.Div(
                [
                    _labelled(
                        "series",
                        dcc.Dropdown(
                            id="series-source",
                            options=series_options,
                            value=series[0],
                            clearable=False,
                            style={"width": "14em"},
                        ),
                    ),
                    dcc.Upload(
                        id="series-upload",
                        children=html.Div(["drop or ", html.A("choose"), " a CSV"]),
                        style={"border": "1px dashed #888", "padding": "0.6em 1em"},
                        multiple=False,
                    ),
                    html.Span(id="upload-name", style={"fontSize": 12}),
                    _labelled(
                        "value column",
                        dcc.Input(
                            id="series-column", type="text", placeholder="auto", debounce=True
                        ),
                    ),
                    _labelled(
                        "date column",
                        dcc.Input(
                            id="series-date-column", type="text", placeholder="auto", debounce=True
                        ),
                    ),
                ],
                style=_ROW,
            ),
            html.H4("PSY (GSADF / BSADF)"),
            html.Div(
                [
                    _labelled("last observations", _number("psy-last", 300, 20, 5000)),
                    _labelled("replications", _number("psy-nrep", 199, 10, 5000)),
                    _labelled("seed", _number("psy-seed", DEFAULT_SEED, 0, 2**32 - 1)),
                    _labelled(
                        "level",
                        dcc.Dropdown(
                            id="psy-level",
                            options=[0.9, 0.95, 0.99],
                            value=0.95,
                            clearable=False,
                            style={"width": "7em"},
                        ),
                    ),
                    dcc.Checklist(
                        id="psy-log",
                        options=[{"label": "log prices", "value": "log"}],
                        value=["log"],
                    ),
                    html.Button("Run PSY", id="psy-run", n_clicks=0),
                    html.Span(id="psy-progress", style={"fontSize": 12}),
                ],
                style=_ROW,
            ),
            dcc.Store(id="psy-job"),
            dcc.Interval(id="psy-interval", interval=300, disabled=True),
            html.Div(id="psy-message", style=_ERROR),
            dcc.Loading(
                [dcc.Graph(id="psy-figure", figure=figures.empty_figure()), html.Div(id="psy-body")]
            ),
            html.H4("DS LPPLS Confidence (background job)"),
            html.Div(
                [
                    _labelled("last days", _number("lppls-days", 10, 1, 250)),
                    _labelled("window step", _number("lppls-step", 25, 1, 125)),
                    _labelled("seed", _number("lppls-seed", 0, 0, 2**32 - 1)),
                    html.Button("Run LPPLS", id="lppls-run", n_clicks=0),
                    html.Span(id="lppls-progress", style={"fontSize": 12}),
                ],
                style=_ROW,
            ),
            dcc.Store(id="lppls-job"),
            dcc.Interval(id="lppls-interval", interval=500, disabled=True),
            html.Div(id="lppls-message", style=_ERROR),
            dcc.Graph(id="lppls-figure", figure=figures.empty_figure()),
            html.Div(id="lppls-body"),
        ]
    )


def _runs() -> html.Div:
    return html.Div(
        [
            html.Div(
                [html.H3("Run store"), html.Button("Refresh", id="runs-refresh", n_clicks=0)],
                style=_ROW,
            ),
            html.Div(id="runs-table"),
            html.H4("Open a run"),
            dcc.Dropdown(id="runs-open", options=[], placeholder="run id"),
            html.Div(id="runs-open-message", style=_ERROR),
            html.Div(id="runs-open-body"),
            html.H4("Compare two runs"),
            html.Div(
                [
                    dcc.Dropdown(
                        id="runs-a", options=[], placeholder="run A", style={"width": "28em"}
                    ),
                    dcc.Dropdown(
                        id="runs-b", options=[], placeholder="run B", style={"width": "28em"}
                    ),
                ],
                style=_ROW,
            ),
            html.Div(id="runs-compare-message", style=_ERROR),
            dcc.Graph(id="runs-compare-figure", figure=figures.empty_figure()),
            html.Div(id="runs-compare-body"),
        ]
    )


def _stress(scenarios: list[str], available: bool) -> html.Div:
    if not available:
        return html.Div(
            html.P(
                "This build has no cascade engine (boombust.stress). Stored stress runs can "
                "still be opened and compared on the Runs page."
            )
        )
    sliders = []
    for key, (_, label, low, high, step, default) in STRESS_CONTROLS.items():
        sliders.append(
            html.Div(
                [
                    html.Label(label, style={"fontSize": 12}),
                    dcc.Slider(
                        id=f"slider-{key}",
                        min=low,
                        max=high,
                        step=step,
                        value=default,
                        marks=None,
                        tooltip={"placement": "bottom", "always_visible": False},
                    ),
                ],
                style={"width": "30%", "minWidth": "16em"},
            )
        )
    return html.Div(
        [
            html.Div(
                [
                    _labelled(
                        "scenario",
                        dcc.Dropdown(
                            id="stress-scenario",
                            options=[{"label": s, "value": s} for s in scenarios],
                            value=scenarios[0] if scenarios else None,
                            clearable=False,
                            style={"width": "14em"},
                        ),
                    ),
                    _labelled("paths", _number("stress-paths", 500, 10, 20000)),
                    _labelled("seed", _number("stress-seed", 0, 0, 2**32 - 1)),
                    html.Button("Run", id="stress-run", n_clicks=0),
                    html.Span(id="stress-progress", style={"fontSize": 12}),
                ],
                style=_ROW,
            ),
            html.Div(sliders, style={**_ROW, "marginTop": "1em"}),
            _labelled(
                "fixed at the slider value (others keep the scenario's distributions; moving a "
                "slider fixes it)",
                dcc.Checklist(
                    id="stress-fixed",
                    options=[{"label": v[1], "value": k} for k, v in STRESS_CONTROLS.items()],
                    value=[],
                    inline=True,
                ),
            ),
            html.Progress(id="stress-bar", value="0", max="1", style={"width": "20em"}),
            dcc.Store(id="stress-job"),
            dcc.Interval(id="stress-interval", interval=400, disabled=True),
            html.Div(id="stress-message", style=_ERROR),
            dcc.Loading(html.Div(id="stress-body")),
        ]
    )


def build_layout(
    cases: list[str], series: list[str], scenarios: list[str], stress: bool
) -> html.Div:
    """The whole page."""
    return html.Div(
        [
            html.H2("boombust"),
            dcc.Tabs(
                id="tabs",
                value="diagnose",
                children=[
                    dcc.Tab(label="Diagnose", value="diagnose", children=_diagnose(cases, series)),
                    dcc.Tab(label="Runs", value="runs", children=_runs()),
                    dcc.Tab(label="Stress", value="stress", children=_stress(scenarios, stress)),
                ],
            ),
        ],
        style={"fontFamily": "sans-serif", "margin": "1em 2em"},
    )
