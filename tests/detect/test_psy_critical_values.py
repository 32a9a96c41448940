"""Critical values: exuber's stored Monte Carlo table, reproducibility, cache, bootstraps."""

from __future__ import annotations

import numpy as np
import pytest

from boombust.detect import critical_values as cvm
from boombust.detect import mc_critical_values, psy_test, wild_bootstrap_hlst, wild_bootstrap_ps
from boombust.errors import InputError

from .psy_ref import REDUCED, isolated_cache, load_ref  # noqa: F401  (autouse fixture)

CRIT = load_ref("exuber_radf_crit.json")["table"]


def _quantile_se(draws: np.ndarray, p: float) -> float:
    """Asymptotic s.e. of the p-quantile, sqrt(p(1-p)/N)/f(q), f by a finite difference."""
    h = 0.02
    dq = np.quantile(draws, min(p + h, 0.999)) - np.quantile(draws, p - h)
    density = (min(p + h, 0.999) - (p - h)) / dq
    return float(np.sqrt(p * (1 - p) / draws.size) / density)


@pytest.mark.slow
@pytest.mark.parametrize("n", ["100", "300", "600"])
def test_mc_agrees_with_exuber_radf_crit_within_simulation_error(n: str) -> None:
    # exuber 1.1.0 data/radf_crit.rda: radf_mc_cv(n, nrep = 2000, seed = 123), driftless RW.
    ref = CRIT[n]
    nrep = 500 if REDUCED else 2000
    dist = mc_critical_values(int(n), nrep=nrep, seed=1, use_cache=False)
    assert dist.minw == ref["minw"]
    for stat in ("adf", "sadf", "gsadf"):
        draws = getattr(dist, stat)
        ours = dist.quantiles(stat)
        for j, p in enumerate(cvm.LEVELS):
            # both sides carry simulation error; exuber's has nrep = 2000
            se = _quantile_se(draws, p) * np.sqrt(1 + draws.size / 2000)
            assert abs(ours[j] - ref[stat][j]) < 4.5 * se, (stat, p, ours[j], ref[stat][j], se)
    # exuber's conservative BSADF cv at the last date is the SADF cv (cummax of BADF)
    np.testing.assert_allclose(dist.bsadf_cv_conservative[-1], dist.quantiles("sadf"), atol=1e-6)


def test_serial_and_parallel_runs_are_identical() -> None:
    a = mc_critical_values(120, nrep=120, workers=1, use_cache=False)
    b = mc_critical_values(120, nrep=120, workers=2, use_cache=False)
    np.testing.assert_array_equal(a.gsadf, b.gsadf)
    np.testing.assert_array_equal(a.bsadf_cv, b.bsadf_cv)
    c = mc_critical_values(120, nrep=120, workers=1, seed=cvm.DEFAULT_SEED + 1, use_cache=False)
    assert not np.array_equal(a.gsadf, c.gsadf)


def test_process_pool_path_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    # without numba, chunks run on spawned processes; the numbers must not change
    a = mc_critical_values(60, nrep=100, workers=1, use_cache=False)
    monkeypatch.setattr(cvm, "HAVE_NUMBA", False)
    b = mc_critical_values(60, nrep=100, workers=2, use_cache=False)
    np.testing.assert_array_equal(a.gsadf, b.gsadf)
    np.testing.assert_array_equal(a.bsadf_cv, b.bsadf_cv)


def test_pointwise_and_conservative_conventions_differ_as_documented() -> None:
    dist = mc_critical_values(200, nrep=300, use_cache=False)
    # cummax(BADF) quantiles are non-decreasing in t; pointwise BSADF quantiles are lower late on
    assert np.all(np.diff(dist.bsadf_cv_conservative[:, 1]) >= -1e-6)
    assert dist.bsadf_cv[-1, 1] < dist.bsadf_cv_conservative[-1, 1]


def test_cache_roundtrip_and_keys(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BOOMBUST_CACHE", str(tmp_path))
    a = mc_critical_values(80, nrep=60)
    files = list((tmp_path / "psy").glob("*.npz"))
    assert len(files) == 1
    b = mc_critical_values(80, nrep=60)  # from disk
    np.testing.assert_array_equal(a.gsadf, b.gsadf)
    np.testing.assert_array_equal(a.bsadf_cv_conservative, b.bsadf_cv_conservative)
    mc_critical_values(80, nrep=60, null="drift")
    mc_critical_values(80, nrep=60, lag=1)
    mc_critical_values(80, nrep=60, minw=20)
    assert len(list((tmp_path / "psy").glob("*.npz"))) == 4
    assert not list((tmp_path / "psy").glob(".tmp-*"))


def test_shipped_table_is_what_the_simulation_gives() -> None:
    # the shipped file for n=100 must equal a fresh run with the same settings
    shipped = mc_critical_values(100)
    fresh = mc_critical_values(100, use_cache=False, workers=2)
    key = cvm._key(fresh.settings)
    assert (cvm.TABLES / f"{key}.npz").exists()
    if not REDUCED:
        cvm_tables = cvm.TABLES
        try:
            cvm.TABLES = cvm_tables / "nonexistent"
            fresh = mc_critical_values(100, use_cache=False)
        finally:
            cvm.TABLES = cvm_tables
        np.testing.assert_array_equal(shipped.gsadf, fresh.gsadf)
        np.testing.assert_array_equal(shipped.bsadf_cv, fresh.bsadf_cv)


def test_pvalues_are_right_tail_and_bounded() -> None:
    dist = mc_critical_values(100)
    q95 = dist.quantiles("gsadf")[1]
    assert dist.pvalue("gsadf", q95) == pytest.approx(0.05, abs=0.003)
    assert dist.pvalue("gsadf", 1e9) == pytest.approx(1 / (dist.nrep + 1))
    assert dist.pvalue("gsadf", -1e9) == 1.0
    grid = np.linspace(-2, 6, 50)
    p = [dist.pvalue("gsadf", g) for g in grid]
    assert np.all(np.diff(p) <= 0)


def test_null_paths_are_random_walks_with_the_stated_drift() -> None:
    # PSY's null (psymonitor cvPSYmc: z = e + 1/obs, cumsum) is exuber's walk plus t/n
    child = np.random.SeedSequence(9).spawn(1)[0]
    rw = cvm._mc_paths(5, child, 200, "rw")
    drift = cvm._mc_paths(5, child, 200, "drift")
    np.testing.assert_allclose(drift - rw, np.broadcast_to(np.arange(1, 201) / 200, (5, 200)))
    eps = np.random.default_rng(child).standard_normal((5, 200))
    np.testing.assert_allclose(np.diff(rw, axis=1), eps[:, 1:], atol=1e-12)
    np.testing.assert_array_equal(rw[:, 0], eps[:, 0])


@pytest.mark.slow
def test_monte_carlo_runs_at_t_10000() -> None:
    dist = mc_critical_values(10_000, nrep=10 if REDUCED else 40, use_cache=False)
    assert dist.minw == 280  # floor(10000 * (0.01 + 1.8 / 100))
    assert dist.bsadf_cv.shape == (10_000 - 1 - 280 + 1, 3)
    assert np.all(np.isfinite(dist.bsadf_cv))
    assert np.all(np.diff(dist.bsadf_cv, axis=1) >= 0)  # 90% <= 95% <= 99%


def test_drift_null_changes_the_adf_distribution_little() -> None:
    a = mc_critical_values(300, nrep=400, use_cache=False)
    b = mc_critical_values(300, nrep=400, null="drift", use_cache=False)
    assert abs(a.quantiles("gsadf")[1] - b.quantiles("gsadf")[1]) < 0.2


def test_phillips_shi_weights_are_iid_per_observation() -> None:
    # Residuals of equal magnitude: with one weight reused for every observation (psymonitor
    # issue #3) |Δy*_t| would be constant within a replicate; i.i.d. N(0,1) weights make it vary.
    y = np.cumsum(np.tile([1.0, -1.0, 1.0, 1.0, -1.0, -1.0], 10))
    psi, resid = cvm._null_fit(y, 0)
    assert np.allclose(np.abs(resid), np.abs(resid[0]), atol=0.1)
    child = np.random.SeedSequence(1).spawn(1)[0]
    paths = cvm._ps_paths(20, child, 40, 0, float(y[0]), np.empty(0), psi, resid)
    steps = np.abs(np.diff(paths, axis=1))
    assert np.all(steps.std(axis=1) / steps.mean(axis=1) > 0.3)
    assert np.all(paths[:, 0] == y[0])


def test_phillips_shi_family_wise_constant_cv() -> None:
    rng = np.random.default_rng(2)
    y = np.cumsum(rng.standard_normal(150))
    full = wild_bootstrap_ps(y, nboot=60, use_cache=False)
    assert full.bsadf_cv.shape == (1, 3)
    np.testing.assert_allclose(full.bsadf_cv[0], full.quantiles("gsadf"), atol=1e-6)
    short = wild_bootstrap_ps(y, nboot=60, tau_b=24, use_cache=False)
    assert short.gsadf.size == 0  # no p-values from Tb-samples
    # a shorter family-wise window controls fewer comparisons: a lower critical value
    assert short.bsadf_cv[0, 1] < full.bsadf_cv[0, 1]
    res = psy_test(y, cv="wild-ps", tau_b=24, nrep=60)
    assert np.all(res.bsadf_cv["95"] == short.bsadf_cv[0, 1])
    assert res.pvalues["gsadf"] is None
    with pytest.raises(InputError, match="tau_b"):
        wild_bootstrap_ps(y, tau_b=1000, nboot=20)


def test_hlst_rademacher_keeps_absolute_increments() -> None:
    # y*_t = Σ w_s Δy_s with w = ±1: |Δy*_t| = |Δy_t| exactly, y*_0 = 0 (HLST 2016; exuber).
    rng = np.random.default_rng(4)
    y = np.cumsum(rng.standard_normal(50))
    child = np.random.SeedSequence(3).spawn(1)[0]
    paths = cvm._hlst_paths(10, child, np.diff(y))
    np.testing.assert_allclose(
        np.abs(np.diff(paths, axis=1)), np.broadcast_to(np.abs(np.diff(y)), (10, 49))
    )
    assert np.all(paths[:, 0] == 0)
    dist = wild_bootstrap_hlst(y, nboot=40, use_cache=False)
    assert dist.bsadf_cv.shape == (50 - 1 - dist.minw + 1, 3)


def test_bad_simulation_settings_raise_input_error() -> None:
    with pytest.raises(InputError, match="too short"):
        mc_critical_values(20, minw=19, lag=2)
    with pytest.raises(InputError, match="nrep"):
        mc_critical_values(100, nrep=3)


PYEXUBER = load_ref("pyexuber_bootstrap.json")["cases"]
SIM = load_ref("exuber_radf.json")["cases"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["psy1", "div"])
def test_wild_bootstraps_agree_with_exuber_within_simulation_error(name: str) -> None:
    # pyexuber 0.1.0 radf_wb_cv(dist_rad=True) and radf_wb_ps_cv() (full sample), nboot 2000
    # (tests/reference/psy/make_pyexuber_oracles.py).
    ref = PYEXUBER[name]
    y = np.asarray(SIM[f"sim_{name}_lag0"]["y"])
    nboot = 500 if REDUCED else 2000
    hlst = wild_bootstrap_hlst(y, nboot=nboot, seed=11, use_cache=False)
    ps = wild_bootstrap_ps(y, nboot=nboot, seed=11, use_cache=False)
    checks = [(hlst, s, ref["hlst"][s]) for s in ("adf", "sadf", "gsadf")]
    checks.append((ps, "gsadf", ref["ps_full"]["gsadf"]))
    for dist, stat, expected in checks:
        draws = getattr(dist, stat)
        ours = dist.quantiles(stat)
        for j, p in enumerate(cvm.LEVELS[:2]):  # 99% quantiles of 2000 draws are too noisy
            se = _quantile_se(draws, p) * np.sqrt(1 + draws.size / 2000)
            assert abs(ours[j] - expected[j]) < 4.5 * se, (stat, p, ours[j], expected[j], se)
