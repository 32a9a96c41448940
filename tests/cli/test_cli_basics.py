from __future__ import annotations

import pytest

from boombust import __version__
from boombust.cli.main import main


@pytest.mark.parametrize(
    "argv", [["--help"], ["data", "--help"], ["runs", "--help"], ["data", "show", "--help"]]
)
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert "Usage" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"boombust {__version__}"


def test_usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["data", "show", "--no-such-option"])
    assert info.value.code == 2
