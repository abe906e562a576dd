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

import os
import time
from dataclasses import dataclass, field, replace
from enum import IntEnum

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend import core as jcore

from . import small_linalg as linalg
from ..errors import NeuromanifoldError
from ..progress import counter
from .solutions import Filters
from .system import System, as_system

class Status(IntEnum):
    """How a path ended.  The values are the codes the kernels write (both backends), so arrays of
    statuses compare with the members directly: ``result.status == Status.SUCCESS``."""

    TRACKING = 0        # still running (never an end status)
    SUCCESS = 1         # a regular solution at t = 1
    DIVERGED = 2        # |z| grew beyond ``diverge``: the path goes to infinity
    UNDERFLOW = 3       # the step size fell below ``min_step`` before the end zone
    SINGULAR = 4        # ended at a singular solution (ill-conditioned F_z, or steps stalled at t = 1)
    MAX_STEPS = 5       # the step budget ran out
    JUMPED = 6          # two paths ended at the same point: one of them jumped

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_success(self) -> bool:
        return self is Status.SUCCESS

    @property
    def is_at_infinity(self) -> bool:
        return self is Status.DIVERGED

    @property
    def is_singular(self) -> bool:
        return self is Status.SINGULAR

    @property
    def is_failure(self) -> bool:
        """A path that neither reached a regular solution nor an honest end (infinity, singular)."""
        return self in (Status.UNDERFLOW, Status.MAX_STEPS, Status.JUMPED, Status.TRACKING)


_LABELS = {Status.TRACKING: "tracking", Status.SUCCESS: "success", Status.DIVERGED: "diverged",
           Status.UNDERFLOW: "step_size_underflow", Status.SINGULAR: "singular_endpoint",
           Status.MAX_STEPS: "max_steps", Status.JUMPED: "path_jumping"}
TRACKING, SUCCESS, DIVERGED, UNDERFLOW, SINGULAR, MAX_STEPS, JUMPED = Status
#: status code -> its name in results (``TrackResult.counts``).
STATUS = {s: s.label for s in Status}


@dataclass(frozen=True, kw_only=True)
class TrackOptions:
    """Tolerances of the tracker (relative to 1 + |z|), given by name.

    Presets: ``TrackOptions()`` (the defaults below), :meth:`loop` (the short step budget of a
    monodromy loop, whose failed paths only lose that loop's news), :meth:`tighter` (for
    re-tracking failed paths).

    >>> TrackOptions.loop().max_steps
    1000
    >>> TrackOptions().tighter().max_steps
    16000
    """

    tolerance: float = 1e-4      # target size of the predictor error per step
    trust: float = 1e-3          # largest first Newton correction accepted
    initial_step: float = 0.05
    min_step: float = 1e-13
    max_steps: int = 4000
    diverge: float = 1e9         # |z| beyond this: the path goes to infinity
    singular_cond: float = 1e10  # condition number of F_z at the end beyond this: singular
    end_zone: float = 1e-10      # steps underflowing within this of t = 1: a singular end point
    chunk: int = 24              # steps per compiled chunk (JAX backend)
    backend: str | None = None   # "native", "jax" or None: the default (:func:`default_backend`)

    @classmethod
    def loop(cls, **changes) -> TrackOptions:
        """A monodromy loop's settings: the defaults with 1,000 steps a path."""
        return cls(**{"max_steps": 1000, **changes})

    def tighter(self, *, factor: float = 100.0) -> TrackOptions:
        """Settings for re-tracking failed paths: a ``factor`` smaller predictor error, a sqrt(factor)
        smaller trust region, first step and least step, 4x the step budget."""
        root = factor ** 0.5
        return replace(self, tolerance=self.tolerance / factor, trust=self.trust / root,
                       initial_step=self.initial_step / root, min_step=self.min_step / root,
                       max_steps=self.max_steps * 4)

    def vector(self) -> np.ndarray:
        return np.array([self.tolerance, self.trust, self.min_step, self.max_steps, self.diverge,
                         self.end_zone], dtype=np.float64)


@dataclass
class TrackResult(Filters):
    """End points of tracked paths, one row per start, with a status each (:class:`Status`);
    ``only_finite()``, ``only_nonsingular()`` and ``only_real()`` filter them."""

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
    backend: str = "jax"          # the kernel that tracked the paths ("native" or "jax")
    stopped: np.ndarray = None    # bool: the steps underflowed in the end zone (a singular end point)

    def __post_init__(self):
        if self.stopped is None:
            self.stopped = np.zeros(len(self.status), bool)

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

    def _masks(self):
        finite = (self.status == SUCCESS) | (self.status == SINGULAR)
        finite &= np.isfinite(self.solutions).all(axis=1)
        return self.solutions, finite, self.status == SUCCESS

    def summary(self) -> str:
        c = ", ".join(f"{v} {k}" for k, v in self.counts().items())
        return (f"{self.paths} paths in {self.seconds:.2f} s ({self.backend}): {c}; "
                f"{self.retracked} re-tracked")


# -- the compiled chunk of steps ----------------------------------------------------------


def _chunk_function(system: System, chunk: int):
    """jit(vmap) of `chunk` tracker steps; arguments (state..., V, knots, gamma, opts, data),
    with V (batch, 4, m) one polyline per path.

    The parameter path is a polyline through the vertices V[0..3] reached at the times
    knots[0..3] (0 = knots[0] <= ... <= knots[3] = 1; a segment of zero duration is skipped),
    each segment a gamma-arc.  One segment [p0, p1] is V = (p0, p1, p1, p1), knots (0, 1, 1, 1);
    a monodromy loop p0 -> p1 -> p2 -> p0 is one path with gamma = 1."""

    def segment(t, knots):
        """The segment [knots[i], knots[i+1]) of positive length holding t: a step stays on the
        segment where it starts (it never crosses a knot), all its stages included."""
        in2 = (t >= knots[2]) & (knots[3] > knots[2])
        in1 = (t >= knots[1]) & (knots[2] > knots[1])
        return jnp.where(in2, 2, jnp.where(in1, 1, 0))

    def param(t, seg, V, knots, gamma):
        # static indices picked by selects (they trace fast)
        def pick(x):
            return jnp.where(seg == 2, x[2], jnp.where(seg == 1, x[1], x[0]))

        a, b = pick(V), pick(V[1:])
        start, end = pick(knots), pick(knots[1:])
        length = jnp.maximum(end - start, 1e-300)
        tau = jnp.clip((t - start) / length, 0.0, 1.0)
        den = gamma * (1.0 - tau) + tau
        w = tau / den
        dw = gamma / den ** 2 / length
        return a + w * (b - a), dw * (b - a)

    @jax.jit
    def velocity(z, t, seg, V, knots, gamma, data):
        p, dp = param(t, seg, V, knots, gamma)
        return -linalg.solve(system.jac_call(z, p, data), system.dir_call(z, p, dp, data))

    def last_velocity(z, t, seg, V, knots, gamma, data):
        """The velocity and the LU factors of F_z there (reused by the chord corrections)."""
        p, dp = param(t, seg, V, knots, gamma)
        lu = linalg.lu_factor(system.jac_call(z, p, data))
        return -linalg.lu_solve(lu, system.dir_call(z, p, dp, data)), lu

    def chord(z, p, lu, data):
        d = linalg.lu_solve(lu, system.call(z, p, data))
        return z - d, jnp.linalg.norm(d)

    def one_step(z, t, h, status, steps, V, knots, gamma, opts, data):
        tol, trust, min_step, max_steps, diverge, end_zone = opts[0], opts[1], opts[2], opts[3], opts[4], opts[5]
        active = status == TRACKING
        # never step across a vertex (the path has a corner there): land on it; every stage is
        # evaluated on the segment where the step starts, the last one at its end (tau = 1), not on
        # the next segment (on a zero-length last segment dp = 0 and landing steps were rejected)
        seg = segment(t, knots)
        knot = jnp.where(seg == 2, knots[3], jnp.where(seg == 1, knots[2], knots[1]))
        clamped = h >= knot - t
        hs = jnp.where(clamped, knot - t, h)
        t_end = jnp.where(clamped, knot, t + hs)
        k1 = velocity(z, t, seg, V, knots, gamma, data)
        k2 = velocity(z + 0.5 * hs * k1, t + 0.5 * hs, seg, V, knots, gamma, data)
        k3 = velocity(z + 0.5 * hs * k2, t + 0.5 * hs, seg, V, knots, gamma, data)
        k4, lu = last_velocity(z + hs * k3, t_end, seg, V, knots, gamma, data)
        zp = z + (hs / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        p, _ = param(t_end, seg, V, knots, gamma)
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
        # within the end zone the path has arrived at a singular end point (which stops the steps)
        new_status = jnp.where(~ok & (new_h < min_step), jnp.where(1.0 - t <= end_zone, SINGULAR, UNDERFLOW),
                               new_status)
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

#: the tracker kernels (the seam): "native" (compiled straight-line program, CPU) and "jax"
BACKENDS = ("native", "jax")


def default_backend() -> str:
    """The kernel used when none is asked for: $NEUROMANIFOLD_BACKEND if set, else ``native`` on
    CPU and ``jax`` when JAX runs on a GPU."""
    env = os.environ.get("NEUROMANIFOLD_BACKEND", "").strip().lower()
    if env:
        if env not in BACKENDS:
            raise NeuromanifoldError(f"NEUROMANIFOLD_BACKEND={env!r} is not a tracker backend: set it to "
                                     f"'native' or 'jax' (or unset it)")
        return env
    return "jax" if jax.default_backend() != "cpu" else "native"


def check_backend(backend: str | None) -> str:
    """A backend name (None: the default), checked."""
    if backend is None:
        return default_backend()
    name = str(backend).strip().lower()
    if name not in BACKENDS:
        raise NeuromanifoldError(f"unknown tracker backend {backend!r}: use 'native' or 'jax'")
    return name


_NOTED: set = set()


def _kernel(system: System, options: TrackOptions):
    """The native kernel of the system, or None when the JAX backend tracks (asked for, or the
    native one cannot be made: one note on stderr per system family and reason)."""
    if check_backend(options.backend) != "native":
        return None
    from . import native

    kern = native.kernel_for(system)
    if kern is None:
        reason = native.unavailable_reason(system)
        if (system.name, reason) not in _NOTED:
            _NOTED.add((system.name, reason))
            import sys

            print(f"note: the native tracker is not used for {system.name!r} ({reason}); the JAX "
                  f"backend tracks it", file=sys.stderr)
    return kern


def backend_of(system: System, options: TrackOptions) -> str:
    """The backend that tracks this system with these options."""
    return "native" if _kernel(system, options) is not None else "jax"


class Polyline:
    """Parameter polylines of k paths through four vertices, each (m,) shared by all paths or
    (k, m) one row per path; indexing reads the dense (k, 4, m) array."""

    def __init__(self, vertices: list, k: int, m: int):
        self.vertices, self.k, self.m = vertices, k, m

    def __len__(self) -> int:
        return self.k

    def dense(self) -> np.ndarray:
        return np.stack([np.broadcast_to(v, (self.k, self.m)) for v in self.vertices], axis=1)

    def __getitem__(self, idx):
        return self.dense()[idx]

    def rows(self, idx) -> Polyline:
        idx = np.asarray(idx)
        return Polyline([v if v.ndim == 1 else v[idx] for v in self.vertices], len(idx), self.m)

    def vertex(self, i: int, idx=None) -> np.ndarray:
        v = self.vertices[i]
        return v if v.ndim == 1 or idx is None else v[idx]

    def groups(self) -> np.ndarray:
        """Labels of the paths by their polyline (paths with the same polyline: one group)."""
        own = [v for v in self.vertices if v.ndim == 2]
        if not own or self.k == 0:
            return np.zeros(self.k, int)
        return np.unique(np.concatenate(own, axis=1), axis=0, return_inverse=True)[1].reshape(-1)


def batch_slots(k: int) -> int:
    """Smallest batch size of SIZES holding k paths (at most SLOTS)."""
    return next(s for s in SIZES if s >= min(k, SLOTS))


def _run(system: System, Z0: np.ndarray, V: Polyline, knots, gamma: complex, options: TrackOptions,
         progress=None):
    """Track all rows of Z0, row i along the polyline V[i]: (end points, status codes, steps).
    The seam between the tracker and its kernels: the native kernel when it can be made (and is
    asked for), else the JAX one."""
    Z0 = np.asarray(Z0, np.complex128)
    kern = _kernel(system, options)
    if kern is not None:
        return kern.track(Z0, V.vertices, knots, gamma, options, system.data, progress)
    return _run_jax(system, Z0, V, knots, gamma, options, progress)


def _run_jax(system: System, Z0: np.ndarray, V: Polyline, knots, gamma: complex, options: TrackOptions,
             progress=None):
    """The JAX kernel: a fixed number of slots holds the paths in flight; a finished path's slot is
    refilled from the queue."""
    fn = system.compiled(f"chunk{options.chunk}", lambda: _chunk_function(system, options.chunk))
    k, n = Z0.shape
    Z0 = Z0.astype(np.complex128)
    Z = Z0.copy()
    status = np.full(k, TRACKING, np.int32)
    steps = np.zeros(k, np.int32)
    opts = options.vector()
    g = np.complex128(gamma)
    size = batch_slots(k)
    owner = np.full(size, -1)                  # which path each slot holds (-1: empty)
    # Empty slots hold a regular point (the first start at t = 0), never zeros or a failed end
    # point: a singular or non-finite lane was seen to spoil the batched solve of the others.
    z = np.repeat(Z[:1], size, axis=0)
    t = np.zeros(size)
    h = np.full(size, options.initial_step)
    st = np.full(size, SUCCESS, np.int32)      # empty slots are frozen
    nsteps = np.zeros(size, np.int32)
    first = V.rows([0])[np.zeros(1, int)]      # (1, 4, m)
    slotV = np.repeat(first, size, axis=0)
    queue = 0

    def fill(slots):
        nonlocal queue
        slots = [s for s in slots][:max(k - queue, 0)]
        if not slots:
            return
        idx = np.arange(queue, queue + len(slots))
        slotV[slots] = V.rows(idx).dense()
        for s, i in zip(slots, idx):
            owner[s] = i
            z[s], t[s], h[s], st[s], nsteps[s] = Z[i], 0.0, options.initial_step, TRACKING, 0
        queue += len(slots)

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
            new = batch_slots(live.size)

            def keep(a, fillv, live=live, new=new):
                pad = np.empty((new - live.size,) + a.shape[1:], a.dtype)
                pad[...] = fillv
                return np.concatenate([a[live], pad])

            z, t, h, nsteps = keep(z, Z0[0]), keep(t, 0.0), keep(h, options.initial_step), keep(nsteps, 0)
            st, owner, slotV = keep(st, SUCCESS), keep(owner, -1), keep(slotV, first[0])
            size = new
    return Z, status, steps


def polish(system: System, Z: np.ndarray, p, iterations: int = 2, backend: str | None = None):
    """(Newton-polished points, F_z there, F there) at parameters p ((m,) or (k, m)); no safeguards
    (for end points: a point that does not converge becomes non-finite)."""
    Z = np.asarray(Z, np.complex128).reshape(-1, system.n)
    kern = _kernel(system, TrackOptions(backend=backend))
    if kern is not None:
        return kern.polish(Z, p, system.data, iterations)
    Zs = system.newton(Z, p, iterations)
    return Zs, system.jacobians(Zs, p), system.evaluate(Zs, p)


def endpoint_quality(system: System, Z: np.ndarray, p1, status: np.ndarray, options: TrackOptions):
    """Polish the end points of paths that arrived; condition numbers and residuals; singular ones
    flagged (those the tracker found singular, in its end zone, stay singular)."""
    cond = np.full(len(Z), np.inf)
    res = np.full(len(Z), np.inf)
    ok = (status == SUCCESS) | (status == SINGULAR)
    if np.any(ok):
        p1 = p1[ok] if np.ndim(p1) == 2 else p1
        Zs, J, F = polish(system, Z[ok], p1, 2, options.backend)
        good = np.all(np.isfinite(Zs), axis=1)
        if not np.all(good):                   # keep the unpolished point where Newton blew up
            Zs = np.where(good[:, None], Zs, Z[ok])
            _, J, F = polish(system, Zs, p1, 0, options.backend)
        with np.errstate(all="ignore"):
            c = np.linalg.cond(J)
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


def _paths(system: System, k: int, *points) -> Polyline:
    """Parameter points, each (m,) shared by all k paths or (k, m) one per path, as a Polyline."""
    rows = []
    for q in points:
        q = np.asarray(q, dtype=np.complex128)
        if q.ndim == 2 and q.shape == (k, system.m):
            rows.append(np.ascontiguousarray(q))
        elif q.size == system.m:
            rows.append(np.ascontiguousarray(q.reshape(system.m)))
        else:
            raise NeuromanifoldError(f"parameters of shape {q.shape}: give {system.m} values, or one row of "
                             f"{system.m} per path ({k} x {system.m})")
    return Polyline(rows, k, system.m)


def _gamma(path: str, gamma, seed: int) -> complex:
    if path == "linear":
        return 1.0 + 0j
    if path != "gamma":
        raise NeuromanifoldError(f"unknown path {path!r}: use path='gamma' or path='linear'")
    if gamma is not None:
        return complex(gamma)
    rng = np.random.default_rng([seed, 7])
    a = rng.uniform(0, 2 * np.pi)
    return complex(np.cos(a), np.sin(a))


def track(F, starts, p0, p1, *, path: str = "gamma", gamma: complex | None = None,
          options: TrackOptions | None = None, seed: int = 0, retrack: bool = True,
          check_injective: bool = True, progress=None, backend: str | None = None) -> TrackResult:
    """Track each row of ``starts`` (solutions of F(.; p0) = 0) to F(.; p1) = 0.

    ``p0`` and ``p1`` are parameter vectors (m,) shared by all paths, or arrays (k, m) with
    one row per start: many instances of a family solved in one batch.
    ``path="gamma"`` (default) follows the gamma-trick arc with a random
    complex gamma drawn from ``seed`` (or the one given); ``"linear"`` the
    straight segment.  Failed paths are re-tracked once with tighter settings,
    and so are regular end points reached from two distinct starts along the same parameter
    path (path jumping: a parameter homotopy between generic parameters is a bijection on
    regular solutions); what still fails keeps its status in the result.  ``backend``
    ("native" or "jax"; default :func:`default_backend`) picks the kernel; the result names it.

    Example:
        >>> import jax.numpy as jnp
        >>> from neuromanifold.homotopy import System
        >>> sq = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1)
        >>> r = track(sq, [[1.0]], [1.0], [4.0])
        >>> r.counts(), float(round(abs(r.solutions[0, 0]), 10))
        ({'success': 1}, 2.0)
    """
    system = as_system(F)
    options = with_backend(options, backend)
    t0 = time.perf_counter()
    Z0 = np.atleast_2d(np.asarray(starts, dtype=np.complex128))
    g = _gamma(path, gamma, seed)
    V = _paths(system, len(Z0), p0, p1, p1, p1)
    return _track(system, Z0, V, np.array([0.0, 1.0, 1.0, 1.0]), g, options, retrack, check_injective,
                  progress, t0)


def with_backend(options: TrackOptions | None, backend: str | None) -> TrackOptions:
    """``options`` (default TrackOptions()) with the tracker backend ``backend`` when one is given."""
    options = options or TrackOptions()
    if backend is not None:
        options = replace(options, backend=check_backend(backend))
    elif options.backend is not None:
        check_backend(options.backend)
    return options


def track_loop(F, starts, p0, p1, p2=None, *, gamma: complex | None = None,
               options: TrackOptions | None = None, retrack: bool = True,
               check_injective: bool = True, progress=None, backend: str | None = None) -> TrackResult:
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
    options = with_backend(options, backend)
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


def _track(system, Z0, V: Polyline, knots, g, options, retrack, check_injective, progress,
           t0) -> TrackResult:
    if Z0.shape[1] != system.n:
        raise NeuromanifoldError(f"starts have {Z0.shape[1]} coordinates, the system has {system.n} unknowns")
    p0, p1 = V.vertices[0], V.vertices[-1]
    backend = backend_of(system, options)
    if len(Z0) == 0:
        empty = np.zeros(0)
        return TrackResult(Z0, Z0.copy(), empty.astype(int), empty.astype(int), empty, empty, p0, p1,
                           g, 0.0, 0, options, backend)
    Z, status, steps = _run(system, Z0, V, knots, g, options, counter(progress, "paths", len(Z0)))
    stopped = status == SINGULAR
    Z, cond, res = endpoint_quality(system, Z, p1, status, options)
    retracked = 0
    if retrack:
        redo = np.flatnonzero((status != SUCCESS) & (status != DIVERGED))
        groups = V.groups() if check_injective else None
        if check_injective:
            redo = np.union1d(redo, _jumped(Z, status, 1e-8, groups))
        if redo.size:
            retracked = int(redo.size)
            tight = options.tighter()
            Zr, sr, str_ = _run(system, Z0[redo], V.rows(redo), knots, g, tight)
            stopped[redo] = sr == SINGULAR
            Zr, cr, rr = endpoint_quality(system, Zr, p1 if p1.ndim == 1 else p1[redo], sr, tight)
            Z[redo], status[redo], steps[redo] = Zr, sr, steps[redo] + str_
            cond[redo], res[redo] = cr, rr
            if check_injective:
                status[_jumped(Z, status, 1e-8, groups)] = JUMPED
    return TrackResult(Z0, Z, status, steps, cond, res, p0, p1, g, time.perf_counter() - t0,
                       retracked, options, backend, stopped)
