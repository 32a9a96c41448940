"""LPPLS fit: normal equations, recovery of synthetic parameters, peer comparison, inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.detect import _lppls_kernels as K
from boombust.detect.lppls import (
    FILTER_CONFIDENCE,
    FILTER_TRUST,
    LPPLSFilter,
    LPPLSSearch,
    damping,
    fit_lppls,
    fit_windows,
    lppls_log_price,
    oscillations,
    to_day_units,
)
from boombust.errors import InputError

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "nasdaq_dotcom.csv"
REF = HERE.parent / "reference" / "detect" / "lppls_peer_fits.json"


def _nasdaq() -> pd.Series:
    return pd.read_csv(DATA, parse_dates=["date"], index_col="date")["close"]


def _design(t: np.ndarray, tc: float, m: float, w: float) -> np.ndarray:
    dt = np.abs(tc - t)
    f = dt**m
    return np.column_stack(
        [np.ones_like(t), f, f * np.cos(w * np.log(dt)), f * np.sin(w * np.log(dt))]
    )


@settings(max_examples=40, deadline=None)
@given(
    tc=st.floats(0.5, 60.0),
    m=st.floats(0.05, 1.9),
    w=st.floats(1.0, 50.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_profiled_cost_equals_least_squares(tc: float, m: float, w: float, seed: int) -> None:
    # Oracle: numpy's lstsq on the Filimonov–Sornette design [1, f, g, h] (eq. 8–10).
    rng = np.random.default_rng(seed)
    t = np.arange(-200.0, 1.0)
    y = 0.01 * np.cumsum(rng.standard_normal(t.size))
    x = _design(t, tc, m, w)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    sse_ref = float(np.sum((y - x @ coef) ** 2))
    lin = np.empty(4)
    sse = K.profile_sse(t, y, 0, tc, m, w, 1.0, lin)
    assert sse == pytest.approx(sse_ref, rel=1e-6, abs=1e-10)
    np.testing.assert_allclose(x @ lin, x @ coef, rtol=0, atol=1e-6)


def test_scaled_time_only_rescales_linear_parameters() -> None:
    t = np.arange(-300.0, 1.0)
    y = lppls_log_price(t, 20.0, 0.6, 7.0, 5.0, -0.02, 0.002, -0.001)
    lin_s = np.empty(4)
    sse_s = K.profile_sse(t, y, 0, 20.0, 0.6, 7.0, 300.0, lin_s)
    assert sse_s < 1e-18
    a, b, c1, c2 = to_day_units(lin_s, 0.6, 7.0, 300.0)
    np.testing.assert_allclose([a[0], b[0], c1[0], c2[0]], [5.0, -0.02, 0.002, -0.001], rtol=1e-7)


def test_numba_and_python_kernels_agree_bitwise() -> None:
    if not K.HAVE_NUMBA:
        pytest.skip("numba not installed: only the Python path exists")
    rng = np.random.default_rng(7)
    t = np.arange(-40.0, 1.0)
    y = 0.02 * np.cumsum(rng.standard_normal(t.size))
    lin_a, lin_b = np.empty(4), np.empty(4)
    args = (t, y, 0, 6.3, 0.7, 8.1, 40.0)
    assert K.profile_sse(*args, lin_a) == K.profile_sse.py_func(*args, lin_b)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(lin_a, lin_b)
    starts = np.array([20, 10, 0], dtype=np.int64)
    lo, hi = np.array([-4.0, -6.0, -8.0]), np.array([4.0, 6.0, 8.0])
    tcs, ms = np.array([-3.0, 0.5, 5.0]), np.array([0.4, 1.1])
    outs = []
    for fn in (K.scan_grid_nested, K.scan_grid_nested.py_func):  # type: ignore[attr-defined]
        best_sse = np.full((3, 3), np.inf)
        best_par = np.zeros((3, 3, 3))
        fn(t, y, starts, lo, hi, tcs, ms, 2.0, 3.0, 4, 40.0, best_sse, best_par)
        outs.append((best_sse, best_par))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    for newton_after in (0, 3, 99):  # Newton, Gauss–Newton then Newton, Gauss–Newton
        polished = []
        for fn in (K.polish, K.polish.py_func):  # type: ignore[attr-defined]
            theta = np.array([5.0, 0.6, 7.0])
            lin = np.empty(4)
            sse = fn(
                t,
                y,
                0,
                theta,
                np.array([-8.0, 0.0, 1.0]),
                np.array([8.0, 2.0, 50.0]),
                40.0,
                8,
                0.0,
                lin,
                newton_after,
            )
            polished.append((sse, theta, lin))
        assert polished[0][0] == polished[1][0]
        np.testing.assert_array_equal(polished[0][1], polished[1][1])
        np.testing.assert_array_equal(polished[0][2], polished[1][2])


def _half_sse(p: np.ndarray, t: np.ndarray, y: np.ndarray, scale: float) -> float:
    a, b, c1, c2, tc, m, w = p
    lg = np.log(np.abs(tc - t) / scale)
    mu = a + np.exp(m * lg) * (b + c1 * np.cos(w * lg) + c2 * np.sin(w * lg))
    return 0.5 * float(np.sum((y - mu) ** 2))


def test_newton_hessian_matches_finite_differences() -> None:
    # The Newton polish uses the exact Hessian of SSE/2 in (A, B, C1, C2, tc, m, omega)
    # (Gauss–Newton J'J minus sum r_i d2 mu_i); check it and the gradient J'r against
    # central finite differences of the closed-form cost at a point with large residuals.
    rng = np.random.default_rng(0)
    t = np.arange(-200.0, 1.0)
    scale = 200.0
    y = 0.3 * rng.standard_normal(t.size)
    tc, m, w = 12.3, 0.55, 7.7
    lin = np.array([0.1, -0.5, 0.05, 0.02])
    cache = np.empty((t.size, 5))
    K._profile_cached(t, y, 0, tc, m, w, scale, np.empty(4), cache)
    hess, grad, gdiag = np.empty((7, 7)), np.empty(7), np.empty(7)
    K._jacobian_normal(y, 0, m, w, lin, cache, hess, grad, gdiag, True)
    p0 = np.r_[lin, tc, m, w]
    h = np.array([1e-4, 1e-4, 1e-4, 1e-4, 1e-3, 1e-4, 1e-3])
    eye = np.eye(7)
    fd = np.empty((7, 7))
    for i in range(7):
        for j in range(7):
            ei, ej = eye[i] * h[i], eye[j] * h[j]
            fd[i, j] = (
                _half_sse(p0 + ei + ej, t, y, scale)
                - _half_sse(p0 + ei - ej, t, y, scale)
                - _half_sse(p0 - ei + ej, t, y, scale)
                + _half_sse(p0 - ei - ej, t, y, scale)
            ) / (4 * h[i] * h[j])
    np.testing.assert_allclose(hess, fd, rtol=1e-4, atol=1e-6 * np.abs(fd).max())
    fd_grad = np.array(
        [
            (
                _half_sse(p0 + eye[i] * h[i], t, y, scale)
                - _half_sse(p0 - eye[i] * h[i], t, y, scale)
            )
            / (2 * h[i])
            for i in range(7)
        ]
    )
    np.testing.assert_allclose(-grad, fd_grad, rtol=1e-6, atol=1e-9)
    gn = np.empty((7, 7))
    K._jacobian_normal(y, 0, m, w, lin, cache, gn, grad, gdiag, False)
    np.testing.assert_array_equal(gdiag, np.diag(gn))
    assert not np.allclose(gn, hess)  # the second-order term matters here


def test_newton_and_gauss_newton_polish_reach_the_same_minimum() -> None:
    # Both polishes are descent methods on the same profiled cost; started in the same
    # basin they must stop at the same local minimum (Newton in far fewer iterations).
    close = _nasdaq().loc["1998-09-01":"1999-12-31"]
    y = np.log(close.to_numpy())
    y = y - y.mean()
    dt = y.size - 1
    t = np.arange(-dt, 1.0)
    lo, hi = np.array([-0.2 * dt, 0.0, 1.0]), np.array([0.2 * dt, 2.0, 50.0])
    fit = fit_lppls(close)
    start = np.array([fit.tc + 3.0, fit.m * 0.9, fit.omega * 1.05])
    out = {}
    for newton_after in (0, 10_000):  # Newton throughout / Gauss–Newton throughout
        theta = start.copy()
        sse = K.polish(t, y, 0, theta, lo, hi, float(dt), 500, 1e-14, np.empty(4), newton_after)
        out[newton_after] = (sse, theta)
    assert out[0][0] == pytest.approx(out[10_000][0], rel=1e-9)
    np.testing.assert_allclose(out[0][1], out[10_000][1], rtol=1e-4)


def test_recovers_noise_free_parameters() -> None:
    t = np.arange(-499.0, 1.0)
    y = lppls_log_price(t, 30.0, 0.5, 8.0, 7.0, -0.05, 0.004, 0.003)
    fit = fit_lppls(np.exp(y))
    assert fit.sse < 1e-12
    assert fit.tc == pytest.approx(30.0, abs=1e-4)
    assert fit.m == pytest.approx(0.5, abs=1e-5)
    assert fit.omega == pytest.approx(8.0, abs=1e-4)
    assert fit.b == pytest.approx(-0.05, rel=1e-4)
    assert fit.c == pytest.approx(0.005, rel=1e-4)


@pytest.mark.parametrize(
    ("tc", "m", "w", "b", "c1", "c2"),
    [
        (30.0, 0.5, 8.0, -0.05, 0.004, 0.003),
        (12.0, 0.35, 6.0, -0.12, 0.008, -0.004),
        (60.0, 0.8, 11.0, -0.004, 0.0003, 0.0002),
    ],
)
def test_recovers_parameters_with_noise(
    tc: float, m: float, w: float, b: float, c1: float, c2: float
) -> None:
    # Stated tolerances (daily noise sd 0.5% of price, 500 days): |tc error| <= 10 days,
    # |m error| <= 0.1, |omega error| <= 1, and the fit is no worse than the truth.
    t = np.arange(-499.0, 1.0)
    truth = lppls_log_price(t, tc, m, w, 7.0, b, c1, c2)
    rng = np.random.default_rng(42)
    y = truth + 0.005 * rng.standard_normal(t.size)
    fit = fit_lppls(pd.Series(np.exp(y), index=pd.bdate_range("2020-01-01", periods=t.size)))
    assert abs(fit.tc - tc) <= 10.0
    assert abs(fit.m - m) <= 0.1
    assert abs(fit.omega - w) <= 1.0
    assert fit.sse <= float(np.sum((y - truth) ** 2)) * (1 + 1e-9)
    assert fit.b < 0
    assert fit.bubble == "positive"


def test_same_seed_same_fit() -> None:
    close = _nasdaq().iloc[-400:]
    a = fit_lppls(close, seed=3)
    b = fit_lppls(close, seed=3)
    assert (a.tc, a.m, a.omega, a.sse) == (b.tc, b.m, b.omega, b.sse)


def test_no_worse_than_peer_inside_the_search_space() -> None:
    # Oracle: tests/reference/detect/lppls_peer_fits.py (lppls 0.6.24, Nelder–Mead from
    # random starts, first converged fit, unbounded). Where the peer's fit lies inside
    # the Table 1 search space, our best fit must be at least as good on >= 95% of windows.
    ref = json.loads(REF.read_text())
    close = _nasdaq()
    better = total = 0
    for day in sorted({r["t2"] for r in ref}):
        rows = [r for r in ref if r["t2"] == day]
        lp = np.log(close.loc[:day].to_numpy())
        lengths = np.array([r["dt"] for r in rows], dtype=np.int64)
        params, _, _ = fit_windows(lp, lengths, LPPLSSearch())
        for r, row in zip(rows, params, strict=True):
            dt = r["dt"]
            inside = -0.2 * dt <= r["tc"] <= 0.2 * dt and 0 <= r["m"] <= 2 and 1 <= r["omega"] <= 50
            if not inside:
                continue
            total += 1
            better += row[7] <= r["sse"] * (1 + 1e-6)
    assert total >= 20
    assert better / total >= 0.95


def test_filter_defaults_are_table_1() -> None:
    # Sornette et al. (2015), Table 1 (methods.md §B.2).
    f1, f2 = FILTER_CONFIDENCE, FILTER_TRUST
    assert (f1.m, f1.omega, f1.tc_fraction) == ((0.01, 1.2), (2.0, 25.0), (-0.05, 0.1))
    assert (f1.min_oscillations, f1.min_damping, f1.max_relative_error) == (2.5, 0.8, 0.05)
    assert (f2.m, f2.omega, f2.tc_fraction) == ((0.01, 0.99), (2.0, 25.0), (-0.05, 0.1))
    assert (f2.min_oscillations, f2.min_damping, f2.max_relative_error) == (2.5, 1.0, 0.2)
    search = LPPLSSearch()
    assert (search.m, search.omega, search.tc_fraction) == ((0.0, 2.0), (1.0, 50.0), (-0.2, 0.2))


def test_filter_mask_each_condition() -> None:
    base = {"dt": 500.0, "tc": 20.0, "m": 0.5, "omega": 8.0, "b": -0.05, "c": 0.004}
    # oscillations = 8/(2 pi) ln(520/20) = 4.15; damping = 0.5*0.05/(8*0.004) = 0.78
    assert oscillations(20.0, 8.0, 500.0) == pytest.approx(8 / (2 * math.pi) * math.log(26.0))
    assert damping(0.5, 8.0, -0.05, 0.004) == pytest.approx(0.78125)
    f = LPPLSFilter(min_damping=0.7)
    assert f.mask(**base, relative_error=0.01)
    assert not f.mask(**base, relative_error=0.06)
    assert not FILTER_CONFIDENCE.mask(**base, relative_error=0.01)  # damping 0.78 < 0.8
    assert not f.mask(**{**base, "tc": 60.0}, relative_error=0.01)  # tc > 0.1 dt
    assert not f.mask(**{**base, "m": 1.3}, relative_error=0.01)
    assert not f.mask(**{**base, "omega": 30.0}, relative_error=0.01)
    assert not f.mask(**{**base, "omega": 3.0}, relative_error=0.01)  # oscillations 1.6


def test_search_and_filter_validate() -> None:
    with pytest.raises(ValueError, match="low < high"):
        LPPLSSearch(m=(1.0, 0.5))
    with pytest.raises(ValueError, match="extra"):
        LPPLSFilter(foo=1)  # type: ignore[call-arg]


def test_fit_summary_frame_dict_plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    close = _nasdaq().loc["1998-01-01":"1998-07-17"]
    fit = fit_lppls(close)
    assert "LPPLS fit" in fit.summary()
    frame = fit.to_frame()
    assert list(frame.columns[:2]) == ["log_price", "fitted_log_price"]
    assert isinstance(frame.index, pd.DatetimeIndex)
    np.testing.assert_allclose(np.sum(frame["residual"] ** 2), fit.sse, rtol=1e-8)
    d = fit.to_dict()
    json.dumps(d)
    assert d["provenance"]["spec"]["model"] == "lppls"
    ax = fit.plot()
    assert ax.get_yscale() == "log"


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ([1.0, 2.0, float("nan")] + [3.0] * 20, "non-finite"),
        ([1.0, -2.0] + [3.0] * 20, "non-positive"),
        ([1.0] * 5, "at least 10"),
    ],
)
def test_bad_prices_raise_input_error(prices: list[float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        fit_lppls(prices)


def test_unsorted_dates_raise_input_error() -> None:
    idx = pd.to_datetime(["2020-01-03", "2020-01-02"] + [f"2020-02-{d:02d}" for d in range(1, 20)])
    with pytest.raises(InputError, match="not sorted"):
        fit_lppls(pd.Series(np.linspace(1, 2, idx.size), index=idx))


def test_nested_driver_numba_equals_python() -> None:
    if not K.HAVE_NUMBA:
        pytest.skip("numba not installed: only the Python path exists")
    rng = np.random.default_rng(3)
    t = np.arange(-60.0, 1.0)
    y = lppls_log_price(t, 5.0, 0.6, 7.0, 0.0, -0.3, 0.02, 0.01) + 0.01 * rng.standard_normal(61)
    starts = np.array([20, 10, 0], dtype=np.int64)
    dts = 60.0 - starts
    args = (t, y, starts, -0.2 * dts, 0.2 * dts, 0.0, 2.0, 1.0, 50.0)
    grid = (np.array([-6.0, 2.0, 8.0]), np.array([0.5, 1.5]), 2.0, 8.0, 6, 60.0, 2, 2, 6, 1e-8)
    for stride in (1, 3):  # screening on all points / on every third point
        outs = []
        for fn in (K.fit_nested_windows, K.fit_nested_windows.py_func):  # type: ignore[attr-defined]
            out = np.empty((3, 8))
            fn(*args, *grid, True, 0, stride, out)
            outs.append(out)
        np.testing.assert_array_equal(outs[0], outs[1])
        assert np.isfinite(outs[0]).all()


NASDAQ_WINDOW = np.log(_nasdaq().loc["1998-09-01":"1999-12-31"].to_numpy())


@settings(max_examples=30, deadline=None)
@given(u=st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)))
def test_best_fit_beats_random_points_of_the_search_space(u: tuple[float, float, float]) -> None:
    # The returned fit is the best found over the box: no point of the box does better.
    y = NASDAQ_WINDOW
    dt = y.size - 1
    fit = fit_lppls(np.exp(y))
    tc = -0.2 * dt + 0.4 * dt * u[0]
    m, w = 2.0 * u[1], 1.0 + 49.0 * u[2]
    lin = np.empty(4)
    sse = K.profile_sse(np.arange(-dt, 1.0), y - y.mean(), 0, tc, m, w, float(dt), lin)
    assert fit.sse <= sse * (1 + 1e-9)


def test_seeded_grid_shift_stays_inside_the_cells() -> None:
    # A seed jitters each grid point within the middle half of its cell, so no start
    # lands on the degenerate edges of the box (m -> 0 makes (tc-t)^m collinear with A).
    from boombust.detect.lppls import grid_axes

    search = LPPLSSearch(tc_fraction=(0.0, 0.2), grid_tc=4, grid_m=4, grid_omega=4)
    for u in (0.0, 0.999999):
        tcs, ms, w0, dw, _ = grid_axes(search, 100.0, np.full(3, u))
        cell_m = (ms - 0.0) / 0.5  # cells of width 0.5 on [0, 2]
        frac_m = cell_m - np.floor(cell_m)
        assert np.all((frac_m >= 0.25 - 1e-9) & (frac_m <= 0.75 + 1e-9))
        assert 1.0 + 0.25 * dw - 1e-9 <= w0 <= 1.0 + 0.75 * dw + 1e-9
        u_tc = tcs / 20.0  # linear tc axis (t2 not strictly inside the range)
        frac_tc = u_tc * 4 - np.floor(u_tc * 4)
        assert np.all((frac_tc >= 0.25 - 1e-9) & (frac_tc <= 0.75 + 1e-9))
