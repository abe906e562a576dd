"""The trace test: is a set of points on a slice of a variety complete?

For a k-dimensional variety X and points W on X ∩ L(b) for the affine slices L(b) of a pencil
b = b0 + s δ, the sum of the points (or of any linear image of them, ``key``) is an affine-linear
function of s exactly when W is all of X ∩ L(b0); a missing point leaves a nonlinear remainder
(Sommese–Verschelde–Wampler, *Symmetric functions applied to decomposing solution sets*, SIAM J.
Numer. Anal. 40 (2002); Leykin–Rodriguez–Sottile, arXiv 1606.07542 for pseudo-witness sets).
The points are carried to s = 1 and s = -1 along gamma-arcs, and the second difference
T(1) - 2 T(0) + T(-1) is compared with the size of the sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tracker import TrackOptions, track


@dataclass
class TraceTestResult:
    passed: bool           # the second difference is below the tolerance and no path failed
    residual: float        # |T(1) - 2T(0) + T(-1)| relative to the size of the sums
    failed_paths: int
    arcs: int              # gamma-arcs tried (all points are tracked again on a failed path)

    def to_dict(self) -> dict:
        return {"passed": bool(self.passed), "residual": float(self.residual),
                "failed_paths": int(self.failed_paths), "arcs": int(self.arcs)}


def trace_test(system, points: np.ndarray, p0: np.ndarray, key=None, *, seed: int = 0, attempts: int = 3,
               tolerance: float = 1e-6, options: TrackOptions | None = None) -> TraceTestResult:
    """Trace test of ``points`` (solutions of ``system`` at the parameters ``p0``, which are the
    slice's data b) along a random pencil p0 + s δ; ``key`` maps solutions to the points whose sum
    is tested (default: the solutions themselves).  When a path fails, all points are tracked
    again along a new arc (one arc for all keeps their correspondence), up to ``attempts`` arcs.

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
    rng = np.random.default_rng([seed, 53])
    delta = rng.standard_normal(len(p0)) + 1j * rng.standard_normal(len(p0))
    delta *= 0.5 * max(np.linalg.norm(p0), 1.0) / np.linalg.norm(delta)
    T0 = key(points).sum(axis=0)
    options = options or TrackOptions.loop()
    for attempt in range(attempts):
        sums, failed = [], 0
        for s in (1.0, -1.0):
            r = track(system, points, p0, p0 + s * delta, seed=seed + 1 + 100 * attempt, options=options)
            failed += r.failed
            sums.append(key(r.solutions).sum(axis=0))
        if failed == 0:
            break
    second = (sums[0] - T0) - (T0 - sums[1])          # (T(1) - T(0)) - (T(0) - T(-1)) = 0 if affine
    scale = np.abs(key(points)).sum() + np.abs(sums[0] - T0).sum()
    residual = float(np.abs(second).max() / max(scale, 1e-300))
    return TraceTestResult(bool(failed == 0 and residual < tolerance), residual, failed, attempt + 1)
