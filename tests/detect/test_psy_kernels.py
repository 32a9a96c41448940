"""Kernels against R exuber 1.1.0 (rls_gsadf), statsmodels adfuller and direct OLS.

Oracles: tests/reference/psy/exuber_radf.json and statsmodels_windows.json, produced by
tests/reference/psy/make_oracles.py (R exuber's compiled core run through Rcpp; statsmodels).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boombust.detect import _adf_kernels as k
from boombust.detect import adf, psy_test

from .psy_ref import isolated_cache, load_ref  # noqa: F401  (autouse fixture)

EXUBER = load_ref("exuber_radf.json")["cases"]
SM = load_ref("statsmodels_windows.json")


@pytest.mark.parametrize("kernel", ["fast", "stable"])
@pytest.mark.parametrize("case", sorted(EXUBER))
def test_recursive_statistics_equal_exuber(case: str, kernel: str) -> None:
    ref = EXUBER[case]
    y = np.asarray(ref["y"])
    res = psy_test(y, lag=ref["lag"], minw=ref["minw"], nrep=10, cv="wild-hlst", kernel=kernel)
    assert res.minw == ref["minw"]
    np.testing.assert_allclose(res.badf.to_numpy(), ref["badf"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.bsadf.to_numpy(), ref["bsadf"], rtol=0, atol=1e-8)
    assert res.adf == pytest.approx(ref["adf"], abs=1e-8)
    assert res.sadf == pytest.approx(ref["sadf"], abs=1e-8)
    assert res.gsadf == pytest.approx(ref["gsadf"], abs=1e-8)


def test_default_minimum_window_is_psy_rule() -> None:
    # exuber psy_minw(100) = 19 (README summary header "minw = 19"); methods.md A.1 examples.
    from boombust.detect.critical_values import default_minw

    assert [default_minw(n) for n in (100, 300, 864, 1680)] == [19, 34, 61, 90]
    assert EXUBER["sim_psy1_lag0"]["minw"] == 19


def test_exuber_readme_sim_data_numbers() -> None:
    # exuber README `summary(radf(sim_data))` (printed to 3 significant digits).
    published = {
        "psy1": (-2.46, 1.95, 5.19),
        "psy2": (-2.86, 7.88, 7.88),
        "evans": (-5.83, 5.28, 5.99),
        "div": (-1.95, 1.11, 1.34),
        "blan": (-5.15, 3.93, 11.0),
    }
    for name, (a, s, g) in published.items():
        y = np.asarray(EXUBER[f"sim_{name}_lag0"]["y"])
        z, design = k.adf_design(y, 0)
        badf, bsadf = k.recursive_adf(z, design, 19)
        assert badf[-1] == pytest.approx(a, abs=0.006)
        assert badf.max() == pytest.approx(s, abs=0.006)
        assert bsadf.max() == pytest.approx(g, abs=0.06 if g >= 10 else 0.006)


@pytest.mark.parametrize("window", range(len(SM["windows"])))
def test_single_window_equals_statsmodels_adfuller(window: int) -> None:
    w = SM["windows"][window]
    y = np.asarray(SM["series"][w["series"]])[w["start"] : w["stop"]]
    assert adf(y, lag=w["lag"]).stat == pytest.approx(w["adf"], abs=1e-8, rel=1e-9)


def _direct(y: np.ndarray, lag: int, s: int, e: int) -> float:
    z, design = k.adf_design(y, lag)
    x, zz = design[s : e + 1], z[s : e + 1]
    coef, *_ = np.linalg.lstsq(x, zz, rcond=None)
    resid = zz - x @ coef
    sigma2 = resid @ resid / (len(zz) - x.shape[1])
    cov = sigma2 * np.linalg.inv(x.T @ x)
    return float(coef[-1] / np.sqrt(cov[-1, -1]))


@pytest.mark.parametrize("lag", [0, 2])
def test_every_window_equals_direct_ols(lag: int) -> None:
    rng = np.random.default_rng(3)
    y = 1e3 + np.cumsum(rng.standard_normal(60))
    z, design = k.adf_design(y, lag)
    minw = 12
    badf, bsadf = k.recursive_adf(z, design, minw)
    n_rows = design.shape[0]
    for e in range(minw - 1, n_rows):
        ts = [_direct(y, lag, s, e) for s in range(0, e - minw + 2)]
        assert badf[e - minw + 1] == pytest.approx(ts[0], abs=1e-8)
        assert bsadf[e - minw + 1] == pytest.approx(max(ts), abs=1e-8)


def test_degenerate_windows_do_not_crash() -> None:
    y = np.r_[np.ones(30), np.cumsum(np.random.default_rng(1).standard_normal(30))]
    b1, _s1 = k.recursive_adf_lag0_fast(y, 10)
    assert np.all(np.isfinite(b1))
    np.testing.assert_array_equal(b1, k.recursive_adf_lag0_fast(y, 10, use_jit=False)[0])
    z, design = k.adf_design(y, 0)
    b2, _ = k.recursive_adf(z, design, 10)
    assert np.isnan(b2[0])  # the stable kernel reports an undefined t-ratio as NaN
    z, design = k.adf_design(y, 1)
    b3, s3 = k.recursive_adf_fast(z, design, 10)
    assert np.isnan(b3[0])  # singular normal equations (Δy lag column all zero)
    assert np.all(np.isfinite(s3[-20:]))


def test_fast_lag0_kernel_matches_general_kernel() -> None:
    rng = np.random.default_rng(11)
    for y in (
        np.cumsum(rng.standard_normal(500)),
        np.log(np.cumprod(1.001 + 0.01 * rng.standard_normal(500))),
    ):
        z, design = k.adf_design(y, 0)
        b1, s1 = k.recursive_adf(z, design, 40)
        b2, s2 = k.recursive_adf_lag0_fast(y, 40)
        np.testing.assert_allclose(b2, b1, rtol=0, atol=1e-9)
        np.testing.assert_allclose(s2, s1, rtol=0, atol=1e-9)


@pytest.mark.parametrize("lag", [0, 1, 3])
def test_fast_any_lag_kernel_matches_stable_kernel(lag: int) -> None:
    rng = np.random.default_rng(12)
    y = 100 + np.cumsum(rng.standard_normal(400))
    z, design = k.adf_design(y, lag)
    b1, s1 = k.recursive_adf(z, design, 30)
    b2, s2 = k.recursive_adf_fast(z, design, 30)
    np.testing.assert_allclose(b2, b1, rtol=0, atol=1e-9)
    np.testing.assert_allclose(s2, s1, rtol=0, atol=1e-9)


@pytest.mark.skipif(not k.HAVE_NUMBA, reason="numba not installed")
def test_numba_and_python_paths_give_identical_numbers() -> None:
    rng = np.random.default_rng(5)
    y = np.cumsum(rng.standard_normal(70))
    for lag in (0, 2):
        z, design = k.adf_design(y, lag)
        jit = k.recursive_adf(z, design, 15)
        py = k.recursive_adf(z, design, 15, use_jit=False)
        np.testing.assert_array_equal(jit[0], py[0])
        np.testing.assert_array_equal(jit[1], py[1])
    np.testing.assert_array_equal(
        k.recursive_adf_lag0_fast(y, 15)[1], k.recursive_adf_lag0_fast(y, 15, use_jit=False)[1]
    )
    z, design = k.adf_design(y, 2)
    np.testing.assert_array_equal(
        k.recursive_adf_fast(z, design, 15)[1],
        k.recursive_adf_fast(z, design, 15, use_jit=False)[1],
    )
    a = k.recursive_adf_ic(z, design, 15, "bic")
    b = k.recursive_adf_ic(z, design, 15, "bic", use_jit=False)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


def test_information_criterion_picks_the_lag_a_direct_search_picks() -> None:
    rng = np.random.default_rng(8)
    e = rng.standard_normal(80)
    dy = np.zeros(80)
    for t in range(2, 80):  # AR(2) differences: BIC should like lags
        dy[t] = 0.5 * dy[t - 1] - 0.3 * dy[t - 2] + e[t]
    y = np.cumsum(dy)
    kmax, minw = 3, 20
    z, design = k.adf_design(y, kmax)
    badf, _bsadf, badf_lag, _ = k.recursive_adf_ic(z, design, minw, "bic")
    n_rows = design.shape[0]
    for end in (minw - 1, n_rows - 1):
        zz = z[: end + 1]
        best = (np.inf, -1, np.nan)
        for lag in range(kmax + 1):
            x = np.column_stack([design[: end + 1, : lag + 1], design[: end + 1, -1]])
            coef, *_ = np.linalg.lstsq(x, zz, rcond=None)
            r = zz - x @ coef
            nobs = len(zz)
            ic = np.log(r @ r / nobs) + np.log(nobs) * x.shape[1] / nobs
            cov = (r @ r / (nobs - x.shape[1])) * np.linalg.inv(x.T @ x)
            if ic < best[0]:
                best = (ic, lag, coef[-1] / np.sqrt(cov[-1, -1]))
        assert badf_lag[end - minw + 1] == best[1]
        assert badf[end - minw + 1] == pytest.approx(best[2], abs=1e-8)


@settings(max_examples=25, deadline=None)
@given(
    scale=st.floats(min_value=1e-3, max_value=1e3),
    shift=st.floats(min_value=-1e4, max_value=1e4),
    seed=st.integers(min_value=0, max_value=2**31),
)
def test_statistics_invariant_to_affine_rescaling(scale: float, shift: float, seed: int) -> None:
    # t-ratios are invariant to y -> a*y + b (a > 0): a true invariant of the regression.
    y = np.cumsum(np.random.default_rng(seed).standard_normal(40))
    z, design = k.adf_design(y, 1)
    b1, s1 = k.recursive_adf(z, design, 10)
    z2, d2 = k.adf_design(scale * y + shift, 1)
    b2, s2 = k.recursive_adf(z2, d2, 10)
    np.testing.assert_allclose(b2, b1, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(s2, s1, rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(not k.HAVE_NUMBA, reason="numba not installed")
def test_pure_python_run_without_jit_gives_identical_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # NUMBA_DISABLE_JIT=1 turns every njit (nested calls included) into plain Python.
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, numpy as np\n"
        "from boombust.detect import _adf_kernels as k\n"
        "y = np.cumsum(np.random.default_rng(5).standard_normal(45))\n"
        "out = {'fast0': k.recursive_adf_lag0_fast(y, 12)[1].tolist()}\n"
        "z, d = k.adf_design(y, 2)\n"
        "out['fast2'] = k.recursive_adf_fast(z, d, 12)[1].tolist()\n"
        "out['stable2'] = k.recursive_adf(z, d, 12)[1].tolist()\n"
        "out['mc'] = k.simulate_statistics(np.cumsum(np.ones((2, 45)), axis=1) + "
        "np.sin(np.arange(90)).reshape(2, 45), 12, 1)[0].tolist()\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    pure = json.loads(proc.stdout)
    y = np.cumsum(np.random.default_rng(5).standard_normal(45))
    z, d = k.adf_design(y, 2)
    paths = np.cumsum(np.ones((2, 45)), axis=1) + np.sin(np.arange(90)).reshape(2, 45)
    np.testing.assert_array_equal(pure["fast0"], k.recursive_adf_lag0_fast(y, 12)[1])
    np.testing.assert_array_equal(pure["fast2"], k.recursive_adf_fast(z, d, 12)[1])
    np.testing.assert_array_equal(pure["stable2"], k.recursive_adf(z, d, 12)[1])
    np.testing.assert_array_equal(pure["mc"], k.simulate_statistics(paths, 12, 1)[0])
