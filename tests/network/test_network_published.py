"""Published examples and peer implementations (provenance: tests/reference/network/README.md).

* Rogers & Veraart (2013): Example 3.3 and the section 5.1 circular network with its
  closed form, as named by an independent implementation's tests and checked against
  that implementation's output (``gcva_rogers_veraart.py`` / ``.out``).
* Eisenberg & Noe (2001): the three-bank network of P. Barucca's ``eisenbergnoe``
  (Exercise2.m), run in Octave (``barucca_eisenbergnoe.m`` / ``.out``).
* Battiston et al. (2012) and Bardoscia et al. (2015): every single-bank default on the
  125-bank network of the R package NetworkRiskMeasures' README, against the package's
  documented output and its own runs (``nrm_debtrank.R``, ``nrm/``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from boombust.network import clear, clearing_map, debtrank_all_single_node, debtrank_linear

REF = Path(__file__).resolve().parents[1] / "reference" / "network"


# --- Rogers & Veraart (2013) -----------------------------------------------------------


def rv_circular(
    gamma: float, eps: float, a: float, n_pairs: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """RV section 5.1: ring 0 -> 1 -> ... -> 2m-1 -> 0; even nodes owe ``a`` and hold
    ``gamma (1 - eps)``, odd nodes owe ``a + eps`` and hold ``gamma (1 + eps)``."""
    n = 2 * n_pairs
    liabilities = np.zeros((n, n))
    for i in range(n):
        liabilities[i, (i + 1) % n] = a if i % 2 == 0 else a + eps
    external = np.where(np.arange(n) % 2 == 0, gamma * (1 - eps), gamma * (1 + eps))
    return liabilities, external


def rv_circular_closed_form(
    gamma: float, eps: float, alpha: float, beta: float
) -> tuple[float, float]:
    """All banks default: p_even = alpha e_even + beta p_odd and vice versa, so
    p_even = alpha gamma ((1 - eps) + beta (1 + eps)) / (1 - beta^2) (odd: swap)."""
    scale = alpha * gamma / (1 - beta**2)
    return scale * ((1 - eps) + beta * (1 + eps)), scale * (beta * (1 - eps) + (1 + eps))


def test_rv_section_5_1_circular_network_paper_parameters() -> None:
    """gamma = 0.4, eps = 1, a = 2, alpha = beta = 1/2, n = 6 (RV 2013 section 5.1)."""
    liabilities, external = rv_circular(0.4, 1.0, 2.0)
    res = clear(liabilities, external, alpha=0.5, beta=0.5)
    p_even, p_odd = rv_circular_closed_form(0.4, 1.0, 0.5, 0.5)
    assert (p_even, p_odd) == pytest.approx((4 / 15, 8 / 15), rel=1e-15)
    np.testing.assert_allclose(res.payments, [p_even, p_odd] * 3, rtol=1e-13)
    # the peer's output (gcva_rogers_veraart.out)
    np.testing.assert_allclose(res.payments, [0.26666666666666666, 0.5333333333333333] * 3)
    # odd banks are level-0 insolvent (fundamental), even banks level-1 (contagious)
    np.testing.assert_array_equal(res.default_round, [2, 1, 2, 1, 2, 1])
    assert res.residual <= 1e-13


@pytest.mark.parametrize(
    ("gamma", "eps", "a", "alpha", "beta"),
    [(0.4, 1.0, 2.0, 0.5, 0.5), (0.3, 0.5, 1.0, 0.8, 0.4), (0.1, 0.9, 5.0, 0.2, 0.9)],
)
def test_rv_circular_network_closed_form(
    gamma: float, eps: float, a: float, alpha: float, beta: float
) -> None:
    # odd banks fail at pbar: gamma (1 + eps) < eps; even banks fail once the odd ones
    # pay alpha gamma (1 + eps) + beta a: gamma (1 - eps) + alpha gamma (1 + eps) < (1 - beta) a
    assert gamma * (1 + eps) < eps
    assert gamma * (1 - eps) + alpha * gamma * (1 + eps) < (1 - beta) * a
    liabilities, external = rv_circular(gamma, eps, a, n_pairs=4)
    res = clear(sp.csr_matrix(liabilities), external, alpha=alpha, beta=beta)
    np.testing.assert_allclose(
        res.payments, list(rv_circular_closed_form(gamma, eps, alpha, beta)) * 4, rtol=1e-12
    )
    np.testing.assert_array_equal(res.default_round, [2, 1] * 4)


def test_rv_example_3_3_greatest_and_a_second_clearing_vector() -> None:
    """RV 2013 Example 3.3: two banks, e = (1, 1), alpha = beta = 1/2."""
    # K = (2, 2.2): both solvent, the greatest clearing vector is pbar (peer: 2.0, 2.2)
    res = clear([[0.0, 2.0], [2.2, 0.0]], [1.0, 1.0], alpha=0.5, beta=0.5)
    np.testing.assert_array_equal(res.payments, [2.0, 2.2])
    assert not res.defaulted.any()
    # K = (2.2, 2.2): greatest is pbar (peer: 2.2, 2.2), but with default costs
    # p = (1, 1) is a clearing vector too: each bank has 1 + 1 < 2.2 and pays
    # alpha * 1 + beta * 1 = 1 -- the non-uniqueness default costs bring.
    both = [[0.0, 2.2], [2.2, 0.0]]
    res = clear(both, [1.0, 1.0], alpha=0.5, beta=0.5)
    np.testing.assert_array_equal(res.payments, [2.2, 2.2])
    np.testing.assert_array_equal(
        clearing_map(both, [1.0, 1.0], [1.0, 1.0], alpha=0.5, beta=0.5), [1.0, 1.0]
    )
    np.testing.assert_array_equal(
        clearing_map(both, [1.0, 1.0], [2.2, 2.2], alpha=0.5, beta=0.5), [2.2, 2.2]
    )


# --- Eisenberg & Noe (2001) via Barucca's eisenbergnoe.m --------------------------------


def barucca_outputs() -> list[dict[str, np.ndarray]]:
    rows = []
    for line in (REF / "barucca_eisenbergnoe.out").read_text().splitlines():
        words = line.split()
        rows.append(
            {
                key: np.array([float(x) for x in words[i + 1 : i + 4]])
                for key in ("external", "payments", "equity")
                for i in [words.index(key)]
            }
        )
    return rows


def test_en_barucca_exercise_network() -> None:
    """L = [[0,4,0],[0,0,3],[2,0,0]], external assets net of (senior) external liabilities."""
    outs = barucca_outputs()
    assert len(outs) == 2
    liabilities = np.array([[0.0, 4, 0], [0, 0, 3], [2, 0, 0]])
    for out in outs:
        res = clear(liabilities, out["external"])
        np.testing.assert_allclose(res.payments, out["payments"], atol=1e-12)
        np.testing.assert_allclose(res.equity, out["equity"], atol=1e-12)
    # hand check of scenario 2: bank 0 defaults at pbar (fundamental), bank 1 then
    # receives 2 instead of 4 and defaults (contagious), bank 2 stays solvent
    res = clear(liabilities, outs[1]["external"])
    np.testing.assert_array_equal(res.payments, [2.0, 2.5, 2.0])
    np.testing.assert_array_equal(res.default_round, [1, 2, 0])


# --- DebtRank: NetworkRiskMeasures (R) on its README network ----------------------------


def nrm_network() -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    triplets = np.loadtxt(REF / "nrm" / "sim_md_exposures.csv", delimiter=",")
    capital = np.loadtxt(REF / "nrm" / "sim_buffer.csv")
    weights = np.loadtxt(REF / "nrm" / "sim_weights.csv")
    n = len(capital)
    rows, cols = triplets[:, 0].astype(int) - 1, triplets[:, 1].astype(int) - 1
    exposures = sp.csr_matrix((triplets[:, 2], (rows, cols)), shape=(n, n)).toarray()
    ref = pd.read_csv(REF / "nrm" / "nrm_debtrank.csv")
    assert list(ref["bank"]) == [f"b{i + 1}" for i in range(n)]
    return exposures, capital, weights, ref


def test_nrm_reference_is_the_readme_network() -> None:
    """The R run reproduces the package README's printed DebtRank of b1..b6 and b55."""
    *_, ref = nrm_network()
    readme = [0.091307438, 0.001402345, 0.037028664, 0.027873667, 0.115430423, 0.036324739]
    np.testing.assert_allclose(ref["readme_additional_stress"][:6], readme, atol=5e-10)
    assert ref["readme_additional_stress"][54] == pytest.approx(0.29, abs=0.005)
    assert ref["readme_additional_defaults"][54] == 18


def test_linear_debtrank_matches_networkriskmeasures() -> None:
    """Bardoscia et al. (2015) linear DebtRank of each bank's default (abs.tol 1e-14 run)."""
    exposures, capital, weights, ref = nrm_network()
    out = debtrank_all_single_node(exposures, capital, variant="linear", value=weights, tol=1e-15)
    # rho(Lambda) = 0.997: the peer stops at 1e5 steps, ~3e-11 from the fixed point
    np.testing.assert_allclose(out.debtrank, ref["linear_additional_stress"], atol=1e-9)
    # the README's top-10 table (b55, b28, b74, ...) and b55's 18 further defaults
    names = np.array([f"b{i + 1}" for i in range(len(capital))])
    top = ["b55", "b28", "b74", "b84", "b33", "b5", "b101", "b60", "b23", "b114"]
    assert list(names[np.argsort(-out.debtrank, kind="stable")][:10]) == top
    shock = np.zeros(len(capital))
    shock[54] = 1.0
    b55 = debtrank_linear(exposures, capital, shock, value=weights, tol=1e-15)
    assert int((np.delete(b55.h, 54) > 1 - 1e-12).sum()) == 18
    assert b55.debtrank == pytest.approx(float(ref["linear_additional_stress"][54]), abs=1e-12)


def test_single_hit_debtrank_matches_networkriskmeasures() -> None:
    """Battiston et al. (2012) single-hit DebtRank (peer run on exposures capped at capital,
    so its impact A_ij / E_i equals Battiston's W_ij = min(1, A_ij / E_i))."""
    exposures, capital, weights, ref = nrm_network()
    assert (exposures > capital[:, None]).sum() == 50  # the cap matters on this network
    out = debtrank_all_single_node(exposures, capital, variant="single-hit", value=weights)
    np.testing.assert_allclose(out.debtrank, ref["single_hit_additional_stress"], atol=1e-13)
