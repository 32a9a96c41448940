"""PSY and LPPLS verdicts shown beside the score (issue 3, item 5).

Expected verdicts on the NASDAQ at the 10 March 2000 peak: PSY (2015) and the DS LPPLS
literature both date the dot-com bubble as ongoing into March 2000 (PSY 2015 §6 for the
S&P; the LPPLS helper's tests show positive confidence 0.38-0.57 in the week of the peak).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from boombust.cli.main import main
from boombust.score import score_case
from boombust.score.corroborate import lppls_signal, psy_signal

NASDAQ = Path(__file__).parents[1] / "detect" / "data" / "nasdaq_dotcom.csv"


@pytest.fixture(scope="module")
def nasdaq() -> pd.Series:
    frame = pd.read_csv(NASDAQ, parse_dates=["date"], index_col="date")
    return frame["close"]


def test_psy_flags_the_dotcom_peak(nasdaq: pd.Series) -> None:
    signal = psy_signal(nasdaq, seed=1, nrep=199)
    assert signal.flagged is True
    assert signal.as_of == "2000-03-10"
    assert "GSADF" in signal.detail


def test_lppls_flags_the_dotcom_peak(nasdaq: pd.Series) -> None:
    signal = lppls_signal(nasdaq, seed=0)
    assert signal.flagged is True
    assert "confidence" in signal.detail


def test_signals_never_enter_the_total(nasdaq: pd.Series) -> None:
    plain = score_case("dotcom-1999")
    with_signals = score_case(
        "dotcom-1999", prices=nasdaq, signals=[psy_signal(nasdaq, seed=1, nrep=199)]
    )
    assert with_signals.total == plain.total
    assert with_signals.band == plain.band


def test_cli_signals_need_prices_and_known_names(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["score", "ai-2025", "--signals", "psy"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["score", "ai-2025", "--prices", str(NASDAQ), "--column", "close", "--signals", "x"])
    assert info.value.code == 2
    assert "unknown signal 'x'" in capsys.readouterr().err
