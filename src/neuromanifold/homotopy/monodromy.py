"""Monodromy solving: all solutions of F(z; p0) = 0 from one.

Over an irreducible family (the incidence variety {(z, p): F(z; p) = 0} has
one component dominating parameter space) the monodromy group acts
transitively on the solutions at a generic p0.  Tracking the known solutions
around random loops permutes them and so reveals new ones.  A loop is a lens
p0 -> p1 -> p0 (p1 random complex): out along a gamma-arc and back along its
mirror image, which winds around the branch points between the two arcs in
the complex line through p0 and p1; two edges where a triangle needs three.
A path that fails on a loop loses only that loop's news (every solution
added is a regular end point polished at p0); a failed (solution, loop) pair
is tracked again along a lens of a slightly turned gamma (:data:`DETOURS`) when
every other pair is done, before new loops are made (a new loop costs a path
for every known solution, a retried pair one).  Tighter steps on the same arc
do not help: such paths pass close to a point where the solution's coordinates
run off to infinity (on a parameter slice, a fibre point escaping while its
image stays finite) and fail there again.  Measured on the ED system of
rank-one 5 x 5 matrices: 72 of 81 failed pairs failed again with 100x smaller
steps, 16 of 81 along the first detour.  The retries recover the loops' news;
they did not shorten that search, whose last solutions were missing because
no loop so far reached them, not because paths failed.  We stop when
``stall_loops`` loops in a row find nothing new, when the ``target`` count is
reached, or when the ``complete`` callback (e.g. a trace test) says the set is
complete.

A seed is any pair (z0, p0) with F(z0; p0) = 0; :func:`seed_by_offset` makes
one for systems with a constant offset parameter, F(z; p) = G(z) - p.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import NeuromanifoldError
from .dedup import match, representatives
from .solutions import Filters
from .system import as_system
from .tracker import TrackOptions, backend_of, batch_slots, polish, track_loop, with_backend


#: Turns of gamma (radians) for the lens of a failed (solution, loop) pair's next tries, in order.
DETOURS = (0.1, -0.1)

#: Loops made at the start: each costs a path for every solution found, and more of them make the
#: set grow in fewer rounds (round trips to the tracker).
START_LOOPS = 3


@dataclass
class MonodromyResult(Filters):
    """Solutions at the base parameters p0 found by monodromy loops (all regular and finite;
    ``only_real()`` keeps the real ones)."""

    solutions: np.ndarray
    parameters: np.ndarray
    loops: int
    paths: int                 # paths tracked in all loops (the two edges of a loop counted separately)
    failed_paths: int          # paths that failed on some edge (their loop was lost, not the base)
    stopped: str               # "stalled", "target", "complete", "max_loops"
    history: list = field(default_factory=list)   # solution count after each loop
    rtol: float = 1e-8
    seconds: float = 0.0
    seed: int = 0

    @property
    def count(self) -> int:
        return len(self.solutions)

    def _masks(self):
        ones = np.ones(len(self.solutions), bool)
        return self.solutions, ones, ones

    def summary(self) -> str:
        return (f"{self.count} solutions after {self.loops} loops ({self.stopped}); {self.paths} paths "
                f"tracked, {self.failed_paths} failed; {self.seconds:.2f} s")




def seed_by_offset(G: Callable, z0, m_extra: int = 0):
    """For F(z; p) = G(z) - p: the seed (z0, p0 = G(z0))."""
    z0 = np.asarray(z0, complex)
    return z0, np.asarray(G(z0), complex)


def _random_parameters(rng: np.random.Generator, p0: np.ndarray) -> np.ndarray:
    scale = max(float(np.linalg.norm(p0)) / np.sqrt(max(len(p0), 1)), 1e-3)
    return scale * (rng.standard_normal(p0.shape) + 1j * rng.standard_normal(p0.shape)) / np.sqrt(2)


@dataclass(frozen=True, kw_only=True)
class MonodromyOptions:
    """When a monodromy search stops, and how it tracks.

    stall_loops: stop after this many loops in a row that found nothing new (a loop counts only if
    it carried every solution known when it started); max_loops: stop after this many loops;
    target: stop once this many solutions are known (a known count, e.g. a Bezout number that is
    attained); rtol: relative distance below which two keys are the same point; lanes: paths per
    batch (None: 64 for the JAX backend, 256 for the native one); track: the tracker's settings
    (default :meth:`TrackOptions.loop`).  Presets: :meth:`patient` (more loops before a stall
    counts, for counts in the thousands).

    >>> MonodromyOptions.patient().stall_loops
    16
    """

    stall_loops: int = 5
    max_loops: int = 500
    target: int | None = None
    rtol: float = 1e-8
    lanes: int | None = None
    track: TrackOptions | None = None

    @classmethod
    def patient(cls, **changes) -> MonodromyOptions:
        """16 quiet loops before stopping (the setting of ED degrees and critical points)."""
        return cls(**{"stall_loops": 16, **changes})


def monodromy_solve(F, seed_solutions, p0, options: MonodromyOptions | TrackOptions | None = None, *,
                    seed: int = 0, complete: Callable | None = None, key: Callable | None = None,
                    random_parameters: Callable | None = None, progress: Callable | None = None,
                    backend: str | None = None, **changes) -> MonodromyResult:
    """All solutions of F(z; p0) = 0 reachable by monodromy from the given ones.

    Loops p0 -> P -> p0 (random P) carry the known solutions around; new end points join them until
    ``stall_loops`` loops in a row find nothing new, a ``target`` count is reached, or
    ``complete(solutions)`` (a trace test, asked whenever every loop has carried every known
    solution) says so.  ``key(Z)`` maps solutions to the points that decide sameness (e.g. their
    images, for one solution per image point).  The work is a queue of (solution, loop) pairs: a
    new solution goes around every loop still open (as in HomotopyContinuation.jl's monodromy).
    New loops are made when the queue is empty: START_LOOPS to start, then as many as fill a batch.  A loop
    closes when it has carried every known solution; it counts towards the stall if it revealed
    nothing, and any news resets the stall.

    Parameters
    ----------
    F : a System with parameters; seed_solutions : solutions at p0; p0 : the base parameters;
    options : MonodromyOptions (or TrackOptions, taken as its ``track``); its fields may be given by
        name (``stall_loops=16``); seed; complete; key; random_parameters : ``rng -> loop vertex``;
    progress : ``progress("monodromy loop i", solutions known, target)``; backend

    Returns
    -------
    MonodromyResult : ``solutions``, ``loops``, ``paths``, ``stopped`` and the count after each loop.

    Example
    -------
    >>> import jax.numpy as jnp, numpy as np
    >>> from neuromanifold.homotopy import System
    >>> cubic = System(lambda z, p: jnp.array([z[0] ** 3 - p[0]]), 1, 1)   # three cube roots
    >>> monodromy_solve(cubic, np.array([1.0 + 0j]), np.array([1.0 + 0j]), stall_loops=10).count
    3
    """
    if isinstance(options, TrackOptions):
        options = MonodromyOptions(track=options)
    try:
        settings = replace(options or MonodromyOptions(), **changes)
    except TypeError as exc:
        raise NeuromanifoldError(f"monodromy_solve: {exc}; its options are the fields of MonodromyOptions "
                                 f"(stall_loops, max_loops, target, rtol, lanes, track)") from None
    stall_loops, max_loops, target, rtol, lanes = (settings.stall_loops, settings.max_loops, settings.target,
                                                    settings.rtol, settings.lanes)
    key = key or (lambda Z: Z)
    options = with_backend(settings.track or TrackOptions.loop(), backend)
    system = as_system(F)
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 11])
    p0 = np.asarray(p0, complex).reshape(system.m)
    if system.m == 0:
        raise NeuromanifoldError("monodromy needs parameters to loop around: the system has none "
                                 "(add an offset parameter, F(z) - p, and start from p0 = F(z0))")
    S = np.atleast_2d(np.asarray(seed_solutions, complex))
    _, _, F0 = polish(system, S, p0, 0, options.backend)
    resid = np.linalg.norm(F0, axis=1) / (1 + np.linalg.norm(S, axis=1))
    if np.any(~(resid <= 1e-6)):
        raise NeuromanifoldError(f"the seed is not a solution at p0: residual {np.nanmax(resid):.2e}; "
                                 f"choose p0 so that F(z0; p0) = 0")
    S, J, _ = polish(system, S, p0, 2, options.backend)
    if lanes is None:
        lanes = 256 if backend_of(system, options) == "native" else 64
    KS = key(S)
    keep = representatives(KS, rtol)
    S, KS = S[keep], KS[keep]                   # the solutions and their keys, kept side by side
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(J[keep])
    draw = random_parameters or (lambda g: _random_parameters(g, p0))
    vertices: list[np.ndarray] = []             # loop j: the lens p0 -> vertices[j] -> p0
    gammas: list[complex] = []                  # ... along the gamma-arc gammas[j] and its mirror
                                                # (one gamma for the loops made together: one call each)
    pending: dict[int, int] = {}                # open loops: pairs still to track around each
    news: dict[int, bool] = {}                  # open loops: did the loop reveal a solution
    closed: set = set()                         # loops that have carried every solution once
    queue: deque = deque()                      # (solution, loop, tries) pairs not yet tracked
    retry: list = []                            # pairs whose path failed: tracked again along a detour
    paths = failed = stall = 0
    history = []
    stopped = "max_loops"
    while True:
        if target is not None and len(S) >= target:
            stopped = "target"
            break
        if not queue and retry:                 # the failed pairs once more, before anything new
            queue.extend(retry)
            retry = []
        if not queue:                           # every loop made so far carried every known solution
            if vertices and complete is not None and complete(S):
                stopped = "complete"
                break
            if stall >= stall_loops:
                stopped = "stalled"
                break
            if len(vertices) >= max_loops:
                break
        # a batch: at least ``lanes`` paths, and as many as the known solutions (one call of the
        # tracker waits for its slowest path, so fewer, wider calls)
        width = max(lanes, batch_slots(max(len(S), lanes)))
        batch = [queue.popleft() for _ in range(min(len(queue), width))]
        # new loops only once every open loop has carried every known solution (each open loop
        # costs a path for every solution found later): START_LOOPS to grow the set, then as many as fill
        # a batch towards the stall
        fresh = 0
        if not batch:
            fresh = START_LOOPS if not vertices else int(np.clip(width // len(S), 1, max(stall_loops - stall, 1)))
            fresh = min(fresh, max_loops - len(vertices))
        if fresh:
            # a new gamma for each set of new loops: lenses of one shape alone may never enclose the
            # branch points that join two classes of solutions
            gamma = np.exp(1j * rng.uniform(np.pi / 4, 3 * np.pi / 4) * rng.choice([-1, 1]))
        for j in range(len(vertices), len(vertices) + fresh):
            vertices.append(draw(rng))
            gammas.append(gamma)
            pending[j], news[j] = len(S), False
            batch.extend((i, j, 0) for i in range(len(S)))
        solutions = np.zeros((len(batch), S.shape[1]), complex)
        success = np.zeros(len(batch), bool)
        condition = np.full(len(batch), np.inf)
        # one call of the tracker a lens shape: the loop's gamma, turned for a retried pair
        turned = [gammas[j] * np.exp(1j * (DETOURS[tries - 1] if tries else 0.0)) for _, j, tries in batch]
        for g in dict.fromkeys(turned):
            part = np.flatnonzero([t == g for t in turned])
            rows = np.array([batch[t][0] for t in part])
            P1 = np.stack([vertices[batch[t][1]] for t in part])
            # a failed path is tracked again along a detour, not here (no re-tracking on the same arc)
            r = track_loop(system, S[rows], p0, P1, gamma=g, options=options, retrack=False,
                           check_injective=False)
            solutions[part], success[part], condition[part] = r.solutions, r.success, r.condition
        paths += 2 * len(batch)                 # lens loops: two edges a path
        failed += int(np.sum(~success))
        # a failed pair is tried again along a detour when every other pair is done; its loop stays
        # open until its last try
        last = [ok_ or tries >= len(DETOURS) for (_, _, tries), ok_ in zip(batch, success)]
        retry.extend((i, j, tries + 1) for (i, j, tries), done in zip(batch, last) if not done)
        ok = np.flatnonzero(success)
        ends, conds = solutions[ok], condition[ok]
        Kends = key(ends) if len(ends) else ends
        same = match(KS, Kends, rtol) if len(ends) else np.zeros(0, int)
        # a class keeps its best-conditioned member (one point per image: the representative
        # that tracks and certifies best)
        for i in np.flatnonzero((same >= 0) & (conds < cond[np.maximum(same, 0)] / 100)):
            if conds[i] < cond[same[i]] / 100:
                S[same[i]], cond[same[i]], KS[same[i]] = ends[i], conds[i], Kends[i]
        for (_, j, _), done in zip(batch, last):
            if done:
                pending[j] -= 1
        new = np.flatnonzero(same < 0)
        if len(new):
            first = new[representatives(Kends[new], rtol)]
            start = len(S)
            S, cond = np.concatenate([S, ends[first]]), np.concatenate([cond, conds[first]])
            KS = np.concatenate([KS, Kends[first]])
            stall = 0
            for f in first:
                news[batch[ok[f]][1]] = True
            # each new solution goes around every loop made so far (the one that revealed it first), a
            # closed loop opening again for it, as in HomotopyContinuation.jl (on the 5 x 5 ED search
            # this found nothing the open loops missed, at a few paths per new solution)
            for n, f in enumerate(first):
                own = batch[ok[f]][1]
                for j in [own] + [j for j in range(len(vertices)) if j != own]:
                    queue.append((start + n, j, 0))
                    if j not in pending:
                        pending[j], news[j] = 0, False
                    pending[j] += 1
        for j in [j for j, left in pending.items() if left == 0]:
            # a loop closed for the first time carried every solution known; it counts towards the
            # stall if it revealed none (a set closed under a loop it was grown by is no evidence;
            # a loop opened again for new solutions counts only by resetting the stall with news)
            if j not in closed:
                stall = stall + 1 if not news[j] else stall
                closed.add(j)
            del pending[j], news[j]
        history.append(len(S))
        if progress is not None:
            progress(f"monodromy loop {len(vertices)}", len(S), target)
    loops = len(vertices)
    return MonodromyResult(S, p0, loops, paths, failed, stopped, history, rtol,
                           time.perf_counter() - t0, seed)
