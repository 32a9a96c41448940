"""The dashboard's callbacks as plain functions: values in, figures and components out.

Each function validates its controls, calls the public API (``boombust.score``,
``boombust.detect``, ``boombust.stress``, ``boombust.store``) and lays out what it returns.
There is no model logic here. Bad input — a control out of range, an upload that is not a
price series — becomes a :class:`Panel` with a ``message`` for the page, never a traceback.
:mod:`boombust.app.server` wires these to Dash; the tests call them directly.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from boombust.app import figures
from boombust.app.jobs import Job, JobManager, ProgressFn
from boombust.detect.critical_values import DEFAULT_SEED
from boombust.errors import InputError, Issue

__all__ = [
    "RUN_COLUMNS",
    "STRESS_CONTROLS",
    "UPLOAD",
    "Panel",
    "check_number",
    "compare_runs",
    "fixed_from_sliders",
    "html_table",
    "load_series",
    "lppls_render",
    "lppls_submit",
    "open_run",
    "psy_view",
    "runs_table",
    "scorecard_view",
    "stress_available",
    "stress_poll",
    "stress_submit",
    "stress_view",
]

UPLOAD = "upload"
RUN_COLUMNS = ("run_id", "kind", "created", "version", "seed", "dataset_hash", "duration_s")
_DATE_NAMES = ("date", "Date", "DATE", "time", "Time", "day", "Day", "month", "Month")
_VALUE_NAMES = ("close", "Close", "adj_close", "Adj Close", "price", "Price", "value", "Value")


@dataclass(frozen=True)
class Panel:
    """What a callback shows: a figure, a body of components, and a message (errors)."""

    figure: go.Figure = field(default_factory=figures.empty_figure)
    body: Any = None
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.message


def html_table(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    id: str | None = None,
    links: Mapping[str, str] | None = None,
    max_rows: int = 200,
) -> html.Table:
    """A plain HTML table; ``links`` maps a column to the column holding its URL."""
    cols = list(columns) if columns is not None else (list(records[0]) if records else [])
    links = dict(links or {})
    head = html.Thead(html.Tr([html.Th(c) for c in cols]))
    rows = []
    for rec in list(records)[:max_rows]:
        cells = []
        for c in cols:
            text = _fmt(rec.get(c))
            url = rec.get(links[c]) if c in links else None
            cells.append(html.Td(html.A(text, href=url, target="_blank") if url else text))
        rows.append(html.Tr(cells))
    props: dict[str, Any] = {"className": "bb-table"}
    if id is not None:
        props["id"] = id
    return html.Table([head, html.Tbody(rows)], **props)


def _error(err: InputError, note: str = "") -> Panel:
    text = "\n".join(str(i) for i in err.issues)
    return Panel(figure=figures.empty_figure(note or "see the message above"), message=text)


def check_number(value: Any, name: str, low: float, high: float, *, integer: bool = False) -> float:
    """A control's value as a number in ``[low, high]`` or an :class:`InputError` saying so."""
    kind = "a whole number" if integer else "a number"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"must be {kind} between {low:g} and {high:g}", field=name) from None
    if number != number or not low <= number <= high or (integer and number != int(number)):
        raise InputError(
            f"{value!r} is out of range; give {kind} between {low:g} and {high:g}", field=name
        )
    return int(number) if integer else number


# ----------------------------------------------------------------------------- diagnose
def scorecard_view(case: str | None) -> Panel:
    """The four-factor scorecard of a case: factor chart and indicator table with sources."""
    from boombust.score import case_names, score_case

    if case not in case_names():
        return _error(
            InputError(
                f"unknown case {case!r}; pick one of {', '.join(case_names())}", field="case"
            )
        )
    result = score_case(case)
    as_dict = result.to_dict()
    frame = result.to_frame()
    frame = frame.astype(object).where(frame.notna(), None)
    table = html_table(
        _records(frame),
        [
            "factor",
            "factor_level",
            "indicator",
            "value",
            "unit",
            "level",
            "status",
            "source",
            "rationale",
        ],
        id="score-table",
        links={"source": "url"},
    )
    headline = html.P(
        [
            html.Strong(f"{as_dict['total']}/{as_dict['max_total']}", id="score-total"),
            f" — band {as_dict['band']}"
            + (f" (partial: missing {', '.join(as_dict['gaps'])})" if as_dict["partial"] else ""),
        ]
    )
    return Panel(
        figure=figures.scorecard_figure(as_dict),
        body=html.Div([headline, table]),
        data={"total": as_dict["total"], "band": as_dict["band"]},
    )


def _pick_columns(frame: pd.DataFrame) -> tuple[str, str | None]:
    cols = [str(c) for c in frame.columns]
    date_col = next((c for c in cols if c in _DATE_NAMES), None)
    if date_col is None and cols:
        parsed = pd.to_datetime(frame[cols[0]], errors="coerce", format="mixed")
        if (
            len(frame)
            and parsed.notna().mean() > 0.9
            and not pd.api.types.is_numeric_dtype(frame[cols[0]])
        ):
            date_col = cols[0]
    value_col = next((c for c in cols if c in _VALUE_NAMES), None)
    if value_col is None:
        value_col = next((c for c in cols if c != date_col), cols[0] if cols else "value")
    return value_col, date_col


def load_series(
    source: str | None,
    contents: str | None = None,
    filename: str | None = None,
    column: str | None = None,
    date_column: str | None = None,
    *,
    log: bool = False,
    require_positive: bool = False,
) -> pd.Series:
    """A bundled series by name, or an uploaded CSV (``dcc.Upload`` contents), validated.

    Uses :func:`boombust.detect._series.load_price_csv`, so an upload gets the same
    messages as the CLI, naming the uploaded file, line and column.
    """
    from boombust.detect._series import BUNDLED, load_price_csv

    column = (column or "").strip() or None
    date_column = (date_column or "").strip() or None
    if source in BUNDLED:
        _, bundled_date, bundled_value = BUNDLED[source]
        return load_price_csv(
            source,
            column or bundled_value,
            date_column or bundled_date,
            log=log,
            require_positive=require_positive,
        )
    if source != UPLOAD:
        raise InputError(
            f"unknown series {source!r}; pick one of {', '.join(BUNDLED)} or upload a CSV",
            field="series",
        )
    if not contents:
        raise InputError("no file uploaded yet; drop a CSV file on the upload box", field="upload")
    name = Path(filename or "upload.csv").name or "upload.csv"
    try:
        _, encoded = contents.split(",", 1)
        raw = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise InputError(
            "the upload could not be decoded; upload the file again", path=name
        ) from None
    with tempfile.TemporaryDirectory(prefix="boombust-upload-") as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_bytes(raw)
        try:
            if column is None:
                try:
                    head = pd.read_csv(path, nrows=200)
                except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
                    head = pd.DataFrame()
                if not head.empty:
                    column, guessed_date = _pick_columns(head)
                    date_column = date_column or guessed_date
            return load_price_csv(
                path,
                column or "close",
                date_column,
                log=log,
                require_positive=require_positive,
            )
        except InputError as err:
            raise InputError(
                [
                    Issue(i.message, path=name if i.path else None, line=i.line, field=i.field)
                    for i in err.issues
                ]
            ) from None


def psy_view(
    source: str | None,
    contents: str | None = None,
    filename: str | None = None,
    column: str | None = None,
    date_column: str | None = None,
    *,
    log: bool = True,
    last: Any = 300,
    nrep: Any = 199,
    seed: Any = DEFAULT_SEED,
    level: Any = 0.95,
) -> Panel:
    """PSY GSADF/BSADF on the last ``last`` observations: chart, statistics, episodes."""
    from boombust.detect.psy import psy_test

    try:
        n_last = int(check_number(last, "observations", 20, 5000, integer=True))
        n_rep = int(check_number(nrep, "replications", 10, 5000, integer=True))
        seed_v = int(check_number(seed, "seed", 0, 2**32 - 1, integer=True))
        level_v = check_number(level, "level", 0.9, 0.99)
        series = load_series(source, contents, filename, column, date_column, log=log)
        series = series.iloc[-n_last:]
        result = psy_test(series, nrep=n_rep, seed=seed_v, level=level_v)
    except InputError as err:
        return _error(err)
    out = result.cli_dict()
    cv = out["critical_values"]
    rows = [
        {
            "statistic": s,
            "value": f"{out[s]:.4f}",
            "95% cv": f"{cv[s]['95']:.4f}",
            "p-value": "n/a" if out["pvalues"].get(s) is None else f"{out['pvalues'][s]:.4f}",
        }
        for s in ("adf", "sadf", "gsadf")
    ]
    episodes = [
        html.Li(f"{e['start']} .. {'ongoing' if e['ongoing'] else e['end']} (peak {e['peak']})")
        for e in out["episodes"]
    ]
    body = html.Div(
        [
            html.P(
                [
                    "GSADF ",
                    html.Strong(f"{result.gsadf:.4f}", id="psy-gsadf"),
                    f" on n = {result.n} observations, seed {seed_v}, nrep {n_rep}",
                ]
            ),
            html_table(rows, id="psy-stats"),
            html.P(f"{len(episodes)} episode(s) at the {level_v:.0%} level:"),
            html.Ul(episodes or [html.Li("none")]),
        ]
    )
    title = f"PSY BSADF — {filename if source == UPLOAD else source}"
    return Panel(
        figure=figures.psy_figure(result.to_frame(), title),
        body=body,
        data={"gsadf": result.gsadf, "n": result.n, "episodes": len(out["episodes"])},
    )


def lppls_submit(
    jobs: JobManager,
    source: str | None,
    contents: str | None = None,
    filename: str | None = None,
    column: str | None = None,
    date_column: str | None = None,
    *,
    days: Any = 10,
    window_step: Any = 25,
    seed: Any = 0,
) -> str | Panel:
    """Validate, then start DS LPPLS Confidence for the last ``days`` days as a job.

    Returns the job id, or a :class:`Panel` with the message if the input is bad.
    """
    from boombust.detect.lppls_indicators import DSLPPLSSpec, ds_lppls_indicators

    try:
        n_days = int(check_number(days, "days", 1, 250, integer=True))
        step = int(check_number(window_step, "window step", 1, 125, integer=True))
        seed_v = int(check_number(seed, "seed", 0, 2**32 - 1, integer=True))
        prices = load_series(source, contents, filename, column, date_column, require_positive=True)
        spec = DSLPPLSSpec(n_bootstrap=0, window_step=step)
        if len(prices) < spec.window_max + n_days:
            raise InputError(
                f"the series has {len(prices)} prices; DS LPPLS needs {spec.window_max} days of "
                f"history before the first of the {n_days} day(s): upload a longer series",
                field="prices",
            )
    except InputError as err:
        return _error(err)
    label = filename if source == UPLOAD else str(source)

    def work(progress: ProgressFn) -> dict[str, Any]:
        result = ds_lppls_indicators(
            prices,
            start=prices.index[-n_days],
            end=prices.index[-1],
            spec=spec,
            seed=seed_v,
            progress=progress,
        )
        return {"label": label, "prices": prices, "frame": result.to_frame()}

    return jobs.submit("lppls", work)


def lppls_render(job: Job) -> Panel:
    """Chart and table of a finished LPPLS job (or its message)."""
    if job.state == "error":
        return Panel(figure=figures.empty_figure("see the message above"), message=job.error or "")
    if job.state == "running":
        return Panel(figure=figures.empty_figure(f"running: {job.done}/{job.total} days"))
    res = job.result
    frame: pd.DataFrame = res["frame"]
    prices: pd.Series = res["prices"]
    shown = prices.iloc[-max(len(frame) * 5, 250) :]
    table = html_table(_records(frame.reset_index(names="date")), id="lppls-table")
    return Panel(
        figure=figures.lppls_figure(shown, frame, f"DS LPPLS Confidence — {res['label']}"),
        body=html.Div([html.P(f"max Confidence+ {frame['confidence_pos'].max():.3f}"), table]),
    )


# ----------------------------------------------------------------------------- runs
def runs_table(runs_dir: str | Path | None) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Rows of the run store (newest first) and dropdown options of their ids."""
    from boombust.store import RunStore

    frame = RunStore(runs_dir).list()
    records = _records(frame)
    options = [
        {"label": f"{r['run_id']} ({r['kind']})", "value": str(r["run_id"])} for r in records
    ]
    return records, options


def _manifest_block(manifest: Mapping[str, Any]) -> html.Div:
    keep = {
        k: manifest.get(k)
        for k in ("run_id", "kind", "created", "version", "seed", "dataset_hash", "duration_s")
    }
    return html.Div(
        [
            html.Pre(json.dumps(keep, indent=2, default=str), className="manifest"),
            html.Details(
                [
                    html.Summary("summary and spec"),
                    html.Pre(
                        json.dumps(
                            {"summary": manifest.get("summary"), "spec": manifest.get("spec")},
                            indent=2,
                            default=str,
                        )
                    ),
                ]
            ),
        ]
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{str(k): v for k, v in r.items()} for r in out]


def _table(frame: pd.DataFrame, max_rows: int = 50) -> html.Table:
    return html_table(_records(frame), [str(c) for c in frame.columns], max_rows=max_rows)


def open_run(runs_dir: str | Path | None, run_id: str | None, *, prefix: str = "run") -> Panel:
    """A stored run: its manifest and each artefact as a table (a stress run: its charts)."""
    from boombust.store import RunStore

    if not run_id:
        return Panel(body=html.P("pick a run"))
    try:
        run = RunStore(runs_dir).get(run_id)
        if run.kind == "stress":
            view = stress_view(runs_dir, run_id, prefix=prefix)
            return Panel(figure=view.figure, body=view.body, data=view.data)
        parts: list[Any] = [_manifest_block(run.manifest)]
        for name in run.artefacts:
            parts += [html.H5(f"{name}"), _table(run.table(name))]
    except InputError as err:
        return _error(err)
    return Panel(body=html.Div(parts), data={"kind": run.kind, "artefacts": run.artefacts})


def compare_runs(runs_dir: str | Path | None, run_a: str | None, run_b: str | None) -> Panel:
    """Two stored runs side by side, with a table of their summary numbers."""
    from boombust.store import RunStore

    if not run_a or not run_b:
        return Panel(body=html.P("pick two runs to compare"))
    try:
        store = RunStore(runs_dir)
        a, b = store.get(run_a), store.get(run_b)
    except InputError as err:
        return _error(err)
    rows = []
    flat_a, flat_b = (
        _flatten(a.manifest.get("summary", {})),
        _flatten(b.manifest.get("summary", {})),
    )
    for key in sorted(set(flat_a) | set(flat_b)):
        va, vb = flat_a.get(key), flat_b.get(key)
        diff = vb - va if isinstance(va, int | float) and isinstance(vb, int | float) else ""
        rows.append({"quantity": key, "A": _fmt(va), "B": _fmt(vb), "B − A": _fmt(diff)})
    for key in ("seed", "kind", "version", "dataset_hash"):
        va, vb = a.manifest.get(key), b.manifest.get(key)
        rows.append({"quantity": key, "A": _fmt(va), "B": _fmt(vb), "B − A": ""})
    fig = figures.empty_figure("loss-by-step comparison is drawn for two stress runs")
    if a.kind == b.kind == "stress":
        try:
            fig = figures.compare_stress_figure(
                {"A": (_by_step(a), _by_sector(a)), "B": (_by_step(b), _by_sector(b))}
            )
        except InputError as err:
            return _error(err)
    side = html.Div(
        [
            html.Div([html.H5("A"), _manifest_block(a.manifest)], className="half"),
            html.Div([html.H5("B"), _manifest_block(b.manifest)], className="half"),
        ],
        style={"display": "flex", "gap": "1em"},
    )
    table = html_table(rows, ["quantity", "A", "B", "B − A"], id="compare-table")
    return Panel(figure=fig, body=html.Div([table, side]), data={"rows": rows})


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _fmt(v: Any) -> str:
    if v is None or v == "":
        return "—" if v is None else ""
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.1f}"
    return str(v)


def _by_sector(run: Any) -> pd.Series:
    frame: pd.DataFrame = run.table("sectors")
    return frame.set_index("sector")["mean"]


def _by_step(run: Any) -> pd.Series:
    frame: pd.DataFrame = run.table("sector_steps")
    steps = [c for c in frame.columns if c not in ("sector", "total")]
    return frame[steps].sum(axis=0)


# ----------------------------------------------------------------------------- stress
#: slider id -> (scenario parameter, label, min, max, step, default shown)
STRESS_CONTROLS: dict[str, tuple[str, str, float, float, float, float]] = {
    "revenue_shortfall": ("revenue_shortfall", "revenue shortfall", 0.0, 1.0, 0.05, 0.6),
    "ai_equity_drawdown": ("ai_equity_drawdown", "AI equity drawdown", 0.0, 0.9, 0.05, 0.15),
    "gpu_life": ("gpu_life", "GPU useful life (years)", 0.5, 8.0, 0.5, 3.0),
    "walk_away_base": ("walk_away_base", "walk-away probability", 0.0, 1.0, 0.05, 0.05),
    "price_impact_scale": ("price_impact_scale", "price impact (× depth)", 0.0, 5.0, 0.25, 1.0),
    "leverage_max_scale": ("leverage_max_scale", "leverage limits (×)", 0.25, 3.0, 0.25, 1.0),
}


def stress_available() -> bool:
    """Whether this build has the cascade engine (``boombust.stress``)."""
    import importlib.util

    return importlib.util.find_spec("boombust.stress") is not None


def fixed_from_sliders(fixed: Sequence[str] | None, triggered: str | None) -> list[str]:
    """Moving a slider fixes that parameter (adds it to the 'fixed' checklist)."""
    out = list(fixed or [])
    if triggered in STRESS_CONTROLS and triggered not in out:
        out.append(triggered)
    return out


def stress_submit(
    jobs: JobManager,
    runs_dir: str | Path | None,
    scenario: str | None,
    fixed: Sequence[str] | None,
    values: Mapping[str, Any],
    *,
    paths: Any = 500,
    seed: Any = 0,
) -> str | Panel:
    """Validate the controls, then run the cascade in the background and save it.

    Parameters in ``fixed`` take the slider's value (``Scenario.with_values``); the others
    keep the scenario's distributions. Returns the job id or a :class:`Panel` message.
    """
    if not stress_available():
        return Panel(message="this build has no cascade engine (boombust.stress)")
    from boombust.stress import bundled_scenarios

    try:
        if scenario not in bundled_scenarios():
            raise InputError(
                f"unknown scenario {scenario!r}; pick one of {', '.join(bundled_scenarios())}",
                field="scenario",
            )
        n_paths = int(check_number(paths, "paths", 10, 20000, integer=True))
        seed_v = int(check_number(seed, "seed", 0, 2**32 - 1, integer=True))
        chosen: dict[str, float] = {}
        for key in fixed or []:
            if key not in STRESS_CONTROLS:
                raise InputError(f"unknown control {key!r}", field="fixed")
            param, label, low, high, _, _ = STRESS_CONTROLS[key]
            chosen[param] = check_number(values.get(key), label, low, high)
    except InputError as err:
        return _error(err)
    scenario_name = str(scenario)

    def work(progress: ProgressFn) -> str:
        return run_and_store_stress(
            runs_dir, scenario_name, chosen, paths=n_paths, seed=seed_v, progress=progress
        )

    return jobs.submit("stress", work)


def run_and_store_stress(
    runs_dir: str | Path | None,
    scenario: str,
    values: Mapping[str, float],
    *,
    paths: int,
    seed: int,
    progress: ProgressFn | None = None,
) -> str:
    """``run_stress`` on the ai-2025 dataset, saved to the run store; returns the run id."""
    from boombust.data import load_dataset
    from boombust.store import RunStore
    from boombust.stress import load_scenario, run_stress

    dataset = load_dataset("ai-2025")
    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    res = run_stress(dataset, sc, paths=paths, seed=seed, progress=progress)
    run = RunStore(runs_dir).save(
        kind="stress",
        spec={**res.provenance.spec, "dashboard_values": dict(values)},
        tables=res.store_tables(),
        seed=seed,
        dataset_hash=res.provenance.data_hash,
        duration_s=res.duration_s,
        summary=res.store_summary(),
    )
    return run.run_id


def stress_poll(jobs: JobManager, job_id: str | None) -> tuple[str, float, str | None, str]:
    """(progress text, fraction done, finished run id or None, error message)."""
    if not job_id:
        return "", 0.0, None, ""
    try:
        job = jobs.status(job_id)
    except InputError as err:
        return "", 0.0, None, str(err)
    if job.state == "error":
        return "failed", 1.0, None, job.error or ""
    if job.state == "done":
        return f"done: run {job.result} saved", 1.0, str(job.result), ""
    total = job.total or 1
    return f"running: {job.done}/{job.total or '?'} chunks", job.done / total, None, ""


def stress_view(
    runs_dir: str | Path | None, run_id: str | None, *, prefix: str = "stress"
) -> Panel:
    """The charts of a stored stress run: waterfall, sectors, defaults, network, tranches."""
    from dash import dcc

    from boombust.store import RunStore

    if not run_id:
        return Panel(body=html.P("run a scenario, or open a stored stress run"))
    try:
        run = RunStore(runs_dir).get(run_id)
        if run.kind != "stress":
            raise InputError(f"run {run_id} is a {run.kind} run, not a stress run", field="run_id")
        by_step = _by_step(run)
        paths = run.table("paths")
        institutions = run.table("institutions")
        tranches = run.table("tranches")
        network = (
            figures.network_figure(run.table("commitments"), institutions)
            if "commitments" in run.artefacts
            else figures.empty_figure("this run did not store its commitments")
        )
    except InputError as err:
        return _error(err)
    s = run.manifest.get("summary", {})
    total = s.get("total_loss", {})
    headline = html.P(
        [
            f"{s.get('scenario')} · {s.get('paths')} paths · seed {run.manifest.get('seed')} · "
            "mean total loss USD bn ",
            html.Strong(f"{total.get('mean', float('nan')):,.1f}", id=f"{prefix}-total-loss"),
            f" (q95 {total.get('q95', float('nan')):,.1f}, "
            f"ES95 {total.get('es95', float('nan')):,.1f})"
            f" · amplification {s.get('amplification', float('nan')):.2f}"
            f" · commitments honoured {s.get('commitments_surviving', float('nan')):.1%}",
        ]
    )
    waterfall = figures.step_waterfall_figure(by_step, f"{run_id}: mean loss by step")
    graphs = [
        dcc.Graph(id=f"{prefix}-waterfall", figure=waterfall),
        dcc.Graph(id=f"{prefix}-sectors", figure=figures.sector_loss_figure(paths)),
        dcc.Graph(id=f"{prefix}-defaults", figure=figures.default_probability_figure(institutions)),
        dcc.Graph(id=f"{prefix}-network", figure=network),
        dcc.Graph(id=f"{prefix}-tranches", figure=figures.tranche_figure(tranches)),
    ]
    return Panel(
        figure=waterfall,
        body=html.Div([headline, *graphs, html.H5("tranches"), _table(tranches)]),
        data={"total_loss_mean": total.get("mean"), "run_id": run_id},
    )
