"""Engine on the shipped examples, determinism, the GPU-life switch, and bad input via the CLI."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml

from boombust.cli.main import main
from boombust.credit.engine import load_deal, run_deal
from boombust.credit.spec import CreditRunSpec
from boombust.credit.vasicek import vasicek_tranche_el
from boombust.errors import InputError

EXAMPLES = Path(str(resources.files("boombust.credit") / "examples"))
HYPERION = EXAMPLES / "hyperion.yaml"
ABS = EXAMPLES / "dc-abs-master-trust.yaml"
XAI = EXAMPLES / "xai-colossus2-gpu-spv.yaml"


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else int(code)), out.out, out.err


@pytest.mark.parametrize("path", [HYPERION, ABS, XAI])
def test_examples_run_conserve_cash_and_are_seeded(path: Path) -> None:
    deal, run, sources, _ = load_deal(str(path))
    assert sources, "examples cite their sources"
    spec = (run or CreditRunSpec()).model_copy(
        update={"n_paths": 600, "chunk_size": 250, "seed": 5}
    )
    a = run_deal(deal, spec)
    b = run_deal(deal, spec)
    assert a.max_conservation_error < 1e-11
    for t in a.tranches:
        np.testing.assert_array_equal(a.losses[t.id], b.losses[t.id])
        assert 0.0 <= t.expected_loss <= 1.0
        assert t.loss_q95 <= t.loss_q99 <= t.loss_q999
    assert set(a.to_frame().index) == {t.id for t in deal.tranches}
    assert "implied" in a.summary()
    json.dumps(a.to_dict())


def test_plot_has_two_panels(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    deal, run, _, _ = load_deal(str(ABS))
    res = run_deal(deal, (run or CreditRunSpec()).model_copy(update={"n_paths": 200}))
    fig = res.plot()
    assert len(fig.axes) == 2
    fig.savefig(tmp_path / "x.png")
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert len(res.plot(ax=ax).axes) == 1
    plt.close("all")


def test_gpu_life_switch_raises_losses_on_a_gpu_deal() -> None:
    # all-IT collateral: a 2.5-year GPU life leaves less to recover after a tenant default
    deal, run, _, _ = load_deal(str(XAI))
    spec = (run or CreditRunSpec()).model_copy(update={"n_paths": 4000, "seed": 2})
    long_life = run_deal(deal, spec.model_copy(update={"gpu_life": 6.0}))
    short_life = run_deal(deal, spec.model_copy(update={"gpu_life": 2.5}))
    debt = "xai-spv-debt"
    el = {t.id: (t.expected_loss, t.el_std_error) for t in long_life.tranches}
    el_short = {t.id: (t.expected_loss, t.el_std_error) for t in short_life.tranches}
    # same seed, same defaults: the difference is the recovery, far beyond MC noise
    assert el_short[debt][0] > el[debt][0] + 3 * el[debt][1]


def test_tenant_default_marginal_matches_pd() -> None:
    """With market exits switched off, the share of leases ending in default is
    P(tau < H) = 1 - (1 - pd)^H (the copula preserves the marginal)."""
    deal, _, _, _ = load_deal(str(HYPERION))
    spec = CreditRunSpec(
        n_paths=20000,
        tenant_pd=0.05,
        stress_multiple=1.0,
        seed=3,
        walk_away_ratio=0.0,
        renegotiate_ratio=0.0,
        copula="t",
        nu=4,
    )
    res = run_deal(deal, spec)
    horizon = float(res.period_years[-1])
    p = 1 - (1 - 0.05) ** horizon
    se = (p * (1 - p) / spec.n_paths) ** 0.5
    assert abs(res.lease_outcomes["default"] - p) < 3 * se


def test_cli_run_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run_cli(
        [
            "credit",
            "run",
            str(HYPERION),
            "--paths",
            "300",
            "--seed",
            "1",
            "--gpu-life",
            "2.5",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["gpu_life"] == 2.5
    assert {t["id"] for t in data["tranches"]} == {"hyperion-bond", "hyperion-equity"}


def test_cli_vasicek_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run_cli(
        [
            "credit",
            "vasicek",
            "--pd",
            "0.02",
            "--rho",
            "0.2",
            "--lgd",
            "0.6",
            "--tranches",
            "0,0.03,0.07,0.15,1",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    rows = json.loads(out)["tranches"]
    assert [r["attach"] for r in rows] == [0, 0.03, 0.07, 0.15]
    assert rows[1]["expected_loss"] == pytest.approx(vasicek_tranche_el(0.03, 0.07, 0.02, 0.2, 0.6))


def _bad(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(ABS.read_text())
    edit(raw)
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    return p


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (
            lambda r: r["deal"]["tranches"][1].update(attach=0.25),
            ["dc-abs-2025", "tranches", "overlap"],
        ),
        (
            lambda r: r["deal"]["tranches"][1].update(attach=0.35),
            ["dc-abs-2025", "tranches", "gap"],
        ),
        (
            lambda r: r["deal"]["leases"][3].pop("renewal"),
            ["dc-abs-2025", "leases", "renewal", "enterprise-d"],
        ),
        (
            lambda r: r["deal"]["leases"][0].update(annual_rent=-0.01),
            ["dc-abs-2025", "annual_rent", "negative"],
        ),
        (lambda r: r["run"].update(rho=1.0), ["dc-abs-2025", "rho", "less than 1"]),
        (lambda r: r["run"].update(rho=-0.1), ["dc-abs-2025", "rho"]),
    ],
)
def test_bad_input_exits_3_naming_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit, expect
) -> None:  # type: ignore[no-untyped-def]
    p = _bad(tmp_path, edit)
    code, _, err = _run_cli(["credit", "run", str(p), "--paths", "10"], capsys)
    assert code == 3
    assert err.startswith("error: ")
    assert str(p) in err
    for word in expect:
        assert word in err, (word, err)
    assert "Traceback" not in err


def test_bad_vasicek_inputs_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run_cli(["credit", "vasicek", "--pd", "0.02", "--rho", "1.0"], capsys)
    assert code == 3
    assert "rho" in err
    code, _, err = _run_cli(
        ["credit", "vasicek", "--pd", "0.02", "--rho", "0.2", "--tranches", "0,0.1,0.05,1"], capsys
    )
    assert code == 3
    assert "tranches" in err


def test_unknown_dataset_deal_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run_cli(["credit", "run", "nope-dataset:hyperion"], capsys)
    assert code == 3
    assert "nope-dataset" in err


def test_threads_give_the_same_numbers() -> None:
    deal, run, _, _ = load_deal(str(ABS))
    spec = (run or CreditRunSpec()).model_copy(update={"n_paths": 400, "chunk_size": 100})
    a = run_deal(deal, spec)
    b = run_deal(deal, spec.model_copy(update={"n_jobs": 2}))
    for k in a.losses:
        np.testing.assert_array_equal(a.losses[k], b.losses[k])


def test_short_horizon_warns() -> None:
    from boombust.credit.engine import HorizonWarning

    deal, run, _, _ = load_deal(str(XAI))
    spec = (run or CreditRunSpec()).model_copy(update={"n_paths": 50, "horizon_years": 2.0})
    with pytest.warns(HorizonWarning, match="xai-colossus2-spv"):
        res = run_deal(deal, spec)
    assert any("horizon" in n for n in res.notes)


def test_bundled_dataset_deal_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from boombust.data import bundled_datasets, load_dataset

    if "ai-2025" not in bundled_datasets():
        pytest.skip("the ai-2025 dataset has not landed in this build")
    ds = load_dataset("ai-2025")
    if not ds.deals:
        pytest.skip("the ai-2025 dataset has no deals yet")
    deal_id = ds.deals[0].id
    code, out, err = _run_cli(
        ["credit", "run", f"ai-2025:{deal_id}", "--paths", "200", "--json"], capsys
    )
    assert code == 0, err
    assert json.loads(out)["deal"] == deal_id
    code, _, err = _run_cli(["credit", "run", "ai-2025:no-such-deal"], capsys)
    assert code == 3
    assert "no-such-deal" in err


def test_dataset_deal_path_with_a_stand_in_dataset(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ai-2025:DEAL_ID`` goes through ``boombust.data.load_dataset`` (stand-in dataset)."""
    import boombust.data as data
    from boombust.data.schema import Asset, Dataset, DatasetMeta

    deal, _, sources, _ = load_deal(str(HYPERION))
    meta_bond = Asset(
        id="meta-bonds", name="Meta senior notes", asset_class="ig_bond", issuer="meta",
        rating="AA-", assumption="stand-in",
    )  # fmt: skip
    ds = Dataset(
        meta=DatasetMeta(name="ai-2025", title="stand-in", as_of="2025-11"),
        sources=sources,
        deals=[deal],
        assets=[meta_bond],
    )
    monkeypatch.setattr(data, "bundled_datasets", lambda: ["ai-2025"])
    monkeypatch.setattr(data, "load_dataset", lambda name, **kw: ds)
    _d, run, _, _ = load_deal("ai-2025:hyperion")
    # AA- = Aa3: 10-year idealized default 0.40% -> 1 - (1 - 0.004)^(1/10) a year
    assert run is not None
    assert run.tenant_pd_by_id["meta"] == pytest.approx(1 - 0.996**0.1)
    code, out, err = _run_cli(
        ["credit", "run", "ai-2025:hyperion", "--paths", "200", "--json"], capsys
    )
    assert code == 0, err
    assert json.loads(out)["deal"] == "hyperion"
    code, _, err = _run_cli(["credit", "run", "ai-2025:nope"], capsys)
    assert code == 3
    assert "nope" in err
    assert "hyperion" in err  # lists the deals it has


def test_cascade_hooks_override_tenant_defaults_and_market() -> None:
    deal, run, _, _ = load_deal(str(XAI))
    spec = (run or CreditRunSpec()).model_copy(update={"n_paths": 300, "chunk_size": 120})
    never = run_deal(
        deal, spec, default_times={"xai": np.full(300, np.inf)}, market_shock=np.ones(300)
    )
    debt = "xai-spv-debt"
    assert never.lease_outcomes["default"] == 0.0
    assert never.to_frame().loc[debt, "expected_loss"] == pytest.approx(0.0, abs=1e-12)
    # tenant defaults at once on every path: the debt recovers only the GPU sale
    now = run_deal(deal, spec, default_times={"xai": np.zeros(300)}, market_shock=np.ones(300))
    assert now.lease_outcomes["default"] == 1.0
    assert now.to_frame().loc[debt, "expected_loss"] > 0.3
    with pytest.raises(InputError, match="300 numbers"):
        run_deal(deal, spec, default_times={"xai": np.zeros(5)})
    with pytest.raises(InputError, match="no lease to tenant"):
        run_deal(deal, spec, default_times={"nobody": np.zeros(300)})


@pytest.mark.parametrize("rho", ["1.0", "-0.2", "1.5"])
def test_cli_correlation_outside_unit_interval_exits_3(
    rho: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run_cli(["credit", "run", str(HYPERION), "--rho", rho, "--paths", "10"], capsys)
    assert code == 3
    assert "hyperion" in err
    assert "run.rho" in err


def test_cli_t_copula_runs(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["credit", "run", str(ABS), "--copula", "t", "--nu", "4", "--rho", "0.4"]
    code, out, _ = _run_cli([*args, "--paths", "200", "--json"], capsys)
    assert code == 0
    spec = json.loads(out)["provenance"]["spec"]
    assert (spec["copula"], spec["nu"], spec["rho"]) == ("t", 4.0, 0.4)


def test_run_section_rating_table_relative_to_the_deal_file(tmp_path: Path) -> None:
    (tmp_path / "tab.yaml").write_text(
        "default_rates:\n  1: {Aaa: 0.00001, A2: 0.0005, Baa2: 0.002}\n"
        "  10: {Aaa: 0.0001, A2: 0.012, Baa2: 0.036}\n"
    )
    raw = yaml.safe_load(XAI.read_text())
    raw["run"]["rating_table"] = "tab.yaml"
    p = tmp_path / "deal.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    deal, run, _, _ = load_deal(str(p))
    assert run is not None
    res = run_deal(deal, run.model_copy(update={"n_paths": 100}))
    assert not any("approximation" in n for n in res.notes)
    assert {t.implied_rating for t in res.tranches} <= {"Aaa", "A2", "Baa2", "C", "-"}


def test_allow_short_leases_runs_a_deal_the_check_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _bad(tmp_path, lambda r: r["deal"]["leases"][3].pop("renewal"))
    code, _, _ = _run_cli(["credit", "run", str(p), "--paths", "10"], capsys)
    assert code == 3
    code, out, err = _run_cli(
        ["credit", "run", str(p), "--paths", "50", "--allow-short-leases", "--json"], capsys
    )
    assert code == 0, err
    assert any("allow_short_leases" in n for n in json.loads(out)["notes"])
