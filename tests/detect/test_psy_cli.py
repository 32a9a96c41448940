"""CLI ``boombust detect psy`` and the result object's outputs; bad input exits 3."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from boombust.cli.main import main
from boombust.detect import PSYWarning, psy_test
from boombust.detect._series import load_price_csv
from boombust.errors import InputError

from .psy_ref import isolated_cache, load_ref  # noqa: F401  (autouse fixture)

matplotlib.use("Agg")

ISSUE_KEYS = {
    "n", "minw", "lag", "adf", "sadf", "gsadf", "badf", "bsadf",
    "critical_values", "pvalues", "episodes",
}  # fmt: skip


DAYS = list(pd.date_range("2000-01-01", periods=40).strftime("%Y-%m-%d"))


def _swap(items: list, i: int, j: int) -> list:
    out = list(items)
    out[i], out[j] = out[j], out[i]
    return out


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def _csv(tmp_path: Path, values: list, dates: list | None = None, name: str = "p.csv") -> str:
    frame = pd.DataFrame({"close": values})
    if dates is not None:
        frame.insert(0, "date", dates)
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def test_cli_json_has_exactly_the_issue_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["detect", "psy", "shiller-sp500", "--column", "SP500", "--log", "--nrep", "50", "--json"],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == ISSUE_KEYS
    assert data["n"] == len(load_price_csv("shiller-sp500", "SP500"))
    assert len(data["bsadf"]) == len(data["badf"]) == data["n"] - data["minw"] - data["lag"]
    assert set(data["critical_values"]["gsadf"]) == {"90", "95", "99"}
    assert set(data["pvalues"]) == {"adf", "sadf", "gsadf"}
    for e in data["episodes"]:
        assert {"start", "peak", "end", "duration"} <= set(e)


def test_cli_matches_exuber_on_a_csv_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = load_ref("exuber_radf.json")["cases"]["sim_psy1_lag1"]
    path = _csv(tmp_path, ref["y"], list(pd.date_range("2000-01-01", periods=100, freq="MS").date))
    code, out, _ = _run(
        ["detect", "psy", path, "--column", "close", "--date-column", "date", "--lag", "1",
         "--nrep", "40", "--cv", "wild-hlst", "--seed", "3", "--json"],
        capsys,
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["gsadf"] == pytest.approx(ref["gsadf"], abs=1e-8)
    np.testing.assert_allclose(data["bsadf"], ref["bsadf"], atol=1e-8)


def test_cli_text_summary_on_bundled_nasdaq(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "psy.png"
    argv = ["detect", "psy", "nasdaq", "--log", "--nrep", "20", "--minw", "2000"]
    code, out, _ = _run([*argv, "--plot", str(chart)], capsys)
    assert code == 0
    assert "gsadf" in out
    assert "Episodes" in out
    assert chart.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("values", "dates", "extra", "needles"),
    [
        ([1.0, 2.0, float("nan"), 3.0] * 10, None, [], ["p.csv:4", "close", "missing"]),
        ([1.0, 2.0, -1.0, 3.0] * 10, None, ["--log"], ["p.csv:4", "close", "not positive"]),
        ([1.0, 2.0, 3.0] * 3, None, ["--minw", "12"], ["close", "too short"]),
        (
            [1.0, 2.0, 3.0, 4.0] * 10,
            _swap(DAYS, 20, 21),
            ["--date-column", "date"],
            ["p.csv:23", "date", "not sorted"],
        ),
        (
            [1.0, 2.0, 3.0, 4.0] * 10,
            [DAYS[0], *DAYS[:39]],
            ["--date-column", "date"],
            ["p.csv:3", "date", "duplicate date 2000-01-01"],
        ),
    ],
)
def test_bad_input_exits_3_naming_row_and_column(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    values: list,
    dates: list | None,
    extra: list,
    needles: list,
) -> None:
    path = _csv(tmp_path, values, dates)
    code, _, err = _run(
        ["detect", "psy", path, "--column", "close", "--nrep", "20", *extra], capsys
    )
    assert code == 3
    assert err.startswith("error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def test_missing_column_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, [1.0] * 50)
    code, _, err = _run(["detect", "psy", path, "--column", "price"], capsys)
    assert code == 3
    assert "price: column not found" in err
    assert "close" in err
    code, _, err = _run(["detect", "psy", str(tmp_path / "nope.csv"), "--column", "close"], capsys)
    assert code == 3
    assert "file not found" in err


def test_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["detect", "psy", "nasdaq", "--cv", "bootstrap"], capsys)
    assert code == 2
    assert "--cv" in err


def test_result_object_outputs() -> None:
    y = load_price_csv("shiller-sp500", "SP500", date_column="Date", log=True).loc["1990":"2010"]
    res = psy_test(y, nrep=60)
    frame = res.to_frame()
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert list(frame.columns) == ["series", "badf", "bsadf", "badf_cv", "bsadf_cv", "episode"]
    assert frame["bsadf"].max() == pytest.approx(res.gsadf)
    json.dumps(res.to_dict())  # JSON-ready
    assert res.to_dict()["dates"][0] == str(frame.index[0].date())
    text = res.summary()
    assert "gsadf" in text
    assert f"n = {res.n}" in text
    ax = res.plot()
    assert ax.get_ylabel() == "BSADF"
    import matplotlib.pyplot as plt

    _fig, ax2 = plt.subplots()
    assert res.plot(ax=ax2) is ax2
    plt.close("all")
    with pytest.raises(Exception):  # noqa: B017, PT011  (frozen dataclass)
        res.gsadf = 0.0  # type: ignore[misc]


def test_information_criterion_and_spec_validation() -> None:
    rng = np.random.default_rng(9)
    y = np.cumsum(rng.standard_normal(120))
    with pytest.warns(PSYWarning, match="fixed lag 0"):
        res = psy_test(y, ic="bic", max_lag=3, nrep=30)
    assert res.selected_lags is not None
    assert res.selected_lags.between(0, 3).all()
    assert len(res.bsadf) == 120 - 1 - 3 - res.minw + 1
    with pytest.raises(InputError, match="options"):
        psy_test(y, cv="nonsense")
    with pytest.raises(InputError, match="options"):
        psy_test(y, levle=0.9)


def test_load_price_csv_api(tmp_path: Path) -> None:
    path = _csv(tmp_path, [1.0, np.e, np.e**2, np.e**3], DAYS[:4])
    s = load_price_csv(path, "close", date_column="date", log=True)
    np.testing.assert_allclose(s.to_numpy(), [0.0, 1.0, 2.0, 3.0])
    assert isinstance(s.index, pd.DatetimeIndex)
    assert s.index[0] == pd.Timestamp("2000-01-01")
    nasdaq = load_price_csv("nasdaq", "close", date_column="date")
    assert nasdaq.index[0] == pd.Timestamp("1994-01-03")
    assert nasdaq.index[-1] == pd.Timestamp("2018-12-31")
    assert nasdaq.loc["2000-03-10"] == pytest.approx(5048.62, abs=0.01)  # NASDAQ dot-com close
    bad = _csv(
        tmp_path, [1.0, 2.0, 3.0, 4.0], ["2000-01-01", "soon", "2000-01-03", "2000-01-04"], "d.csv"
    )
    with pytest.raises(InputError, match=r"d\.csv:3: date: cannot parse date 'soon'"):
        load_price_csv(bad, "close", date_column="date")
