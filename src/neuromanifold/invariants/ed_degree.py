"""Euclidean distance degree of a neuromanifold for a metric Q on V.

EDdeg_Q(M) is the number of complex critical points of z |-> ||z - u||_Q^2 = (z - u)^T Q (z - u)
on the smooth part of M for generic u (Draisma, Horobet, Ottaviani, Sturmfels, Thomas,
arXiv 1309.0049).  Pulled back to a generic affine slice of parameters theta = theta_c + S lambda
(lambda in C^k, k = dim M), with c(lambda) the coefficient vector of f_theta and J = dc/dlambda
(D x k), the critical equations are the square system

    G(lambda; u) = J(lambda)^T Q (c(lambda) - u) = 0        (k equations, parameters u in C^D),

a polynomial bilinear form (no complex conjugation).  Over generic u each critical point z is
hit by the e points of the slice's fibre over it.  The pairs (lambda, u) with J of rank k and
Q (c - u) normal to M form an irreducible variety (a vector bundle over an open set of C^k), so
monodromy in u from one such pair (the seed: lambda0 random, u0 = c0 - Q^-1 v with v in the left
kernel of J(lambda0)) reaches every critical point and never the spurious solutions on the
ramification locus of the slice.  Distinct image points c(lambda) are counted; each lambda is
certified by a Krawczyk test and the image enclosures must be disjoint (a certified lower bound).
The code works in value coordinates z = P c (values of f at random points, see CriticalSlice):
the same equations after a linear change of coordinates on V.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np

from .. import guards
from ..architectures import parse
from ..architectures.equivariant import ROUNDED_CONSTANTS
from ..errors import NeuromanifoldError, TooLargeError
from ..homotopy.certify import certify as krawczyk
from ..homotopy.monodromy import MonodromyResult, monodromy_solve
from ..homotopy.system import System, family_member
from ..homotopy.tracker import TrackOptions, polish
from ..homotopy.trace import TraceCheck
from ..results import Result
from .degree import Count, image_enclosure_groups
from .dimension import dimension as compute_dimension
from .metrics import metric as make_metric
from .witness import ParameterSlice, complex_normal

#: The trace test's pencil of targets w0 + s delta, |delta| = TRACE_PENCIL |w0|: short paths (5-6 steps),
#: few failures; a missing critical point still leaves a residual near 1 / ED degree (measured on
#: rank-one 4 x 4 and 5 x 5 matrices: 1e-13 complete, 2e-4 to 2e-3 with one point left out; at 0.02 one
#: path in a hundred would not track).  Pencils down to TRACE_PENCIL / 100 are tried when paths fail.
TRACE_PENCIL = 2e-4
#: Pencils tried for one count when paths would not track (each costs about an eighth of a loop).
TRACE_TESTS = 6
#: Steps a path of the short pencil may take (most take 20-50; one that needs more is near trouble,
#: and a call of the tracker waits for its slowest path).
TRACE_STEPS = 300

#: Refuse (unless forced) critical systems with more unknowns than this.
MAX_UNKNOWNS = 40


@dataclass
class EDDegreeResult(Result):
    dimension: int = 0
    ambient_dimension: int = 0
    metric: dict = field(default_factory=dict)
    paths: int = 0
    failed_paths: int = 0
    certified_count: int = 0
    loops: int = 0
    stopped: str = ""
    rtol: float = 1e-6
    msolve: dict | None = None      # the exact recount over F_p (``msolve=True``)
    confirmed: bool = False         # monodromy and the exact recount agree (two independent methods)
    trace_test: dict = field(default_factory=dict)   # the last trace test (passed, residual, ...)
    components: list = field(default_factory=list)   # per irreducible component, where M is reducible


@dataclass(eq=False)
class CriticalSlice(ParameterSlice):
    """G(lambda; w) = J^T Q_z (z(lambda) - w) on a random affine parameter slice of dimension k.

    Coordinates on V: z = the values of f at len(basis) random points X, outputs in turn
    (z = P c with P = I (x) Veronese(X), invertible for generic X); the metric in these
    coordinates is Q_z = P^-T Q P^-1, so ||z - w||_{Q_z} = ||c - u||_Q for w = P u.  Values are the
    network's forward pass, which the ball-arithmetic certifier can evaluate."""

    param: object
    k: int
    Q: np.ndarray
    seed: int = 0

    def __post_init__(self):
        rng = np.random.default_rng([self.seed, 83])
        N = self.param.n_params
        self.theta_c = complex_normal(rng, N)
        self.S = complex_normal(rng, N, self.k) / np.sqrt(self.k)
        self.c = self.param.constants_array(np.complex128)
        # the best conditioned of a few random point sets (the metric in value coordinates has
        # the squared condition number)
        draws = [rng.standard_normal((len(self.param.basis), self.param.n_vars)) for _ in range(16)]
        self.X = min(draws, key=lambda X: np.linalg.cond(self.param.basis.evaluate(X)))
        self.P = np.kron(np.eye(self.param.n_outputs), self.param.basis.evaluate(self.X))
        Pinv = np.linalg.inv(self.P)
        self.Qz = Pinv.T @ np.asarray(self.Q, float) @ Pinv

    output_major = True          # z(lambda): the values of f at the points X, output by output

    @property
    def data(self) -> tuple:
        return (self.theta_c, self.S, self.Qz.astype(np.complex128), self.c, self.X.astype(np.complex128))

    def slice_data(self, data) -> tuple:
        theta_c, S, _, c, X = data
        return theta_c, S, X, c

    def target(self, u) -> np.ndarray:
        """w = P u: a target given by its coefficients, in value coordinates."""
        return self.P @ np.asarray(u)

    def critical_function(self, lam, u, data):
        J = jax.jacfwd(self.image_at, holomorphic=True)(lam, data)
        # G = J^T Q_z (z - w)
        return J.T @ (data[2] @ (self.image_at(lam, data) - u))

    @cached_property
    def system(self) -> System:
        return family_member(("ed-critical", str(self.param.arch), self.k, self.Q.shape),
                             lambda: System(self.critical_function, self.k, len(self.Q),
                                            f"ED critical system of {self.param.arch}", self.data),
                             self.data)

    def seed_point(self, rng: np.random.Generator):
        """(lambda0, w0): w0 = z0 - Q_z^-1 v with v a random vector of the left kernel of J(lambda0)."""
        lam0 = complex_normal(rng, self.k)
        c0 = self.images(lam0[None])[0]
        J0 = self.jacobians(lam0[None])[0]
        U, s, _ = np.linalg.svd(J0)
        left = np.conj(U[:, self.k:])             # U^H J0 = 0 on these columns, so J0^T left = 0
        v = left @ complex_normal(rng, left.shape[1]) if left.shape[1] else np.zeros(len(c0), complex)
        return lam0, c0 - np.linalg.solve(self.Qz, v)


@dataclass
class CriticalSearch:
    """Critical points of the distance to a generic target found by monodromy: the ``slice``
    (:class:`CriticalSlice`), one lambda per critical point (``points``), the ``target`` w0 (value
    coordinates), the :class:`~neuromanifold.homotopy.monodromy.MonodromyResult` and the last trace
    test (None when none ran)."""

    slice: CriticalSlice
    points: np.ndarray
    target: np.ndarray
    monodromy: object
    trace: object = None
    dominant: bool = True        # False: no critical point at a generic target (an isotropic variety)


#: Below this ratio of the smallest to the largest singular value of dG/dlambda at the seed pair, the
#: projection of the ED correspondence to the targets is taken to be singular there, hence nowhere
#: submersive: not dominant (rounding leaves about 1e-16; a regular seed of the systems measured,
#: with condition numbers up to 1e7, stays far above).
DOMINANCE_RTOL = 1e-12


def generic_critical_points(param, k: int, Q: np.ndarray, seed: int = 0, stall_loops: int = 16,
                            rtol: float = 1e-6, progress=None, trace: bool = True) -> CriticalSearch:
    """One lambda over each critical point of the distance to a generic target w0 (in value
    coordinates), found by monodromy in w from a seed pair.

    The search ends when ``stall_loops`` loops in a row find nothing new or, with ``trace``, as soon
    as the trace test passes along a short pencil of targets w0 + s delta (asked whenever every loop
    has carried every known critical point).  The equations are affine in w; when the ED
    correspondence is finite over the targets (a cone and a metric whose isotropic quadric meets M
    transversally, e.g. a generic Q: Draisma et al., arXiv 1309.0049, Sec. 5) no critical point
    goes to infinity at a finite target, so the sum of the critical points (in image coordinates)
    is affine-linear in s exactly when all of them are known (:mod:`~neuromanifold.homotopy.trace`).
    Where the test does not pass (a critical point escapes at a finite target, or a path would not
    track) the stall decides.  For the Euclidean metric on rank-one matrices the sum of the critical
    points (the rank-one terms of the SVD) is the target itself, so the test passes there too.
    """
    cs = CriticalSlice(param, k, Q, seed)
    lam0, w0 = cs.seed_point(np.random.default_rng([seed, 89]))
    _, G_lam, _ = polish(cs.system, lam0[None], w0, 0)
    s = np.linalg.svd(G_lam[0], compute_uv=False)
    # measured against the size its first term J^T Q J can have (G_lam = J^T Q J + sum (Q (z - w))_i
    # d^2 z_i may vanish altogether, as on an isotropic line)
    J0 = cs.jacobians(lam0[None])[0]
    size = np.linalg.norm(J0, 2) ** 2 * np.linalg.norm(cs.Qz, 2) + s[0]
    if not s[-1] > DOMINANCE_RTOL * size:
        # dG/dlambda is singular at a generic point (lambda0, w0) of the ED correspondence, so its
        # projection to the targets is nowhere submersive (generic smoothness, characteristic 0): the
        # image is a proper subvariety, and a generic target has no critical point at all (e.g. a
        # line spanned by an isotropic vector, v^T Q v = 0, on which the loss is linear)
        empty = MonodromyResult(np.zeros((0, k), complex), w0, 0, 0, 0, "not dominant", [], rtol, 0.0, seed)
        return CriticalSearch(cs, empty.solutions, w0, empty, None, dominant=False)
    check = (TraceCheck(cs.system, w0, cs.images, seed=seed, size=TRACE_PENCIL, tests=TRACE_TESTS,
                        smallest=TRACE_PENCIL / 100,
                        options=TrackOptions.loop(max_steps=TRACE_STEPS)) if trace else None)
    mono = monodromy_solve(cs.system, lam0[None], w0, stall_loops=stall_loops, rtol=rtol, seed=seed,
                           key=cs.images, progress=progress, complete=check)
    return CriticalSearch(cs, mono.solutions, w0, mono, check.result if check else None)


def _count(param, k: int, Q, seed: int, stall_loops: int, rtol: float, certify: bool, progress) -> Count:
    """The critical points of the distance to a generic target on the image of ``param`` (dimension
    k), counted: monodromy and the trace test (:func:`generic_critical_points`), Krawczyk."""
    search = generic_critical_points(param, k, Q, seed, stall_loops, rtol, progress)
    cs, found, u0, mono = search.slice, search.points, search.target, search.monodromy
    if not search.dominant:
        return Count(0, 0, True, {}, mono.loops, mono.paths, mono.failed_paths, mono.stopped, [
            "no critical point at a generic target: dG/dlambda is singular at a generic point of the ED "
            "correspondence, so it does not dominate the targets (the variety is isotropic for the metric)"])
    notes = []
    # every lambda reached from a regular seed has J of full rank; say so if one does not
    s = np.linalg.svd(cs.jacobians(found), compute_uv=False)
    degenerate = int(np.sum(s[:, -1] < 1e-8 * s[:, 0]))
    if degenerate:
        notes.append(f"{degenerate} solution(s) have a rank-deficient dmu on the slice")
    certified_count = 0
    if certify:
        groups = image_enclosure_groups(cs, krawczyk(cs.system, found, u0))
        certified_count = len(set(groups[groups >= 0].tolist()))
    trace = search.trace
    if mono.stopped == "complete":
        how = (f"complete by monodromy and the trace test: {mono.loops} loops, then the sum of the critical "
               f"points is affine-linear along a pencil of targets (residual {trace.residual:.1e})")
    else:
        how = (f"complete by monodromy: {mono.stopped} after {mono.loops} loops ({stall_loops} in a row "
               f"without a new critical point end it); "
               + ("the trace test did not pass" + (f" (residual {trace.residual:.1e}, {trace.failed_paths} "
                                                   f"failed paths)" if trace else "")
                  + ", so the value rests on the stall alone"))
    notes.append(how + (f"; {certified_count} distinct critical points are certified (Krawczyk)"
                        if certify else ""))
    return Count(len(found), certified_count, mono.stopped == "complete", trace.to_dict() if trace else {},
                 mono.loops, mono.paths, mono.failed_paths, mono.stopped, notes)


def _by_components(arch, metric, seed: int, stall_loops: int, rtol: float, certify: bool, force: bool,
                   progress, t0: float) -> EDDegreeResult:
    """A reducible M (equivariant linear networks): the sum of its components' ED degrees, each
    counted by monodromy on the component's parametrization (any metric) and, for the Frobenius
    metric, compared with the closed formula (:func:`~neuromanifold.architectures.equivariant.
    frobenius_ed_degree`)."""
    parts = arch.component_parametrizations()
    M = make_metric(arch.ambient(), metric, seed=seed)
    if not M.definite:
        raise NeuromanifoldError(f"the metric has rank {M.rank} < dim V = {len(M.Q)} (a pseudometric): the "
                                 f"ED degree needs a positive definite Q (more samples, or a named metric)")
    euclidean = M.name == "euclidean"
    rows, notes, total, lower, complete, agree = [], [], 0, 0, True, True
    paths = failed = loops = 0
    for cp in parts:
        guards.unknowns(f"the ED critical system of the component {cp.component.label} of {arch}", cp.dimension,
                        MAX_UNKNOWNS, force)
        c = _count(cp, cp.dimension, M.Q, seed, stall_loops, rtol, certify, progress)
        row = dict(cp.component.to_dict(), ed_degree=c.value, certified_count=c.certified_count)
        if euclidean:
            row["formula"] = cp.component.ed_degree
            agree &= c.value == cp.component.ed_degree
        rows.append(row)
        total, lower, complete = total + c.value, lower + c.certified_count, complete and c.complete
        paths, failed, loops = paths + c.paths, failed + c.failed, loops + c.loops
        notes.append(f"{cp.component.label} (dimension {cp.dimension}): ED degree {c.value}"
                     + (f" (closed formula: {cp.component.ed_degree})" if euclidean else "") + "; " + "; ".join(c.notes))
    notes.append(f"M = {{W in Hom_G : rank W <= {arch.bottleneck}}} has {len(parts)} irreducible components over "
                 f"C (Kohn-Sattelberger-Shahverdi, arXiv 2309.13736); its ED degree is the sum of theirs")
    if euclidean:
        notes.append("Frobenius metric, extended bilinearly: a component is isotropic, without critical points, "
                     "when the ranks of a character and of its complex conjugate differ (the Fourier line of a "
                     "non-real character is one), so the non-real components do not count"
                     + ("" if agree else "; the homotopy counts DISAGREE with the closed formula"))
    exact = all(cp.exact for cp in parts)
    if not exact:
        notes.append(ROUNDED_CONSTANTS + (", and the count is certified by its agreement with the closed formula"
                                          if euclidean and agree else ", so the count is not certified"))
    k = max(cp.dimension for cp in parts)
    return EDDegreeResult(
        spec=str(arch), invariant="ed_degree", seed=seed, value=total,
        certified=bool(complete and certify and lower == total and agree and (exact or euclidean)),
        lower=lower if certify else None,
        upper=None, method="per irreducible component: monodromy on its ED critical equations (its "
                           "parametrization by rank factorisations of the isotypic blocks), trace test, Krawczyk"
                           + ("; the closed formula for the Frobenius metric as a second method" if euclidean else ""),
        seconds=time.perf_counter() - t0, dimension=k, ambient_dimension=arch.ambient().ambient_dimension,
        metric=M.to_dict(), paths=paths, failed_paths=failed, certified_count=lower, loops=loops,
        stopped="complete" if complete else "stalled", rtol=rtol, confirmed=bool(euclidean and agree),
        components=rows, notes=notes)


#: The exact recount runs for at most this many slice unknowns (msolve's time grows fast with it).
MSOLVE_MAX_UNKNOWNS = 9


def ed_degree_by_msolve(param, Q, k: int, seed: int = 0, prime: int = 1_073_741_789) -> dict:
    """The ED degree for the metric Q (a :class:`~.metrics.Metric`) as an exact count over F_p at
    random data (msolve).

    In value coordinates (z = P c: the values of f at random integer points X, as in
    :class:`CriticalSlice`; the metric becomes Q_z = P^-T Q P^-1), on a random affine slice
    theta = theta_c + S lambda (k = dim M unknowns) with J = dz/dlambda, the critical equations are
    G = J^T Q_z (z - w) = 0 (module docstring).  Points with rank J < k solve G = 0 without being
    critical points, so they are removed by saturation: one more unknown t and t det(A J) = 1 for
    a random k x D matrix A (det(A J) vanishes where J drops rank, and at no critical point over a
    generic target).  Every critical point is then counted once for each of the e slice points
    over it, and e is the number of solutions of z(lambda) = z(lambda0) at a random lambda0, so

        EDdeg_Q(M) = #{G = 0, t det(A J) = 1} / #{z(lambda) = z(lambda0)},

    both zero-dimensional counts over the algebraic closure of F_p from msolve, with every random
    number (slice, points, target w, A, lambda0) a residue and Q exact (a named metric's rational
    entries, else its binary floats read as rationals: a rounded Bombieri--Weyl weight would be a
    generic metric).  For random data this is the count over C with high probability (a second method,
    not a proof).  The determinant comes from Bareiss's fraction-free elimination over F_p[lambda].
    """
    from flint import nmod_mat

    from ..backends import msolve as ms
    from ..backends import primefield as pf

    if ms.binary() is None:
        return {"ed_degree": None, "reason": "msolve is not installed"}
    if k > MSOLVE_MAX_UNKNOWNS:
        return {"ed_degree": None, "reason": f"{k} slice unknowns: more than the {MSOLVE_MAX_UNKNOWNS} "
                                              f"msolve recounts in reasonable time"}
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 97])
    N, D, nb, nv = param.n_params, param.ambient_dimension, len(param.basis), param.n_vars
    exps = param.basis.exponents().tolist()
    for _ in range(8):                       # points whose Veronese matrix is invertible mod p
        X = rng.integers(-prime // 2, prime // 2, (nb, nv))
        B = nmod_mat([[pf.monomial(x, e, prime) for e in exps] for x in X.tolist()], prime)
        if B.det() != 0:
            break
    else:                                    # pragma: no cover - probability about 8 / p
        return {"ed_degree": None, "reason": "no invertible Veronese matrix at random points"}
    Binv = B.inv()
    Pinv = nmod_mat(D, D, [0] * (D * D), prime)
    for o in range(param.n_outputs):         # P = I (x) B: its inverse is I (x) B^-1
        for i in range(nb):
            for j in range(nb):
                Pinv[o * nb + i, o * nb + j] = Binv[i, j]
    Qp = nmod_mat([[int(pf.residue(q, prime)) % prime for q in row] for row in Q.rational()], prime)
    Qz = Pinv.transpose() * Qp * Pinv
    Qz = np.array([[int(Qz[i, j]) for j in range(D)] for i in range(D)], dtype=object)
    thc, S = rng.integers(0, prime, N), rng.integers(0, prime, (N, k))
    w, A, lam0 = rng.integers(0, prime, D), rng.integers(0, prime, (k, D)), rng.integers(0, prime, k)
    c = np.array([int(pf.residue(q, prime)) % prime for q in param.constants], dtype=np.int64)
    f = param.f

    def image(lam, thc, S, X, cc):
        return jax.vmap(f, in_axes=(None, 0, None))(thc + S @ lam, X, cc).T.reshape(-1)

    def equations(v, thc, S, X, Qz, w, A, cc):
        lam = v[:k]
        J = jax.jacfwd(image)(lam, thc, S, X, cc)
        return jnp.concatenate([J.T @ (Qz @ (image(lam, thc, S, X, cc) - w)), (A @ J).reshape(-1), v[k:]])

    shapes = [jnp.zeros(N), jnp.zeros((N, k)), jnp.zeros((nb, nv)), jnp.zeros((D, D)), jnp.zeros(D),
              jnp.zeros((k, D)), jnp.zeros(len(c))]
    polys, names = ms.expand(equations, [jnp.zeros(k + 1)] + shapes, [thc, S, X, Qz, w, A, c], k + 1, prime)
    G, AJ, t = list(polys[:k]), [list(polys[k + i * k:k + (i + 1) * k]) for i in range(k)], polys[-1]
    det = _determinant(AJ)
    if det is None:
        return {"ed_degree": None, "reason": "a pivot of det(A J) vanished at this random data"}
    total = ms.count([str(g) for g in G] + [str(t * det - 1)], names, prime)
    zp, znames = ms.expand(image, [jnp.zeros(k)] + shapes[:3] + shapes[-1:], [thc, S, X, c], k, prime)
    values = [int(poly(*[int(x) for x in lam0])) for poly in zp]
    fibre = ms.count([str(poly - v) for poly, v in zip(zp, values)], znames, prime)
    value = None
    if total.dimension == 0 and fibre.dimension == 0 and fibre.degree and total.degree % fibre.degree == 0:
        value = total.degree // fibre.degree
    return {"ed_degree": value, "solutions": total.degree, "fibre_solutions": fibre.degree, "prime": prime,
            "seconds": time.perf_counter() - t0}


def _determinant(M: list[list]):
    """det M over a polynomial ring by Bareiss's fraction-free elimination (exact divisions); None
    when a leading minor vanishes."""
    M = [row[:] for row in M]
    n, prev = len(M), None
    for j in range(n - 1):
        if M[j][j] == 0:
            return None
        for i in range(j + 1, n):
            for col in range(j + 1, n):
                num = M[i][col] * M[j][j] - M[i][j] * M[j][col]
                M[i][col] = num if prev is None else num // prev
        prev = M[j][j]
    return M[n - 1][n - 1]


def ed_degree(arch, metric="euclidean", *, seed: int = 0, stall_loops: int = 16, rtol: float = 1e-6,
              certify: bool = True, force: bool = False, msolve: bool = False,
              progress=None) -> EDDegreeResult:
    """ED degree of the neuromanifold: the number of complex critical points of ||c - u||_Q^2 on the
    smooth part of M for a generic target u (module docstring).

    Parameters
    ----------
    arch : spec string or Architecture
    metric : ``euclidean``, ``bombieri-weyl``, ``generic`` (a random positive definite Q) or a matrix Q
    seed : random seed; stall_loops, rtol, certify : as for :func:`~.degree.degree`;
    msolve : count again exactly over F_p (up to 9 slice unknowns); force, progress

    Returns
    -------
    EDDegreeResult : ``value``, ``certified_count``, ``msolve`` and ``confirmed`` (two methods agree).

    Example
    -------
    >>> ed_degree("linear(widths=[3,1,3])").value           # Eckart--Young: one per singular value
    3
    >>> ed_degree("linear(widths=[3,1,3])", "generic").value  # rank-one 3 x 3, generic metric
    39
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    if arch.component_parametrizations() is not None:   # a reducible M: the sum over its components
        return _by_components(arch, metric, seed, stall_loops, rtol, certify, force, progress, t0)
    param = arch.parametrization()
    M = make_metric(param, metric, seed=seed)
    if not M.definite:
        raise NeuromanifoldError(f"the metric has rank {M.rank} < dim V = {len(M.Q)} (a pseudometric): the "
                                 f"ED degree needs a positive definite Q (more samples, or a named metric)")
    dim = compute_dimension(arch, seed=seed)
    k = int(dim.value)
    common = dict(spec=str(arch), invariant="ed_degree", seed=seed, dimension=k,
                  ambient_dimension=param.ambient_dimension, metric=M.to_dict())
    notes = [] if dim.certified else [f"the dimension is not certified ({dim.lower} <= dim <= {dim.upper})"]
    if k == param.ambient_dimension:
        return EDDegreeResult(value=1, certified=bool(dim.certified), lower=1, upper=1,
                              method="filling: M is dense in V, the only critical point is u itself",
                              seconds=time.perf_counter() - t0, certified_count=1, notes=notes, **common)
    if k > MAX_UNKNOWNS and not force:
        raise TooLargeError(f"the ED critical system of {arch} has {k} unknowns (> {MAX_UNKNOWNS}); pass "
                            f"force=True (--force) to try anyway", {"unknowns": k})
    count = _count(param, k, M.Q, seed, stall_loops, rtol, certify, progress)
    value, certified_count = count.value, count.certified_count
    notes += count.notes
    exact = None
    method = ("monodromy on the ED critical equations pulled back to a parameter slice (one point "
              "per image), trace test, Krawczyk certification of the critical lambdas")
    if msolve:
        exact = ed_degree_by_msolve(param, M, k, seed)
        if exact.get("ed_degree") is None:
            notes.append(f"msolve did not recount: {exact.get('reason', 'no zero-dimensional count')}")
        elif exact["ed_degree"] == value:
            method += "; recounted exactly over F_p by msolve (saturated critical equations at random data)"
            notes.append(f"two independent methods agree: monodromy and msolve over F_{exact['prime']} both "
                         f"give {value}")
        else:
            notes.append(f"msolve over F_{exact['prime']} gives {exact['ed_degree']}, monodromy {value}: "
                         f"they disagree")
    return EDDegreeResult(
        value=value, certified=bool(count.complete and certify and certified_count == value and dim.certified),
        lower=certified_count if certify else None, upper=None, method=method, seconds=time.perf_counter() - t0,
        paths=count.paths, failed_paths=count.failed, certified_count=certified_count, loops=count.loops,
        stopped=count.stopped, rtol=rtol, msolve=exact, confirmed=bool(exact and exact.get("ed_degree") == value),
        trace_test=count.trace,
        notes=notes, **common)

