"""The real neuromanifold of a stride-one linear convolutional network and its boundary.

For ``lcn(filters=[k_1..k_L], strides=[1..1])`` the end-to-end filter is the product
w = u_1 u_2 ... u_L of polynomials of degrees d_l = k_l - 1 (Kohn--Merkh--Montufar--Trager,
arXiv 2108.01538).  Read w as a binary form of degree n - 1 = sum d_l (coefficient i of x^i y^(n-1-i),
so a dropped leading coefficient is a root at infinity).  Over C every form factors, so M = V.
Over R the complex roots come in conjugate pairs and a factor of odd degree needs a real root, so

    w in M(R)  <=>  w = 0  or  r(w) >= #{l : d_l odd},

with r(w) the number of real roots counted with multiplicity.  A small real perturbation keeps
simple real roots real, while a real root of multiplicity m can split into m - 2 floor(m / 2) real
roots and floor(m / 2) conjugate pairs; so the fewest real roots near w is
r_min = r - 2 sum_j floor(m_j / 2), and w in M(R) is on the relative boundary of M(R) iff
r_min < #{odd d_l} (some nearby form has too few real roots).  E.g. for filters [2, 2] (quadratics
that split over R): the boundary is the discriminant b^2 - 4 a c = 0, the quadratics with a
double root.  The point is read exactly (floats as the rationals they are) and its real roots
and their multiplicities are certified (FLINT's root isolation), so the verdict is certified.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd

import numpy as np
from flint import fmpz_poly

from ..architectures import parse
from ..errors import NeuromanifoldError
from ..results import Result


@dataclass
class BoundaryResult(Result):
    point: list = field(default_factory=list)
    in_real_neuromanifold: bool = False
    real_roots: int = 0                 # with multiplicity (roots of the binary form in P^1(R))
    multiplicities: list = field(default_factory=list)   # of the distinct real roots
    odd_factors: int = 0                # factors of odd degree: the real roots needed
    fewest_nearby_real_roots: int = 0
    reason: str = ""


@dataclass
class RealRoots:
    total: int
    multiplicities: list
    fewest_nearby: int


def stride_one_degrees(arch) -> list[int]:
    if arch.family != "lcn" or any(s != 1 for s in arch.strides):
        raise NeuromanifoldError(f"the real neuromanifold by root counting is built for lcn with every stride 1, not "
                                 f"{arch}; e.g. on_boundary('lcn(filters=[2,2], strides=[1,1])', [1, -2, 1])")
    return [k - 1 for k in arch.filters]


def real_roots(w) -> RealRoots:
    """Real roots in P^1(R) of the binary form sum_i w_i x^i y^(n-1-i), with multiplicities, exactly:
    the floats are read as the rationals they are, and FLINT isolates the complex roots of the
    integer polynomial in ball arithmetic (real roots come with an exactly zero imaginary part,
    multiplicities from the squarefree factorisation)."""
    fr = [Fraction(float(v)) for v in np.asarray(w, float).reshape(-1)]
    n1 = len(fr) - 1
    top = max((i for i, v in enumerate(fr) if v != 0), default=-1)
    at_infinity = n1 - top                     # y divides the form this many times
    mult = [at_infinity] if at_infinity and top >= 0 else []
    if top > 0:
        den = 1
        for v in fr[:top + 1]:
            den = den * v.denominator // gcd(den, v.denominator)
        poly = fmpz_poly([int(v * den) for v in fr[:top + 1]])
        mult += [int(m) for root, m in poly.complex_roots() if root.imag.is_zero()]
    total = int(sum(mult))
    return RealRoots(total, mult, total - 2 * sum(m // 2 for m in mult))


def on_boundary(arch, f, seed: int = 0) -> BoundaryResult:
    """Is f on the relative boundary of the real neuromanifold?  (Stride-one lcn; module docstring.)"""
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    d = stride_one_degrees(arch)
    param = arch.parametrization()
    w = np.asarray(f, float).reshape(-1)
    if w.size != param.ambient_dimension or not np.all(np.isfinite(w)):
        raise NeuromanifoldError(f"the filter has {w.size} entries; V has dimension {param.ambient_dimension}: "
                                 f"give {param.ambient_dimension} finite coefficients w_0 .. w_{param.ambient_dimension - 1}")
    odd = sum(1 for di in d if di % 2)
    n1 = len(w) - 1
    common = dict(spec=str(arch), invariant="on_boundary", seed=seed, point=w.tolist(), odd_factors=odd,
                  certified=True,
                  method="real roots of the end-to-end filter (binary form) with multiplicities: in M(R) iff "
                         "r >= #odd-degree factors; boundary iff a double real root can leave R nearby "
                         "(arXiv 2108.01538)")
    if np.abs(w).max() == 0:
        proper = odd > n1 % 2       # some real form of degree n-1 has fewer real roots than needed
        return BoundaryResult(value=bool(proper), in_real_neuromanifold=True,
                              reason="the zero filter is the apex of the cone M(R): " + (
                                  "M(R) is not all of V, so it is on the boundary" if proper else
                                  "here M(R) = V, so it is an interior point"),
                              seconds=time.perf_counter() - t0, **common)
    rr = real_roots(w)
    inside = rr.total >= odd
    boundary = bool(inside and rr.fewest_nearby < odd)
    if not inside:
        reason = f"{rr.total} real roots < {odd} needed by the odd-degree factors: f is not in M(R)"
    elif boundary:
        reason = (f"{rr.total} real roots (multiplicities {rr.multiplicities}) but a perturbation can leave "
                  f"only {rr.fewest_nearby} < {odd}: f is on the boundary")
    else:
        reason = (f"{rr.total} real roots and at least {rr.fewest_nearby} >= {odd} stay real nearby: f is an "
                  f"interior point of M(R)")
    return BoundaryResult(value=boundary, in_real_neuromanifold=bool(inside), real_roots=rr.total,
                          multiplicities=rr.multiplicities, fewest_nearby_real_roots=rr.fewest_nearby,
                          reason=reason, seconds=time.perf_counter() - t0, **common)


def real_factors(arch, w: np.ndarray):
    """Filters u_1..u_L over R with u_1 u_2 ... u_L = w (stride one), when w is in M(R): real roots
    go first to the odd-degree factors, then conjugate pairs and the remaining real roots in twos;
    a root at infinity is the linear form y (a factor whose top coefficient is 0).  None if w is
    not in M(R)."""
    d = stride_one_degrees(arch)
    w = np.asarray(w, float).reshape(-1)
    if np.abs(w).max() == 0:
        return np.zeros(sum(k for k in arch.filters))
    if real_roots(w).total < sum(1 for di in d if di % 2):
        return None
    top = int(np.max(np.flatnonzero(w)))
    roots = list(np.roots(w[:top + 1][::-1])) if top > 0 else []
    real = sorted([r.real for r in roots if abs(r.imag) <= 1e-7 * (1 + abs(r))]) + [np.inf] * (len(w) - 1 - top)
    pairs = [r for r in roots if r.imag > 1e-7 * (1 + abs(r))]
    linear = [np.array([1.0, 0.0]) if np.isinf(r) else np.array([-r, 1.0]) for r in real]
    quadratic = [np.array([abs(r) ** 2, -2 * r.real, 1.0]) for r in pairs]
    factors = []
    for di in d:
        u = np.array([1.0])
        need = di
        if di % 2:
            u, need = np.convolve(u, linear.pop(0)), need - 1
        while need:
            if quadratic:
                u = np.convolve(u, quadratic.pop(0))
            else:
                u = np.convolve(np.convolve(u, linear.pop(0)), linear.pop(0))
            need -= 2
        factors.append(u)
    product = np.array([1.0])
    for u in factors:
        product = np.convolve(product, u)
    # the leading coefficient (or the lowest one, for roots at infinity) goes into u_1
    k = int(np.argmax(np.abs(product)))
    factors[0] = factors[0] * (w[k] / product[k])
    return np.concatenate(factors)
