"""Voronoi cell of a singular point: the targets whose nearest point on a curve is that point.

The cuspidal cubic C = {y^2 = x^3} = {(t^2, t^3) : t in R} has its cusp at t = 0.  For a target
u, d(t) = (t^2 - u_1)^2 + (t^3 - u_2)^2 has d'(t) = 2 t (3 t^4 + 2 t^2 - 3 u_2 t - 2 u_1) and
d -> infinity as |t| -> infinity, so the nearest point is at t = 0 or at a real root of the
quartic; u lies in the Voronoi cell of the cusp when d(0) = |u|^2 is the smallest of these.  The
cell has positive area (it holds the half-axis {u_1 <= 0, u_2 = 0} with a neighbourhood: for
u_1 < 0, d(t) - d(0) >= t^4 - 2 u_2 t^3 + ..., positive for small |u_2|), which is the
phenomenon behind implicit bias: a positive fraction of targets is best approximated by the
singular point.  The area fraction is estimated by Monte Carlo in the box [-b, b]^2 (Wilson 95%
interval), the quartics solved in one batch (companion-matrix eigenvalues).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .. import guards, validate
from ..results import Result

#: Measured on 2 cores: 400,000 targets in 1.0 s; the targets and flags kept for the plot take
#: 17 bytes each, the roots of one chunk of CHUNK targets about 340 bytes each.
SAMPLE_SECONDS = 2.5e-6
SAMPLE_BYTES = 17
CHUNK = 1_000_000


@dataclass
class VoronoiResult(Result):
    samples: int = 0
    box: float = 1.0
    fraction: float = 0.0
    interval: list = field(default_factory=list)     # 95% Wilson interval of the fraction
    area: float = 0.0                                 # fraction x (2b)^2
    _points: np.ndarray | None = field(default=None, repr=False)
    _inside: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        d = super().to_dict()
        d.pop("_points", None)
        d.pop("_inside", None)
        return d


def nearest_is_cusp(U: np.ndarray, real_tol: float = 1e-9) -> np.ndarray:
    """For each target row u of U: is the cusp (0, 0) the nearest point of y^2 = x^3?"""
    U = np.asarray(U, float).reshape(-1, 2)
    n = len(U)
    # companion matrices of t^4 + (2/3) t^2 - u2 t - (2/3) u1
    C = np.zeros((n, 4, 4))
    C[:, 1:, :3] = np.eye(3)
    C[:, 0, 3] = (2 / 3) * U[:, 0]
    C[:, 1, 3] = U[:, 1]
    C[:, 2, 3] = -2 / 3
    roots = np.linalg.eigvals(C)
    real = np.abs(roots.imag) <= real_tol * (1 + np.abs(roots))
    t = np.where(real, roots.real, np.nan)
    d = (t ** 2 - U[:, :1]) ** 2 + (t ** 3 - U[:, 1:]) ** 2
    best = np.nanmin(np.where(np.isnan(d), np.inf, d), axis=1)
    return np.sum(U ** 2, axis=1) <= best


def wilson_interval(k: int, n: int, z: float = 1.96) -> list[float]:
    """95% Wilson score interval of a proportion k / n."""
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return [float(centre - half), float(centre + half)]


def cusp_voronoi(samples: int = 100_000, box: float = 1.0, seed: int = 0, *, force: bool = False) -> VoronoiResult:
    """Area fraction of the cusp's Voronoi cell in [-box, box]^2 (module docstring); refused with
    its estimate past ``guards.MAX_SECONDS`` or the free memory unless ``force``."""
    t0 = time.perf_counter()
    validate.count(samples, "samples", example="--samples 100000")
    validate.positive(box, "box", example="--box 1.0")
    guards.check(f"the Voronoi cell from {samples:,} targets", samples * SAMPLE_SECONDS, force,
                 nbytes=samples * SAMPLE_BYTES, instead="use fewer --samples")
    rng = np.random.default_rng([seed, 157])
    U = rng.uniform(-box, box, (samples, 2))
    inside = np.concatenate([nearest_is_cusp(U[i:i + CHUNK]) for i in range(0, samples, CHUNK)])
    k = int(inside.sum())
    frac = k / samples
    return VoronoiResult(spec="cusp(y^2 = x^3)", invariant="voronoi_cell", value=frac, certified=False,
                         method="Monte Carlo over uniform targets in the box; nearest point among t = 0 and "
                                "the real roots of 3t^4 + 2t^2 - 3u_2 t - 2u_1",
                         seconds=time.perf_counter() - t0, seed=seed, samples=samples, box=box,
                         fraction=frac, interval=wilson_interval(k, samples), area=frac * (2 * box) ** 2,
                         _points=U, _inside=inside)
