"""DebtRank (Battiston 2012 single-hit, Bardoscia 2015 linear) against hand computations
and literal loop implementations of the papers' update rules (tests/reference/network)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import debtrank_linear_literal, debtrank_single_hit_literal

from boombust.errors import InputError
from boombust.network._kernels import HAVE_NUMBA, single_hit_kernel
from boombust.network.debtrank import (
    debtrank,
    debtrank_all_single_node,
    debtrank_linear,
    debtrank_single_hit,
)

CAPITAL = np.array([8.0, 10.0, 10.0])
CYCLE = np.zeros((3, 3))
CYCLE[1, 0], CYCLE[2, 1], CYCLE[0, 2] = 5.0, 20.0, 4.0


def test_single_hit_three_node_cycle_by_hand() -> None:
    res = debtrank_single_hit(CYCLE, CAPITAL, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(res.h, [1.0, 0.5, 0.5])
    assert res.debtrank == pytest.approx(10 / 28)
    assert res.steps == 3


def test_linear_three_node_cycle_by_hand() -> None:
    res = debtrank_linear(CYCLE, CAPITAL, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(res.h, [1.0, 0.5, 1.0])
    assert res.debtrank == pytest.approx(15 / 28)


def test_two_node_reverberation_by_hand() -> None:
    a = np.array([[0.0, 5.0], [5.0, 0.0]])
    c = np.array([10.0, 10.0])
    single = debtrank(a, c, [0.2, 0.0], variant="single-hit")
    linear = debtrank(a, c, [0.2, 0.0], variant="linear")
    np.testing.assert_allclose(single.h, [0.25, 0.1])
    np.testing.assert_allclose(linear.h, [4 / 15, 2 / 15], rtol=1e-11)
    # linear DebtRank counts reverberations, so it is never below single-hit here
    assert linear.debtrank > single.debtrank


@st.composite
def exposure_networks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 7))
    vals = draw(
        st.lists(st.one_of(st.just(0.0), st.floats(0.1, 20.0)), min_size=n * n, max_size=n * n)
    )
    a = np.array(vals).reshape(n, n)
    np.fill_diagonal(a, 0.0)
    c = np.array(draw(st.lists(st.floats(1.0, 30.0), min_size=n, max_size=n)))
    s = np.array(
        draw(st.lists(st.one_of(st.just(0.0), st.floats(0.0, 1.0)), min_size=n, max_size=n))
    )
    return a, c, s


@settings(max_examples=80, deadline=None)
@given(exposure_networks())
def test_single_hit_equals_literal_definition(net: tuple[np.ndarray, ...]) -> None:
    a, c, s = net
    res = debtrank_single_hit(a, c, s)
    np.testing.assert_allclose(res.h, debtrank_single_hit_literal(a, c, s), atol=1e-13)
    assert (res.h >= s).all()
    assert (res.h <= 1).all()


@settings(max_examples=80, deadline=None)
@given(exposure_networks())
def test_linear_equals_literal_increment_form(net: tuple[np.ndarray, ...]) -> None:
    a, c, s = net
    res = debtrank_linear(a, c, s, tol=1e-14)
    np.testing.assert_allclose(res.h, debtrank_linear_literal(a, c, s), atol=1e-9)
    # every propagated loss counts at least once: linear >= single-hit
    assert res.total_loss >= debtrank_single_hit(a, c, s).total_loss - 1e-12


def test_linear_uncapped_equals_neumann_series() -> None:
    """Without binding caps, h* = (I - Lambda)^{-1} h(1) (Bardoscia et al. 2015)."""
    rng = np.random.default_rng(0)
    n = 30
    a = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.2)
    np.fill_diagonal(a, 0)
    c = a.sum(axis=1) * 3 + 1  # row sums of Lambda < 1/3
    s = rng.uniform(0, 0.05, n)
    lam = a / c[:, None]
    expected = np.linalg.solve(np.eye(n) - lam, s)
    assert expected.max() < 1
    np.testing.assert_allclose(debtrank_linear(a, c, s).h, expected, rtol=1e-10)


@pytest.mark.parametrize("variant", ["single-hit", "linear"])
def test_all_single_node_batch_equals_one_by_one(variant: str) -> None:
    rng = np.random.default_rng(5)
    n = 40
    a = rng.lognormal(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.15)
    np.fill_diagonal(a, 0)
    c = a.sum(axis=1) * rng.uniform(0.5, 3, n) + 0.5
    batch = debtrank_all_single_node(sp.csr_matrix(a), c, variant=variant, psi=0.8, chunk=7)
    for k in range(n):
        s = np.zeros(n)
        s[k] = 0.8
        one = debtrank(a, c, s, variant=variant)  # type: ignore[arg-type]
        assert batch.debtrank[k] == pytest.approx(one.debtrank, abs=1e-8)
    assert batch.ranking()[0] == batch.names[int(np.argmax(batch.debtrank))]


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
def test_kernel_compiled_and_python_paths_identical() -> None:
    rng = np.random.default_rng(2)
    n = 50
    w = sp.random(n, n, density=0.1, random_state=3, format="csr")
    w.data = np.minimum(w.data, 1.0)
    indptr, indices = w.indptr.astype(np.int64), w.indices.astype(np.int64)
    h0 = np.where(rng.uniform(size=n) < 0.1, rng.uniform(size=n), 0.0)
    outs = []
    for fn in (single_hit_kernel, single_hit_kernel.py_func):
        h = h0.copy()
        state = (h > 0).astype(np.int8)
        steps = fn(
            indptr,
            indices,
            w.data,
            h,
            state,
            np.zeros(n),
            np.empty(n, np.int64),
            np.zeros(n, np.bool_),
        )
        outs.append((h, steps))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    assert outs[0][1] == outs[1][1]


def test_debtrank_result_api() -> None:
    res = debtrank_single_hit(CYCLE, CAPITAL, [1.0, 0.0, 0.0], names=["x", "y", "z"])
    assert list(res.to_frame().index) == ["x", "y", "z"]
    assert "DebtRank R" in res.summary()
    assert {"h", "debtrank"} <= set(res.to_dict())
    assert res.plot().get_ylabel() == "relative equity loss h"
    batch = debtrank_all_single_node(CYCLE, CAPITAL)
    assert "most systemic" in batch.summary()
    assert batch.plot().get_xlabel().startswith("DebtRank")


@pytest.mark.parametrize(
    ("a", "c", "s", "msg"),
    [
        (CYCLE, [1.0, 0.0, 1.0], [1, 0, 0], "capital of node 2 is 0"),
        (CYCLE, CAPITAL, [1.5, 0, 0], "must be <= 1"),
        (CYCLE, CAPITAL, [1, 0], "has 2 values but the network has 3"),
        (-CYCLE, CAPITAL, [1, 0, 0], "negative entry"),
    ],
)
def test_debtrank_bad_input(a: object, c: object, s: object, msg: str) -> None:
    with pytest.raises(InputError, match=msg):
        debtrank_single_hit(a, c, s)


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
def test_gauss_seidel_sweep_compiled_and_python_paths_identical() -> None:
    from boombust.network._kernels import capped_sweep_gauss_seidel

    lev = sp.random(40, 40, density=0.15, random_state=4, format="csr")
    lev.data *= 0.8
    ip, ix = lev.indptr.astype(np.int64), lev.indices.astype(np.int64)
    rows = np.array([3, 7, 11], dtype=np.int64)
    outs = []
    for fn in (capped_sweep_gauss_seidel, capped_sweep_gauss_seidel.py_func):
        h = np.zeros((40, 3))
        h[rows, np.arange(3)] = 1.0
        step = np.empty(3)
        for _ in range(3):
            fn(ip, ix, lev.data, h, rows, 1.0, step)
        outs.append((h, step))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


def test_linear_batch_scipy_path_matches_fused(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    dr = importlib.import_module("boombust.network.debtrank")

    rng = np.random.default_rng(8)
    n = 30
    a = rng.lognormal(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.2)
    np.fill_diagonal(a, 0)
    c = a.sum(axis=1) * rng.uniform(0.5, 3, n) + 0.5
    fused = debtrank_all_single_node(a, c, variant="linear", chunk=8)
    monkeypatch.setattr(dr, "HAVE_NUMBA", False)
    plain = debtrank_all_single_node(a, c, variant="linear", chunk=8)
    # Gauss–Seidel (compiled) and Jacobi (scipy) reach the same fixed point to tol
    np.testing.assert_allclose(fused.debtrank, plain.debtrank, atol=1e-9)


def test_runs_without_numba() -> None:
    """The kernels are plain Python when numba is absent (checked in a fresh process)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import numpy as np\n"
        "from boombust.network._kernels import HAVE_NUMBA\n"
        "from boombust.network import debtrank_all_single_node\n"
        "a = np.zeros((3, 3)); a[1, 0], a[2, 1], a[0, 2] = 5, 20, 4\n"
        "c = np.array([8.0, 10.0, 10.0])\n"
        "r = debtrank_all_single_node(a, c, variant='single-hit').debtrank\n"
        "l = debtrank_all_single_node(a, c, variant='linear').debtrank\n"
        "print(HAVE_NUMBA, round(r[0] * 28, 9), round(l[0] * 28, 9))\n"
    )
    src = Path(__file__).resolve().parents[2] / "src"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(src), "PATH": ""},
    )
    assert out.stdout.split() == ["False", "10.0", "15.0"]


@pytest.mark.parametrize("variant", ["single-hit", "linear"])
def test_all_single_node_identical_for_any_worker_count(variant: str) -> None:
    """Shocks split over a thread pool give bit-for-bit the serial numbers."""
    rng = np.random.default_rng(11)
    n = 60
    a = rng.lognormal(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.1)
    np.fill_diagonal(a, 0)
    c = a.sum(axis=1) * rng.uniform(0.4, 2, n) + 0.5
    serial = debtrank_all_single_node(a, c, variant=variant, chunk=7, workers=1)  # type: ignore[arg-type]
    for workers in (2, 3):
        pooled = debtrank_all_single_node(a, c, variant=variant, chunk=7, workers=workers)  # type: ignore[arg-type]
        np.testing.assert_array_equal(pooled.debtrank, serial.debtrank)
        np.testing.assert_array_equal(pooled.total_loss, serial.total_loss)
        np.testing.assert_array_equal(pooled.distressed, serial.distressed)


def test_all_single_node_rejects_zero_workers() -> None:
    with pytest.raises(InputError, match="workers must be >= 1"):
        debtrank_all_single_node(CYCLE, CAPITAL, workers=0)
