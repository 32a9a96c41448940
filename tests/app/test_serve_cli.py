"""``boombust serve``: help, and a clear message when Dash is missing."""

from __future__ import annotations

import importlib.util

import pytest

from boombust.cli.main import main


def test_serve_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--host" in out
    assert "--port" in out


def test_serve_without_dash_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "dash" else real(name, *a)
    )
    with pytest.raises(SystemExit) as exc:
        main(["serve"])
    assert exc.value.code == 3
    assert "install boombust[dashboard]" in capsys.readouterr().err


def test_serve_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--port", "0"])
    assert exc.value.code == 2
