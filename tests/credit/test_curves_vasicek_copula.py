"""Value curves, Vasicek closed forms and copula Monte Carlo against independent oracles."""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from boombust.credit.copula import (
    simulate_pool_loss,
    tranche_el_quadrature,
    tranche_loss,
)
from boombust.credit.curves import h100_rental_curve, value_fraction
from boombust.credit.vasicek import (
    bivariate_normal_cdf,
    vasicek_call,
    vasicek_cdf,
    vasicek_quantile,
    vasicek_tranche_el,
    vasicek_tranches,
)
from boombust.data.schema import CurveMethod, ValueCurve

REDUCED = os.environ.get("BOOMBUST_REDUCED") == "1"


def test_straight_line_and_life_switch() -> None:
    c = ValueCurve(method=CurveMethod.straight_line, useful_life=6, salvage=0.1, assumption="t")
    # v(a) = 1 - 0.9 a / L: a=3 -> 0.55 at L=6; a=1.5 -> 0.325 at L=2 ... and salvage after L
    assert value_fraction(c, [0, 3, 6, 9]) == pytest.approx([1.0, 0.55, 0.1, 0.1])
    assert value_fraction(c, [1.5], useful_life=2.0)[0] == pytest.approx(1 - 0.9 * 1.5 / 2)


def test_declining_balance() -> None:
    c = ValueCurve(
        method=CurveMethod.declining_balance, useful_life=5, rate_multiple=2, assumption="t"
    )
    # double-declining: r = 2/5 = 0.4 -> v(2) = 0.6^2
    assert value_fraction(c, [2.0])[0] == pytest.approx(0.36)


def test_h100_rental_path_interpolates_and_compresses() -> None:
    c = h100_rental_curve(useful_life=6.0)
    # Oct 2024 is 16 months after the Jun 2023 peak: $2 / $8
    assert value_fraction(c, [16 / 12])[0] == pytest.approx(0.25, abs=1e-4)
    assert value_fraction(c, [28 / 12])[0] == pytest.approx(1.70 / 8.0, abs=1e-4)
    # halfway between: linear interpolation
    assert value_fraction(c, [8 / 12])[0] == pytest.approx((1 + 0.25) / 2, abs=1e-4)
    # a 3-year life runs the same path twice as fast, and is worth 0 from year 3
    assert value_fraction(c, [8 / 12], useful_life=3.0)[0] == pytest.approx(0.25, abs=1e-4)
    assert value_fraction(c, [3.0], useful_life=3.0)[0] == 0.0


@pytest.mark.parametrize(
    ("x", "y", "r"),
    [(0.3, -1.2, -0.9), (-2.0, -2.5, 0.5), (0.0, -1.0, 0.4), (0.0, 0.0, 0.3), (-3, 1, -0.99)],
)
def test_bivariate_normal_matches_scipy_genz(x: float, y: float, r: float) -> None:
    ref = stats.multivariate_normal.cdf(
        [x, y], [0, 0], [[1, r], [r, 1]], abseps=1e-12, releps=1e-12
    )
    assert bivariate_normal_cdf(x, y, r) == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("strike", [0.01, 0.05, 0.2])
def test_vasicek_call_matches_integral(strike: float) -> None:
    pd, rho, lgd = 0.03, 0.25, 0.6

    def integrand(y: float) -> float:
        p = special.ndtr((special.ndtri(pd) - math.sqrt(rho) * y) / math.sqrt(1 - rho))
        return max(lgd * p - strike, 0.0) * stats.norm.pdf(y)

    y_star = (special.ndtri(pd) - math.sqrt(1 - rho) * special.ndtri(strike / lgd)) / math.sqrt(rho)
    ref = integrate.quad(integrand, -12, y_star, epsabs=1e-13, limit=200)[0]
    assert vasicek_call(strike, pd, rho, lgd) == pytest.approx(ref, rel=1e-7, abs=1e-13)


def test_tranches_add_up_to_pool_el_and_quantile_inverts_cdf() -> None:
    pts = [0, 0.03, 0.07, 0.15, 1]
    rows = vasicek_tranches(pts, 0.02, 0.2, 0.6)
    assert sum(r.expected_loss * (r.detach - r.attach) for r in rows) == pytest.approx(0.02 * 0.6)
    assert all(a.expected_loss > b.expected_loss for a, b in itertools.pairwise(rows))
    q = vasicek_quantile(0.999, 0.02, 0.2, 0.6)
    assert vasicek_cdf(q, 0.02, 0.2, 0.6) == pytest.approx(0.999, abs=1e-9)


def test_mc_large_pool_within_three_se_of_vasicek() -> None:
    n = 100_000 if REDUCED else 400_000
    res = simulate_pool_loss(0.02, rho=0.2, lgd=0.6, method="large_pool", n_paths=n, seed=7)
    for a, d in [(0, 0.03), (0.03, 0.07), (0.07, 0.15)]:
        el, se = res.tranche_el(a, d)
        assert abs(el - vasicek_tranche_el(a, d, 0.02, 0.2, 0.6)) < 3 * se


def test_finite_pool_mc_methods_agree_with_binomial_quadrature() -> None:
    # 200 names: per-name simulation and exact conditional binomial sampling vs quadrature
    kw = {"rho": 0.2, "lgd": 0.6, "n_names": 200}
    oracle = tranche_el_quadrature(0.03, 0.07, 0.02, 0.2, lgd=0.6, n_names=200)
    for method, n in (("per_name", 40_000), ("binomial", 200_000)):
        res = simulate_pool_loss(0.02, method=method, n_paths=n, seed=3, **kw)  # type: ignore[arg-type]
        el, se = res.tranche_el(0.03, 0.07)
        assert abs(el - oracle) < 3 * se, method


def test_t_copula_mc_vs_quadrature_and_fatter_senior_tail() -> None:
    n = 200_000
    res = simulate_pool_loss(
        0.02, rho=0.2, lgd=0.6, kind="t", nu=4, method="large_pool", n_paths=n, seed=11
    )
    oracle = tranche_el_quadrature(
        0.07, 0.15, 0.02, 0.2, lgd=0.6, kind="t", nu=4, n_y=1000, n_w=1000
    )
    el, se = res.tranche_el(0.07, 0.15)
    assert abs(el - oracle) < 3 * se
    # tail dependence: the t copula puts more loss on the senior tranche than the Gaussian
    assert oracle > vasicek_tranche_el(0.07, 0.15, 0.02, 0.2, 0.6)


def test_tranche_losses_add_up_to_pool_loss_and_seeded() -> None:
    res = simulate_pool_loss(0.05, rho=0.3, lgd=0.5, n_names=100, n_paths=5000, seed=1)
    pts = [0, 0.03, 0.07, 0.15, 1]
    total = sum((d - a) * tranche_loss(res.loss, a, d) for a, d in itertools.pairwise(pts))
    np.testing.assert_allclose(total, res.loss, atol=1e-14)
    again = simulate_pool_loss(0.05, rho=0.3, lgd=0.5, n_names=100, n_paths=5000, seed=1)
    np.testing.assert_array_equal(res.loss, again.loss)
    other = simulate_pool_loss(0.05, rho=0.3, lgd=0.5, n_names=100, n_paths=5000, seed=2)
    assert not np.array_equal(res.loss, other.loss)


@settings(max_examples=60, deadline=None)
@given(
    loss=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20),
    cuts=st.lists(st.floats(0.001, 0.999), min_size=0, max_size=6, unique=True),
)
def test_tranche_losses_always_add_up(loss: list[float], cuts: list[float]) -> None:
    pts = [0.0, *sorted(cuts), 1.0]
    lv = np.array(loss)
    total = sum((d - a) * tranche_loss(lv, a, d) for a, d in itertools.pairwise(pts))
    np.testing.assert_allclose(total, lv, atol=1e-12)


def test_bad_correlation_rejected() -> None:
    with pytest.raises(ValueError, match="rho"):
        simulate_pool_loss(0.05, rho=1.0, n_names=10, n_paths=10)


@pytest.mark.parametrize("kind", ["gaussian", "t"])
def test_heterogeneous_per_name_mean_loss_is_exposure_weighted_pd(kind: str) -> None:
    # E[L] = sum_i w_i lgd_i p_i for any copula (marginals are preserved)
    rng = np.random.default_rng(0)
    pds = np.repeat([0.01, 0.05], 150)
    w = rng.uniform(0.5, 1.5, 300)
    lgd = rng.uniform(0.3, 0.7, 300)
    res = simulate_pool_loss(
        pds, rho=0.25, lgd=lgd, weights=w, kind=kind, nu=5, n_paths=40_000, seed=5,
        method="per_name",
    )  # fmt: skip
    assert res.meta["buckets"] == 300
    expected = float(np.sum(w / w.sum() * lgd * pds))
    se = res.loss.std(ddof=1) / np.sqrt(res.loss.size)
    assert abs(res.loss.mean() - expected) < 3 * se
    # and the normal-threshold branch (> 64 distinct pds) too
    pds2 = np.linspace(0.01, 0.05, 300)
    res2 = simulate_pool_loss(
        pds2, rho=0.25, lgd=lgd, weights=w, kind=kind, nu=5, n_paths=20_000, seed=6,
        method="per_name",
    )  # fmt: skip
    expected2 = float(np.sum(w / w.sum() * lgd * pds2))
    se2 = res2.loss.std(ddof=1) / np.sqrt(res2.loss.size)
    assert abs(res2.loss.mean() - expected2) < 3 * se2


def test_t_copula_finite_pool_per_name_vs_binomial_quadrature() -> None:
    oracle = tranche_el_quadrature(
        0.03, 0.07, 0.02, 0.2, lgd=0.6, n_names=100, kind="t", nu=4, n_y=400, n_w=400
    )
    res = simulate_pool_loss(
        0.02, rho=0.2, lgd=0.6, n_names=100, kind="t", nu=4, n_paths=60_000, seed=8,
        method="per_name",
    )  # fmt: skip
    el, se = res.tranche_el(0.03, 0.07)
    # quadrature error (n_w 400 vs 2000) is ~1e-5, negligible next to 3 s.e. (~3e-3)
    assert abs(el - oracle) < 3 * se


def test_numba_kernel_equals_its_python_function_and_numpy() -> None:
    from boombust.credit._kernels import HAVE_NUMBA, defaulted_exposure

    rng = np.random.default_rng(4)
    u = rng.random((50, 30), dtype=np.float32)
    p = rng.uniform(0.0, 0.5, size=(50, 3)).astype(np.float32)
    starts = np.array([0, 10, 25], dtype=np.int64)
    stops = np.array([10, 25, 30], dtype=np.int64)
    expo = rng.uniform(0, 1, 30)
    out_py = np.empty(50)
    kernel = getattr(defaulted_exposure, "py_func", defaulted_exposure)
    kernel(u, p, starts, stops, expo, out_py)
    hit = np.concatenate(
        [u[:, a:b] < p[:, [g]] for g, (a, b) in enumerate(zip(starts, stops, strict=True))],
        axis=1,
    )
    np.testing.assert_allclose(out_py, hit.astype(np.float64) @ expo, rtol=1e-13)
    if HAVE_NUMBA:
        out_jit = np.empty(50)
        defaulted_exposure(u, p, starts, stops, expo, out_jit)
        np.testing.assert_array_equal(out_jit, out_py)


def test_per_name_numpy_fallback_matches_numba_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import boombust.credit.copula as copula

    kw = {"rho": 0.3, "lgd": 0.5, "n_names": 40, "n_paths": 3000, "seed": 9, "method": "per_name"}
    a = simulate_pool_loss(np.repeat([0.02, 0.06], 20), **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(copula, "HAVE_NUMBA", False)
    b = simulate_pool_loss(np.repeat([0.02, 0.06], 20), **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-12, atol=1e-15)
