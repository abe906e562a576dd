"""The real neuromanifold and its relative boundary: stride-one linear convolutional networks and
one-layer lightning self-attention.

**Attention.**  One layer X |-> V X X^T K^T Q X is linear in the tensor T = V (x) A, A = K^T Q:
f = L(T) for a fixed linear map L from R^{dout d} (x) R^{d d} to V (found here by least squares on
random parameters, exact up to rounding since mu is bilinear in (V, A)).  With a >= d, A is any
matrix and M = L(rank-one tensors), a linear projection of a Segre cone.  L has a kernel (of
dimension 2 for d = 2, a = 2, t = 2, dout = 1), so the fibre of f is {T0 + sum s_j K_j of rank one}
(T0 = L^+ f, K_j a basis of ker L): finitely many s, cut out by the 2 x 2 minors.  A real rank-one
tensor factors over R (real V, A and then real K, Q), so f is in M(R) iff some solution s is real.
A projection's real image has a boundary where real preimages meet and turn complex: f in M(R)
is on the relative boundary when no real preimage is a simple solution (a real preimage where
the tangent space of the Segre cone meets ker L is a multiple solution).

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

import jax.numpy as jnp
import numpy as np
from flint import fmpz_poly

from .. import validate
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
    """The factor degrees of a family whose M is a set of products of polynomials
    (:meth:`~neuromanifold.architectures.Architecture.factor_form`: stride-one lcn)."""
    form = arch.factor_form()
    if form is None:
        raise NeuromanifoldError(f"the real boundary is built for products of polynomials (lcn with every stride 1) "
                                 f"and one-layer attention, not {arch}; e.g. on_boundary('lcn(filters=[2,2], "
                                 f"strides=[1,1])', [1, -2, 1])")
    return list(form.degrees)


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


def on_boundary(arch, f, *, seed: int = 0) -> BoundaryResult:
    """Is f on the relative boundary of the real neuromanifold?  For products of polynomials
    (stride-one lcn) by the exact real roots of the end-to-end filter (arXiv 2108.01538); for one-layer
    attention by the real rank-one preimages (module docstring).

    Parameters
    ----------
    arch : spec string or Architecture
    f : coefficients in V (for lcn: the end-to-end filter w_0 .. w_{n-1}); seed

    Returns
    -------
    BoundaryResult : ``value`` (on the boundary?), ``in_real_neuromanifold``, ``reason``, the roots.

    Example
    -------
    >>> on_boundary("lcn(filters=[2,2], strides=[1,1])", [1, -2, 1]).value   # (x - y)^2: a double root
    True
    >>> on_boundary("lcn(filters=[2,2], strides=[1,1])", [1, 0, -1]).value   # two simple real roots
    False
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    param = arch.parametrization()
    if arch.tensor_form() is not None:
        w = validate.point(f, param.ambient_dimension, "the point", order=f"`neuromanifold info {arch}`")
        return _attention_boundary(arch, w, seed, dict(spec=str(arch), invariant="on_boundary", seed=seed,
                                                       point=w.tolist()))
    d = stride_one_degrees(arch)
    n = param.ambient_dimension
    w = validate.point(f, n, "the filter", where=f"the end-to-end filter w_0 .. w_{n - 1}")
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
        return np.zeros(sum(di + 1 for di in d))
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
    return arch.factor_form().parameters(factors)


@dataclass
class AttentionTensorMap:
    """f = L(V (x) A) for one-layer attention (module docstring)."""

    L: np.ndarray                 # D x (dout d) (d d), columns for vec(V) (x) vec(A), row-major
    injective: bool
    singular_values: np.ndarray
    dout: int
    d: int
    a: int


def attention_tensor_map(arch, seed: int = 0) -> AttentionTensorMap:
    form = arch.tensor_form()
    if form is None:
        raise NeuromanifoldError(f"the tensor form is built for one-layer attention, not {arch}; e.g. "
                                 f"attention(d=2, a=2, t=2, dout=1)")
    param = arch.parametrization()
    d, dout, a = form.d, form.dout, form.a
    cols = dout * d * d * d
    rng = np.random.default_rng([seed, 167])
    S = 2 * cols + 8
    T = np.zeros((S, cols))
    F = np.zeros((S, param.ambient_dimension))
    for i in range(S):
        theta = param.random_params(rng)
        V, A = form.factors(param.unflatten(theta))
        T[i] = np.kron(np.asarray(V).reshape(-1), np.asarray(A).reshape(-1))
        F[i] = np.asarray(param.coefficients(theta))
    L = np.linalg.lstsq(T, F, rcond=None)[0].T
    s = np.linalg.svd(L, compute_uv=False)
    return AttentionTensorMap(L, bool(s[-1] > 1e-9 * s[0]), s, dout, d, a)


@dataclass
class AttentionFibre:
    """The fibre of f = L(T) over the rank-one tensors: T(s) = T0 + sum_j s_j K_j (K_j a basis of
    ker L), solutions s of rank T(s) <= 1 (the 2 x 2 minors), each real or not and simple or not."""

    in_span: bool
    kernel: int
    solutions: np.ndarray        # (count, kernel) complex
    real: np.ndarray
    simple: np.ndarray
    tensors: np.ndarray          # T(s) per solution, (count, dout d, d d)
    failed: int = 0


def _minors(Tm):
    r, c = Tm.shape
    out = []
    for i in range(r):
        for j in range(i + 1, r):
            for k in range(c):
                for m in range(k + 1, c):
                    out.append(Tm[i, k] * Tm[j, m] - Tm[i, m] * Tm[j, k])
    return jnp.stack(out) if out else jnp.zeros(0)


def attention_fibre(arch, f, seed: int = 0, rtol: float = 1e-8) -> AttentionFibre:
    """Solve rank T0 + sum s_j K_j <= 1 (module docstring); one-layer attention with a >= d."""
    import jax

    from ..homotopy.system import System
    from ..homotopy.total_degree import solve

    tm = attention_tensor_map(arch, seed)
    if tm.a < tm.d:
        raise NeuromanifoldError(f"{arch} has a = {tm.a} < d = {tm.d}: the rank condition on A = K^T Q is not "
                                 f"built into the fibre equations; use a >= d")
    f = np.asarray(f, float).reshape(-1)
    U, sv, Vh = np.linalg.svd(tm.L)
    rank = int(np.sum(sv > 1e-9 * sv[0]))
    K = Vh[rank:]                                   # kernel basis (rows)
    T0 = np.linalg.lstsq(tm.L, f, rcond=None)[0]
    in_span = bool(np.linalg.norm(tm.L @ T0 - f) <= 1e-7 * (1 + np.linalg.norm(f)))
    shape = (tm.dout * tm.d, tm.d * tm.d)
    if not in_span:
        return AttentionFibre(False, len(K), np.zeros((0, len(K)), complex), np.zeros(0, bool), np.zeros(0, bool),
                              np.zeros((0,) + shape))
    if len(K) == 0:
        Tm = T0.reshape(shape)
        ok = np.linalg.matrix_rank(Tm, tol=rtol * max(np.abs(Tm).max(), 1e-300)) <= 1
        sols = np.zeros((1 if ok else 0, 0), complex)
        return AttentionFibre(True, 0, sols, np.ones(len(sols), bool), np.ones(len(sols), bool),
                              Tm[None] if ok else np.zeros((0,) + shape))
    kappa = len(K)
    minors_count = len(_minors(np.zeros(shape)))
    rng = np.random.default_rng([seed, 173])
    R = (rng.standard_normal((kappa, minors_count)) + 1j * rng.standard_normal((kappa, minors_count)))

    def full(z, T0c, Kc):
        return _minors((T0c + z @ Kc).reshape(shape))

    def F(z, p):
        return jnp.asarray(R) @ full(z, jnp.asarray(T0, z.dtype), jnp.asarray(K, z.dtype))

    res = solve(System(F, kappa, 0, f"attention fibre of {arch}"), seed=seed)
    sols = res.solutions
    if len(sols):
        vals = np.array([np.asarray(full(jnp.asarray(z), jnp.asarray(T0, complex), jnp.asarray(K, complex)))
                         for z in sols])
        scale = 1 + np.abs(T0).max() ** 2 + np.abs(sols).max(axis=1) ** 2
        keep = np.abs(vals).max(axis=1) <= 1e-8 * scale
        sols = sols[keep]
    # a multiple solution comes out of the homotopy as a tight cluster (a double root splits by
    # about the square root of the end game's accuracy): merge clusters, their centre a multiple
    # solution; singular end points are multiple solutions too
    pts = [(z, True) for z in sols] + [(z, False) for z in np.asarray(res.singular).reshape(-1, kappa)]
    merged = []
    for z, regular in pts:
        for entry in merged:
            if np.abs(entry[0] / entry[1] - z).max() <= 1e-4 * (1 + np.abs(z).max()):
                entry[0], entry[1], entry[2] = entry[0] + z, entry[1] + 1, False
                break
        else:
            merged.append([z.copy(), 1, regular])
    jac = jax.jacfwd(lambda z: full(z, jnp.asarray(T0, complex), jnp.asarray(K, complex)), holomorphic=True)
    real, simple, tensors, centres = [], [], [], []
    for total, count, regular in merged:
        z = total / count
        J = np.asarray(jac(jnp.asarray(z, complex)))
        sj = np.linalg.svd(J, compute_uv=False)
        simple.append(bool(regular and sj[-1] > 1e-7 * max(sj[0], 1e-300)))
        tol = 1e-8 if simple[-1] else 1e-4
        real.append(bool(np.abs(z.imag).max() <= tol * (1 + np.abs(z).max())))
        tensors.append((T0 + z @ K).reshape(shape))
        centres.append(z)
    sols = np.array(centres, complex).reshape(-1, kappa)
    return AttentionFibre(True, kappa, sols, np.array(real, bool), np.array(simple, bool),
                          np.array(tensors).reshape((-1,) + shape), failed=int(res.failed))


def _attention_boundary(arch, w, seed, common) -> BoundaryResult:
    t0 = time.perf_counter()
    fib = attention_fibre(arch, w, seed)
    inside = bool(np.any(fib.real))
    boundary = bool(inside and not np.any(fib.real & fib.simple))
    if not fib.in_span:
        reason = "f is not in the linear span of the neuromanifold (not of the form L(T))"
    elif not inside:
        reason = (f"the {len(fib.solutions)} rank-one preimages T0 + ker L are all non-real: f is in M over C only"
                  if len(fib.solutions) else "no rank-one preimage: f is not in M")
    elif boundary:
        reason = ("every real rank-one preimage is a multiple solution of the fibre equations (the projection "
                  "L ramifies there): nearby points of the closure have non-real preimages, f is on the boundary")
    else:
        reason = "a simple real rank-one preimage persists under perturbation: f is an interior point of M(R)"
    common = dict(common, certified=False,
                  method=f"tensor form f = L(V (x) A), A = K^T Q; the fibre T0 + ker L (dim {fib.kernel}) cut by "
                         f"the 2 x 2 minors, solved by a total-degree homotopy; real and simple solutions")
    return BoundaryResult(value=boundary, in_real_neuromanifold=inside, reason=reason,
                          real_roots=int(np.sum(fib.real)), seconds=time.perf_counter() - t0, **common)
