"""Krawczyk's test in midpoint-radius disk arithmetic, on a system's straight-line program.

A disk <m, r> = {x in C : |x - m| <= r} (m complex128, r float64) encloses a complex number.  With
u = 2^-53, IEEE binary64 rounding to nearest (no fast-math) and fl(.) a computed value:

    <a> + <b>, <a> - <b>  in  <fl(ma +- mb), ra + rb + u |fl(ma +- mb)|>
    <a> * <b>             in  <fl(ma mb), |ma| rb + ra |mb| + ra rb + 4u |ma| |mb|>
    1 / <b>               in  <fl(1/mb), rb / (B (B - rb)) + 8u / B>     (B = (1 - 4u) |fl(mb)| > rb)

(a complex sum is exact up to a factor 1 + d, |d| <= u, per component; a complex product has
relative error at most sqrt(5) u, Brent, Percival, Zimmermann, Math. Comp. 76 (2007), and 4u
covers a fused multiply-add too).  Every radius computed in floating point is then rounded up by
the factor 1 + 2^-40 (far above the few ulps its own rounding can lose) plus 2^-1000 (underflow),
as in Rump's midpoint-radius arithmetic (BIT 39 (1999) 534-554).  Non-finite values fail the test.

The program (:mod:`.slp`) gives F and its Jacobian F_z as nodes, evaluated level by level: all
nodes of one depth and one operation in one NumPy call, over many points at once.  For a box
X = prod_i D(x_i, r) and Y ~ F_z(x)^-1, every y in X has

    y - Y F(y) = x - Y F(x) + (I - Y M)(y - x),    M = int_0^1 F_z(x + t (y - x)) dt,

and the entries of M lie in the (convex) disks of F_z(X).  So y - Y F(y) lies in D(x_i, s_i) with
s = |Y F(x)| + rad(Y F(x)) + (|C| + rad C) r 1, C = I - Y F_z(X).  If s_i < r for all i, the map
y -> y - Y F(y) sends X into itself (one zero, by Brouwer), the rows of |C| + rad C sum to less
than one (so Y and every M are invertible: the zero is regular and unique in X).  This is
Krawczyk's test (Krawczyk 1969; Rump, Acta Numer. 19 (2010) 287-449, section 13), and
D(x_i, s_i) encloses the root.

Example: the root 2 of z^2 - 4, from 2 + 1e-9, is certified in a box of radius 1e-6.
    >>> import jax.numpy as jnp
    >>> from neuromanifold.homotopy.system import System
    >>> S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1)
    >>> t = krawczyk(S, np.array([[2 + 1e-9]]), np.array([4.0]), np.array([1e-6]))
    >>> bool(t.passed[0]), bool(t.enclosure_radius[0, 0] < 1e-6)
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import NotPolynomialError
from . import slp
from .system import Map, System

U = 2.0 ** -53
#: radii are rounded up by this factor and this term (see the module docstring)
UP, ETA = 1.0 + 2.0 ** -40, 2.0 ** -1000
#: values held at once while evaluating (nodes x points), so that memory stays near 100 MB
BUDGET = 4_000_000


@dataclass
class _Plan:
    """The program's F and F_z as a table of values (nodes, then constants) and the groups of one
    level and one operation that compute it."""

    rows: int
    z_rows: np.ndarray       # table row of z_j (-1 when z_j is not used)
    p_rows: np.ndarray
    d_rows: np.ndarray
    const_rows: np.ndarray
    consts: np.ndarray
    groups: list             # (op, out rows, a rows, b rows or None)
    F: np.ndarray            # (n,) rows of F_i
    J: np.ndarray            # (n, n) rows of dF_i/dz_j


def plan(prog: slp.Program, jacobian: bool = True) -> _Plan:
    """The evaluation plan of F (and F_z unless ``jacobian`` is False) of a program."""
    ops = prog.tape.ops
    consts: dict[complex, int] = {}
    N = len(ops)

    def row(x) -> int:
        if type(x) is slp.Sym:
            return x.i
        if type(x) is int:
            return x
        c = complex(x)
        if c not in consts:
            consts[c] = N + len(consts)
        return consts[c]

    F = np.array([row(x) for x in prog.F], int)
    J = np.array([[row(x) for x in r] for r in prog.J] if jacobian else [], int).reshape(
        (prog.n, prog.n) if jacobian else (0, 0))
    need, stack = set(), [i for i in np.concatenate([F, J.reshape(-1)]).tolist() if i < N]
    while stack:
        i = stack.pop()
        if i in need:
            continue
        need.add(i)
        stack.extend(y for y in ops[i][1:] if type(y) is int and y not in need)
    level = {}
    groups: dict = {}
    for i in sorted(need):
        op, a, b = ops[i]
        if op in ("z", "p", "v", "d"):
            level[i] = 0
            continue
        args = [a] if b is None else [a, b]
        level[i] = 1 + max((level[y] for y in args if type(y) is int), default=0)
        groups.setdefault((level[i], op), []).append((i, row(a), None if b is None else row(b)))
    inputs = {kind: np.full(size, -1) for kind, size in (("z", prog.n), ("p", prog.m), ("d", prog.ndata))}
    for i in need:
        op, j, _ = ops[i]
        if op in inputs:
            inputs[op][j] = i
    out = []
    for (_, op), members in sorted(groups.items()):
        idx = np.array([m[0] for m in members])
        a = np.array([m[1] for m in members])
        b = None if op == "neg" else np.array([m[2] for m in members])
        out.append((op, idx, a, b))
    cvals = np.array(list(consts), np.complex128)
    return _Plan(N + len(consts), inputs["z"], inputs["p"], inputs["d"],
                 np.array(list(consts.values()), int), cvals, out, F, J)


def _up(r):
    return r * UP + ETA


def _evaluate(P: _Plan, Z, rz, p, data):
    """(F mid, F rad, J mid, J rad) over the disks D(Z[k, j], rz[k]) (rows of one chunk)."""
    k = len(Z)
    M = np.zeros((P.rows, k), np.complex128)
    R = np.zeros((P.rows, k))
    for j, r in enumerate(P.z_rows):
        if r >= 0:
            M[r], R[r] = Z[:, j], rz
    for j, r in enumerate(P.p_rows):
        if r >= 0:
            M[r] = p[j]
    for j, r in enumerate(P.d_rows):
        if r >= 0:
            M[r] = data[j]
    M[P.const_rows] = P.consts[:, None]
    for op, out, a, b in P.groups:
        ma, ra = M[a], R[a]
        if op == "neg":
            M[out], R[out] = -ma, ra
            continue
        mb, rb = M[b], R[b]
        if op == "add" or op == "sub":
            m = ma + mb if op == "add" else ma - mb
            M[out], R[out] = m, _up(ra + rb + U * np.abs(m))
            continue
        if op == "div":
            B = np.abs(mb) * (1 - 4 * U)         # a lower bound of |mb| (B - rb may cancel)
            inv = 1.0 / mb
            rinv = np.where(B > rb, rb / (B * (B - rb)) + 8 * U / B, np.inf)
            mb, rb = inv, _up(rinv)
        A, B = np.abs(ma), np.abs(mb)
        M[out] = ma * mb
        R[out] = _up(A * rb + ra * B + ra * rb + 4 * U * A * B)
    if not P.J.size:
        return M[P.F].T, R[P.F].T, None, None
    return M[P.F].T, R[P.F].T, M[P.J].transpose(2, 0, 1), R[P.J].transpose(2, 0, 1)


@dataclass
class KrawczykTest:
    """One Krawczyk test per row: passed, and the enclosure D(x_ij, s_ij) of the root where it did."""

    passed: np.ndarray
    enclosure_radius: np.ndarray     # (k, n): s (an enclosure only where passed)


def available(system: System | Map) -> bool:
    """Whether the test applies: the system has a straight-line program whose constants are
    exactly the system's (no rounded constant folding); else the ball-arithmetic certifier runs."""
    try:
        return not slp.program(system).tape.inexact
    except NotPolynomialError:
        return False


def _inverses(A: np.ndarray) -> np.ndarray:
    """Inverses of a batch of matrices, zero for a singular one (whose test then fails)."""
    try:
        Y = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        Y = np.zeros_like(A)
        for i, a in enumerate(A):
            try:
                Y[i] = np.linalg.inv(a)
            except np.linalg.LinAlgError:
                pass
    return np.where(np.isfinite(Y), Y, 0)


def krawczyk(system: System, X0: np.ndarray, p, radii: np.ndarray) -> KrawczykTest:
    """Krawczyk's test on the boxes prod_j D(X0[k, j], radii[k]) (module docstring)."""
    P = system.compiled("disk-plan", lambda: plan(slp.program(system)))
    PF = _values_plan(system)
    X0 = np.asarray(X0, np.complex128)
    k, n = X0.shape
    p = np.asarray(p, np.complex128).reshape(-1)
    data = slp.data_vector(system.data)
    passed = np.zeros(k, bool)
    s_all = np.full((k, n), np.inf)
    chunk = max(1, BUDGET // max(P.rows, 1))
    with np.errstate(all="ignore"):
        for start in range(0, k, chunk):
            sl = slice(start, start + chunk)
            x, r = X0[sl], np.asarray(radii, float)[sl]
            Fm, Fr, _, _ = _evaluate(PF, x, np.zeros(len(x)), p, data)
            _, _, Jm, Jr = _evaluate(P, x, r, p, data)
            Y = _inverses(np.where(np.isfinite(Jm), Jm, 0))
            aY = np.abs(Y)
            g = (2 * n + 8) * U
            YFm = np.einsum("kij,kj->ki", Y, Fm)
            YFr = _up(np.einsum("kij,kj->ki", aY, Fr) + g * np.einsum("kij,kj->ki", aY, np.abs(Fm)))
            Cm = np.eye(n)[None] - np.einsum("kij,kjl->kil", Y, Jm)
            Cr = _up(np.einsum("kij,kjl->kil", aY, Jr) + g * np.einsum("kij,kjl->kil", aY, np.abs(Jm))
                     + U * np.abs(Cm))
            CK = _up(r[:, None] * np.sum(np.abs(Cm) + Cr, axis=2))
            s = _up(np.abs(YFm) + YFr + CK)
            ok = np.all(np.isfinite(s) & (s < r[:, None]), axis=1)
            passed[sl], s_all[sl] = ok, s
    return KrawczykTest(passed, s_all)


def _values_plan(system) -> _Plan:
    return system.compiled("disk-plan-values", lambda: plan(slp.program(system), jacobian=False))


def first_radii(system: System, Z: np.ndarray, p, J: np.ndarray) -> np.ndarray:
    """Radii that Krawczyk's test can pass with: 8 max_i (|Y| (|F(x)| + rad F(x)))_i, Y = J^-1, the
    Newton step and the rounding of F at the centre both bounded (a smaller box cannot contract)."""
    Fm, Fr = values(system, Z, np.zeros(len(Z)), p)
    with np.errstate(all="ignore"):
        s0 = np.einsum("kij,kj->ki", np.abs(_inverses(np.asarray(J, np.complex128))), np.abs(Fm) + Fr)
    return 8.0 * np.where(np.isfinite(s0), s0, 0.0).max(axis=1)


def values(system: System | Map, Z: np.ndarray, radii: np.ndarray, p=None) -> tuple[np.ndarray, np.ndarray]:
    """Disks (mid, rad), each (k, number of outputs), holding F(z; p) for every z in the box
    prod_j D(Z[k, j], radii[k]) (e.g. the images of certified boxes, to tell their points apart)."""
    P = _values_plan(system)
    Z = np.asarray(Z, np.complex128)
    p = np.zeros(system.m, np.complex128) if p is None else np.asarray(p, np.complex128).reshape(-1)
    data = slp.data_vector(system.data)
    chunk = max(1, BUDGET // max(P.rows, 1))
    mids, rads = [], []
    with np.errstate(all="ignore"):
        for start in range(0, len(Z), chunk):
            m, r, _, _ = _evaluate(P, Z[start:start + chunk], np.asarray(radii, float)[start:start + chunk],
                                   p, data)
            mids.append(m)
            rads.append(np.where(np.isfinite(r), r, np.inf))
    n_out = len(P.F)
    if not mids:
        return np.zeros((0, n_out), np.complex128), np.zeros((0, n_out))
    return np.concatenate(mids), np.concatenate(rads)
