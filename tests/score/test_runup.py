"""Greenwood–Shleifer–You run-up rule on series whose answers are known by construction,
plus a real-data check against the raw Shiller CSV."""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from boombust.cli.main import main
from boombust.detect.runup import GSY_CRASH_PROBABILITY, RunupSpec, gsy_context, run_up
from boombust.errors import InputError
from boombust.score import MarketSignal, score_case

SHILLER = Path("/work/shared/data/shiller_sp500_monthly.csv")


def monthly(values: list[float] | np.ndarray, start: str = "2000-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"))


def boom_bust(n_after_peak: int = 40) -> pd.Series:
    """Flat at 100 for 60 months (2000-01..2004-12); then k = 1..24 at 2005-01..2006-12 with
    price 100 * 3**(k/24), peaking at 300 in 2006-12; then -10% a month."""
    flat = [100.0] * 60
    rise = [100.0 * 3.0 ** (k / 24) for k in range(1, 25)]
    fall = [300.0 * 0.9**m for m in range(1, n_after_peak + 1)]
    return monthly(flat + rise + fall)


def test_gsy_published_probabilities() -> None:
    # methods.md §C: P(crash) 20% / 53% / 80% after a 50% / 100% / 150% net run-up
    assert GSY_CRASH_PROBABILITY == ((0.5, 0.20), (1.0, 0.53), (1.5, 0.80))
    assert gsy_context(0.49) is None
    assert gsy_context(0.5) == 0.20
    assert gsy_context(1.2) == 0.53
    assert gsy_context(2.0) == 0.80


def test_steady_growth_flags_from_the_first_date_with_five_years_of_history() -> None:
    # x2.2 every 2 years: r2 = 1.2 > 1 everywhere it is defined; r5 = 2.2**2.5 - 1 > 0.5
    g = 2.2 ** (1 / 24)
    s = monthly([100 * g**k for k in range(120)])
    r = run_up(s)
    flagged = r.table.index[r.table["runup"]]
    assert flagged[0] == pd.Timestamp("2005-01-01")  # first date with a 5-year base
    assert len(flagged) == 120 - 60
    assert r.table["return_short"].iloc[-1] == pytest.approx(1.2)
    assert r.table["return_long"].iloc[-1] == pytest.approx(2.2**2.5 - 1)
    # episodes restart after each 2-year crash window: 2005-01, 2007-02, 2009-03
    assert [e.start for e in r.episodes] == [
        pd.Timestamp("2005-01-01"),
        pd.Timestamp("2007-02-01"),
        pd.Timestamp("2009-03-01"),
    ]
    assert [e.crashed for e in r.episodes] == [False, False, None]  # last one is censored


def test_slower_growth_never_flags() -> None:
    g = 1.8 ** (1 / 24)  # r2 = 0.8 < 1
    r = run_up(monthly([100 * g**k for k in range(120)]))
    assert not r.table["runup"].any()
    assert r.episodes == ()


def test_boom_bust_episode_and_crash_by_construction() -> None:
    r = run_up(boom_bust())
    assert len(r.episodes) == 1
    e = r.episodes[0]
    # r2 = 3**(k/24) - 1 > 1  <=>  k > 24 ln2/ln3 = 15.14  -> k = 16 -> 2006-04
    assert e.start == pd.Timestamp("2006-04-01")
    # after the peak: 2007-02 gives 243 / (100*3**(2/24)) = 2.22 (flag), 2007-03 gives 1.91
    assert e.end == pd.Timestamp("2007-02-01")
    assert e.n_flagged == 11
    assert e.max_return == pytest.approx(2.0)  # 300 / 100 - 1 at the peak
    # 0.9**m <= 0.6  <=>  m >= 4.85  -> 5 months after the 2006-12 peak
    assert e.crashed is True
    assert e.crash_date == pd.Timestamp("2007-05-01")
    # crash window to 2008-04 (start + 2 years) = 16 months after the peak
    assert e.max_drawdown == pytest.approx(1 - 0.9**16)
    assert e.gsy_crash_probability == 0.80


def test_net_of_market() -> None:
    s = boom_bust()
    same = run_up(s, market=s)
    assert same.episodes == ()
    assert (same.table["net_return_short"].dropna().abs() < 1e-12).all()
    flat = run_up(s, market=monthly([100.0] * len(s)))
    assert [e.start for e in flat.episodes] == [pd.Timestamp("2006-04-01")]
    # market x1.6 per 2 years: net = 3**(k/24) - 1 - 0.6 > 1  <=>  k > 24 ln2.6/ln3 = 20.87
    # -> k = 21 -> 2006-09
    m = monthly([100 * 1.6 ** (k / 24) for k in range(len(s))])
    r = run_up(s, market=m)
    e = r.episodes[0]
    assert e.start == pd.Timestamp("2006-09-01")
    assert e.max_net_return == pytest.approx(2.0 - 0.6)
    assert e.gsy_crash_probability == 0.53
    assert r.has_market
    assert "net of the market" in r.summary()


def test_censored_when_the_series_ends_inside_the_window() -> None:
    r = run_up(boom_bust().loc[:"2006-12-01"])
    assert r.episodes[0].crashed is None
    assert r.flagged_now


def test_custom_spec() -> None:
    # with a 150% threshold: 3**(k/24) > 2.5  <=>  k > 24 ln2.5/ln3 = 20.02 -> 2006-09
    r = run_up(boom_bust(), spec=RunupSpec(runup_threshold=1.5))
    assert r.episodes[0].start == pd.Timestamp("2006-09-01")


@pytest.mark.parametrize(
    ("series", "words"),
    [
        (pd.Series([1.0, 2.0, 3.0]), "DatetimeIndex"),
        (monthly([1.0, -2.0, 3.0]), "positive"),
        (monthly([1.0, float("nan"), 3.0]), "missing"),
        (monthly([1.0, 2.0, 3.0])[::-1], "increasing"),
    ],
)
def test_bad_series(series: pd.Series, words: str) -> None:
    with pytest.raises(InputError, match=words):
        run_up(series)


def _shiller_raw() -> tuple[list[pd.Timestamp], list[float]]:
    with SHILLER.open() as fh:
        rows = list(csv.DictReader(fh))
    dates = [pd.Timestamp(r["Date"]) for r in rows]
    prices = [float(r["SP500"]) for r in rows]
    return dates, prices


@pytest.mark.skipif(not SHILLER.exists(), reason="Shiller data not available")
def test_shiller_sp500_against_raw_csv() -> None:
    dates, prices = _shiller_raw()
    # consecutive months, so t - 2 years is exactly 24 rows back (checked, not assumed)
    months = [d.year * 12 + d.month for d in dates]
    assert all(b - a == 1 for a, b in itertools.pairwise(months))
    r = run_up(pd.Series(prices, index=pd.DatetimeIndex(dates), name="SP500"))
    rng = np.random.default_rng(20191)
    for i in rng.integers(60, len(prices), size=200):
        r2 = prices[i] / prices[i - 24] - 1
        r5 = prices[i] / prices[i - 60] - 1
        assert r.table["return_short"].iloc[i] == pytest.approx(r2, rel=1e-12)
        assert r.table["return_long"].iloc[i] == pytest.approx(r5, rel=1e-12)
        assert bool(r.table["runup"].iloc[i]) == (r2 > 1.0 and r5 >= 0.5)
    expected = {
        dates[i]
        for i in range(60, len(prices))
        if prices[i] / prices[i - 24] > 2.0 and prices[i] / prices[i - 60] >= 1.5
    }
    assert set(r.table.index[r.table["runup"]]) == expected
    assert all(math.isnan(x) for x in r.table["return_short"].iloc[:24])


@pytest.mark.skipif(not SHILLER.exists(), reason="Shiller data not available")
def test_cli_corroboration_beside_the_score(capsys) -> None:  # type: ignore[no-untyped-def]
    dates, prices = _shiller_raw()
    with pytest.raises(SystemExit) as exc:
        main(["score", "ai-2025", "--prices", str(SHILLER), "--column", "SP500", "--json"])
    assert exc.value.code in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 8  # corroboration never enters the total
    runup = data["corroboration"]["runup"]
    assert runup["as_of"] == dates[-1].date().isoformat()
    assert runup["flagged_now"] == (
        prices[-1] / prices[-25] > 2.0 and prices[-1] / prices[-61] >= 1.5
    )
    with pytest.raises(SystemExit):
        main(["score", "ai-2025", "--prices", str(SHILLER), "--column", "SP500"])
    out = capsys.readouterr().out
    assert "Market corroboration (separate from the four factors; not in the total)" in out


def test_cli_prices_errors(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "p.csv"
    bad.write_text("Date,A,B\n2000-01-01,1,2\n2000-02-01,1,2\n")
    with pytest.raises(SystemExit) as exc:
        main(["score", "ai-2025", "--prices", str(bad)])
    assert exc.value.code == 3
    assert "--column" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["score", "ai-2025", "--prices", str(bad), "--column", "C"])
    assert exc.value.code == 3
    assert "no column 'C'" in capsys.readouterr().err


def test_precomputed_signals_hook() -> None:
    psy = MarketSignal(
        name="PSY GSADF (NASDAQ)",
        method="psy-2015",
        flagged=True,
        as_of="2000-03-10",
        detail="explosive root date-stamped from 1995-11",
        reference="Phillips, Shi & Yu (2015)",
    )
    r = score_case("dotcom-1999", signals=[psy])
    assert r.total == 8
    assert r.corroboration is not None
    assert r.corroboration.runup is None
    assert "PSY GSADF (NASDAQ): FLAGGED as of 2000-03-10" in r.summary()
    assert r.to_dict()["corroboration"]["signals"][0]["method"] == "psy-2015"
    with pytest.raises(InputError, match="MarketSignal"):
        score_case("dotcom-1999", signals=["psy"])  # type: ignore[list-item]
