"""End to end: serve the app on 127.0.0.1 and drive it in Debian's headless Chromium.

Playwright's Python package drives the system browser (``/usr/bin/chromium``); nothing is
downloaded (never ``playwright install``). The app runs in a thread on a free port with a
temporary run store, and is shut down afterwards.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boombust.detect._series import load_price_csv
from boombust.detect.psy import psy_test

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]
pytest.importorskip("dash", reason="needs the dashboard extra (Dash)")
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from werkzeug.serving import make_server

    from boombust.app import create_app
    from boombust.app.jobs import JobManager

    runs = tmp_path_factory.mktemp("runs")
    jobs = JobManager(max_workers=2)
    app = create_app(runs, jobs=jobs)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    httpd = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/", runs
    finally:
        httpd.shutdown()
        thread.join(10)
        httpd.server_close()
        jobs.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, server: tuple[str, Path]) -> Iterator[Any]:
    pg = browser.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(server[0])
    yield pg
    pg.close()


def _set_number(page: Any, selector: str, value: object) -> None:
    page.fill(selector, str(value))
    page.press(selector, "Enter")


def test_diagnose_psy_number_equals_the_api(page: Any) -> None:
    pg = page
    assert pg.inner_text("#score-total") == "8/8"
    _set_number(pg, "#psy-last", 120)
    _set_number(pg, "#psy-nrep", 39)
    _set_number(pg, "#psy-seed", 17)
    pg.click("#psy-run")
    pg.wait_for_selector("#psy-gsadf")
    shown = pg.inner_text("#psy-gsadf")
    series = load_price_csv("shiller-sp500", "SP500", "Date", log=True).iloc[-120:]
    assert shown == f"{psy_test(series, nrep=39, seed=17).gsadf:.4f}"
    assert "n = 120 observations, seed 17, nrep 39" in pg.inner_text("#psy-body")
    # the chart was redrawn: two panels with the BSADF and critical-value lines
    assert pg.locator("#psy-figure .scatterlayer .trace").count() == 3
    assert "PSY BSADF — shiller-sp500" in pg.inner_text("#psy-figure")


def test_a_bad_upload_shows_the_loaders_message(page: Any, tmp_path: Path) -> None:
    pg = page
    bad = tmp_path / "prices.csv"
    bad.write_text("Date,Close\n2020-01-01,1\n2020-01-02,oops\n2020-01-03,3\n")
    pg.set_input_files("#series-upload input[type=file]", str(bad))
    pg.wait_for_selector("text=uploaded: prices.csv")
    pg.click("#psy-run")
    msg = pg.locator("#psy-message")
    msg.filter(has_text="prices.csv:3").wait_for()
    assert "prices.csv:3: Close: 1 missing or non-numeric value(s)" in msg.inner_text()
    assert "Traceback" not in pg.content()


def test_stress_slider_run_matches_run_stress(page: Any, server: tuple[str, Path]) -> None:
    from boombust.app.callbacks import stress_available

    if not stress_available():
        pytest.skip("this build has no cascade engine (boombust.stress)")
    from boombust.data import load_dataset
    from boombust.store import RunStore
    from boombust.stress import load_scenario, run_stress

    pg = page
    pg.click("text=Stress")
    handle = pg.locator("#slider-revenue_shortfall [role=slider]")
    handle.focus()
    handle.press("ArrowRight")
    handle.press("ArrowRight")  # 0.60 -> 0.70
    pg.wait_for_function(
        "() => document.querySelector('#stress-fixed input[value=revenue_shortfall]').checked"
    )
    _set_number(pg, "#stress-paths", 150)
    _set_number(pg, "#stress-seed", 21)
    pg.click("#stress-run")
    pg.wait_for_selector("#stress-total-loss")
    shown = pg.inner_text("#stress-total-loss")
    assert "done: run" in pg.inner_text("#stress-progress")

    (run,) = (RunStore(server[1]).get(r) for r in RunStore(server[1]).list()["run_id"])
    values = run.manifest["spec"]["dashboard_values"]
    assert values["revenue_shortfall"] == pytest.approx(0.7)
    sc = load_scenario("ai-bust").with_values(**values)
    api = run_stress(load_dataset("ai-2025"), sc, paths=150, seed=21)
    assert shown == f"{api.total_loss()['mean']:,.1f}"
    for chart in ("waterfall", "sectors", "defaults", "network", "tranches"):
        assert pg.locator(f"#stress-{chart} .main-svg").count() > 0

    # the run is in the store: the Runs page lists and opens it
    pg.click("text=Runs")
    pg.wait_for_selector(f"#runs-list >> text={run.run_id}")


def test_diagnose_lppls_runs_as_a_job_and_matches_the_api(page: Any) -> None:
    from boombust.detect.lppls_indicators import DSLPPLSSpec, ds_lppls_indicators

    pg = page
    pg.click("#series-source")
    pg.get_by_role("option", name="nasdaq", exact=True).click()
    _set_number(pg, "#lppls-days", 2)
    _set_number(pg, "#lppls-step", 125)
    _set_number(pg, "#lppls-seed", 3)
    pg.click("#lppls-run")
    pg.wait_for_selector("#lppls-progress >> text=done")
    prices = load_price_csv("nasdaq", "close", "date")
    api = ds_lppls_indicators(
        prices, start=prices.index[-2], end=prices.index[-1],
        spec=DSLPPLSSpec(n_bootstrap=0, window_step=125), seed=3,
    ).to_frame()  # fmt: skip
    assert f"max Confidence+ {api['confidence_pos'].max():.3f}" in pg.inner_text("#lppls-body")
    assert "DS LPPLS Confidence — nasdaq" in pg.inner_text("#lppls-figure")
    assert pg.locator("#lppls-table tbody tr").count() == 2
