"""``boombust network`` CLI: JSON keys, exit codes and error messages naming file/row/column."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from seed_circle import SEED_EDGES

from boombust.cli.main import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


@pytest.fixture
def chain(tmp_path: Path) -> tuple[str, str]:
    return (
        write(tmp_path / "L.csv", "0,10,0\n0,0,10\n0,0,0\n"),
        write(tmp_path / "e.csv", "4\n3\n0\n"),
    )


def test_clear_json_keys_and_values(
    chain: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    lpath, epath = chain
    code, out, _ = run(
        ["network", "clear", "--liabilities", lpath, "--external", epath, "--json"], capsys
    )
    assert code == 0
    data = json.loads(out)
    assert {"payments", "equity", "defaulted", "default_round", "residual"} <= set(data)
    assert data["payments"] == pytest.approx([4, 7, 0])
    assert data["default_round"] == [1, 2, 0]
    code, out, _ = run(
        [
            "network",
            "clear",
            "--liabilities",
            lpath,
            "--external",
            epath,
            "--alpha",
            "0.5",
            "--beta",
            "0.5",
            "--json",
        ],
        capsys,
    )
    assert json.loads(out)["payments"] == pytest.approx([2, 2.5, 0])


@pytest.mark.parametrize(
    ("matrix", "external", "extra", "needle"),
    [
        ("0,1\n1,0,2\n", "1\n1\n", [], "L.csv:2: liabilities: row has 3 values"),
        ("0,1,0\n1,0,0\n", "1\n1\n", [], "must be square"),
        (
            "0,-2\n1,0\n",
            "1\n1\n",
            [],
            "L.csv:1: liabilities: liabilities has a negative entry -2 at row 1, column 2",
        ),
        (
            "0,1\nnan,0\n",
            "1\n1\n",
            [],
            "L.csv:2: liabilities: liabilities has a missing or non-finite value at row 2",
        ),
        ("0,1\nx,0\n", "1\n1\n", [], "L.csv:2: liabilities: column 1: 'x' is not a number"),
        (
            "0,1\n1,0\n",
            "1\n1\n1\n",
            [],
            "e.csv: external: external has 3 values but the network has 2",
        ),
        (
            "0,1\n1,0\n",
            "1\n-1\n",
            [],
            "e.csv:2: external: external has a negative value -1 for node 2",
        ),
        ("0,1\n1,0\n", "1\n1\n", ["--alpha", "1.2"], "alpha must be in [0, 1]"),
        ("0,1\n1,0\n", "1\n1\n", ["--beta", "-0.5"], "beta must be in [0, 1]"),
    ],
)
def test_clear_bad_input_exits_3(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    matrix: str,
    external: str,
    extra: list[str],
    needle: str,
) -> None:
    lpath = write(tmp_path / "L.csv", matrix)
    epath = write(tmp_path / "e.csv", external)
    code, _, err = run(
        ["network", "clear", "--liabilities", lpath, "--external", epath, *extra], capsys
    )
    assert code == 3
    assert needle.replace("L.csv", lpath).replace("e.csv", epath) in err
    assert "Traceback" not in err


def test_clear_usage_errors_exit_2(
    chain: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    lpath, _ = chain
    assert run(["network", "clear", "--liabilities", lpath], capsys)[0] == 2
    assert run(["network", "clear"], capsys)[0] == 2


@pytest.fixture
def exposures(tmp_path: Path) -> tuple[str, str]:
    # the three-node cycle of test_reference_values.md (A[1,0]=5, A[2,1]=20, A[0,2]=4)
    return (
        write(tmp_path / "A.csv", "0,0,4\n5,0,0\n0,20,0\n"),
        write(tmp_path / "c.csv", "8\n10\n10\n"),
    )


@pytest.mark.parametrize(
    ("variant", "h", "rank"),
    [("single-hit", [1, 0.5, 0.5], 10 / 28), ("linear", [1, 0.5, 1], 15 / 28)],
)
def test_debtrank_default_node(
    exposures: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    variant: str,
    h: list[float],
    rank: float,
) -> None:
    apath, cpath = exposures
    code, out, _ = run(
        [
            "network",
            "debtrank",
            "--exposures",
            apath,
            "--capital",
            cpath,
            "--default",
            "1",
            "--variant",
            variant,
            "--json",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["h"] == pytest.approx(h)
    assert data["debtrank"] == pytest.approx(rank)


def test_debtrank_shock_file_and_errors(
    exposures: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apath, cpath = exposures
    spath = write(tmp_path / "s.csv", "1\n0\n0\n")
    code, out, _ = run(
        [
            "network",
            "debtrank",
            "--exposures",
            apath,
            "--capital",
            cpath,
            "--shock",
            spath,
            "--variant",
            "single-hit",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    assert json.loads(out)["debtrank"] == pytest.approx(10 / 28)
    bad = write(tmp_path / "s2.csv", "1.5\n0\n0\n")
    code, _, err = run(
        ["network", "debtrank", "--exposures", apath, "--capital", cpath, "--shock", bad], capsys
    )
    assert code == 3
    assert f"{bad}:1: shock" in err
    zero = write(tmp_path / "c0.csv", "8\n0\n10\n")
    code, _, err = run(
        ["network", "debtrank", "--exposures", apath, "--capital", zero, "--default", "1"], capsys
    )
    assert code == 3
    assert f"{zero}:2: capital" in err
    code, _, err = run(
        ["network", "debtrank", "--exposures", apath, "--capital", cpath, "--default", "9"], capsys
    )
    assert code == 3
    assert "from 1 to 3" in err
    assert run(["network", "debtrank", "--exposures", apath, "--capital", cpath], capsys)[0] == 2


def fake_dataset() -> Any:
    """Duck-typed stand-in for boombust.data.schema.Dataset: the seed circle."""
    inst = [
        SimpleNamespace(
            id="openai",
            kind="ai_lab",
            income=SimpleNamespace(ai_revenue=20.0, revenue=20.0, operating_cash_flow=-5.0),
            balance_sheet=SimpleNamespace(liquid_assets=30.0),
        ),
        *[
            SimpleNamespace(
                id=name,
                kind="tech",
                income=SimpleNamespace(ai_revenue=None, revenue=100.0, operating_cash_flow=ocf),
                balance_sheet=SimpleNamespace(liquid_assets=10.0),
            )
            for name, ocf in [
                ("nvidia", 60.0),
                ("oracle", 20.0),
                ("microsoft", 100.0),
                ("amd", 5.0),
                ("coreweave", 2.0),
            ]
        ],
    ]
    commitments = [
        SimpleNamespace(
            id=e.id,
            payer=e.payer,
            payee=e.payee,
            type=e.type,
            amount=e.amount,
            years=e.years,
            status=e.status,
        )
        for e in SEED_EDGES
    ]
    return SimpleNamespace(
        institutions=inst, commitments=commitments, meta=SimpleNamespace(name="seed")
    )


def test_dataset_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import boombust.data

    monkeypatch.setattr(boombust.data, "load_dataset", lambda name, **_: fake_dataset())
    code, out, _ = run(["network", "cycles", "ai-2025", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert ["nvidia", "openai", "oracle"] in [c["nodes"] for c in data["cycles"]]
    code, out, _ = run(
        ["network", "clear", "ai-2025", "--revenue-shortfall", "0.5", "--json"], capsys
    )
    assert code == 0
    data = json.loads(out)
    assert data["revenue"] == pytest.approx(10.0)
    assert data["firms"]["openai"]["defaulted"] is True
    assert 0 < data["total_backed_fraction"] <= data["total_paid_fraction"] <= 1
    png = tmp_path / "curve.png"
    code, out, _ = run(["network", "curve", "ai-2025", "--points", "4", "--plot", str(png)], capsys)
    assert code == 0
    assert png.stat().st_size > 0
    assert "paid" in out
    code, _, err = run(["network", "clear", "ai-2025", "--revenue-shortfall", "2"], capsys)
    assert code == 3
    assert "revenue_shortfall must be in [0, 1]" in err


def test_commitment_graph_from_dataset_reads_fields() -> None:
    from boombust.network.circular import CommitmentGraph

    g = CommitmentGraph.from_dataset(fake_dataset())
    assert g.end_user_weight == {"openai": 20.0}
    assert g.baseline_revenue == 20.0
    assert g.outside_money["nvidia"] == 60.0
    assert "openai" not in g.outside_money
    with_liquid = CommitmentGraph.from_dataset(fake_dataset(), include_liquid=True)
    assert with_liquid.outside_money["nvidia"] == 70.0
    np.testing.assert_allclose(g.external(10.0)[g.index["openai"]], 10.0)


def test_from_dataset_falls_back_to_liquid_assets() -> None:
    from boombust.network.circular import CommitmentGraph

    ds = fake_dataset()
    amd = next(i for i in ds.institutions if i.id == "amd")
    amd.income.operating_cash_flow = None
    g = CommitmentGraph.from_dataset(ds)
    assert g.outside_money["amd"] == 10.0
    assert g.liquid_fallback == ("amd",)
    g0 = CommitmentGraph.from_dataset(ds, liquid_if_no_cash_flow=False)
    assert g0.outside_money["amd"] == 0.0
    assert g0.missing_outside == ("amd",)


def test_bundled_ai_2025_cycles_and_clearing(capsys: pytest.CaptureFixture[str]) -> None:
    """The seed's circle is in the bundled dataset; bottleneck = smallest annual pair amount."""
    from boombust.data import load_dataset

    ds = load_dataset("ai-2025")
    annual: dict[tuple[str, str], float] = {}
    for c in ds.commitments:
        key = (c.payer, c.payee)
        annual[key] = annual.get(key, 0.0) + c.annual_amount
    code, out, _ = run(["network", "cycles", "ai-2025", "--json"], capsys)
    assert code == 0
    cycles = {tuple(c["nodes"]): c for c in json.loads(out)["cycles"]}
    circle = cycles[("nvidia", "openai", "oracle")]
    expected = min(
        annual[("nvidia", "openai")], annual[("openai", "oracle")], annual[("oracle", "nvidia")]
    )
    assert circle["bottleneck"] == pytest.approx(expected)
    code, out, _ = run(
        ["network", "clear", "ai-2025", "--revenue-shortfall", "0.5", "--json"], capsys
    )
    assert code == 0
    data = json.loads(out)
    assert 0 <= data["total_backed_fraction"] <= data["total_paid_fraction"] <= 1
    assert data["residual"] <= 1e-9
