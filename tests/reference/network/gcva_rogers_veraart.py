"""Peer run: Rogers & Veraart (2013) examples through an independent implementation.

Peer: ninagad/Greatest-Clearing-Vector-Algorithm (Lauridsen & Bohlbro, Aarhus BSc
thesis), commit a3bfa5be41109d83bd5f8622025302848a7e13cb, src/GreatestClearingVectorAlgorithm.py
(Algorithm GA of Rogers & Veraart 2013). Its test/correctnessTests.py names the two
examples used here: "Example 3.3 from Rogers and Veraart's article" and "example in
section 5.1 of Rogers and Veraart" (the circular network). This script imports the peer
from a checkout (nothing of it is copied) and prints its greatest clearing vectors and
insolvency sets; the output is kept beside it in gcva_rogers_veraart.out.

Run: GCVA_DIR=/path/to/checkout python tests/reference/network/gcva_rogers_veraart.py
(needs numpy and scipy).
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.environ["GCVA_DIR"], "src"))
import GreatestClearingVectorAlgorithm as gcva


def run(
    label: str, liabilities: np.ndarray, external: np.ndarray, alpha: float, beta: float
) -> None:
    net = gcva.Network(liabilities, external[:, None], alpha, beta)
    p = gcva.GA(net).ravel()
    rounds = [sorted(int(i) for i in s) for s in net.insolvencySets[1:]]
    print(f"{label}: payments {' '.join(repr(float(x)) for x in p)}; insolvency sets {rounds}")


run("RV Example 3.3", np.array([[0.0, 2.0], [2.2, 0.0]]), np.array([1.0, 1.0]), 0.5, 0.5)
run("RV Example 3.3, K1 = 2.2", np.array([[0.0, 2.2], [2.2, 0.0]]), np.array([1.0, 1.0]), 0.5, 0.5)
# Section 5.1 circular network: n = 6, gamma = 0.4, epsilon = 1, a = 2, alpha = beta = 1/2
gamma, eps, a = 0.4, 1.0, 2.0
ring = np.zeros((6, 6))
for i in range(6):
    ring[i, (i + 1) % 6] = a if i % 2 == 0 else a + eps
ext = np.array([gamma * (1 - eps) if i % 2 == 0 else gamma * (1 + eps) for i in range(6)])
run("RV section 5.1 circular network", ring, ext, 0.5, 0.5)
