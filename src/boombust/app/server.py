"""The Dash app factory: layout plus thin callback wiring over :mod:`boombust.app.callbacks`."""

from __future__ import annotations

import atexit
from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, ctx, no_update

from boombust.app import callbacks as cb
from boombust.app import figures
from boombust.app.jobs import JobManager
from boombust.app.layout import build_layout

__all__ = ["create_app"]


def create_app(
    runs_dir: str | Path | None = None,
    *,
    jobs: JobManager | None = None,
    max_workers: int = 2,
) -> dash.Dash:
    """Build the dashboard.

    Parameters
    ----------
    runs_dir
        Run store to browse and to save stress runs in (default ``$BOOMBUST_RUNS`` or
        ``./boombust-runs``).
    jobs
        The background job manager (one per app; default: a new one with ``max_workers``).
    """
    from boombust.detect._series import BUNDLED
    from boombust.score import case_names

    stress = cb.stress_available()
    scenarios: list[str] = []
    if stress:
        from boombust.stress import bundled_scenarios

        scenarios = list(bundled_scenarios())
    jobs = jobs or JobManager(max_workers=max_workers)
    atexit.register(jobs.shutdown)
    app = dash.Dash(__name__, title="boombust", suppress_callback_exceptions=True)
    app.layout = build_layout(list(case_names()), list(BUNDLED), scenarios, stress)
    app.server.config["BOOMBUST_JOBS"] = jobs
    _register(app, runs_dir, jobs, stress)
    return app


def _panel(panel: cb.Panel) -> tuple[Any, Any, str]:
    return panel.figure, panel.body, panel.message


def _register(app: dash.Dash, runs_dir: str | Path | None, jobs: JobManager, stress: bool) -> None:
    series_state = [
        State("series-source", "value"),
        State("series-upload", "contents"),
        State("series-upload", "filename"),
        State("series-column", "value"),
        State("series-date-column", "value"),
    ]

    @app.callback(
        Output("score-figure", "figure"),
        Output("score-body", "children"),
        Output("score-message", "children"),
        Input("score-case", "value"),
    )
    def _score(case: str | None) -> tuple[Any, Any, str]:
        return _panel(cb.scorecard_view(case))

    @app.callback(
        Output("series-source", "value"),
        Output("upload-name", "children"),
        Input("series-upload", "filename"),
        prevent_initial_call=True,
    )
    def _uploaded(filename: str | None) -> tuple[Any, str]:
        if not filename:
            return no_update, ""
        return cb.UPLOAD, f"uploaded: {filename}"

    @app.callback(
        Output("psy-job", "data"),
        Output("psy-interval", "disabled"),
        Output("psy-progress", "children"),
        Input("psy-run", "n_clicks"),
        *series_state,
        State("psy-log", "value"),
        State("psy-last", "value"),
        State("psy-nrep", "value"),
        State("psy-seed", "value"),
        State("psy-level", "value"),
        prevent_initial_call=True,
    )
    def _psy_start(
        _n: int,
        source: str,
        contents: str | None,
        filename: str | None,
        column: str | None,
        date_column: str | None,
        log: list[str] | None,
        last: Any,
        nrep: Any,
        seed: Any,
        level: Any,
    ) -> tuple[str, bool, str]:
        # psy_view validates and returns a Panel (a message on bad input); it runs in the
        # job pool so a large series or many replications never ties up the web server.
        def work(_progress: Any) -> cb.Panel:
            return cb.psy_view(
                source,
                contents,
                filename,
                column,
                date_column,
                log=bool(log and "log" in log),
                last=last,
                nrep=nrep,
                seed=seed,
                level=level,
            )

        return jobs.submit("psy", work), False, "running…"

    @app.callback(
        Output("psy-figure", "figure"),
        Output("psy-body", "children"),
        Output("psy-message", "children"),
        Output("psy-progress", "children", allow_duplicate=True),
        Output("psy-interval", "disabled", allow_duplicate=True),
        Input("psy-interval", "n_intervals"),
        State("psy-job", "data"),
        prevent_initial_call=True,
    )
    def _psy_poll(_n: int, job_id: str | None) -> tuple[Any, ...]:
        if not job_id:
            return no_update, no_update, no_update, "", True
        job = jobs.status(job_id)
        if job.state == "running":
            return no_update, no_update, no_update, "running…", False
        if job.state == "error":
            return figures.empty_figure(), None, job.error or "", "failed", True
        panel: cb.Panel = job.result
        return panel.figure, panel.body, panel.message, "done", True

    @app.callback(
        Output("lppls-job", "data"),
        Output("lppls-interval", "disabled"),
        Output("lppls-message", "children"),
        Output("lppls-figure", "figure"),
        Input("lppls-run", "n_clicks"),
        *series_state,
        State("lppls-days", "value"),
        State("lppls-step", "value"),
        State("lppls-seed", "value"),
        prevent_initial_call=True,
    )
    def _lppls_start(
        _n: int,
        source: str,
        contents: str | None,
        filename: str | None,
        column: str | None,
        date_column: str | None,
        days: Any,
        step: Any,
        seed: Any,
    ) -> tuple[Any, bool, str, Any]:
        out = cb.lppls_submit(
            jobs,
            source,
            contents,
            filename,
            column,
            date_column,
            days=days,
            window_step=step,
            seed=seed,
        )
        if isinstance(out, cb.Panel):
            return None, True, out.message, out.figure
        return out, False, "", figures.empty_figure("running…")

    @app.callback(
        Output("lppls-progress", "children"),
        Output("lppls-figure", "figure", allow_duplicate=True),
        Output("lppls-body", "children"),
        Output("lppls-message", "children", allow_duplicate=True),
        Output("lppls-interval", "disabled", allow_duplicate=True),
        Input("lppls-interval", "n_intervals"),
        State("lppls-job", "data"),
        prevent_initial_call=True,
    )
    def _lppls_poll(_n: int, job_id: str | None) -> tuple[Any, ...]:
        if not job_id:
            return "", no_update, no_update, "", True
        job = jobs.status(job_id)
        if job.state == "running":
            return f"running: {job.done}/{job.total or '?'} days", no_update, no_update, "", False
        panel = cb.lppls_render(job)
        return f"{job.state}", panel.figure, panel.body, panel.message, True

    # ------------------------------------------------------------------ runs
    @app.callback(
        Output("runs-table", "children"),
        Output("runs-open", "options"),
        Output("runs-a", "options"),
        Output("runs-b", "options"),
        Input("runs-refresh", "n_clicks"),
        Input("tabs", "value"),
    )
    def _runs(_n: int, _tab: str) -> tuple[Any, ...]:
        rows, options = cb.runs_table(runs_dir)
        table = cb.html_table(rows, cb.RUN_COLUMNS, id="runs-list") if rows else "no runs yet"
        return table, options, options, options

    @app.callback(
        Output("runs-open-body", "children"),
        Output("runs-open-message", "children"),
        Input("runs-open", "value"),
    )
    def _open(run_id: str | None) -> tuple[Any, str]:
        panel = cb.open_run(runs_dir, run_id, prefix="runs-open")
        return panel.body, panel.message

    @app.callback(
        Output("runs-compare-figure", "figure"),
        Output("runs-compare-body", "children"),
        Output("runs-compare-message", "children"),
        Input("runs-a", "value"),
        Input("runs-b", "value"),
    )
    def _compare(run_a: str | None, run_b: str | None) -> tuple[Any, Any, str]:
        return _panel(cb.compare_runs(runs_dir, run_a, run_b))

    if not stress:
        return

    # ------------------------------------------------------------------ stress
    keys = list(cb.STRESS_CONTROLS)

    @app.callback(
        Output("stress-fixed", "value"),
        *[Input(f"slider-{k}", "value") for k in keys],
        State("stress-fixed", "value"),
        prevent_initial_call=True,
    )
    def _fix(*args: Any) -> list[str]:
        trigger = ctx.triggered_id
        key = str(trigger).removeprefix("slider-") if trigger else None
        return cb.fixed_from_sliders(args[-1], key)

    @app.callback(
        Output("stress-job", "data"),
        Output("stress-interval", "disabled"),
        Output("stress-message", "children"),
        Input("stress-run", "n_clicks"),
        State("stress-scenario", "value"),
        State("stress-fixed", "value"),
        State("stress-paths", "value"),
        State("stress-seed", "value"),
        *[State(f"slider-{k}", "value") for k in keys],
        prevent_initial_call=True,
    )
    def _stress_start(
        _n: int, scenario: str, fixed: list[str], paths: Any, seed: Any, *values: Any
    ) -> tuple[Any, bool, str]:
        out = cb.stress_submit(
            jobs,
            runs_dir,
            scenario,
            fixed,
            dict(zip(keys, values, strict=True)),
            paths=paths,
            seed=seed,
        )
        if isinstance(out, cb.Panel):
            return None, True, out.message
        return out, False, ""

    @app.callback(
        Output("stress-progress", "children"),
        Output("stress-bar", "value"),
        Output("stress-body", "children"),
        Output("stress-message", "children", allow_duplicate=True),
        Output("stress-interval", "disabled", allow_duplicate=True),
        Input("stress-interval", "n_intervals"),
        State("stress-job", "data"),
        prevent_initial_call=True,
    )
    def _stress_poll(_n: int, job_id: str | None) -> tuple[Any, ...]:
        text, fraction, run_id, error = cb.stress_poll(jobs, job_id)
        if run_id is None and not error:
            return text, str(fraction), no_update, "", False
        if error:
            return text, str(fraction), no_update, error, True
        panel = cb.stress_view(runs_dir, run_id)
        return text, "1", panel.body, panel.message, True
