"""Independent oracles for the network tests (not boombust code paths).

Each function implements a paper's definition *literally* (loops, no shortcuts),
or an independent formulation (LP, exhaustive search), so the tests compare the
fast engine against something that cannot share its bugs.

* ``en_lp``: Eisenberg & Noe (2001) Theorem 2 / LP form: the greatest clearing
  vector maximises ``sum(p)`` s.t. ``0 <= p <= pbar``, ``p <= e + Pi' p``
  (methods.md D.1). Solved with scipy's HiGHS.
* ``rv_bruteforce``: Rogers & Veraart (2013) definition 2.3 -- a clearing vector
  is a fixed point of Phi; for each of the 2^n candidate default sets D, solve
  the linear system of that set and keep it if it is self-consistent; return the
  componentwise greatest (it exists by Tarski: Phi is monotone, RV Thm 3.1).
* ``debtrank_single_hit_literal``: Battiston et al. (2012) eqs. (1)-(3), states
  U/D/I, synchronous update, W_ji = min(1, A_ij / E_i).
* ``debtrank_linear_literal``: Bardoscia et al. (2015) eq. (6) in increment
  form, h(0) = 0, h(1) = shock.

Hand-computed examples (closed forms) are in ``test_reference_values.md``.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog


def _pi(liabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pbar = liabilities.sum(axis=1)
    pi = np.zeros_like(liabilities)
    for i in range(len(pbar)):
        if pbar[i] > 0:
            pi[i] = liabilities[i] / pbar[i]
    return pi, pbar


def en_lp(liabilities: np.ndarray, external: np.ndarray) -> np.ndarray:
    pi, pbar = _pi(liabilities)
    n = len(pbar)
    # p - Pi' p <= e
    a_ub = np.eye(n) - pi.T
    res = linprog(
        c=-np.ones(n),
        A_ub=a_ub,
        b_ub=external,
        bounds=list(zip(np.zeros(n), pbar, strict=True)),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    assert res.status == 0, res.message
    return np.asarray(res.x)


def rv_bruteforce(
    liabilities: np.ndarray, external: np.ndarray, alpha: float, beta: float
) -> np.ndarray:
    pi, pbar = _pi(liabilities)
    n = len(pbar)
    fixed_points = []
    for bits in itertools.product([False, True], repeat=n):
        d = np.array(bits)
        if (d & (pbar == 0)).any():
            continue
        p = pbar.copy()
        idx = np.flatnonzero(d)
        if idx.size:
            s = ~d
            a = np.eye(idx.size) - beta * pi[np.ix_(idx, idx)].T
            rhs = alpha * external[idx] + beta * pi[np.ix_(s, idx)].T @ pbar[s]
            try:
                p[idx] = np.linalg.solve(a, rhs)
            except np.linalg.LinAlgError:
                continue
        if (p < -1e-12).any() or (p > pbar + 1e-12).any():
            continue
        value = external + pi.T @ p
        solvent = value >= pbar - 1e-12
        # self-consistent: defaulted exactly where insolvent
        if np.array_equal(~solvent & (pbar > 0), d):
            fixed_points.append(p)
    assert fixed_points, "no clearing vector found"
    best = np.max(np.array(fixed_points), axis=0)
    # the componentwise max must itself be one of the fixed points (the GCV)
    assert any(np.allclose(best, fp, atol=1e-9) for fp in fixed_points)
    return best


def debtrank_single_hit_literal(
    exposures: np.ndarray, capital: np.ndarray, shock: np.ndarray
) -> np.ndarray:
    n = len(capital)
    w = np.zeros((n, n))  # w[j, i] = impact of j on i
    for i in range(n):
        for j in range(n):
            w[j, i] = min(1.0, exposures[i, j] / capital[i])
    h = shock.astype(float).copy()
    state = ["D" if x > 0 else "U" for x in h]
    while "D" in state:
        h_new = h.copy()
        for i in range(n):
            total = h[i]
            for j in range(n):
                if state[j] == "D":
                    total += w[j, i] * h[j]
            h_new[i] = min(1.0, total)
        new_state = list(state)
        for i in range(n):
            if state[i] == "D":
                new_state[i] = "I"
            elif state[i] == "U" and h_new[i] > 0:
                new_state[i] = "D"
        h, state = h_new, new_state
    return h


def debtrank_linear_literal(
    exposures: np.ndarray, capital: np.ndarray, shock: np.ndarray, steps: int = 20_000
) -> np.ndarray:
    lam = exposures / capital[:, None]
    h_prev = np.zeros(len(capital))
    h = shock.astype(float).copy()
    for _ in range(steps):
        h_next = np.minimum(1.0, h + lam @ (h - h_prev))
        h_prev, h = h, h_next
        if np.max(np.abs(h - h_prev)) < 1e-15:
            break
    return h
