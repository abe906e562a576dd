"""Certification of approximate solutions by the Krawczyk test in ball arithmetic.

For an approximate solution x of F(.; p) = 0, a box X = x + r([-1,1] + i[-1,1])^n
and Y ~ F_z(x)^{-1}, the Krawczyk operator

    K(X) = x - Y F(x) + (I - Y F_z(X)) (X - x)

is evaluated in python-flint's complex ball arithmetic (``acb``), with F and
its Jacobian run on balls by interpreting their jaxprs.  If K(X) lies in the
interior of X, then X holds exactly one solution, and it is a regular one
(Krawczyk 1969; Moore; Rump; as used in Breiding--Rose--Timme, arXiv
2011.05000).  The radius is inflated (epsilon-inflation) until the test passes
or gives up.  The test runs first in midpoint-radius disk arithmetic on the
system's straight-line program, vectorized over the points (:mod:`.disks`,
the box then a product of disks inside the square of the same radius, and
the enclosure the square around the disks it gives), and in balls for the
points it does not certify and at higher precision.

* **Distinct**: solutions whose enclosures K(X) are pairwise disjoint are
  distinct, so the number of disjoint groups of certified enclosures is a
  *certified lower bound* on the number of solutions.
* **Real** (systems with real coefficients at real parameters): if the box is
  centred on the real point Re(x) and passes, the unique root in it equals
  its own conjugate, so it is real; an enclosure whose imaginary part
  excludes 0 certifies a non-real root.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import numpy as np
from flint import acb, arb, ctx

from ..backends.objects import ObjectFunction
from . import disks
from .dedup import UnionFind
from .system import System, as_system


def _lift(v) -> acb:
    return acb(complex(v))


@dataclass
class CertifyResult:
    """Per-solution certificates and the counts they give."""

    solutions: np.ndarray
    certified: np.ndarray        # bool: a unique regular root in the box
    radius: np.ndarray           # half-width of the certified box (inf where not certified)
    real: np.ndarray             # 1 certified real, -1 certified non-real, 0 unknown
    group: np.ndarray            # index of the group of overlapping enclosures (-1 uncertified)
    parameters: np.ndarray
    real_system: bool
    precision: int               # bits of the balls (the highest used, when some rows needed more)
    seconds: float

    @property
    def certified_count(self) -> int:
        """Certified lower bound on the number of distinct solutions."""
        return len(set(self.group[self.group >= 0].tolist()))

    @property
    def real_count(self) -> int:
        """Distinct certified real solutions."""
        return len(set(self.group[(self.group >= 0) & (self.real == 1)].tolist()))

    @property
    def nonreal_count(self) -> int:
        return int(np.sum(self.real == -1))

    def summary(self) -> str:
        return (f"{self.certified_count} of {len(self.solutions)} solutions certified distinct "
                f"(Krawczyk, {self.precision}-bit balls); {self.real_count} certified real, "
                f"{self.nonreal_count} certified non-real; {self.seconds:.2f} s")


def _functions(system: System, k: int):
    """F and F_z over k points as functions of (Z, p, data leaves) on object arrays, traced once per
    family (the data are arguments, so every member of a family shares them)."""
    leaves, tree = jax.tree_util.tree_flatten(system.data)

    def make():
        def value(z, p, *flat):
            return system.plain_call(z, p, jax.tree_util.tree_unflatten(tree, flat))

        def jac(z, p, *flat):
            return jax.jacfwd(value, argnums=0, holomorphic=True)(z, p, *flat)

        z = np.zeros((k, system.n), np.complex128)
        p = np.zeros(system.m, np.complex128)
        axes = (0, None) + (None,) * len(leaves)
        Fb = ObjectFunction(jax.vmap(value, in_axes=axes), z, p, *leaves)
        Jb = ObjectFunction(jax.vmap(jac, in_axes=axes), z, p, *leaves)
        return Fb, Jb

    Fb, Jb = system.compiled(f"balls{k}/{tree}/{[np.shape(a) for a in leaves]}", make)
    data = [_points(a) if np.issubdtype(np.asarray(a).dtype, np.inexact) else np.asarray(a) for a in leaves]
    return (lambda Z, P, lift: Fb(Z, P, *data, lift=lift)), (lambda Z, P, lift: Jb(Z, P, *data, lift=lift))


def _boxes(centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    out = np.empty(centres.shape, dtype=object)
    for i in range(centres.shape[0]):
        r = float(radii[i])
        for j in range(centres.shape[1]):
            c = complex(centres[i, j])
            out[i, j] = acb(arb(c.real, r), arb(c.imag, r))
    return out


def _points(A: np.ndarray) -> np.ndarray:
    out = np.empty(A.shape, dtype=object)
    flat, src = out.reshape(-1), np.asarray(A, complex).reshape(-1)
    for i, v in enumerate(src.tolist()):
        flat[i] = acb(v)
    return out


def _krawczyk(system: System, X0: np.ndarray, p, radii: np.ndarray):
    """One Krawczyk test per row: (passed, enclosures K(X) as object arrays)."""
    k, n = X0.shape
    Fb, Jb = _functions(system, k)
    P = _points(np.asarray(p, complex).reshape(system.m))
    Jf = system.jacobians(X0, p)
    with np.errstate(all="ignore"):
        Y = np.linalg.inv(Jf)
    Y = np.where(np.isfinite(Y), Y, 0)
    Xc = _points(X0)
    X = _boxes(X0, radii)
    FX = Fb(Xc, P, lift=_lift)                       # F at the exact centres, enclosed
    JX = Jb(X, P, lift=_lift)                        # F_z over the boxes, enclosed
    Yb = _points(Y)
    eye = np.empty((n, n), dtype=object)
    for a in range(n):
        for b in range(n):
            eye[a, b] = acb(1.0 if a == b else 0.0)
    passed = np.zeros(k, bool)
    K = np.empty((k, n), dtype=object)
    for i in range(k):
        D = X[i] - Xc[i]
        Ki = Xc[i] - Yb[i].dot(FX[i]) + (eye - Yb[i].dot(JX[i])).dot(D)
        K[i] = Ki
        passed[i] = all(X[i][j].contains_interior(Ki[j]) for j in range(n))
    return passed, K


def certify(F, solutions, p=None, *, precision: int = 53, real_parameters: bool | None = None,
            max_inflations: int = 6) -> CertifyResult:
    """Krawczyk certificates for approximate solutions of F(z; p) = 0 (module docstring): each row
    gets a box holding exactly one regular solution, or no certificate; reality is certified for
    real systems at real parameters; overlapping enclosures are grouped.

    Parameters
    ----------
    F : a System; solutions : approximate solutions (rows); p : the parameters; precision : bits of
        the balls; real_parameters : treat the system as real (default: when p and F are real);
    max_inflations : epsilon-inflations of a box before its row is given up

    Returns
    -------
    CertifyResult : ``certified``, ``radius``, ``real`` (1 real, -1 non-real, 0 unknown), ``group``;
    ``distinct`` (a certified lower bound on the number of solutions).

    Example
    -------
    >>> import jax.numpy as jnp, numpy as np
    >>> from neuromanifold.homotopy import System
    >>> sq = System(lambda z, p: jnp.array([z[0] ** 2 - 2.0]), 1, 0)
    >>> cert = certify(sq, np.array([[1.41421356], [-1.41421356]]))
    >>> cert.certified.tolist(), cert.real.tolist()
    ([True, True], [1, 1])
    """
    system = as_system(F)
    t0 = time.perf_counter()
    Z = np.atleast_2d(np.asarray(solutions, complex))
    p = np.zeros(system.m, complex) if p is None else np.asarray(p, complex).reshape(system.m)
    k, n = Z.shape
    if k == 0:
        return CertifyResult(Z, np.zeros(0, bool), np.zeros(0), np.zeros(0, int), np.zeros(0, int), p,
                             False, precision, 0.0)
    if real_parameters is None:
        real_parameters = bool(np.all(np.abs(p.imag) == 0))
    real_system = real_parameters and system.is_real()
    old = ctx.prec
    ctx.prec = precision
    try:
        Z = system.newton(Z, p, 2)
        Z = np.where(np.isfinite(Z), Z, 0)
        J = system.jacobians(Z, p)
        Fv = system.evaluate(Z, p)
        with np.errstate(all="ignore"):
            step = np.abs(np.linalg.solve(J, Fv[..., None])[..., 0]).max(axis=1)
        scale = 1.0 + np.abs(Z).max(axis=1)
        base = np.maximum(np.where(np.isfinite(step), step, 1.0) * 16, 1e-13 * scale)
        certified = np.zeros(k, bool)
        radius = np.full(k, np.inf)
        enclosure = np.empty((k, n), dtype=object)
        todo = np.arange(k)
        used = precision
        if precision <= 53 and disks.available(system):
            # the same test in disk arithmetic (vectorized, binary64): most rows pass here
            r = np.maximum(base, disks.first_radii(system, Z, p, J))
            for _ in range(max_inflations):
                if todo.size == 0:
                    break
                test = disks.krawczyk(system, Z[todo], p, r[todo])
                done = todo[test.passed]
                certified[done], radius[done] = True, r[done]
                enclosure[done] = _disk_boxes(Z[done], test.enclosure_radius[test.passed])
                spread = test.enclosure_radius[~test.passed].max(axis=1)
                todo = todo[~test.passed]
                r[todo] = np.maximum(r[todo] * 10.0, 2.0 * np.where(np.isfinite(spread), spread, 0.0))
                todo = todo[r[todo] < 1e-2 * scale[todo]]
            todo = np.flatnonzero(~certified)
        if todo.size:
            # an ill-conditioned row (condition number kappa) is known in double precision only to
            # kappa 2^-53, and no box around it contracts once kappa r > 1: its centre is first
            # refined by Newton's method in high precision (:mod:`.refine`), after which it is exact
            # to the last bit of a complex128 and a box of a few ulps is tried first
            fine = _refined(system, Z[todo], p)
            if fine is not None:
                rows = todo[fine.converged]
                Z[rows] = fine.points[fine.converged]
                base[rows] = 1e-15 * scale[rows]
        # rows that fail at this precision are tried again with twice the bits: at 53 bits the
        # rounding of F(x) under cancellation can leave no radius that passes (seen for a
        # condition number of 3e4), where 106 bits pass over four decades of radii
        for bits in (precision, 2 * precision, 4 * precision):
            if todo.size == 0:
                break
            ctx.prec = used = bits
            r = base.copy()
            for _ in range(max_inflations):
                if todo.size == 0:
                    break
                ok, K = _krawczyk(system, Z[todo], p, r[todo])
                done = todo[ok]
                certified[done], radius[done] = True, r[done]
                enclosure[done] = K[ok]
                # epsilon-inflation: the next box is wider than this failed enclosure, and at
                # least 10x the last one
                spread = np.array([_radius(K[i]) for i in np.flatnonzero(~ok)])
                todo = todo[~ok]
                r[todo] = np.maximum(r[todo] * 10.0, 2.0 * np.where(np.isfinite(spread), spread, 0.0))
                todo = todo[r[todo] < 1e-2 * scale[todo]]
            todo = np.flatnonzero(~certified)
        real = np.zeros(k, int)
        if real_system:
            cand = np.flatnonzero(certified & (np.abs(Z.imag).max(axis=1) <= 1e3 * radius + 1e-8 * scale))
            if cand.size:
                Zr = Z[cand].real.astype(complex)
                ok, K = _krawczyk(system, Zr, p, np.maximum(radius[cand], np.abs(Z[cand].imag).max(axis=1) * 4))
                real[cand[ok]] = 1
                enclosure[cand[ok]] = K[ok]
            for i in np.flatnonzero(certified & (real == 0)):
                if any(not enclosure[i][j].imag.contains(0) for j in range(n)):
                    real[i] = -1
        group = _groups(enclosure, certified)
    finally:
        ctx.prec = old
    return CertifyResult(Z, certified, radius, real, group, p, real_system, used,
                         time.perf_counter() - t0)


def _refined(system: System, Z: np.ndarray, p: np.ndarray):
    """High-precision Newton refinement of the rows of Z (:func:`.refine.refine`), or None for a
    system without a straight-line program (non-polynomial operations)."""
    from ..errors import NotPolynomialError
    from .refine import refine

    try:
        return refine(system, Z, p)
    except NotPolynomialError:
        return None


def _disk_boxes(centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Balls (squares) holding the disks D(centres[i, j], radii[i, j])."""
    out = np.empty(centres.shape, dtype=object)
    for i in range(centres.shape[0]):
        for j in range(centres.shape[1]):
            c, r = complex(centres[i, j]), float(radii[i, j])
            out[i, j] = acb(arb(c.real, r), arb(c.imag, r))
    return out


def _radius(box) -> float:
    """Largest half-width of a box of complex balls."""
    return max(max(float(b.real.rad()), float(b.imag.rad())) for b in box)


def _groups(enclosure: np.ndarray, certified: np.ndarray) -> np.ndarray:
    """Group certified enclosures that overlap (transitively); -1 for uncertified rows."""
    k = len(certified)
    group = np.full(k, -1)
    idx = np.flatnonzero(certified)
    if idx.size == 0:
        return group
    # sort by the real midpoint of the first coordinate; overlapping boxes are neighbours in a band
    lo = np.array([float(enclosure[i][0].real.mid()) - float(enclosure[i][0].real.rad()) for i in idx])
    hi = np.array([float(enclosure[i][0].real.mid()) + float(enclosure[i][0].real.rad()) for i in idx])
    order = np.argsort(lo)
    sets = UnionFind(idx.size)
    for a_pos, a in enumerate(order):
        for b in order[a_pos + 1:]:
            if lo[b] > hi[a]:
                break
            if all(enclosure[idx[a]][j].overlaps(enclosure[idx[b]][j]) for j in range(enclosure.shape[1])):
                sets.union(int(a), int(b))
    group[idx] = sets.labels()
    return group


def image_groups(cert: CertifyResult, image_map) -> np.ndarray:
    """Group the certified solutions whose images under ``image_map`` (a :class:`~.system.Map`
    z -> image, with its data) have overlapping enclosures: the number of groups is a certified
    lower bound on the number of distinct image points.  The images of the certified boxes are
    enclosed in disk arithmetic (over the disks of radius sqrt(2) r, which hold the squares of the
    ball certificates as well as the disks of the disk certificates), else in balls; -1 for the
    uncertified rows."""
    k = len(cert.solutions)
    if not np.any(cert.certified):
        return np.full(k, -1)
    idx = np.flatnonzero(cert.certified)
    if disks.available(image_map):
        mid, rad = disks.values(image_map, cert.solutions[idx], cert.radius[idx] * np.sqrt(2) * (1 + 2.0 ** -40))
        enc = _disk_boxes(mid, rad)
    else:
        p = np.zeros(image_map.m, np.complex128)
        f = ObjectFunction(jax.vmap(lambda z: image_map.plain_call(z, p, image_map.data)),
                           np.zeros((len(idx), image_map.n), np.complex128))
        enc = f(_boxes(cert.solutions[idx], cert.radius[idx]), lift=_lift)
    full = np.empty((k, enc.shape[1]), dtype=object)
    full[idx] = enc
    return _groups(full, cert.certified)
