"""The generic fibre mu^-1(f) of a neuromanifold: dimension, symmetry orbits, real components.

* ``fiber_dimension`` = N - dim M (fibre-dimension theorem).
* ``orbits``: the number of orbits of the known symmetry group in a generic
  complex fibre, when the known continuous symmetries account for its whole
  dimension.  The fibre of f0 = mu(theta0) is cut by the generic affine slice
  of the pseudo-witness set (:mod:`.witness`); its points on the slice are
  found by monodromy (transitive on all solutions of the witness system).
  Irreducible components: moving the slice (its offset theta_c) around loops
  with b fixed permutes the points of each component among themselves, and
  transitively (the incidence of a component with its parallel slices is
  irreducible), so the classes of the permutations seen are the components.
  Components that a known finite symmetry sigma maps to each other are one
  orbit: sigma(w) of a witness point w lies on sigma(C), found by the
  homotopy membership test (move the slice to one through sigma(w), see
  which tracked point lands on it).  orbits = 1: identifiable up to the
  known symmetries.
* ``real_components`` (``linear``): real fibre points are sampled by
  Gauss--Newton projection from random real weights, and two samples are
  joined when the projected segment between them moves continuously; the
  union-find classes are the path components seen.  Theorem (linear
  networks, rank f = r = min widths): 2^b components, b = #{0 < i < L :
  d_i = r}; connected when rank f < r.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from .. import validate
from ..architectures import parse
from ..errors import NeuromanifoldError, TooLargeError
from ..homotopy.dedup import UnionFind, match
from ..homotopy.monodromy import monodromy_solve
from ..homotopy.system import System, family_member
from ..homotopy.tracker import track, track_loop
from ..results import Result
from .dimension import dimension as compute_dimension
from .witness import ImageSlice

MAX_UNKNOWNS = 40


@dataclass
class FiberResult(Result):
    fiber_dimension: int = 0
    symmetry_dimension: int = 0
    orbit_dimension: int | None = None
    symmetry: dict = field(default_factory=dict)
    orbits: int | None = None
    components: int | None = None
    slice_points: int | None = None
    real_components: int | None = None
    real_components_expected: int | None = None
    real_samples: int = 0
    paths: int = 0
    failed_paths: int = 0
    per_component: list = field(default_factory=list)   # where M is reducible: each component's fibre


def _slice_system(ws: ImageSlice, b: np.ndarray) -> System:
    """G(lambda; theta_c) = A f(theta_c + S lambda)(X) - b with the slice offset as parameter."""
    def G(lam, thc, data):
        S, X, c, A, b = data
        return ws.witness_function(lam, b, (thc, S, X, c, A))

    data = (ws.S, ws.X, ws.c, ws.A, np.asarray(b, complex))
    return family_member(("moving-slice", str(ws.param.arch), ws.k),
                         lambda: System(G, ws.k, ws.param.n_params, "moving-slice system", data), data)


#: Sizes of the slice-moving loops, in turn (times the size of the slice's offset): the branch points
#: where two slice points of one component meet can lie far out (linear(widths=[2,1,2]): a loop of
#: size 2 swaps its two points once in 10, of size 8 or 32 three times in 10, of size 128 in 45 %).
LOOP_SIZES = (2.0, 8.0, 32.0, 128.0)


def _components(ws: ImageSlice, pts: np.ndarray, b0, seed: int, stall: int = 16, max_loops: int = 96):
    """Union-find classes of the slice points under slice-moving monodromy (loops of the sizes
    LOOP_SIZES in turn; ``stall`` loops in a row without a merge end it)."""
    sysm = _slice_system(ws, b0)
    th0 = ws.theta_c
    rng = np.random.default_rng([seed, 71])
    sets = UnionFind(len(pts))
    unit = max(1.0, float(np.linalg.norm(th0)) / np.sqrt(th0.size))
    quiet = loops = paths = failed = 0
    while quiet < stall and loops < max_loops and sets.count() > 1:
        # loop vertices: random offsets independent of th0 (large loops meet the branch points)
        size = unit * LOOP_SIZES[loops % len(LOOP_SIZES)]
        q1 = size * (rng.standard_normal(th0.shape) + 1j * rng.standard_normal(th0.shape)) / np.sqrt(2)
        q2 = size * (rng.standard_normal(th0.shape) + 1j * rng.standard_normal(th0.shape)) / np.sqrt(2)
        r = track_loop(sysm, pts, th0, q1, q2)
        paths += 3 * r.paths
        alive, Z = r.success, r.solutions
        failed += int(np.sum(~alive))
        loops += 1
        target = match(pts, Z, 1e-6)
        merged = False
        for i in np.flatnonzero(alive & (target >= 0)):
            merged |= sets.union(int(i), int(target[i]))
        quiet = 0 if merged else quiet + 1
    return sets.labels(), paths, failed, sysm


def _merge_by_finite_symmetries(ws: ImageSlice, pts, labels, sysm: System, seed: int):
    """Merge components mapped to each other by the known finite symmetries (membership test)."""
    gens = ws.param.arch.finite_symmetries()
    n_comp = int(labels.max()) + 1
    sets = UnionFind(n_comp)
    paths = 0
    S = ws.S
    for comp in range(n_comp):
        w = pts[np.flatnonzero(labels == comp)[0]]
        theta = ws.theta_c + S @ w
        P = ws.param.unflatten(jnp.asarray(theta))
        for g in gens:
            moved = np.asarray(ws.param.flatten(g(P)))
            # slice through sigma(w): offset = sigma(theta), where lambda = 0
            r = track(sysm, pts, ws.theta_c, moved, seed=seed)
            paths += r.paths
            hit = np.flatnonzero(r.success & (np.abs(r.solutions).max(axis=1) < 1e-6 * (1 + np.abs(moved).max())))
            if hit.size:
                sets.union(comp, int(labels[hit[0]]))
    return sets.count(), paths


# -- real components for linear networks -------------------------------------------------------


class _RealFibre:
    """Real points of mu^-1(f) (coefficient form) and walks inside it (jitted kernels)."""

    def __init__(self, param, f_target: np.ndarray):
        fn = param.coefficient_function()
        c = param.constants_array()
        coef = lambda th: fn(th, c)
        jac = jax.jacfwd(coef)
        f = jnp.asarray(np.asarray(f_target, float))
        self.f = np.asarray(f_target, float)
        self.fscale = 1.0 + np.linalg.norm(self.f)

        def gauss_newton(th, iters):
            def body(_, t):
                J = jac(t)
                d = jnp.linalg.pinv(J, rtol=1e-10) @ (coef(t) - f)
                return t - d
            th = jax.lax.fori_loop(0, iters, body, th)
            return th, jnp.linalg.norm(coef(th) - f)

        def tangent(th, b):
            J = jac(th)
            gap = b - th
            return gap - jnp.linalg.pinv(J, rtol=1e-10) @ (J @ gap)

        self._gn = jax.jit(gauss_newton, static_argnums=1)
        self._tangent = jax.jit(tangent)

    def project(self, th, iters: int = 30):
        """Gauss--Newton (minimum-norm steps) onto mu(theta) = f; (point, converged)."""
        th, r = self._gn(jnp.asarray(th), iters)
        th = np.asarray(th)
        return th, bool(np.isfinite(float(r)) and float(r) < 1e-9 * self.fscale)

    def joined(self, a: np.ndarray, b: np.ndarray, max_iter: int = 3000) -> bool:
        """Walk inside the fibre from a towards b: steps along the projection of b - theta onto
        the tangent space ker J(theta), each corrected back onto the fibre by Gauss--Newton and
        accepted only when the correction is below 1% of the step (so the walk follows a path in
        the fibre and never changes component).  Joined when it arrives."""
        th = a
        scale = 1.0 + np.linalg.norm(b)
        best = np.linalg.norm(b - th)
        stuck = 0
        for _ in range(max_iter):
            if np.linalg.norm(b - th) < 1e-7 * scale:
                return True
            d = np.asarray(self._tangent(jnp.asarray(th), jnp.asarray(b)))
            nd = np.linalg.norm(d)
            if nd < 1e-9 * scale:
                return False
            h = min(1.0, 0.02 * (1.0 + np.linalg.norm(th)) / nd)
            for _ in range(30):
                guess = th + h * d
                nxt, ok = self.project(guess, 4)
                if ok and np.linalg.norm(nxt - guess) <= 0.01 * h * nd:
                    break
                h *= 0.5
            else:
                return False
            th = nxt
            new = np.linalg.norm(b - th)
            stuck = stuck + 1 if new > best * (1 - 1e-3) else 0
            best = min(best, new)
            if stuck > 100:
                return False
        return False


def _real_components(param, f_target: np.ndarray, seed: int, samples: int = 16):
    fibre = _RealFibre(param, f_target)
    rng = np.random.default_rng([seed, 83])
    pts = []
    tries = 0
    while len(pts) < samples and tries < 20 * samples:
        tries += 1
        th, ok = fibre.project(param.random_params(rng) * 2.0)
        if ok:
            pts.append(th)
    sets = UnionFind(len(pts))
    for a in range(len(pts)):
        for b in range(a + 1, len(pts)):
            if sets.find(a) != sets.find(b) and (fibre.joined(pts[a], pts[b]) or fibre.joined(pts[b], pts[a])):
                sets.union(a, b)
    return sets.count(), len(pts)


def fiber(arch, *, seed: int = 0, point=None, real_samples: int = 16, force: bool = False,
          dimension_result=None) -> FiberResult:
    """Generic fibre of ``arch``: its dimension, the known symmetries, the number of symmetry orbits
    in it and, for linear networks, the real components of the fibre of ``point``.

    Parameters
    ----------
    arch : spec string or Architecture
    seed : random seed; point : a coefficient vector (linear networks; default mu at random real
        weights); real_samples : real fibre points sampled for the components; force;
    dimension_result : a DimensionResult already computed

    Returns
    -------
    FiberResult : ``value`` (symmetry orbits in the generic fibre), ``fiber_dimension``,
    ``real_components`` and what the theorem says.

    Example
    -------
    >>> r = fiber("linear(widths=[2,1,2])", real_samples=4)    # the fibre is one GL(1)-orbit
    >>> r.value, r.fiber_dimension
    (1, 1)
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    if arch.component_parametrizations() is not None:
        if point is not None:
            raise NeuromanifoldError(f"{arch}: M has several irreducible components, and the fibre is computed "
                                     f"over a generic point of each: drop --point")
        return _by_components(arch, seed, t0)
    param = arch.parametrization()
    f_target = rank = None
    form = arch.matrix_form()
    if form is not None:
        rng = np.random.default_rng([seed, 89])
        if point is None:
            f_target = np.asarray(param.coefficients(param.random_params(rng)))
        else:
            f_target = validate.point(point, param.ambient_dimension, "the point",
                                      where=f"a {form.rows}x{form.columns} matrix, row-major")
        # the fibres over f and over f / s (s > 0) correspond by scaling the last weight matrix, so
        # f is scaled to entries of size one (no overflow at 1e300, no rank lost at 1e-300)
        top = float(np.abs(f_target).max())
        f_target = f_target / top if top > 0 else f_target
        mat = f_target.reshape(form.rows, form.columns)
        rank = int(np.linalg.matrix_rank(mat, tol=1e-9))
        if rank > form.rank:
            raise NeuromanifoldError(f"the point has rank {rank} > {form.rank}: it is not in "
                                     f"the neuromanifold of {arch}, so its fibre is empty; give a matrix "
                                     f"of rank <= {form.rank}")
    elif point is not None:
        raise NeuromanifoldError(f"--point is used for the real components of linear networks only (families "
                                 f"whose neuromanifold is a set of bounded-rank matrices); {arch.family} fibres "
                                 f"are computed at a random point: drop --point")
    dim = dimension_result or compute_dimension(arch, seed=seed)
    k, N = int(dim.value), param.n_params
    fdim = N - k
    group = param.symmetry
    orbit = dim.orbit_dimension
    if orbit is None:
        tangents = np.asarray(param.symmetry_tangents(param.random_params(np.random.default_rng(seed))))
        orbit = int(np.linalg.matrix_rank(tangents)) if tangents.size else 0
    notes = []
    if not dim.certified:
        notes.append(f"the dimension is not certified ({dim.lower} <= dim <= {dim.upper})")
    orbits = components = slice_points = None
    paths = failed = 0
    if orbit < fdim:
        notes.append(f"the known symmetries have {orbit}-dimensional orbits in a {fdim}-dimensional "
                     f"fibre: the fibre holds a {fdim - orbit}-dimensional family of orbits, not finitely "
                     f"many")
    elif k > MAX_UNKNOWNS and not force:
        raise TooLargeError(f"the fibre computation of {arch} has {k} unknowns (> {MAX_UNKNOWNS}); "
                            f"pass force=True (--force)", {"unknowns": k})
    else:
        ws = ImageSlice(param, k, seed)
        rng = np.random.default_rng([seed, 41])
        lam0, b0 = ws.seed_point(rng)
        mono = monodromy_solve(ws.system, lam0[None], b0, seed=seed, rtol=1e-8)
        paths, failed = mono.paths, mono.failed_paths
        images = ws.images(mono.solutions)
        im0 = ws.images(lam0[None])
        same = match(im0, images, 1e-6) == 0
        pts = mono.solutions[same]
        slice_points = len(pts)
        labels, p2, f2, sysm = _components(ws, pts, b0, seed)
        components = int(labels.max()) + 1
        orbits, p3 = _merge_by_finite_symmetries(ws, pts, labels, sysm, seed)
        paths, failed = paths + p2 + p3, failed + f2
    real = expected = None
    nsamples = 0
    if f_target is not None:
        real, nsamples = _real_components(param, f_target, seed, real_samples)
        expected = form.real_components(rank) if form.real_components else None
        if expected is not None and real != expected:
            notes.append(f"sampling found {real} real components, the theorem says {expected}")
    value = orbits
    certified = bool(dim.certified and orbits is not None and failed == 0)
    return FiberResult(
        spec=str(arch), invariant="fiber", value=value, certified=certified,
        method="fibre points on a generic slice by monodromy; components by slice-moving monodromy; "
               "finite symmetries by homotopy membership tests",
        seconds=time.perf_counter() - t0, seed=seed, notes=notes, fiber_dimension=fdim,
        symmetry_dimension=group.dimension, orbit_dimension=orbit, symmetry=group.to_dict(),
        orbits=orbits, components=components, slice_points=slice_points, real_components=real,
        real_components_expected=expected, real_samples=nsamples, paths=paths, failed_paths=failed)


def _by_components(arch, seed: int, t0: float) -> FiberResult:
    """A reducible M (equivariant linear networks): each irreducible component is parametrized by the
    rank factorisations C_rho = A_rho B_rho of its isotypic blocks (the weight-sharing networks of
    Kohn--Sattelberger--Shahverdi, arXiv 2309.13736, one network per component), whose generic fibre
    is one orbit of prod_rho GL(r_rho): (A g^-1, g B) are all the factorisations of a block of rank
    r_rho.  Its dimension sum_rho r_rho^2 is checked as n_params minus the numerical rank of the
    Jacobian of the component's map at a random point."""
    rng = np.random.default_rng([seed, 2309])
    rows, notes, ok = [], [], True
    for cp in arch.component_parametrizations():
        theta = cp.random_params(rng)
        rank = cp.tangent_rank(theta)
        group = " x ".join(f"GL({k})" for _, k in cp.component.profile) or "trivial"
        expected = sum(k * k for _, k in cp.component.profile)
        good = cp.n_params - rank == expected and rank == cp.dimension
        ok &= good
        W = np.asarray(cp.matrix(jnp.asarray(theta)))
        rows.append({"component": cp.component.label, "parameters": cp.n_params, "dimension": cp.dimension,
                     "fiber_dimension": cp.n_params - rank, "symmetry": group, "orbits": 1,
                     "generic_rank": int(np.linalg.matrix_rank(W, tol=1e-9 * max(np.abs(W).max(), 1.0))),
                     "checked": bool(good)})
        notes.append(f"{cp.component.label}: {cp.n_params} parameters (A_rho, B_rho), fibre dimension "
                     f"{cp.n_params - rank} = dim {group}, one orbit" + ("" if good else " (the check FAILED)"))
    notes.append(f"M has {len(rows)} irreducible components over C, which no single network parametrizes "
                 f"(Kohn-Sattelberger-Shahverdi, arXiv 2309.13736); each is the image of the rank factorisations "
                 f"of its isotypic blocks, and its generic fibre is one orbit of the product of GL(r_rho)")
    top = max(rows, key=lambda r: r["dimension"])
    return FiberResult(
        spec=str(arch), invariant="fiber", value=1, certified=False,
        method="per irreducible component: the fibre of its parametrization by rank factorisations of the "
               "isotypic blocks, one orbit of prod GL(r_rho) (theorem), dimension checked by the numerical rank of "
               "the Jacobian at a random point",
        seconds=time.perf_counter() - t0, seed=seed, notes=notes, fiber_dimension=top["fiber_dimension"],
        symmetry_dimension=top["fiber_dimension"], orbit_dimension=top["fiber_dimension"],
        symmetry={"description": top["symmetry"], "dimension": top["fiber_dimension"]}, orbits=1,
        per_component=rows)
