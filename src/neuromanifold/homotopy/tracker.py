"""Batched parameter-homotopy path tracking.

Solutions z(t) of F(z; p(t)) = 0 are followed from t = 0 to t = 1 along

    p(t) = p0 + w(t) (p1 - p0),   w(t) = t / (gamma (1 - t) + t),

the "gamma trick" (Sommese--Wampler, *The Numerical Solution of Systems of
Polynomials*, ch. 7): for a random complex gamma the arc w([0, 1]) is a
random circular arc from 0 to 1, which misses the finitely many points of the
line p0 + w (p1 - p0) where two solutions meet, with probability one, even
when p0 and p1 are both real.  ``path="linear"`` takes gamma = 1 (for
segments between random complex parameters, as in monodromy loops).

Each step: a classical RK4 predictor on the Davidenko equation
dz/dt = -F_z^{-1} F_p p'(t), then two chord-Newton corrections at p(t + h)
(with the LU factors of F_z from the last RK stage, at t + h).  The
step is accepted only when the first correction is small relative to |z|
(a trust region: the prediction lies well inside the basin of the path) and
the second contracts it at least fourfold (the prediction is an approximate
zero).  The step size follows the fifth-order error estimate, growing at most
2x and shrinking 2x on rejection.

All paths of a call advance together: a jitted, vmapped chunk of steps over a
fixed-size batch of slots (sizes from ``SIZES``, so only a few shapes are
compiled); a finished path's slot is refilled from the queue, and when the
queue is empty and few paths are left they move into a smaller batch.  Every path ends with a status (``STATUS``); failed paths are
re-tracked once with tighter settings; end points reached from distinct
starts that coincide (path jumping) are re-tracked too, and what is still
wrong in the end is reported, never dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend import core as jcore

from . import small_linalg as linalg
from .system import System, as_system

TRACKING, SUCCESS, DIVERGED, UNDERFLOW, SINGULAR, MAX_STEPS, JUMPED = range(7)
STATUS = {
    TRACKING: "tracking",
    SUCCESS: "success",
    DIVERGED: "diverged",
    UNDERFLOW: "step_size_underflow",
    SINGULAR: "singular_endpoint",
    MAX_STEPS: "max_steps",
    JUMPED: "path_jumping",
}


@dataclass(frozen=True)
class TrackOptions:
    """Tolerances of the tracker (relative to 1 + |z|)."""

    tolerance: float = 1e-5      # target size of the predictor error per step
    trust: float = 1e-3          # largest first Newton correction accepted
    initial_step: float = 0.05
    min_step: float = 1e-13
    max_steps: int = 4000
    diverge: float = 1e9         # |z| beyond this: the path goes to infinity
    singular_cond: float = 1e10  # condition number of F_z at the end beyond this: singular
    chunk: int = 24              # steps per compiled chunk

    def tighter(self) -> TrackOptions:
        return TrackOptions(self.tolerance / 100, self.trust / 10, self.initial_step / 10,
                            self.min_step / 10, self.max_steps * 4, self.diverge, self.singular_cond,
                            self.chunk)

    def vector(self) -> np.ndarray:
        return np.array([self.tolerance, self.trust, self.min_step, self.max_steps, self.diverge],
                        dtype=np.float64)


@dataclass
class TrackResult:
    """End points of tracked paths, one row per start, with a status each."""

    starts: np.ndarray
    solutions: np.ndarray
    status: np.ndarray            # int codes, see STATUS
    steps: np.ndarray
    condition: np.ndarray         # condition number of F_z at the end point
    residual: np.ndarray          # |F(end; p1)| relative
    p0: np.ndarray
    p1: np.ndarray
    gamma: complex
    seconds: float
    retracked: int = 0
    options: TrackOptions = field(default_factory=TrackOptions)

    @property
    def success(self) -> np.ndarray:
        return self.status == SUCCESS

    @property
    def paths(self) -> int:
        return len(self.status)

    @property
    def failed(self) -> int:
        """Paths that did not end at a regular solution (diverged ones included)."""
        return int(np.sum(self.status != SUCCESS))

    def counts(self) -> dict[str, int]:
        return {STATUS[k]: int(np.sum(self.status == k)) for k in STATUS if np.any(self.status == k)}

    def summary(self) -> str:
        c = ", ".join(f"{v} {k}" for k, v in self.counts().items())
        return f"{self.paths} paths in {self.seconds:.2f} s: {c}; {self.retracked} re-tracked"


# -- the compiled chunk of steps ----------------------------------------------------------


def _chunk_function(system: System, chunk: int):
    """jit(vmap) of `chunk` tracker steps; arguments (state..., V, knots, gamma, opts, data),
    with V (batch, 4, m) one polyline per path.

    The parameter path is a polyline through the vertices V[0..3] reached at the times
    knots[0..3] (0 = knots[0] <= ... <= knots[3] = 1; a segment of zero duration is skipped),
    each segment a gamma-arc.  One segment [p0, p1] is V = (p0, p1, p1, p1), knots (0, 1, 1, 1);
    a monodromy loop p0 -> p1 -> p2 -> p0 is one path with gamma = 1."""

    def param(t, V, knots, gamma):
        # the segment [knots[i], knots[i+1]) holding t, picked by selects (static indices trace fast)
        in2, in1 = t >= knots[2], t >= knots[1]

        def pick(x):
            return jnp.where(in2, x[2], jnp.where(in1, x[1], x[0]))

        a, b = pick(V), pick(V[1:])
        start, end = pick(knots), pick(knots[1:])
        length = jnp.maximum(end - start, 1e-300)
        tau = jnp.clip((t - start) / length, 0.0, 1.0)
        den = gamma * (1.0 - tau) + tau
        w = tau / den
        dw = gamma / den ** 2 / length
        return a + w * (b - a), dw * (b - a)

    def next_knot(t, knots):
        later = jnp.where(knots[1:] > t + 1e-15, knots[1:], 1.0)
        return jnp.min(later)

    @jax.jit
    def velocity(z, t, V, knots, gamma, data):
        p, dp = param(t, V, knots, gamma)
        return -linalg.solve(system.jac_call(z, p, data), system.dir_call(z, p, dp, data))

    def last_velocity(z, t, V, knots, gamma, data):
        """The velocity and the LU factors of F_z there (reused by the chord corrections)."""
        p, dp = param(t, V, knots, gamma)
        lu = linalg.lu_factor(system.jac_call(z, p, data))
        return -linalg.lu_solve(lu, system.dir_call(z, p, dp, data)), lu

    def chord(z, p, lu, data):
        d = linalg.lu_solve(lu, system.call(z, p, data))
        return z - d, jnp.linalg.norm(d)

    def one_step(z, t, h, status, steps, V, knots, gamma, opts, data):
        tol, trust, min_step, max_steps, diverge = opts[0], opts[1], opts[2], opts[3], opts[4]
        active = status == TRACKING
        # never step across a vertex (the path has a corner there): land on it
        knot = next_knot(t, knots)
        clamped = h >= knot - t
        hs = jnp.where(clamped, knot - t, h)
        # the midpoint and the end of the step lie on the segment where the step starts
        # (the step never crosses a knot); evaluate the end at the knot from the left
        t_end = jnp.where(clamped, knot, t + hs)
        k1 = velocity(z, t, V, knots, gamma, data)
        k2 = velocity(z + 0.5 * hs * k1, t + 0.5 * hs, V, knots, gamma, data)
        k3 = velocity(z + 0.5 * hs * k2, t + 0.5 * hs, V, knots, gamma, data)
        k4, lu = last_velocity(z + hs * k3, jnp.minimum(t_end, knot - 1e-15 * (knot < 1.0)), V, knots,
                               gamma, data)
        zp = z + (hs / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        p, _ = param(t_end, V, knots, gamma)
        # two chord-Newton corrections with F_z from the last RK stage, at the same t + h and
        # O(h) away from the prediction: the contraction test below still measures convergence
        z1, n1 = chord(zp, p, lu, data)
        z2, n2 = chord(z1, p, lu, data)
        scale = 1.0 + jnp.linalg.norm(z2)
        finite = jnp.all(jnp.isfinite(z2)) & jnp.isfinite(n1) & jnp.isfinite(n2)
        converged = n2 <= 1e-11 * scale
        ok = finite & (n1 <= trust * scale) & ((n2 <= 0.25 * n1) | converged)
        # step-size control from the fifth-order estimate n1 ~ C h^5; a step shortened to land on
        # a vertex keeps the longer step it was asked to take
        ratio = (tol * scale / jnp.maximum(n1, 1e-300)) ** 0.2
        grow = jnp.clip(0.8 * ratio, 0.5, 2.0)
        new_h = jnp.where(ok, jnp.where(clamped, jnp.maximum(h, hs * grow), hs * grow), 0.5 * hs)
        new_z = jnp.where(ok, z2, z)
        new_t = jnp.where(ok, t_end, t)
        new_t = jnp.where(ok & (1.0 - new_t < 1e-15), 1.0, new_t)
        new_status = jnp.where(ok & (new_t >= 1.0), SUCCESS, TRACKING)
        new_status = jnp.where(ok & (jnp.linalg.norm(new_z) > diverge), DIVERGED, new_status)
        new_status = jnp.where(~ok & (new_h < min_step), UNDERFLOW, new_status)
        new_status = jnp.where((new_status == TRACKING) & (steps + 1 >= max_steps), MAX_STEPS,
                               new_status)
        return (jnp.where(active, new_z, z), jnp.where(active, new_t, t),
                jnp.where(active, new_h, h), jnp.where(active, new_status, status),
                jnp.where(active, steps + 1, steps))

    lanes = {}

    def lane_step(per_lane: list, shared: list, tree):
        """one_step of a single path as a jaxpr, traced once for every batch size: tracing (autodiff,
        the unrolled products and LU) costs more than batching the traced equations."""
        key = (tree, tuple((a.shape, a.dtype) for a in per_lane + shared))
        if key not in lanes:
            avals = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in per_lane + shared]
            closed = jax.make_jaxpr(lambda *flat: one_step(*jax.tree_util.tree_unflatten(tree, flat)))(*avals)
            lanes[key] = jcore.jaxpr_as_fun(closed)
        return lanes[key]

    def run(z, t, h, status, steps, V, knots, gamma, opts, data):
        shared = jax.tree_util.tree_leaves((knots, gamma, opts, data))
        _, tree = jax.tree_util.tree_flatten((z[0], t[0], h[0], status[0], steps[0], V[0], knots, gamma,
                                              opts, data))
        per_lane = [jax.ShapeDtypeStruct(a.shape[1:], a.dtype) for a in (z, t, h, status, steps, V)]
        fn = lane_step(per_lane, [jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a)) for a in shared],
                       tree)
        batched = jax.vmap(fn, in_axes=(0,) * 6 + (None,) * len(shared))

        def body(_, s):
            return tuple(batched(*s, V, *shared))
        return jax.lax.fori_loop(0, chunk, body, (z, t, h, status, steps))

    return jax.jit(run)


#: Paths advance in at most SLOTS slots, in batches of one of the SIZES (each size is traced and
#: compiled once per system: a few sizes keep that first-call cost down).
SLOTS = 1024
SIZES = (8, 64, 256, 1024)


def _slots(k: int) -> int:
    """Smallest batch size of SIZES holding k paths (at most SLOTS)."""
    return next(s for s in SIZES if s >= min(k, SLOTS))


def _run(system: System, Z0: np.ndarray, V, knots, gamma: complex, options: TrackOptions,
         progress=None):
    """Track all rows of Z0, row i along the polyline V[i] (V (k, 4, m)).  A fixed number of
    slots holds the paths in flight; a finished path's slot is refilled from the queue."""
    fn = system.compiled(f"chunk{options.chunk}", lambda: _chunk_function(system, options.chunk))
    k, n = Z0.shape
    Z0 = Z0.astype(np.complex128)
    Z = Z0.copy()
    status = np.full(k, TRACKING, np.int32)
    steps = np.zeros(k, np.int32)
    opts = options.vector()
    g = np.complex128(gamma)
    size = _slots(k)
    owner = np.full(size, -1)                  # which path each slot holds (-1: empty)
    # Empty slots hold a regular point (the first start at t = 0), never zeros or a failed end
    # point: a singular or non-finite lane was seen to spoil the batched solve of the others.
    z = np.repeat(Z[:1], size, axis=0)
    t = np.zeros(size)
    h = np.full(size, options.initial_step)
    st = np.full(size, SUCCESS, np.int32)      # empty slots are frozen
    nsteps = np.zeros(size, np.int32)
    slotV = np.repeat(V[:1], size, axis=0)
    queue = 0

    def fill(slots):
        nonlocal queue
        for s in slots:
            if queue >= k:
                break
            owner[s] = queue
            z[s], t[s], h[s], st[s], nsteps[s] = Z[queue], 0.0, options.initial_step, TRACKING, 0
            slotV[s] = V[queue]
            queue += 1

    fill(range(size))
    while np.any(owner >= 0):
        out = fn(z, t, h, st, nsteps, slotV, knots, g, opts, system.data)
        z, t, h, st, nsteps = (np.array(a) for a in out)
        done = np.flatnonzero((owner >= 0) & (st != TRACKING))
        if done.size:
            idx = owner[done]
            Z[idx], status[idx], steps[idx] = z[done], st[done], nsteps[done]
            owner[done] = -1
            st[done] = SUCCESS
            z[done], t[done], h[done] = Z0[0], 0.0, options.initial_step
            fill(done)
            if progress is not None:
                progress(int(done.size))
        live = np.flatnonzero(owner >= 0)
        if queue >= k and 0 < live.size <= size // 8:
            # the tail: move the unfinished paths into a smaller batch
            new = _slots(live.size)

            def keep(a, fillv, live=live, new=new):
                pad = np.empty((new - live.size,) + a.shape[1:], a.dtype)
                pad[...] = fillv
                return np.concatenate([a[live], pad])

            z, t, h, nsteps = keep(z, Z0[0]), keep(t, 0.0), keep(h, options.initial_step), keep(nsteps, 0)
            st, owner, slotV = keep(st, SUCCESS), keep(owner, -1), keep(slotV, V[0])
            size = new
    return Z, status, steps


def _endpoint_quality(system: System, Z: np.ndarray, p1, status: np.ndarray, options: TrackOptions):
    """Polish successful end points; condition numbers and residuals; singular ones flagged."""
    cond = np.full(len(Z), np.inf)
    res = np.full(len(Z), np.inf)
    ok = status == SUCCESS
    if np.any(ok):
        p1 = p1[ok] if np.ndim(p1) == 2 else p1
        Zs = system.newton(Z[ok], p1, 2)
        good = np.all(np.isfinite(Zs), axis=1)
        Zs = np.where(good[:, None], Zs, Z[ok])
        J = system.jacobians(Zs, p1)
        with np.errstate(all="ignore"):
            c = np.linalg.cond(J)
        F = system.evaluate(Zs, p1)
        r = np.linalg.norm(F, axis=1) / (1.0 + np.linalg.norm(Zs, axis=1))
        Z[ok] = Zs
        cond[ok] = np.where(np.isfinite(c), c, np.inf)
        res[ok] = r
        bad = (cond[ok] > options.singular_cond) | ~(res[ok] < 1e-6)
        s = status[ok]
        s[bad] = SINGULAR
        status[ok] = s
    return Z, cond, res


def _jumped(Z: np.ndarray, status: np.ndarray, rtol: float, groups: np.ndarray) -> np.ndarray:
    """Indices of successful end points that coincide with another successful one of the same
    group (paths along the same parameter path)."""
    from .dedup import clusters

    out = []
    for g in np.unique(groups):
        ok = np.flatnonzero((status == SUCCESS) & (groups == g))
        if ok.size < 2:
            continue
        labels = clusters(Z[ok], rtol)
        counts = np.bincount(labels)
        out.append(ok[counts[labels] > 1])
    return np.concatenate(out) if out else np.zeros(0, int)


def _paths(system: System, k: int, *points) -> np.ndarray:
    """Parameter points, each (m,) shared by all k paths or (k, m) one per path, as (k, len, m)."""
    rows = []
    for q in points:
        q = np.asarray(q, dtype=np.complex128)
        if q.ndim == 2 and q.shape == (k, system.m):
            rows.append(q)
        elif q.size == system.m:
            rows.append(np.broadcast_to(q.reshape(system.m), (k, system.m)))
        else:
            raise ValueError(f"parameters of shape {q.shape}: give {system.m} values, or one row of "
                             f"{system.m} per path ({k} x {system.m})")
    return np.ascontiguousarray(np.stack(rows, axis=1))


def track(F, starts, p0, p1, *, path: str = "gamma", gamma: complex | None = None,
          options: TrackOptions | None = None, seed: int = 0, retrack: bool = True,
          check_injective: bool = True, progress=None) -> TrackResult:
    """Track each row of ``starts`` (solutions of F(.; p0) = 0) to F(.; p1) = 0.

    ``p0`` and ``p1`` are parameter vectors (m,) shared by all paths, or arrays (k, m) with
    one row per start: many instances of a family solved in one batch.
    ``path="gamma"`` (default) follows the gamma-trick arc with a random
    complex gamma drawn from ``seed`` (or the one given); ``"linear"`` the
    straight segment.  Failed paths are re-tracked once with tighter settings,
    and so are regular end points reached from two distinct starts along the same parameter
    path (path jumping: a parameter homotopy between generic parameters is a bijection on
    regular solutions); what still fails keeps its status in the result.
    """
    system = as_system(F)
    options = options or TrackOptions()
    t0 = time.perf_counter()
    Z0 = np.atleast_2d(np.asarray(starts, dtype=np.complex128))
    if path == "linear":
        g = 1.0 + 0j
    elif path == "gamma":
        if gamma is None:
            rng = np.random.default_rng([seed, 7])
            a = rng.uniform(0, 2 * np.pi)
            g = complex(np.cos(a), np.sin(a))
        else:
            g = complex(gamma)
    else:
        raise ValueError(f"unknown path {path!r}: use 'gamma' or 'linear'")
    V = _paths(system, len(Z0), p0, p1, p1, p1)
    return _track(system, Z0, V, np.array([0.0, 1.0, 1.0, 1.0]), g, options, retrack, check_injective,
                  progress, t0)


def track_loop(F, starts, p0, p1, p2=None, *, gamma: complex | None = None,
               options: TrackOptions | None = None, retrack: bool = True,
               check_injective: bool = True, progress=None) -> TrackResult:
    """Track each row of ``starts`` (solutions at p0) around a loop in one pass: each path runs
    its whole loop without waiting for the others at the vertices.  The end points are a
    permutation of the starts (monodromy).  Each vertex is (m,) or (k, m), one row per start:
    several loops tracked in one batch.

    With ``p2``: the triangle p0 -> p1 -> p2 -> p0 (straight edges).  Without: the lens
    p0 -> p1 -> p0, out along the gamma-arc p0 + w(t) (p1 - p0) and back along the arc
    p1 + w(t) (p0 - p1), its mirror image through the midpoint (for gamma = e^{i a}, a not a
    multiple of pi, the two circular arcs bound a lens in the complex line through p0 and p1 and
    the loop winds around the branch points inside it); two edges instead of three."""
    system = as_system(F)
    options = options or TrackOptions()
    t0 = time.perf_counter()
    Z0 = np.atleast_2d(np.asarray(starts, dtype=np.complex128))
    if p2 is None:
        g = complex(np.exp(1j * np.pi / 2)) if gamma is None else complex(gamma)
        V = _paths(system, len(Z0), p0, p1, p0, p0)
        return _track(system, Z0, V, np.array([0.0, 0.5, 1.0, 1.0]), g, options, retrack,
                      check_injective, progress, t0)
    V = _paths(system, len(Z0), p0, p1, p2, p0)
    return _track(system, Z0, V, np.array([0.0, 1 / 3, 2 / 3, 1.0]), 1.0 + 0j, options, retrack,
                  check_injective, progress, t0)


def _track(system, Z0, V, knots, g, options, retrack, check_injective, progress, t0) -> TrackResult:
    if Z0.shape[1] != system.n:
        raise ValueError(f"starts have {Z0.shape[1]} coordinates, the system has {system.n} unknowns")
    p0, p1 = V[:, 0], V[:, -1]
    shared = len(V) > 0 and bool(np.all(V == V[:1]))
    groups = np.zeros(len(V), int) if shared or len(V) == 0 else \
        np.unique(V.reshape(len(V), -1), axis=0, return_inverse=True)[1].reshape(-1)
    if len(V) and np.all(p0 == p0[:1]):
        p0 = p0[0]
    if len(V) and np.all(p1 == p1[:1]):          # e.g. loops from and back to one base point
        p1 = p1[0]
    if len(Z0) == 0:
        empty = np.zeros(0)
        return TrackResult(Z0, Z0.copy(), empty.astype(int), empty.astype(int), empty, empty, p0, p1,
                           g, 0.0, 0, options)
    Z, status, steps = _run(system, Z0, V, knots, g, options, progress)
    Z, cond, res = _endpoint_quality(system, Z, p1, status, options)
    retracked = 0
    if retrack:
        redo = np.flatnonzero((status != SUCCESS) & (status != DIVERGED))
        if check_injective:
            redo = np.union1d(redo, _jumped(Z, status, 1e-8, groups))
        if redo.size:
            retracked = int(redo.size)
            tight = options.tighter()
            Zr, sr, str_ = _run(system, Z0[redo], V[redo], knots, g, tight)
            Zr, cr, rr = _endpoint_quality(system, Zr, p1 if p1.ndim == 1 else p1[redo], sr, tight)
            Z[redo], status[redo], steps[redo] = Zr, sr, steps[redo] + str_
            cond[redo], res[redo] = cr, rr
            if check_injective:
                status[_jumped(Z, status, 1e-8, groups)] = JUMPED
    return TrackResult(Z0, Z, status, steps, cond, res, p0, p1, g, time.perf_counter() - t0,
                       retracked, options)
