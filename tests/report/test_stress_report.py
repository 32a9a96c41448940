"""The stress report: self-contained HTML that renders in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from boombust.data import load_dataset
from boombust.report import render_stress_report, write_stress_report
from boombust.stress import load_scenario, run_stress

WEB = Path(__file__).parents[1] / "stress" / "fixtures" / "web.yaml"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    ds = load_dataset(WEB)
    return ds, run_stress(ds, load_scenario("ai-bust"), paths=200, seed=1)


def test_report_is_self_contained_and_complete(result) -> None:  # type: ignore[no-untyped-def]
    ds, res = result
    html = render_stress_report(res, dataset=ds)
    assert html.count("<svg") >= 6  # waterfall, sectors, defaults, network, tranches, prices
    assert not re.search(r"""(src|href)=["']https?://""", html)  # nothing fetched online
    assert f"{res.total_loss()['mean']:,.1f}" in html
    for heading in ("the six steps", "Who loses", "Defaults", "circular-deal network",
                    "tranche outcomes", "Fire sales", "four-factor score",
                    "Every assumption and its source"):  # fmt: skip
        assert heading in html
    # every scenario parameter and every assumption-marked dataset row appears
    for row in res.scenario.assumptions():
        assert row["parameter"] in html
    assert "institutions.hedge-funds" in html


@pytest.mark.browser
def test_report_renders_in_headless_chromium(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    ds, res = result
    page = write_stress_report(res, tmp_path / "report.html", dataset=ds)
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", dom, flags=re.S))
    assert len(text.split()) > 500  # not blank
    assert f"{res.total_loss()['mean']:,.1f}" in dom
    assert f"{res.amplification:.2f}" in dom
    assert dom.count("<svg") >= 6
