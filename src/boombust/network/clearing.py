"""Default clearing: Eisenberg–Noe (2001) and Rogers–Veraart (2013).

The greatest clearing vector (GCV) is computed with the fictitious-default
algorithm (FDA, Eisenberg & Noe 2001, section 3) generalised to default costs
(the "GA" algorithm of Rogers & Veraart 2013, section 3). Each round solves the
linear system of the defaulted set ``D`` (solvent set ``S``)::

    (I - beta Pi_DD') p_D = alpha e_D + beta Pi_SD' pbar_S

and the rounds give the order of defaults: round 1 = fundamental defaults
(insolvent even if everyone pays in full), later rounds = contagious defaults.

The inner solve is what makes this fast and exact (methods.md D.7): plain
fixed-point (Picard) iteration crawls on near-closed cycles and stops early and
wrong; a sparse LU fills in on random graphs. Here each round

1. warm-starts from the previous round's payments with a few Picard sweeps
   ``x <- rhs + beta Pi_DD' x`` (enough on its own when the defaulted block is
   far from closed, the usual case on random graphs);
2. if those have not met the tolerance, solves the system directly: dense LU for
   small blocks, sparse LU with a COLAMD fill-reducing order when the block is
   cycle-like (few entries per row), otherwise ILU-preconditioned GMRES;
3. checks the residual of the linear system and falls back to sparse LU.

The reported ``residual`` is ``max_i |p_i - Phi(p)_i|`` of the final payments,
not a step size.

References
----------
Eisenberg, L. & Noe, T. H. (2001). Systemic risk in financial systems.
    Management Science 47(2), 236-249. https://doi.org/10.1287/mnsc.47.2.236.9835
Rogers, L. C. G. & Veraart, L. A. M. (2013). Failure and rescue in an interbank
    network. Management Science 59(4), 882-898. https://doi.org/10.1287/mnsc.1120.1569
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from boombust._provenance import Provenance, stable_hash
from boombust.errors import ConvergenceWarning
from boombust.network._validate import as_fraction, as_square_matrix, as_vector

__all__ = [
    "ClearingBatchResult",
    "ClearingResult",
    "clear",
    "clear_many",
    "clearing_map",
    "picard_clear",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_SOLVENCY_RTOL = 1e-12  # a node this close to solvent counts as solvent
_DENSE_MAX = 600  # defaulted blocks up to this size: dense LU
_SPARSE_LU_MAX_NNZ_PER_ROW = 3.0  # sparser blocks (chains, rings) factor with no fill


@dataclass(frozen=True)
class _Network:
    """Liabilities prepared once and shared by every shock vector."""

    liabilities_t: sp.csr_matrix  # L' (row i = what i receives from each debtor)
    pbar: FloatArray
    inv_pbar: FloatArray  # 1/pbar, 0 where pbar = 0
    n: int

    @classmethod
    def build(cls, liabilities: Any, *, source: str | None = None) -> _Network:
        mat = as_square_matrix(liabilities, name="liabilities", source=source, zero_diagonal=True)
        pbar = np.asarray(mat.sum(axis=1)).ravel()
        inv = np.zeros_like(pbar)
        np.divide(1.0, pbar, out=inv, where=pbar > 0)
        return cls(liabilities_t=sp.csr_matrix(mat.T), pbar=pbar, inv_pbar=inv, n=int(mat.shape[0]))

    def received(self, payments: FloatArray) -> FloatArray:
        """``Pi' p``: what each node receives when debtors pay ``payments``.

        A debtor paying in full pays exactly its liabilities (fraction 1, not
        ``pbar * (1 / pbar)``, which can round below 1).
        """
        fraction = np.where(payments >= self.pbar, 1.0, payments * self.inv_pbar)
        fraction[self.pbar <= 0] = 0.0
        out: FloatArray = self.liabilities_t @ fraction
        return out

    def solvent(self, external: FloatArray, received: FloatArray) -> BoolArray:
        """``e + Pi'p >= pbar`` up to rounding (relative slack ``_SOLVENCY_RTOL``)."""
        slack = _SOLVENCY_RTOL * np.maximum(self.pbar, 1.0)
        out: BoolArray = external + received >= self.pbar - slack
        return out


def _phi(
    net: _Network, external: FloatArray, payments: FloatArray, alpha: float, beta: float
) -> FloatArray:
    received = net.received(payments)
    solvent = net.solvent(external, received)
    defaulted_value = np.minimum(net.pbar, np.maximum(0.0, alpha * external + beta * received))
    return np.where(solvent, net.pbar, defaulted_value)


def clearing_map(
    liabilities: Any,
    external: Any,
    payments: Any,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
) -> FloatArray:
    """The clearing map ``Phi(p)`` of Rogers–Veraart (Eisenberg–Noe when alpha = beta = 1).

    ``Phi(p)_i = pbar_i`` if ``e_i + (Pi' p)_i >= pbar_i``, else
    ``alpha e_i + beta (Pi' p)_i`` (Rogers & Veraart 2013, eq. 3).
    """
    net = _Network.build(liabilities)
    e = as_vector(external, n=net.n, name="external")
    p = as_vector(payments, n=net.n, name="payments")
    return _phi(net, e, p, as_fraction(alpha, name="alpha"), as_fraction(beta, name="beta"))


@dataclass(frozen=True)
class _Solve:
    x: FloatArray
    iterations: int
    method: str


def _solve_block(
    block: sp.csr_matrix, rhs: FloatArray, x0: FloatArray, *, atol: float, picard_sweeps: int
) -> _Solve:
    """Solve ``(I - block) x = rhs`` with ``block = beta Pi_DD'`` (substochastic columns)."""
    k = rhs.shape[0]
    if k <= _DENSE_MAX:
        a = np.eye(k) - block.toarray()
        return _Solve(np.linalg.solve(a, rhs), 1, "dense")
    x = x0.copy()
    for sweep in range(1, picard_sweeps + 1):
        x_new = rhs + block @ x
        step = float(np.max(np.abs(x_new - x)))
        x = x_new
        if step <= atol:
            # the residual of the linear system is exactly the last step
            return _Solve(x, sweep, "picard")
    system = sp.csc_matrix(sp.identity(k, format="csc") - block)
    if block.nnz <= _SPARSE_LU_MAX_NNZ_PER_ROW * k:
        lu = spla.splu(system, permc_spec="COLAMD")
        return _Solve(lu.solve(rhs), picard_sweeps + 1, "splu")
    used = picard_sweeps
    # Krylov without preconditioner first: on random (expander-like) graphs the
    # spectrum of I - beta Pi_DD' is one outlier near 0 plus a cluster around 1,
    # which GMRES resolves in a few dozen iterations even when rho(Pi_DD) ~ 1.
    y, n_it, ok = _gmres(system, rhs, x, None, atol=atol, restart=30, maxiter=12)
    used += n_it
    if ok:
        return _Solve(y, used, "gmres")
    try:  # cycle-heavy blocks: an incomplete factor catches long near-closed loops
        ilu = spla.spilu(system, drop_tol=1e-4, fill_factor=4.0, permc_spec="COLAMD")
        precond = spla.LinearOperator((k, k), matvec=ilu.solve, dtype=np.float64)
        y, n_it, ok = _gmres(system, rhs, y, precond, atol=atol, restart=60, maxiter=5)
        used += n_it
        if ok:
            return _Solve(y, used, "ilu-gmres")
    except RuntimeError:  # singular incomplete factor
        pass
    lu = spla.splu(system, permc_spec="COLAMD")
    return _Solve(lu.solve(rhs), used + 1, "splu")


def _gmres(
    system: sp.csc_matrix,
    rhs: FloatArray,
    x0: FloatArray,
    precond: Any,
    *,
    atol: float,
    restart: int,
    maxiter: int,
) -> tuple[FloatArray, int, bool]:
    counter = [0]

    def count(_: Any) -> None:
        counter[0] += 1

    y, info = spla.gmres(
        system,
        rhs,
        x0=x0,
        M=precond,
        rtol=0.0,
        atol=0.1 * atol,
        restart=restart,
        maxiter=maxiter,
        callback=count,
        callback_type="pr_norm",
    )
    ok = info == 0 and float(np.max(np.abs(rhs - system @ y))) <= atol
    return np.asarray(y, dtype=np.float64), counter[0], ok


@dataclass(frozen=True)
class _Cleared:
    payments: FloatArray
    default_round: IntArray
    rounds: int
    inner_iterations: int
    methods: tuple[str, ...]


def _greatest_clearing_vector(
    net: _Network,
    external: FloatArray,
    alpha: float,
    beta: float,
    *,
    tol: float,
    picard_sweeps: int,
) -> _Cleared:
    n = net.n
    pbar = net.pbar
    scale = max(float(np.max(pbar, initial=0.0)), float(np.max(external, initial=0.0)), 1.0)
    atol = tol * scale
    p = pbar.copy()
    default_round = np.zeros(n, dtype=np.int64)
    defaulted = np.zeros(n, dtype=bool)
    owes = pbar > 0
    inner = 0
    methods: list[str] = []
    rounds = 0
    for rnd in range(1, n + 2):
        received = net.received(p)
        # insolvent: e + Pi'p < pbar, up to rounding (the same test as Phi)
        short = ~net.solvent(external, received)
        new_defaulted = defaulted | (short & owes)
        if np.array_equal(new_defaulted, defaulted):
            break
        rounds = rnd
        default_round[new_defaulted & ~defaulted] = rnd
        defaulted = new_defaulted
        idx = np.flatnonzero(defaulted)
        solvent_payers = (~defaulted & owes).astype(np.float64)
        lt_d = net.liabilities_t[idx]
        from_solvent = lt_d @ solvent_payers  # Pi_SD' pbar_S = L_SD' 1
        rhs = alpha * external[idx] + beta * from_solvent
        block = sp.csr_matrix(lt_d[:, idx] @ sp.diags(beta * net.inv_pbar[idx]))
        solved = _solve_block(block, rhs, p[idx], atol=atol, picard_sweeps=picard_sweeps)
        inner += solved.iterations
        methods.append(solved.method)
        p = p.copy()
        p[idx] = np.clip(solved.x, 0.0, pbar[idx])
    return _Cleared(p, default_round, rounds, inner, tuple(methods))


def _round_stats(default_round: IntArray) -> tuple[int, int]:
    return int(np.sum(default_round == 1)), int(np.sum(default_round > 1))


@dataclass(frozen=True)
class ClearingResult:
    """Greatest clearing vector of one network under one external-asset vector.

    Attributes
    ----------
    payments
        Clearing payments ``p`` (what each node pays in total).
    equity
        Book net worth ``E_i = e_i + (Pi' p)_i - pbar_i`` (Eisenberg–Noe); negative
        for a defaulted node.
    default_cost
        Rogers–Veraart deadweight loss of a defaulted node,
        ``(1 - alpha) e_i + (1 - beta) (Pi' p)_i`` (0 for solvent nodes).
    defaulted
        ``p_i < pbar_i``.
    default_round
        0 = solvent; 1 = fundamental default; k > 1 = contagious default found in
        round k of the fictitious-default / GA algorithm.
    residual
        ``max_i |p_i - Phi(p)_i|`` of the returned payments.
    """

    payments: FloatArray
    equity: FloatArray
    default_cost: FloatArray
    defaulted: BoolArray
    default_round: IntArray
    residual: float
    iterations: int
    inner_iterations: int
    pbar: FloatArray
    external: FloatArray
    received: FloatArray
    alpha: float
    beta: float
    names: tuple[str, ...]
    solver_steps: tuple[str, ...]
    provenance: Provenance = field(repr=False, compare=False)

    @property
    def model(self) -> str:
        return "Eisenberg-Noe" if self.alpha == 1.0 and self.beta == 1.0 else "Rogers-Veraart"

    @property
    def recovery(self) -> FloatArray:
        """Share of its obligations each node pays (1 for nodes that owe nothing)."""
        out = np.ones_like(self.payments)
        np.divide(self.payments, self.pbar, out=out, where=self.pbar > 0)
        return out

    @property
    def shortfall(self) -> float:
        """Total unpaid obligations ``sum(pbar - p)``."""
        return float(np.sum(self.pbar - self.payments))

    def summary(self) -> str:
        fundamental, contagious = _round_stats(self.default_round)
        lines = [
            f"{self.model} greatest clearing vector"
            + ("" if self.model == "Eisenberg-Noe" else f" (alpha={self.alpha}, beta={self.beta})"),
            f"  nodes                {len(self.payments)}",
            f"  defaults             {int(self.defaulted.sum())} "
            f"(fundamental {fundamental}, contagious {contagious})",
            f"  rounds               {self.iterations} (inner iterations {self.inner_iterations})",
            f"  obligations          {float(self.pbar.sum()):.6g}",
            f"  paid                 {float(self.payments.sum()):.6g}",
            f"  shortfall            {self.shortfall:.6g}",
            f"  default costs        {float(self.default_cost.sum()):.6g}",
            f"  residual |p-Phi(p)|  {self.residual:.3g}",
        ]
        if 0 < len(self.payments) <= 30:
            lines.append("")
            lines.append(self.to_frame().to_string(float_format=lambda v: f"{v:.6g}"))
        return "\n".join(lines)

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {
                "pbar": self.pbar,
                "external": self.external,
                "received": self.received,
                "payments": self.payments,
                "recovery": self.recovery,
                "equity": self.equity,
                "default_cost": self.default_cost,
                "defaulted": self.defaulted,
                "default_round": self.default_round,
            },
            index=pd.Index(list(self.names), name="node"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "alpha": self.alpha,
            "beta": self.beta,
            "nodes": list(self.names),
            "payments": self.payments.tolist(),
            "equity": self.equity.tolist(),
            "default_cost": self.default_cost.tolist(),
            "defaulted": self.defaulted.tolist(),
            "default_round": self.default_round.tolist(),
            "residual": self.residual,
            "iterations": self.iterations,
            "inner_iterations": self.inner_iterations,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of each node's recovery ``p/pbar``, coloured by default round."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(max(4.0, 0.35 * len(self.payments)), 3.2))
        rounds = self.default_round
        cmap = plt.get_cmap("autumn_r")
        top = max(int(rounds.max(initial=0)), 1)
        colours = [
            "tab:green" if r == 0 else cmap(0.35 + 0.65 * (r - 1) / max(top - 1, 1)) for r in rounds
        ]
        x = np.arange(len(self.payments))
        ax.bar(x, self.recovery, color=colours)
        ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        if len(x) <= 40:
            ax.set_xticks(x)
            ax.set_xticklabels(self.names, rotation=60, ha="right", fontsize=8)
        ax.set_ylabel("payments / obligations")
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{self.model}: green solvent, yellow→red default round 1→{top}")
        return ax


@dataclass(frozen=True)
class ClearingBatchResult:
    """Clearing of one network under ``m`` external-asset vectors (rows)."""

    payments: FloatArray  # (m, n)
    equity: FloatArray
    defaulted: BoolArray
    default_round: IntArray
    residual: FloatArray  # (m,)
    iterations: IntArray
    pbar: FloatArray
    alpha: float
    beta: float
    names: tuple[str, ...]
    provenance: Provenance = field(repr=False, compare=False)

    def __len__(self) -> int:
        return int(self.payments.shape[0])

    def summary(self) -> str:
        n_def = self.defaulted.sum(axis=1)
        return "\n".join(
            [
                f"clearing of {len(self)} shock vectors on {self.payments.shape[1]} nodes "
                f"(alpha={self.alpha}, beta={self.beta})",
                f"  defaults per shock   mean {n_def.mean():.4g}, max {int(n_def.max())}",
                f"  shortfall per shock  mean {(self.pbar - self.payments).sum(axis=1).mean():.6g}",
                f"  worst residual       {float(self.residual.max()):.3g}",
            ]
        )

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {
                "defaults": self.defaulted.sum(axis=1),
                "contagious": (self.default_round > 1).sum(axis=1),
                "shortfall": (self.pbar - self.payments).sum(axis=1),
                "residual": self.residual,
                "rounds": self.iterations,
            },
            index=pd.RangeIndex(len(self), name="shock"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "beta": self.beta,
            "nodes": list(self.names),
            "payments": self.payments.tolist(),
            "equity": self.equity.tolist(),
            "defaulted": self.defaulted.tolist(),
            "default_round": self.default_round.tolist(),
            "residual": self.residual.tolist(),
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Shortfall against number of defaults, one point per shock."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        frame = self.to_frame()
        ax.scatter(frame["defaults"], frame["shortfall"], s=12)
        ax.set_xlabel("defaults")
        ax.set_ylabel("shortfall")
        return ax


def _names(names: Sequence[str] | None, n: int) -> tuple[str, ...]:
    if names is None:
        return tuple(str(i) for i in range(n))
    out = tuple(str(x) for x in names)
    if len(out) != n:
        from boombust.errors import InputError

        raise InputError(f"names has {len(out)} entries for {n} nodes", field="names")
    return out


def _finish(
    net: _Network,
    external: FloatArray,
    cleared: _Cleared,
    alpha: float,
    beta: float,
    tol: float,
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    p = cleared.payments
    received = net.received(p)
    residual = float(np.max(np.abs(p - _phi(net, external, p, alpha, beta)), initial=0.0))
    scale = max(float(np.max(net.pbar, initial=0.0)), 1.0)
    if residual > max(1e3 * tol * scale, 1e-9 * scale):
        warnings.warn(
            f"clearing residual max|p - Phi(p)| = {residual:.3g} exceeds the tolerance; "
            "the payments may be inaccurate",
            ConvergenceWarning,
            stacklevel=3,
        )
    equity = external + received - net.pbar
    return received, equity, residual, p


def clear(
    liabilities: Any,
    external: Any,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    names: Sequence[str] | None = None,
    tol: float = 1e-13,
    picard_sweeps: int = 30,
) -> ClearingResult:
    """Greatest clearing vector of Eisenberg–Noe (alpha = beta = 1) or Rogers–Veraart.

    Parameters
    ----------
    liabilities
        ``(n, n)`` dense array or scipy sparse matrix, ``L[i, j]`` = what node i owes
        node j (non-negative, zero diagonal). ``pbar = L.sum(axis=1)``.
    external
        External (non-network) assets ``e`` per node, ``>= 0``.
    alpha, beta
        Rogers–Veraart recovery rates on external and on interbank assets of a
        defaulted node, in [0, 1]. ``alpha = beta = 1`` is Eisenberg–Noe.
    names
        Node labels for the result.
    tol
        Absolute tolerance of each linear solve, relative to ``max(pbar)``.
    picard_sweeps
        Picard sweeps tried before a direct or Krylov solve in each round.

    Returns
    -------
    ClearingResult

    References
    ----------
    Eisenberg & Noe (2001), section 3 (fictitious default algorithm);
    Rogers & Veraart (2013), section 3, Algorithm GA and Theorem 3.7.
    """
    net = _Network.build(liabilities)
    return _clear_prepared(
        net,
        as_vector(external, n=net.n, name="external"),
        alpha=as_fraction(alpha, name="alpha"),
        beta=as_fraction(beta, name="beta"),
        names=_names(names, net.n),
        tol=tol,
        picard_sweeps=picard_sweeps,
    )


def _clear_prepared(
    net: _Network,
    e: FloatArray,
    *,
    alpha: float,
    beta: float,
    names: tuple[str, ...],
    tol: float,
    picard_sweeps: int,
) -> ClearingResult:
    cleared = _greatest_clearing_vector(net, e, alpha, beta, tol=tol, picard_sweeps=picard_sweeps)
    received, equity, residual, p = _finish(net, e, cleared, alpha, beta, tol)
    defaulted = cleared.default_round > 0
    cost = np.where(defaulted, (1 - alpha) * e + (1 - beta) * received, 0.0)
    spec = {"model": "clearing", "alpha": alpha, "beta": beta, "tol": tol, "n": net.n}
    return ClearingResult(
        payments=p,
        equity=equity,
        default_cost=cost,
        defaulted=defaulted,
        default_round=cleared.default_round,
        residual=residual,
        iterations=cleared.rounds,
        inner_iterations=cleared.inner_iterations,
        pbar=net.pbar,
        external=e,
        received=received,
        alpha=alpha,
        beta=beta,
        names=names,
        solver_steps=cleared.methods,
        provenance=Provenance(spec=spec, data_hash=stable_hash([net.pbar.tolist(), e.tolist()])),
    )


def clear_many(
    liabilities: Any,
    external: Any,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    names: Sequence[str] | None = None,
    tol: float = 1e-13,
    picard_sweeps: int = 30,
) -> ClearingBatchResult:
    """Clear one network under many external-asset vectors (rows of ``external``).

    The liabilities are validated, transposed and normalised once and shared by
    every shock; each shock then runs the same GA rounds as :func:`clear`.
    """
    net = _Network.build(liabilities)
    e_all = np.atleast_2d(as_vector(external, n=net.n, name="external", allow_matrix=True))
    a = as_fraction(alpha, name="alpha")
    b = as_fraction(beta, name="beta")
    labels = _names(names, net.n)
    m = e_all.shape[0]
    pay = np.empty((m, net.n))
    eq = np.empty((m, net.n))
    rnd = np.empty((m, net.n), dtype=np.int64)
    res = np.empty(m)
    its = np.empty(m, dtype=np.int64)
    for k in range(m):
        one = _clear_prepared(
            net, e_all[k], alpha=a, beta=b, names=labels, tol=tol, picard_sweeps=picard_sweeps
        )
        pay[k], eq[k], rnd[k] = one.payments, one.equity, one.default_round
        res[k], its[k] = one.residual, one.iterations
    spec = {"model": "clearing-batch", "alpha": a, "beta": b, "tol": tol, "n": net.n, "m": m}
    return ClearingBatchResult(
        payments=pay,
        equity=eq,
        defaulted=rnd > 0,
        default_round=rnd,
        residual=res,
        iterations=its,
        pbar=net.pbar,
        alpha=a,
        beta=b,
        names=labels,
        provenance=Provenance(spec=spec, data_hash=stable_hash(e_all.sum(axis=1).tolist())),
    )


def picard_clear(
    liabilities: Any,
    external: Any,
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000_000,
) -> tuple[FloatArray, int]:
    """Naive Picard iteration ``p <- min(pbar, max(0, e + Pi' p))`` from ``pbar``.

    The baseline of methods.md D.7, kept for benchmarks and as an independent
    check; it stops when the *step* falls below ``tol * max(pbar)``, which on
    near-closed cycles is long before the payments are right.
    """
    net = _Network.build(liabilities)
    e = as_vector(external, n=net.n, name="external")
    p = net.pbar.copy()
    atol = tol * max(float(np.max(net.pbar, initial=0.0)), 1.0)
    for it in range(1, max_iter + 1):
        p_new = np.minimum(net.pbar, np.maximum(0.0, e + net.received(p)))
        step = float(np.max(np.abs(p_new - p), initial=0.0))
        p = p_new
        if step <= atol:
            return p, it
    return p, max_iter
