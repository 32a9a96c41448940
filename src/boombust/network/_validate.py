"""Input checks shared by the clearing and DebtRank entry points.

Every check raises :class:`boombust.errors.InputError` naming the argument (or
file) and the offending row/column, and says what to do about it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from boombust.errors import InputError

__all__ = ["as_fraction", "as_square_matrix", "as_vector"]

FloatArray = NDArray[np.float64]


def as_square_matrix(
    matrix: Any, *, name: str, source: str | None = None, zero_diagonal: bool = False
) -> sp.csr_matrix:
    """Return ``matrix`` as a float64 CSR matrix after checking it.

    Square, finite, non-negative; with ``zero_diagonal`` also no self-loans.
    Row/column numbers in messages are 1-based (as a spreadsheet shows them).
    """
    if sp.issparse(matrix):
        mat = sp.csr_matrix(matrix, dtype=np.float64)
        mat.sum_duplicates()
        data_rows = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))
        data_cols = mat.indices
        data = mat.data
    else:
        try:
            dense = np.asarray(matrix, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise InputError(
                f"cannot read {name} as a numeric matrix ({err}); give numbers only",
                path=source,
                field=name,
            ) from None
        if dense.ndim != 2:
            raise InputError(
                f"{name} must be a 2-D matrix, got {dense.ndim} dimension(s)",
                path=source,
                field=name,
            )
        rows, cols = np.nonzero(dense != 0)
        data_rows, data_cols, data = rows, cols, dense[rows, cols]
        bad = ~np.isfinite(dense)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise InputError(
                f"{name} has a missing or non-finite value at row {r + 1}, column {c + 1}; "
                "fill it in (use 0 for no exposure)",
                path=source,
                line=int(r) + 1,
                field=name,
            )
        mat = sp.csr_matrix(dense)
    n_rows, n_cols = mat.shape
    if n_rows != n_cols:
        raise InputError(
            f"{name} must be square (one row and one column per node), got {n_rows} x {n_cols}",
            path=source,
            field=name,
        )
    if n_rows == 0:
        raise InputError(f"{name} is empty; give at least one node", path=source, field=name)
    finite = np.isfinite(data)
    if not finite.all():
        k = int(np.flatnonzero(~finite)[0])
        r, c = int(data_rows[k]), int(data_cols[k])
        raise InputError(
            f"{name} has a non-finite value at row {r + 1}, column {c + 1}; fill it in",
            path=source,
            line=r + 1,
            field=name,
        )
    negative = data < 0
    if negative.any():
        k = int(np.flatnonzero(negative)[0])
        r, c = int(data_rows[k]), int(data_cols[k])
        raise InputError(
            f"{name} has a negative entry {data[k]:g} at row {r + 1}, column {c + 1}; "
            "amounts owed must be >= 0 (reverse the direction instead)",
            path=source,
            line=r + 1,
            field=name,
        )
    if zero_diagonal:
        diag = mat.diagonal()
        if (diag != 0).any():
            r = int(np.flatnonzero(diag != 0)[0])
            raise InputError(
                f"{name} has a non-zero diagonal entry at row {r + 1}, column {r + 1}; "
                "a node cannot owe itself: set it to 0",
                path=source,
                line=r + 1,
                field=name,
            )
    mat.eliminate_zeros()
    return mat


def as_vector(
    values: Any,
    *,
    n: int,
    name: str,
    source: str | None = None,
    nonnegative: bool = True,
    upper: float | None = None,
    allow_matrix: bool = False,
) -> FloatArray:
    """Return ``values`` as a float64 array of length ``n`` (or ``(m, n)`` if allowed)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(
            f"cannot read {name} as numbers ({err})", path=source, field=name
        ) from None
    if arr.ndim == 2 and allow_matrix:
        if arr.shape[1] != n:
            raise InputError(
                f"{name} has {arr.shape[1]} columns but the network has {n} nodes; "
                "give one column per node",
                path=source,
                field=name,
            )
    elif arr.ndim != 1:
        raise InputError(
            f"{name} must be a vector (one value per node), got shape {arr.shape}",
            path=source,
            field=name,
        )
    elif arr.shape[0] != n:
        raise InputError(
            f"{name} has {arr.shape[0]} values but the network has {n} nodes; "
            "give one value per node, in the order of the matrix rows",
            path=source,
            field=name,
        )
    flat = arr.reshape(-1, n)
    bad = ~np.isfinite(flat)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        line = int(c) + 1 if flat.shape[0] == 1 else int(r) + 1
        raise InputError(
            f"{name} has a missing or non-finite value for node {c + 1}; fill it in",
            path=source,
            line=line,
            field=name,
        )
    if nonnegative and (flat < 0).any():
        r, c = np.argwhere(flat < 0)[0]
        line = int(c) + 1 if flat.shape[0] == 1 else int(r) + 1
        raise InputError(
            f"{name} has a negative value {flat[r, c]:g} for node {c + 1}; values must be >= 0",
            path=source,
            line=line,
            field=name,
        )
    if upper is not None and (flat > upper).any():
        r, c = np.argwhere(flat > upper)[0]
        line = int(c) + 1 if flat.shape[0] == 1 else int(r) + 1
        raise InputError(
            f"{name} has value {flat[r, c]:g} for node {c + 1}; values must be <= {upper:g}",
            path=source,
            line=line,
            field=name,
        )
    return arr


def as_fraction(value: float, *, name: str) -> float:
    """Check a scalar in [0, 1] (a recovery rate such as Rogers–Veraart alpha or beta)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in [0, 1], got {value!r}", field=name) from None
    if not (0.0 <= x <= 1.0):
        raise InputError(f"{name} must be in [0, 1] (a recovery fraction), got {x:g}", field=name)
    return x
