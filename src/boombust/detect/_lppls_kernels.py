"""Numerical kernels of the LPPLS fit (Filimonov & Sornette 2013 reformulation).

All kernels are plain Python loops over numpy arrays. With numba installed they are
compiled by :func:`_jit`; without it they run as they are (slowly) and give the same
numbers. Time is measured in trading days relative to the "present" t2 (t2 = 0, the
window is ``t = -dt .. 0``) and divided by a fixed ``scale`` inside the power law, so
that ``f = (|tc - t| / scale)**m`` stays of order one. The scale only rescales and
rotates the linear parameters (B, C1, C2); SSE, tc, m and omega do not depend on it.

Model (JLS / Filimonov–Sornette): ``ln p = A + B f + C1 f cos(w L) + C2 f sin(w L)``
with ``L = ln(|tc - t| / scale)`` and ``f = exp(m L)``. The four linear parameters are
slaved to ``(tc, m, w)``: they solve a normal-equation system, done here on centred sums
(A eliminated, 3x3 Cholesky), so that the profiled cost ``F1(tc, m, w)`` is exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

F = TypeVar("F", bound=Callable[..., Any])

_numba: Any
try:  # pragma: no cover - exercised when numba is installed
    import numba as _numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    _numba = None
    HAVE_NUMBA = False


def _jit(func: F) -> F:
    """Compile ``func`` with ``numba.njit`` when numba imports; else return it unchanged.

    The compiled function keeps the plain version as ``.py_func`` (numba's convention).
    """
    if _numba is None:  # pragma: no cover
        return func
    compiled: F = _numba.njit(cache=False, fastmath=False)(func)
    return compiled


FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: floor of ``|tc - t| / scale`` so that ``ln`` stays finite when tc hits a data point
DT_FLOOR = 1e-9
#: relative pivot below which the 3x3 normal matrix counts as singular
PIVOT_RTOL = 1e-13
#: neighbouring windows' fits closer than this fraction of each range share a basin
SAME_BASIN = 0.005


@_jit
def _solve_centred(
    n: float,
    sy: float,
    syy: float,
    sf: float,
    sg: float,
    sh: float,
    sff: float,
    sfg: float,
    sfh: float,
    sgg: float,
    sgh: float,
    shh: float,
    syf: float,
    syg: float,
    syh: float,
    out: FloatArray,
) -> float:
    """Solve the 4x4 normal equations from raw sums; write (A, B, C1, C2) into ``out``.

    Returns the SSE of the least-squares fit, or ``inf`` when the design is singular.
    """
    inv_n = 1.0 / n
    a11 = sff - sf * sf * inv_n
    a12 = sfg - sf * sg * inv_n
    a13 = sfh - sf * sh * inv_n
    a22 = sgg - sg * sg * inv_n
    a23 = sgh - sg * sh * inv_n
    a33 = shh - sh * sh * inv_n
    b1 = syf - sy * sf * inv_n
    b2 = syg - sy * sg * inv_n
    b3 = syh - sy * sh * inv_n
    yy = syy - sy * sy * inv_n
    # Cholesky of the 3x3 centred Gram matrix
    if not (a11 > 0.0):
        return np.inf
    l11 = math.sqrt(a11)
    l21 = a12 / l11
    l31 = a13 / l11
    d2 = a22 - l21 * l21
    if not (d2 > PIVOT_RTOL * a22):
        return np.inf
    l22 = math.sqrt(d2)
    l32 = (a23 - l31 * l21) / l22
    d3 = a33 - l31 * l31 - l32 * l32
    if not (d3 > PIVOT_RTOL * a33):
        return np.inf
    l33 = math.sqrt(d3)
    z1 = b1 / l11
    z2 = (b2 - l21 * z1) / l22
    z3 = (b3 - l31 * z1 - l32 * z2) / l33
    x3 = z3 / l33
    x2 = (z2 - l32 * x3) / l22
    x1 = (z1 - l21 * x2 - l31 * x3) / l11
    out[0] = (sy - x1 * sf - x2 * sg - x3 * sh) * inv_n
    out[1] = x1
    out[2] = x2
    out[3] = x3
    sse = yy - (z1 * z1 + z2 * z2 + z3 * z3)
    if sse < 0.0:
        sse = 0.0
    return sse


@_jit
def profile_sse(
    t: FloatArray,
    y: FloatArray,
    start: int,
    tc: float,
    m: float,
    w: float,
    scale: float,
    lin: FloatArray,
) -> float:
    """Profiled cost F1(tc, m, w) over ``t[start:]``; linear parameters into ``lin``."""
    n = 0.0
    sy = syy = sf = sg = sh = sff = sfg = sfh = sgg = sgh = shh = syf = syg = syh = 0.0
    for i in range(start, t.shape[0]):
        dt = abs(tc - t[i]) / scale
        if dt < DT_FLOOR:
            dt = DT_FLOOR
        lg = math.log(dt)
        f = math.exp(m * lg)
        c = math.cos(w * lg)
        s = math.sin(w * lg)
        g = f * c
        h = f * s
        yi = y[i]
        n += 1.0
        sy += yi
        syy += yi * yi
        sf += f
        sg += g
        sh += h
        sff += f * f
        sfg += f * g
        sfh += f * h
        sgg += g * g
        sgh += g * h
        shh += h * h
        syf += yi * f
        syg += yi * g
        syh += yi * h
    return _solve_centred(n, sy, syy, sf, sg, sh, sff, sfg, sfh, sgg, sgh, shh, syf, syg, syh, lin)


@_jit
def _profile_cached(
    t: FloatArray,
    y: FloatArray,
    start: int,
    tc: float,
    m: float,
    w: float,
    scale: float,
    lin: FloatArray,
    cache: FloatArray,
) -> float:
    """:func:`profile_sse` that also stores ``(1/(tc-t), ln dt, f, cos, sin)`` per point."""
    n = 0.0
    sy = syy = sf = sg = sh = sff = sfg = sfh = sgg = sgh = shh = syf = syg = syh = 0.0
    for i in range(start, t.shape[0]):
        d = tc - t[i]
        dt = abs(d) / scale
        if dt < DT_FLOOR:
            dt = DT_FLOOR
            d = DT_FLOOR * scale if d >= 0.0 else -DT_FLOOR * scale
        lg = math.log(dt)
        f = math.exp(m * lg)
        c = math.cos(w * lg)
        s = math.sin(w * lg)
        k = i - start
        cache[k, 0] = 1.0 / d
        cache[k, 1] = lg
        cache[k, 2] = f
        cache[k, 3] = c
        cache[k, 4] = s
        g = f * c
        h = f * s
        yi = y[i]
        n += 1.0
        sy += yi
        syy += yi * yi
        sf += f
        sg += g
        sh += h
        sff += f * f
        sfg += f * g
        sfh += f * h
        sgg += g * g
        sgh += g * h
        shh += h * h
        syf += yi * f
        syg += yi * g
        syh += yi * h
    return _solve_centred(n, sy, syy, sf, sg, sh, sff, sfg, sfh, sgg, sgh, shh, syf, syg, syh, lin)


@_jit
def scan_grid_nested(
    t: FloatArray,
    y: FloatArray,
    starts: IntArray,
    tc_lo: FloatArray,
    tc_hi: FloatArray,
    tcs: FloatArray,
    ms: FloatArray,
    w0: float,
    dw: float,
    nw: int,
    scale: float,
    best_sse: FloatArray,
    best_par: FloatArray,
) -> None:
    """Evaluate F1 on a (tc, m, w) grid for many nested windows sharing the end point.

    For a fixed candidate the basis values at a data point do not depend on the window,
    so the normal-equation sums of every window ``t[starts[j]:]`` are suffix sums of one
    pass over the points. ``starts`` must be sorted in decreasing order (smallest window
    first). ``w`` runs over ``w0 + k*dw`` (k < nw), computed by angle addition. Window j
    only accepts tc in ``[tc_lo[j], tc_hi[j]]``. ``best_sse`` (W, n_tc) and ``best_par``
    (W, n_tc, 3) are updated in place with the best (m, w) candidate of each window and
    each grid tc.
    """
    npt = t.shape[0]
    nwin = starts.shape[0]
    lgs = np.empty(npt)
    c0 = np.empty(npt)
    s0 = np.empty(npt)
    cd = np.empty(npt)
    sd = np.empty(npt)
    # candidate-independent suffix sums of 1, y, y^2 at each window start
    cnt = np.empty(nwin)
    sy_w = np.empty(nwin)
    syy_w = np.empty(nwin)
    acc_n = 0.0
    acc_y = 0.0
    acc_yy = 0.0
    j = 0
    for i in range(npt - 1, -1, -1):
        acc_n += 1.0
        acc_y += y[i]
        acc_yy += y[i] * y[i]
        while j < nwin and starts[j] == i:
            cnt[j] = acc_n
            sy_w[j] = acc_y
            syy_w[j] = acc_yy
            j += 1
    acc = np.zeros((nw, 9))
    lin = np.empty(4)
    for a in range(tcs.shape[0]):
        tc = tcs[a]
        first = -1
        for jj in range(nwin):
            if tc_lo[jj] <= tc <= tc_hi[jj]:
                first = jj
                break
        if first < 0:
            continue
        for i in range(npt):
            dt = abs(tc - t[i]) / scale
            if dt < DT_FLOOR:
                dt = DT_FLOOR
            lg = math.log(dt)
            lgs[i] = lg
            c0[i] = math.cos(w0 * lg)
            s0[i] = math.sin(w0 * lg)
            cd[i] = math.cos(dw * lg)
            sd[i] = math.sin(dw * lg)
        for b in range(ms.shape[0]):
            m = ms[b]
            acc[:, :] = 0.0
            sf = sff = syf = 0.0
            j = 0
            for i in range(npt - 1, -1, -1):
                f = math.exp(m * lgs[i])
                ff = f * f
                yi = y[i]
                sf += f
                sff += ff
                syf += yi * f
                c = c0[i]
                s = s0[i]
                cdi = cd[i]
                sdi = sd[i]
                yf = yi * f
                for k in range(nw):
                    ffc = ff * c
                    ffs = ff * s
                    acc[k, 0] += f * c  # g
                    acc[k, 1] += f * s  # h
                    acc[k, 2] += ffc  # f g
                    acc[k, 3] += ffs  # f h
                    acc[k, 4] += ffc * c  # g g
                    acc[k, 5] += ffc * s  # g h
                    acc[k, 6] += ffs * s  # h h
                    acc[k, 7] += yf * c  # y g
                    acc[k, 8] += yf * s  # y h
                    cn = c * cdi - s * sdi
                    s = s * cdi + c * sdi
                    c = cn
                while j < nwin and starts[j] == i:
                    if tc_lo[j] <= tc <= tc_hi[j]:
                        for k in range(nw):
                            sse = _solve_centred(
                                cnt[j],
                                sy_w[j],
                                syy_w[j],
                                sf,
                                acc[k, 0],
                                acc[k, 1],
                                sff,
                                acc[k, 2],
                                acc[k, 3],
                                acc[k, 4],
                                acc[k, 5],
                                acc[k, 6],
                                syf,
                                acc[k, 7],
                                acc[k, 8],
                                lin,
                            )
                            if sse < best_sse[j, a]:
                                best_sse[j, a] = sse
                                best_par[j, a, 0] = tc
                                best_par[j, a, 1] = m
                                best_par[j, a, 2] = w0 + k * dw
                    j += 1


@_jit
def _jacobian_normal(
    y: FloatArray,
    start: int,
    m: float,
    w: float,
    lin: FloatArray,
    cache: FloatArray,
    jtj: FloatArray,
    jtr: FloatArray,
    gdiag: FloatArray,
    newton: bool,
) -> None:
    """Gauss–Newton normal matrix of the 7-parameter model, from a profile cache.

    With ``newton`` the second-order term ``-sum r_i d2 mu_i`` is added, giving the exact
    Hessian of SSE/2 (Newton's method converges quadratically on this large-residual
    problem where Gauss–Newton converges only linearly).
    """
    jtj[:, :] = 0.0
    jtr[:] = 0.0
    aa = lin[0]
    bb = lin[1]
    c1 = lin[2]
    c2 = lin[3]
    row = np.empty(7)
    h2 = np.zeros((7, 7))
    for i in range(start, y.shape[0]):
        k = i - start
        inv_d = cache[k, 0]
        lg = cache[k, 1]
        f = cache[k, 2]
        c = cache[k, 3]
        s = cache[k, 4]
        osc = bb + c1 * c + c2 * s
        dosc = -c1 * s + c2 * c
        r = y[i] - (aa + f * osc)
        row[0] = 1.0
        row[1] = f
        row[2] = f * c
        row[3] = f * s
        row[4] = (m * f * osc + f * w * dosc) * inv_d  # d mu / d tc
        row[5] = lg * f * osc  # d mu / d m
        row[6] = lg * f * dosc  # d mu / d w
        for p in range(7):
            rp = row[p]
            jtr[p] += rp * r
            for q in range(p, 7):
                jtj[p, q] += rp * row[q]
        if newton:
            # second derivatives of mu (0 A, 1 B, 2 C1, 3 C2, 4 tc, 5 m, 6 w), times -r
            rf = r * f
            rfl = rf * lg
            rfd = rf * inv_d
            q_tc = m * osc + w * dosc
            osc_b = osc - bb
            h2[1, 4] -= rfd * m
            h2[1, 5] -= rfl
            h2[2, 4] -= rfd * (m * c - w * s)
            h2[2, 5] -= rfl * c
            h2[2, 6] += rfl * s
            h2[3, 4] -= rfd * (m * s + w * c)
            h2[3, 5] -= rfl * s
            h2[3, 6] -= rfl * c
            h2[4, 4] -= rfd * inv_d * ((m - 1.0) * q_tc + m * w * dosc - w * w * osc_b)
            h2[4, 5] -= rfd * (lg * q_tc + osc)
            h2[4, 6] -= rfd * (m * lg * dosc + dosc - w * lg * osc_b)
            h2[5, 5] -= rfl * lg * osc
            h2[5, 6] -= rfl * lg * dosc
            h2[6, 6] += rfl * lg * osc_b
    for p in range(7):
        gdiag[p] = jtj[p, p]
        if newton:
            for q in range(p, 7):
                jtj[p, q] += h2[p, q]
    for p in range(7):
        for q in range(p):
            jtj[p, q] = jtj[q, p]


@_jit
def _solve_small(a: FloatArray, b: FloatArray, x: FloatArray) -> bool:
    """Solve a small dense system by Gaussian elimination with partial pivoting (in place)."""
    n = b.shape[0]
    for k in range(n):
        piv = k
        big = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > big:
                big = abs(a[i, k])
                piv = i
        if not (big > 0.0) or not math.isfinite(big):
            return False
        if piv != k:
            for q in range(n):
                tmp = a[k, q]
                a[k, q] = a[piv, q]
                a[piv, q] = tmp
            tmp = b[k]
            b[k] = b[piv]
            b[piv] = tmp
        for i in range(k + 1, n):
            fac = a[i, k] / a[k, k]
            for q in range(k, n):
                a[i, q] -= fac * a[k, q]
            b[i] -= fac * b[k]
    for k in range(n - 1, -1, -1):
        acc = b[k]
        for q in range(k + 1, n):
            acc -= a[k, q] * x[q]
        x[k] = acc / a[k, k]
        if not math.isfinite(x[k]):
            return False
    return True


@_jit
def _solve_spd(a: FloatArray, b: FloatArray, x: FloatArray) -> bool:
    """Solve ``a x = b`` by Cholesky (in place); False unless ``a`` is positive definite.

    Used for the damped Newton step: refusing an indefinite model (and damping more)
    keeps the iteration away from saddle points of the cost.
    """
    n = b.shape[0]
    for j in range(n):
        d = a[j, j]
        for k in range(j):
            d -= a[j, k] * a[j, k]
        if not (d > 0.0) or not math.isfinite(d):
            return False
        d = math.sqrt(d)
        a[j, j] = d
        for i in range(j + 1, n):
            v = a[i, j]
            for k in range(j):
                v -= a[i, k] * a[j, k]
            a[i, j] = v / d
    for i in range(n):
        v = b[i]
        for k in range(i):
            v -= a[i, k] * x[k]
        x[i] = v / a[i, i]
    for i in range(n - 1, -1, -1):
        v = x[i]
        for k in range(i + 1, n):
            v -= a[k, i] * x[k]
        x[i] = v / a[i, i]
        if not math.isfinite(x[i]):
            return False
    return True


@_jit
def polish(
    t: FloatArray,
    y: FloatArray,
    start: int,
    theta: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    scale: float,
    max_iter: int,
    rtol: float,
    lin: FloatArray,
    newton_after: int,
) -> float:
    """Bounded Levenberg–Marquardt with variable projection, in place on ``theta``.

    Each step solves a damped 7x7 system of (A, B, C1, C2, tc, m, w), keeps the
    (tc, m, w) part, clips it to the box ``[lo, hi]`` and re-solves the linear
    parameters exactly, so the cost never increases. Iterations ``< newton_after`` use
    the Gauss–Newton matrix J'J (robust far from a minimum); later ones the exact
    Hessian (Newton: quadratic convergence on this large-residual problem, where
    Gauss–Newton is only linear), solved by Cholesky so that an indefinite model is
    refused and damped further. The damping ``lam * diag(J'J)`` follows Nielsen's
    gain-ratio rule. A polish stops when a step gains less than ``rtol * sse``.
    Returns the final SSE and leaves the linear parameters in ``lin``.
    """
    npt = t.shape[0] - start
    cache = np.empty((npt, 5))
    cache_trial = np.empty((npt, 5))
    sse = _profile_cached(t, y, start, theta[0], theta[1], theta[2], scale, lin, cache)
    if not math.isfinite(sse):
        return sse
    jtj = np.empty((7, 7))
    jtr = np.empty(7)
    gdiag = np.empty(7)
    amat = np.empty((7, 7))
    bvec = np.empty(7)
    step = np.empty(7)
    trial = np.empty(3)
    fixed = np.zeros(3, dtype=np.bool_)
    lin_trial = np.empty(4)
    lam = 1e-3
    nu = 2.0
    gain = 0.0
    for it in range(max_iter):
        newton = it >= newton_after
        _jacobian_normal(y, start, theta[1], theta[2], lin, cache, jtj, jtr, gdiag, newton)
        accepted = False
        for _inner in range(12):
            # active set: a parameter sitting on a bound whose step points outward is
            # held fixed and the step re-solved (projected Gauss–Newton)
            for p in range(3):
                fixed[p] = False
            ok = True
            for _pass in range(4):
                for p in range(7):
                    for q in range(7):
                        amat[p, q] = jtj[p, q]
                    amat[p, p] = jtj[p, p] + lam * gdiag[p] + 1e-300
                    bvec[p] = jtr[p]
                for p in range(3):
                    if fixed[p]:
                        for q in range(7):
                            amat[4 + p, q] = 0.0
                            amat[q, 4 + p] = 0.0
                        amat[4 + p, 4 + p] = 1.0
                        bvec[4 + p] = 0.0
                ok = _solve_spd(amat, bvec, step) if newton else _solve_small(amat, bvec, step)
                if not ok:
                    break
                changed = False
                for p in range(3):
                    if not fixed[p] and (
                        (theta[p] <= lo[p] and step[4 + p] < 0.0)
                        or (theta[p] >= hi[p] and step[4 + p] > 0.0)
                    ):
                        fixed[p] = True
                        changed = True
                if not changed:
                    break
            if not ok:
                lam *= nu
                nu *= 2.0
                continue
            # predicted SSE decrease of the (linearised) step: 2 d'g - d'JtJ d
            pred = 0.0
            for p in range(7):
                acc = 2.0 * jtr[p]
                for q in range(7):
                    acc -= jtj[p, q] * step[q]
                pred += step[p] * acc
            if not (pred > 0.0):
                # not a descent model step (indefinite Hessian): damp more, no evaluation
                lam *= nu
                nu *= 2.0
                continue
            for p in range(3):
                v = theta[p] + step[4 + p]
                if v < lo[p]:
                    v = lo[p]
                elif v > hi[p]:
                    v = hi[p]
                trial[p] = v
            sse_new = _profile_cached(
                t, y, start, trial[0], trial[1], trial[2], scale, lin_trial, cache_trial
            )
            if sse_new < sse:
                gain = sse - sse_new
                sse = sse_new
                swap = cache
                cache = cache_trial
                cache_trial = swap
                for p in range(3):
                    theta[p] = trial[p]
                for p in range(4):
                    lin[p] = lin_trial[p]
                # Nielsen (1999) damping update from the gain ratio actual / predicted
                rho = gain / pred
                tmp = 2.0 * rho - 1.0
                fac = 1.0 - tmp * tmp * tmp
                if fac < 1.0 / 3.0:
                    fac = 1.0 / 3.0
                lam = max(lam * fac, 1e-12)
                nu = 2.0
                accepted = True
                break
            lam *= nu
            nu *= 2.0
        if not accepted or gain <= rtol * sse:
            break
    return sse


@_jit
def fit_nested_windows(
    t: FloatArray,
    y: FloatArray,
    starts: IntArray,
    tc_lo: FloatArray,
    tc_hi: FloatArray,
    m_lo: float,
    m_hi: float,
    w_lo: float,
    w_hi: float,
    tcs: FloatArray,
    ms: FloatArray,
    w0: float,
    dw: float,
    nw: int,
    scale: float,
    n_starts: int,
    screen_iter: int,
    max_iter: int,
    rtol: float,
    sweep: bool,
    newton_after: int,
    screen_stride: int,
    out: FloatArray,
) -> None:
    """Best LPPLS fit of every nested window ``t[starts[j]:]``.

    1. Grid scan shared by all windows (:func:`scan_grid_nested`): for every window and
       every grid tc, the best (m, w) grid point.
    2. Per window, the ``n_starts`` best of those (distinct tc) plus the polished fit of
       the next larger window (if inside the bounds; else one more grid start; so a
       single window gets ``n_starts + 1`` grid starts) are polished for ``screen_iter``
       LM iterations; the best is polished to convergence (``max_iter``, ``rtol``).
    3. If ``sweep``, a second sweep from the smallest window to the largest screens
       each window from its smaller neighbour's fit (``screen_iter``), polishes it if it
       already beats the window's fit, and keeps it when the cost is lower, so that a
       good basin found for one window propagates to its neighbours both ways.

    With ``screen_stride > 1`` the grid scan and the screening iterations use every
    ``screen_stride``-th point of the window (aligned on the last point, so nested
    windows share them; a window starts at its first subsampled point); candidates are
    ranked by that subsampled cost, the second sweep compares the full cost, and every
    final polish uses all points.

    ``out`` (W, 8) gets ``tc, m, w, A, B, C1, C2, sse`` per window (linear parameters in
    scaled time), NaN when no candidate gave a finite cost.
    """
    nwin = starts.shape[0]
    ntc = tcs.shape[0]
    best_sse = np.full((nwin, ntc), np.inf)
    best_par = np.zeros((nwin, ntc, 3))
    stride = max(screen_stride, 1)
    off = (t.shape[0] - 1) % stride
    ts = np.ascontiguousarray(t[off::stride])
    ys = np.ascontiguousarray(y[off::stride])
    sub_starts = np.empty(nwin, dtype=np.int64)
    for jj in range(nwin):
        sub_starts[jj] = (starts[jj] - off + stride - 1) // stride
    scan_grid_nested(
        ts, ys, sub_starts, tc_lo, tc_hi, tcs, ms, w0, dw, nw, scale, best_sse, best_par
    )
    lo = np.empty(3)
    hi = np.empty(3)
    theta = np.empty(3)
    lin = np.empty(4)
    cand = np.empty(3)
    lin_c = np.empty(4)
    have_prev = False
    prev = np.empty(3)
    # largest window first (starts sorted decreasing: last entry is the largest window)
    for jj in range(nwin - 1, -1, -1):
        lo[0] = tc_lo[jj]
        hi[0] = tc_hi[jj]
        lo[1] = m_lo
        hi[1] = m_hi
        lo[2] = w_lo
        hi[2] = w_hi
        order = np.argsort(best_sse[jj])
        sub_start = sub_starts[jj]
        sse = np.inf
        warm = have_prev and lo[0] <= prev[0] <= hi[0]
        # without the neighbour's fit as a start, one more grid start takes its place
        nc = min(n_starts if warm else n_starts + 1, ntc)
        for r in range(nc + 1):
            if r < nc:
                a = order[r]
                if not math.isfinite(best_sse[jj, a]):
                    continue
                for p in range(3):
                    cand[p] = best_par[jj, a, p]
            else:
                if not warm:
                    continue
                for p in range(3):
                    cand[p] = prev[p]
            sse_c = polish(
                ts, ys, sub_start, cand, lo, hi, scale, screen_iter, rtol, lin_c, screen_iter
            )
            if sse_c < sse:
                sse = sse_c
                for p in range(3):
                    theta[p] = cand[p]
        if math.isfinite(sse):
            sse = polish(t, y, starts[jj], theta, lo, hi, scale, max_iter, rtol, lin, newton_after)
        if math.isfinite(sse):
            for p in range(3):
                out[jj, p] = theta[p]
                prev[p] = theta[p]
            for p in range(4):
                out[jj, 3 + p] = lin[p]
            out[jj, 7] = sse
            have_prev = True
        else:
            for p in range(8):
                out[jj, p] = np.nan
    # second sweep, smallest window to largest: a neighbour's fit as one more start
    for jj in range(1, nwin if sweep else 1):
        if not math.isfinite(out[jj - 1, 7]):
            continue
        lo[0] = tc_lo[jj]
        hi[0] = tc_hi[jj]
        if not (lo[0] <= out[jj - 1, 0] <= hi[0]):
            continue
        if math.isfinite(out[jj, 7]):
            # the neighbour's fit sits in this window's basin already: nothing to gain
            same = abs(out[jj - 1, 0] - out[jj, 0]) <= SAME_BASIN * (hi[0] - lo[0])
            same = same and abs(out[jj - 1, 1] - out[jj, 1]) <= SAME_BASIN * (m_hi - m_lo)
            same = same and abs(out[jj - 1, 2] - out[jj, 2]) <= SAME_BASIN * (w_hi - w_lo)
            if same:
                continue
        for p in range(3):
            cand[p] = out[jj - 1, p]
        # screen first; polish to convergence only if the screened start already wins
        sub_start = sub_starts[jj]
        sse_c = polish(
            ts, ys, sub_start, cand, lo, hi, scale, screen_iter, rtol, lin_c, screen_iter
        )
        if stride > 1 and math.isfinite(sse_c):
            sse_c = profile_sse(t, y, starts[jj], cand[0], cand[1], cand[2], scale, lin_c)
        if not (sse_c < out[jj, 7] or not math.isfinite(out[jj, 7])):
            continue
        sse_c = polish(t, y, starts[jj], cand, lo, hi, scale, max_iter, rtol, lin_c, newton_after)
        if sse_c < out[jj, 7] or not math.isfinite(out[jj, 7]):
            for p in range(3):
                out[jj, p] = cand[p]
            for p in range(4):
                out[jj, 3 + p] = lin_c[p]
            out[jj, 7] = sse_c


@_jit
def lppls_curve(
    t: FloatArray, tc: float, m: float, w: float, lin: FloatArray, scale: float
) -> FloatArray:
    """LPPLS log-price at times ``t`` (linear parameters in scaled time)."""
    out = np.empty(t.shape[0])
    for i in range(t.shape[0]):
        dt = abs(tc - t[i]) / scale
        if dt < DT_FLOOR:
            dt = DT_FLOOR
        lg = math.log(dt)
        f = math.exp(m * lg)
        out[i] = lin[0] + f * (lin[1] + lin[2] * math.cos(w * lg) + lin[3] * math.sin(w * lg))
    return out


@_jit
def bootstrap_refits(
    t: FloatArray,
    y: FloatArray,
    start: int,
    theta0: FloatArray,
    lin0: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    scale: float,
    draws: IntArray,
    max_iter: int,
    rtol: float,
    newton_after: int,
    out: FloatArray,
) -> None:
    """Refit synthetic series ``fit + resampled residuals`` (Trust, Shanghai-2015 §3).

    ``draws`` (R, n) holds resampled residual positions (0..n-1) of the window. Each
    refit is a bounded LM polish warm-started at the original fit. ``out`` (R, 10) gets
    ``tc, m, w, A, B, C1, C2, sse, max and mean relative price error`` per replicate.
    """
    npt = t.shape[0]
    n = npt - start
    tw = t[start:]
    mu = lppls_curve(tw, theta0[0], theta0[1], theta0[2], lin0, scale)
    resid = np.empty(n)
    for i in range(n):
        resid[i] = y[start + i] - mu[i]
    ys = np.empty(n)
    theta = np.empty(3)
    lin = np.empty(4)
    for r in range(draws.shape[0]):
        for i in range(n):
            ys[i] = mu[i] + resid[draws[r, i]]
        for p in range(3):
            theta[p] = theta0[p]
        sse = polish(tw, ys, 0, theta, lo, hi, scale, max_iter, rtol, lin, newton_after)
        for p in range(3):
            out[r, p] = theta[p]
        for p in range(4):
            out[r, 3 + p] = lin[p]
        out[r, 7] = sse
        fit = lppls_curve(tw, theta[0], theta[1], theta[2], lin, scale)
        worst = 0.0
        total = 0.0
        for i in range(n):
            e = abs(math.exp(fit[i] - ys[i]) - 1.0)
            total += e
            if e > worst:
                worst = e
        out[r, 8] = worst
        out[r, 9] = total / n


@_jit
def window_relative_errors(
    t: FloatArray,
    y: FloatArray,
    starts: IntArray,
    params: FloatArray,
    scale: float,
    out: FloatArray,
) -> None:
    """Max and mean relative price error ``|p_fit/p - 1|`` of each window's fit.

    ``params`` (W, >=7) holds ``tc, m, w, A, B, C1, C2`` per window; ``out`` is (W, 2).
    """
    lin = np.empty(4)
    for j in range(starts.shape[0]):
        if not math.isfinite(params[j, 0]):
            out[j, 0] = np.nan
            out[j, 1] = np.nan
            continue
        for p in range(4):
            lin[p] = params[j, 3 + p]
        tw = t[starts[j] :]
        fit = lppls_curve(tw, params[j, 0], params[j, 1], params[j, 2], lin, scale)
        worst = 0.0
        total = 0.0
        for i in range(tw.shape[0]):
            e = abs(math.exp(fit[i] - y[starts[j] + i]) - 1.0)
            total += e
            if e > worst:
                worst = e
        out[j, 0] = worst
        out[j, 1] = total / tw.shape[0]
