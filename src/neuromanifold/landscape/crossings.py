"""Where the number of real critical points changes along a segment of targets: crossings of the
ED discriminant.

Along u(s) = (1 - s) u0 + s u1 the complex critical points move continuously; two real ones can
meet and leave as a complex-conjugate pair (or the reverse) only where u(s) lies on the ED
discriminant, and a Hessian index can change only there.  The critical points are computed at a
grid of s (one batched parameter homotopy from the generic solution, along gamma-arcs that avoid
the discriminant), counted (real ones, local minima), and every grid interval whose counts differ
is bisected (all intervals in one batch per step) down to ``tol``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .. import guards, validate
from ..architectures import parse
from ..errors import NeuromanifoldError
from ..homotopy.tracker import TrackOptions, track
from ..progress import counter, increments
from ..invariants.dimension import dimension as compute_dimension
from ..invariants.ed_degree import MAX_UNKNOWNS as ED_MAX_UNKNOWNS
from ..invariants.ed_degree import generic_critical_points
from ..invariants.metrics import metric as make_metric
from ..results import Result
from .census import critical_values, real_and_minima

#: gamma-arcs tried at a target whose paths failed (as the census does).
ARCS = 4


@dataclass
class CrossingsResult(Result):
    crossings: list = field(default_factory=list)    # {"s", "width", "before": [real, minima], "after": [...]}
    grid: list = field(default_factory=list)         # s values
    real_counts: list = field(default_factory=list)  # at the grid (-1: a path failed there)
    minima_counts: list = field(default_factory=list)
    ed_degree: int = 0
    metric: dict = field(default_factory=dict)
    critical_values: list = field(default_factory=list)   # per grid point: [loss, Hessian index] of each real one


def discriminant_crossings(arch, u0=None, u1=None, metric="euclidean", *, seed: int = 0, grid: int = 64,
                           tol: float = 1e-6, force: bool = False, progress=None) -> CrossingsResult:
    """Crossings of the ED discriminant along the segment from u0 to u1: where the number of real
    critical points changes.

    Parameters
    ----------
    arch : spec string or Architecture
    u0, u1 : coefficient vectors (default: seeded Gaussian ones); metric; seed; grid : grid points
        before bisection; tol : the bisection's tolerance in s; force; progress :
    ``progress("paths", done, total)``

    Returns
    -------
    CrossingsResult : ``crossings`` (each with s and the counts on either side), the counts on the grid.

    Example
    -------
    >>> discriminant_crossings("linear(widths=[2,1,2])", grid=8).value   # singular values stay real
    0
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    param = arch.parametrization()
    D = param.ambient_dimension
    M = make_metric(param, metric, seed=seed)
    if not M.definite:
        raise NeuromanifoldError("the metric is only semidefinite: give a positive definite one")
    rng = np.random.default_rng([seed, 103])
    ends = []
    for name, u in (("u0", u0), ("u1", u1)):
        u = rng.standard_normal(D) if u is None else validate.point(u, D, name, order=f"`neuromanifold info {arch}`")
        ends.append(u)
    u0, u1 = ends
    if grid < 2:
        raise NeuromanifoldError(f"grid = {grid}: give at least 2 points")
    k = int(compute_dimension(arch, seed=seed).value)
    if k == D:
        raise NeuromanifoldError(f"{arch} is filling: the only critical point is u itself, never crossing")
    guards.unknowns(f"the critical system of {arch}", k, ED_MAX_UNKNOWNS, force)
    search = generic_critical_points(param, k, M.Q, seed)
    cs, reps, w0 = search.slice, search.points, search.target
    E = len(reps)
    # the grid, then about log2(1 / (grid tol)) rounds of bisection over the (few) crossings
    rounds = max(0, int(np.ceil(np.log2(max(1.0, 1.0 / (grid * tol))))))
    guards.paths(f"the segment's {grid:,} grid points x {E} critical points", E * (grid + 4 * rounds), k, force,
                 instead="use a smaller --grid")

    retracked = [0]
    tick = counter(progress, "paths", E * (grid + 4 * rounds))      # the grid, then the bisection's rounds

    def solve_at(svals: np.ndarray):
        """Critical points at the targets of svals: every path from the generic solutions; a target
        where one fails is tracked again along new gamma-arcs with tighter steps (as the census does)."""
        W = np.outer(1 - svals, cs.P @ u0) + np.outer(svals, cs.P @ u1)
        r = track(cs.system, np.tile(reps, (len(svals), 1)), w0, np.repeat(W, E, axis=0), seed=seed,
                  check_injective=False, progress=increments(tick))
        lam = r.solutions.reshape(len(svals), E, k).copy()
        ok = r.success.reshape(len(svals), E).copy()
        for arc in range(1, ARCS):
            bad = np.flatnonzero(~ok.all(axis=1))
            if not bad.size:
                break
            retracked[0] += int(bad.size)
            again = track(cs.system, np.tile(reps, (len(bad), 1)), w0, np.repeat(W[bad], E, axis=0),
                          seed=seed + 1000 * arc, options=TrackOptions().tighter(), check_injective=False)
            lam[bad] = again.solutions.reshape(len(bad), E, k)
            ok[bad] = again.success.reshape(len(bad), E)
        Qz = np.broadcast_to(cs.Qz, (len(svals),) + cs.Qz.shape)
        return lam, ok, W, Qz

    def counts(svals: np.ndarray):
        lam, ok, W, Qz = solve_at(svals)
        real, minima = real_and_minima(cs, lam, ok, W, Qz, k)
        bad = ~ok.all(axis=1)
        return np.where(bad, -1, real), np.where(bad, -1, minima)

    s = np.linspace(0.0, 1.0, grid)
    lam_g, ok_g, W_g, Qz_g = solve_at(s)
    real, minima = real_and_minima(cs, lam_g, ok_g, W_g, Qz_g, k)
    bad_g = ~ok_g.all(axis=1)
    real, minima = np.where(bad_g, -1, real), np.where(bad_g, -1, minima)
    values = critical_values(cs, lam_g, ok_g, W_g, Qz_g, k)
    lo, hi = [], []
    for i in range(grid - 1):
        a, b = (real[i], minima[i]), (real[i + 1], minima[i + 1])
        if a != b and min(a + b) >= 0:
            lo.append([s[i], a]), hi.append([s[i + 1], b])
    # bisect every interval at once; one whose midpoint has a failed path stays as it is (it is not
    # tried again: the same midpoint would fail again), and no more rounds than halving to tol takes
    active, stuck = list(range(len(lo))), 0
    for _ in range(rounds + 1):
        active = [j for j in active if hi[j][0] - lo[j][0] > tol]
        if not active:
            break
        mid = np.array([(lo[j][0] + hi[j][0]) / 2 for j in active])
        r_mid, m_mid = counts(mid)
        keep = []
        for j, x, rm, mm in zip(active, mid, r_mid, m_mid):
            if rm < 0:
                stuck += 1
                continue
            if (rm, mm) == lo[j][1]:
                lo[j] = [x, lo[j][1]]
            else:
                hi[j] = [x, (rm, mm)]
            keep.append(j)
        active = keep
    crossings = [{"s": float(x[0] + y[0]) / 2, "width": float(y[0] - x[0]), "before": [int(v) for v in x[1]],
                  "after": [int(v) for v in y[1]]} for x, y in zip(lo, hi)]
    notes = [f"{grid} grid points; crossings between neighbouring grid points with equal counts (an even "
             f"number of crossings in one interval) are not seen"]
    if retracked[0]:
        notes.append(f"{retracked[0]} target(s) with a failed path were tracked again along new arcs")
    if np.any(real < 0):
        notes.append(f"{int(np.sum(real < 0))} grid point(s) still had a failed path after {ARCS} arcs and "
                     f"were skipped")
    if stuck:
        notes.append(f"{stuck} crossing(s) not narrowed down to {tol:g}: a path failed at the midpoint (see "
                     f"each crossing's width)")
    return CrossingsResult(
        spec=str(arch), invariant="discriminant_crossings", value=len(crossings), certified=False,
        method="critical points on a grid of the segment (batched parameter homotopy from a generic "
               "solution), bisection of the intervals where the real counts change",
        seconds=time.perf_counter() - t0, seed=seed, crossings=crossings, grid=s.tolist(),
        real_counts=real.tolist(), minima_counts=minima.tolist(), ed_degree=E, metric=M.to_dict(), notes=notes,
        critical_values=values)
