"""The trace test: is a set of points on a slice of a variety complete?

For a k-dimensional variety X and points W on X ∩ L(b) for the affine slices L(b) of a pencil
b = b0 + s δ, the sum of the points (or of any linear image of them, ``key``) is an affine-linear
function of s exactly when W is all of X ∩ L(b0); a missing point leaves a nonlinear remainder
(Sommese–Verschelde–Wampler, *Symmetric functions applied to decomposing solution sets*, SIAM J.
Numer. Anal. 40 (2002); Leykin–Rodriguez–Sottile, arXiv 1606.07542 for pseudo-witness sets).
The points are carried to s = 1 and s = -1 along gamma-arcs, and the second difference
T(1) - 2 T(0) + T(-1) is compared with the sum of the points' own |second differences| (a missing
point leaves about 1/n of it).  A small pencil (``size``, relative to |p0|) keeps the paths short,
so that they rarely fail, and the test as sharp: the comparison does not depend on the size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dedup import match, representatives
from .tracker import TrackOptions, track


#: Turns of gamma (radians) for the nearby arcs that re-track a failed path, in order.
DETOURS = (0.05, -0.05, 0.15, -0.15, 0.4, -0.4)
#: Failed paths re-tracked along detours at most (with more, the test is given up).
MAX_DETOURED = 4


@dataclass
class TraceTestResult:
    passed: bool           # the second difference is below the tolerance, no path failed, ends distinct
    residual: float        # |T(1) - 2T(0) + T(-1)| relative to the sum of the points' own |second differences|
    failed_paths: int      # paths that still failed on the last arc
    arcs: int              # gamma-arcs used (a failed path is tracked again along nearby arcs)
    distinct: bool = True  # the end points at s = 1 and s = -1 are pairwise distinct

    def to_dict(self) -> dict:
        return {"passed": bool(self.passed), "residual": float(self.residual),
                "failed_paths": int(self.failed_paths), "arcs": int(self.arcs),
                "distinct": bool(self.distinct)}


def trace_test(system, points: np.ndarray, p0: np.ndarray, key=None, *, seed: int = 0, attempts: int = 3,
               tolerance: float = 1e-6, rtol: float = 1e-6, size: float = 0.5,
               options: TrackOptions | None = None) -> TraceTestResult:
    """Trace test of ``points`` (solutions of ``system`` at the parameters ``p0``, which are the
    slice's data b) along a random pencil p0 + s δ; ``key`` maps solutions to the points whose sum
    is tested (default: the solutions themselves).

    A path that fails is tracked again along nearby arcs (:data:`DETOURS`, ``2 (attempts - 1)`` of
    them), with tighter steps; its end point is taken only if it differs from every end point
    already reached.  That is sound: the other paths reached n - 1 distinct points of the fibre
    over p0 + s δ, which has n points when the set is complete, so a new distinct point is the
    missing one (and over a larger fibre, a sum over part of it is affine-linear only by
    accident).  All end points must be pairwise distinct (``rtol``: no path jumped).

    >>> import jax.numpy as jnp
    >>> from neuromanifold.homotopy import System
    >>> circle = System(lambda z, p: jnp.array([z[0]**2 + z[1]**2 - 1, z[0] - p[0]]), 2, 1)
    >>> b = np.array([0.3 + 0j]); y = np.sqrt(1 - 0.09 + 0j)
    >>> trace_test(circle, np.array([[0.3, y], [0.3, -y]]), b).passed
    True
    >>> trace_test(circle, np.array([[0.3, y]]), b).passed
    False
    """
    key = key or (lambda Z: np.asarray(Z))
    p0 = np.asarray(p0, complex)
    points = np.atleast_2d(np.asarray(points, complex))
    rng = np.random.default_rng([seed, 53])
    delta = rng.standard_normal(len(p0)) + 1j * rng.standard_normal(len(p0))
    delta *= size * max(np.linalg.norm(p0), 1.0) / np.linalg.norm(delta)
    T0 = key(points).sum(axis=0)
    options = options or TrackOptions.loop()
    sums, each, failed, distinct, arcs = [], [], 0, True, 1
    for s in (1.0, -1.0):
        gamma = np.exp(1j * rng.uniform(0, 2 * np.pi))
        r = track(system, points, p0, p0 + s * delta, gamma=gamma, options=options)
        ends, bad = r.solutions.copy(), ~r.success
        K = np.array(key(ends))
        for turn in DETOURS[:max(attempts - 1, 0) * 2]:
            if not bad.any() or bad.sum() > MAX_DETOURED:
                break                           # (many failures: the test fails anyway)
            # a failed path again along a nearby arc (gamma turned a little): it lands on the
            # missing end point unless a branch point lies between the arcs, and then on a point
            # already reached, which the distinctness check below rejects
            again = track(system, points[bad], p0, p0 + s * delta, gamma=gamma * np.exp(1j * turn),
                          options=options.tighter(factor=100.0))
            arcs += 1
            rows = np.flatnonzero(bad)
            for i in np.flatnonzero(again.success):
                k = key(again.solutions[i:i + 1])
                others = np.flatnonzero(~bad)
                if len(others) == 0 or np.all(match(K[others], k, rtol) < 0):
                    ends[rows[i]], K[rows[i]], bad[rows[i]] = again.solutions[i], k[0], False
        failed += int(bad.sum())
        distinct &= len(representatives(K, rtol)) == len(K)
        sums.append(K.sum(axis=0))
        each.append(K)
    second = (sums[0] - T0) - (T0 - sums[1])          # (T(1) - T(0)) - (T(0) - T(-1)) = 0 if affine
    # measured against the points' own second differences: a missing point leaves about 1/n of
    # their sum, whatever the pencil's size; roundoff leaves far less
    K0 = np.asarray(key(points))
    scale = np.abs(each[0] - 2 * K0 + each[1]).sum() + 1e-13 * np.abs(K0).sum()
    residual = float(np.abs(second).max() / max(scale, 1e-300))
    # where every point moves affinely (a linear space) the second differences are rounding alone and
    # their ratio means nothing: a second difference of the sum below 1e-12 of the points' size is
    # zero (polished end points carry about 1e-15 of it; a missing point on the default pencils of
    # the ED and witness searches leaves 1e-8 or more)
    flat = float(np.abs(second).max()) <= 1e-12 * float(np.abs(K0).sum())
    return TraceTestResult(bool(failed == 0 and distinct and (residual < tolerance or flat)), residual, failed,
                           arcs, bool(distinct))

class TraceCheck:
    """A monodromy search's ``complete`` callback (:func:`~.monodromy.monodromy_solve`, which asks
    it whenever every loop has carried every known solution): the trace test of the known points,
    once for each count (a class may change its representative, not its point).  A test that fails
    because some paths would not track runs again along a new pencil ``shrink`` times shorter
    (paths that fail on a short pencil pass close to a branch point, and a shorter pencil passes
    it farther off; the test's sharpness does not depend on the length), up to ``tests`` pencils
    for one count and never shorter than ``smallest`` (default: size / 1000); the length reached
    is kept for later counts.  One that fails with every path tracked is final for that count, and
    one with more than :data:`MAX_DETOURED` failed paths on the shortest pencil ends the testing for
    the whole search.  ``result`` is the last test's :class:`TraceTestResult` (None before any);
    ``size`` and ``options`` are the pencil's and the tracker's (see :func:`trace_test`).

    >>> import jax.numpy as jnp
    >>> from neuromanifold.homotopy import System
    >>> circle = System(lambda z, p: jnp.array([z[0]**2 + z[1]**2 - 1, z[0] - p[0]]), 2, 1)
    >>> y = np.sqrt(1 - 0.09 + 0j); check = TraceCheck(circle, np.array([0.3 + 0j]))
    >>> check(np.array([[0.3, y]])), check(np.array([[0.3, y], [0.3, -y]]))
    (False, True)
    """

    def __init__(self, system, p0, key=None, *, seed: int = 0, tests: int = 2, size: float = 0.5,
                 shrink: float = 0.1, smallest: float | None = None, options: TrackOptions | None = None):
        self.system, self.p0, self.key, self.seed, self.tests = system, np.asarray(p0, complex), key, seed, tests
        self.size, self.options, self.shrink = size, options, shrink
        self.smallest = size * 1e-3 if smallest is None else smallest
        self.result: TraceTestResult | None = None
        self._count: int | None = None           # the count the last result is for
        self._runs = 0                           # tests run for that count
        self._gave_up = False                    # a test failed with many paths that would not track

    def __call__(self, points: np.ndarray) -> bool:
        if self._gave_up:
            return False
        if self._count == len(points) and (self.result.passed or not self.result.failed_paths
                                           or self._runs >= self.tests):
            return self.result.passed
        if self.result is not None and self.result.failed_paths:
            self.size = max(self.size * self.shrink, self.smallest)     # a shorter pencil this time
        result = self.test(points, again=True)
        if result.failed_paths > MAX_DETOURED and self.size <= self.smallest:
            # paths that would not track even on the shortest pencil: the system's paths are hard
            # here, and further tests would cost more than the loops they might save
            self._gave_up = True
        return result.passed

    def test(self, points: np.ndarray, again: bool = False) -> TraceTestResult:
        """The trace test of these points (the last result when it is for as many points, unless
        ``again``)."""
        points = np.asarray(points, complex)
        if self._count != len(points):
            self._count, self._runs = len(points), 0
        elif not again:
            return self.result
        self.result = trace_test(self.system, points, self.p0, self.key, seed=self.seed + 1000 * self._runs,
                                 size=self.size, options=self.options)
        self._runs += 1
        return self.result
