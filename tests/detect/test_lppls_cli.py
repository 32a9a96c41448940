"""``boombust detect lppls``: JSON output and exit 3 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from boombust.cli.main import main

DATA = Path(__file__).resolve().parent / "data" / "nasdaq_dotcom.csv"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else int(code)), out.out, out.err


def _write(tmp_path: Path, frame: pd.DataFrame) -> str:
    path = tmp_path / "prices.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _frame(n: int = 200) -> pd.DataFrame:
    dates = pd.bdate_range("2020-01-01", periods=n)
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "close": np.linspace(100, 200, n)})


def test_json_per_day(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["detect", "lppls", str(DATA), "--column", "close", "--date-column", "date"]
    argv += ["--start", "2000-03-09", "--end", "2000-03-10", "--seed", "3", "--json"]
    argv += ["--n-bootstrap", "2"]
    code, out, err = _run(argv, capsys)
    assert code == 0, err
    days = json.loads(out)
    assert [d["date"] for d in days] == ["2000-03-09", "2000-03-10"]
    for d in days:
        assert {"date", "confidence_pos", "confidence_neg", "trust_pos", "trust_neg"} <= set(d)
        assert 0.0 <= d["confidence_pos"] <= 1.0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda f: f.assign(close=f["close"].where(f.index != 150)),
            "prices.csv:152: close: 1 missing or non-numeric value(s)",
        ),
        (lambda f: f.assign(close=f["close"].where(f.index != 7, -1.0)), "is not positive"),
        (lambda f: f.iloc[[1, 0, *range(2, len(f))]], "prices.csv:3: date:"),
        (lambda f: f.iloc[:100], "smallest window"),
    ],
)
def test_bad_input_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: object, message: str
) -> None:
    path = _write(tmp_path, mutate(_frame()))  # type: ignore[operator]
    code, _, err = _run(["detect", "lppls", path, "--date-column", "date", "--json"], capsys)
    assert code == 3
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err


def test_missing_column_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, _frame())
    code, _, err = _run(["detect", "lppls", path, "--column", "price"], capsys)
    assert code == 3
    assert "price: column not found" in err
    assert "close" in err
    code, _, err = _run(["detect", "lppls", str(tmp_path / "nope.csv")], capsys)
    assert code == 3
    assert "file not found" in err


def test_bad_start_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, _frame())
    code, _, err = _run(
        ["detect", "lppls", path, "--date-column", "date", "--start", "2020-13-45"], capsys
    )
    assert code == 3
    assert "--start" in err


def test_window_options(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["detect", "lppls", str(DATA), "--date-column", "date", "--start", "2000-03-10"]
    argv += ["--window-max", "300", "--window-min", "100", "--window-step", "50", "--json"]
    argv += ["--n-bootstrap", "0", "--fast"]
    code, out, err = _run(argv, capsys)
    assert code == 0, err
    (day,) = json.loads(out)
    assert day["n_windows"] == 5
    assert day["trust_pos"] is None
    code, _, err = _run([*argv[:7], "--window-max", "50", "--window-min", "100"], capsys)
    assert code == 3
    assert "window_min must be <= window_max" in err
