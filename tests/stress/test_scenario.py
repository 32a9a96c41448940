"""Scenario specs: distributions, validation with file/line/field, bundled scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from boombust.errors import SpecError
from boombust.stress import PARAMETERS, Scenario, build_network, load_scenario
from boombust.stress.scenario import Beta, Empirical, LogNormal, Triangular, Uniform


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "sc.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("name", ["ai-bust", "ai-success"])
def test_bundled_scenarios_load_and_document_every_parameter(name: str) -> None:
    sc = load_scenario(name)
    assert sc.name == name
    for pname, dist in sc.parameters.items():
        assert dist.reason or dist.source, f"{name}: {pname} has no reason or source"
    for row in sc.assumptions():
        assert row["source"], row


@pytest.mark.parametrize("name", ["ai-bust", "ai-success"])
def test_bundled_scenarios_set_every_parameter(name: str) -> None:
    sc = load_scenario(name)
    assert set(sc.parameters) == set(PARAMETERS)


def test_distribution_moments() -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    b = Beta(dist="beta", a=6, b=4).draw(rng, n)
    assert b.mean() == pytest.approx(0.6, abs=3e-3)  # a / (a + b)
    t = Triangular(dist="triangular", low=0.3, mode=0.45, high=0.8).draw(rng, n)
    assert t.mean() == pytest.approx((0.3 + 0.45 + 0.8) / 3, abs=3e-3)
    assert t.min() >= 0.3
    assert t.max() <= 0.8
    u = Uniform(dist="uniform", low=2, high=3.5).draw(rng, n)
    assert stats.kstest(u, "uniform", args=(2, 1.5)).pvalue > 1e-3
    ln = LogNormal(dist="lognormal", median=1.0, sigma=0.3).draw(rng, n)
    assert np.median(ln) == pytest.approx(1.0, abs=5e-3)
    e = Empirical(dist="empirical", values=[1, 2, 3], weights=[0, 1, 3]).draw(rng, n)
    assert set(np.unique(e)) == {2.0, 3.0}
    assert (e == 3).mean() == pytest.approx(0.75, abs=5e-3)


def test_scalar_is_fixed_and_defaults_fill_in() -> None:
    sc = Scenario.model_validate({"name": "x", "parameters": {"gpu_life": 3}})
    draws = sc.draw(np.random.default_rng(0), 4)
    assert np.all(draws["gpu_life"] == 3.0)
    assert np.all(draws["revenue_shortfall"] == PARAMETERS["revenue_shortfall"].default)


@pytest.mark.parametrize(
    ("body", "line", "field", "words"),
    [
        ("name: x\nparameters:\n  gpu_life: {dist: beta, a: -1, b: 2}\n", 3,
         "parameters.gpu_life.a", "greater than 0"),
        ("name: x\nparameters:\n  rent_haircut:\n    dist: triangular\n    low: 0.5\n"
         "    mode: 0.1\n    high: 0.6\n", 3, "parameters.rent_haircut", "low <= mode <= high"),
        ("name: x\nparameters:\n  gpu_lfe: 3\n", 3, "parameters.gpu_lfe", "unknown parameter"),
        ("name: x\nparameters:\n  revenue_shortfall: {dist: uniform, low: 0.2, high: 1.4}\n", 3,
         "parameters.revenue_shortfall", "outside its range"),
        ("name: x\nimpact: cubic\n", 2, "impact", "linear"),
        ("name: x\nparamters: {}\n", 2, "paramters", "unknown field"),
        ("name: x\nparameters:\n  gpu_life: {dist: normal, mean: 3}\n", 3,
         "parameters.gpu_life.sd", "missing"),
        ("name: x\nparameters:\n  gpu_life: {dist: empirical, values: [2, 3], weights: [1]}\n",
         3, "parameters.gpu_life", "one weight per value"),
    ],
)  # fmt: skip
def test_bad_scenarios_name_file_line_field(
    tmp_path: Path, body: str, line: int, field: str, words: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(SpecError) as info:
        load_scenario(path)
    issue = info.value.first
    assert issue.path == str(path)
    assert issue.line == line
    assert issue.field == field
    assert words in issue.message


def test_scenario_naming_missing_institution_or_class(tmp_path: Path, web) -> None:
    path = _write(
        tmp_path,
        "name: x\ninstitution_overrides:\n  lehman: {leverage_max: 5}\n"
        "asset_class_shocks:\n  cmbs: 0.1\n",
    )
    sc = load_scenario(path)
    with pytest.raises(SpecError) as info:
        build_network(web, sc)
    issues = {i.field: i for i in info.value.issues}
    assert issues["institution_overrides.lehman"].line == 3
    assert "not in the dataset" in issues["institution_overrides.lehman"].message
    assert issues["asset_class_shocks.cmbs"].line == 5
    assert "consumer_credit" in issues["asset_class_shocks.cmbs"].message


def test_with_values_validates() -> None:
    sc = load_scenario("ai-bust")
    assert sc.with_values(gpu_life=2).parameter("gpu_life").support() == (2.0, 2.0)
    with pytest.raises(SpecError, match="unknown parameter"):
        sc.with_values(gpu_lif=2)
    with pytest.raises(SpecError, match="outside its range"):
        sc.with_values(revenue_shortfall=2)
