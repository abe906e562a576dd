"""The real census of a loss landscape: over many random instances, how many critical points are
real and how many are local minima.

One instance (a generic target and metric) is solved by monodromy; its critical points are carried
to every instance by one batched parameter homotopy in (target, metric) jointly, a row of
parameters per path (Sommese--Wampler ch. 7: from a generic instance, every critical point of
every generic instance is reached).  Instances: targets u with independent Gaussian coefficients
(``targets="gaussian"``) or Kostlan-random ones (``"kostlan"``: u_e ~ N(0, binom(d; e)), the
Gaussian of the Bombieri--Weyl inner product, invariant under orthogonal changes of the inputs);
for the ``generic`` metric also Q = F^T F with F Gaussian (a random linear change of coordinates
of the Euclidean problem), for ``euclidean`` Q = I, for ``bombieri-weyl`` the Bombieri--Weyl form.
Each real critical point gets the index of the Hessian of the loss restricted to M (as in
:mod:`.critical`).  The result has the mean number of real critical points (and of minima) with a
95% interval, mean +- 1.96 s / sqrt(n) over the n instances in the table: for Kostlan targets and
the Bombieri--Weyl metric on the cone of d-th powers of binary linear forms,
``mlp(widths=[2,1,1], activation="x^d")``, the expectation is sqrt(3d - 2) (Draisma--Horobet,
arXiv 1408.3507).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import jax
import numpy as np

from .. import guards
from ..architectures import parse
from ..progress import counter, increments
from ..errors import NeuromanifoldError
from ..homotopy.system import System, family_member
from ..homotopy.refine import refine
from ..homotopy.tracker import JUMPED, SINGULAR, STATUS, SUCCESS, TrackOptions, backend_of, track
from ..invariants.dimension import dimension as compute_dimension
from ..invariants.ed_degree import MAX_UNKNOWNS as ED_MAX_UNKNOWNS
from ..invariants.ed_degree import CriticalSlice, generic_critical_points
from ..invariants.metrics import bombieri_weyl_weights
from ..invariants.metrics import metric as make_metric
from ..results import Result
from ..homotopy.solutions import real_points
from .critical import hessian_indices

CENSUS_METRICS = ("euclidean", "generic", "bombieri-weyl")
CENSUS_TARGETS = ("gaussian", "kostlan")


@dataclass
class CensusResult(Result):
    samples: int = 0
    metric: str = ""
    ed_degree: int = 0
    table: dict = field(default_factory=dict)        # "real,minima" -> number of instances
    real_counts: list = field(default_factory=list)  # per instance
    minima_counts: list = field(default_factory=list)
    failed_paths: int = 0
    failed_instances: int = 0                        # instances with a failed path (not in the table)
    left_out: dict = field(default_factory=dict)     # instance index -> why it is not in the table
    dimension: int = 0
    targets: str = "gaussian"
    mean_real: float | None = None                   # over the instances in the table
    mean_real_interval: list = field(default_factory=list)     # 95%: mean +- 1.96 s / sqrt(n)
    mean_minima: float | None = None
    mean_minima_interval: list = field(default_factory=list)

    def joint(self) -> tuple[list[int], list[int], np.ndarray]:
        """(real counts, minima counts, matrix of instance numbers) of the joint table."""
        pairs = [tuple(int(v) for v in key.split(",")) for key in self.table]
        reals = sorted({p[0] for p in pairs})
        mins = sorted({p[1] for p in pairs})
        M = np.zeros((len(reals), len(mins)), int)
        for key, n in self.table.items():
            r, m = (int(v) for v in key.split(","))
            M[reals.index(r), mins.index(m)] = n
        return reals, mins, M

    def save(self, path: str) -> None:
        with open(path, "w") as fh:
            fh.write(self.to_json())


def _moving_metric_system(cs: CriticalSlice) -> System:
    """G(lambda; w, Q_z) = J^T Q_z (z(lambda) - w) with the metric among the parameters."""
    D = len(cs.Qz)
    data = (cs.theta_c, cs.S, cs.c, cs.X.astype(np.complex128))

    def F(lam, p, data):
        theta_c, S, c, X = data
        full = (theta_c, S, None, c, X)
        z = cs.image_at(lam, full)
        J = jax.jacfwd(cs.image_at, holomorphic=True)(lam, full)
        return J.T @ (p[D:].reshape(D, D) @ (z - p[:D]))

    return family_member(("ed-critical-moving-metric", str(cs.param.arch), cs.k, D),
                         lambda: System(F, cs.k, D + D * D, f"ED critical system of {cs.param.arch} "
                                        f"(target and metric as parameters)", data), data)


#: Below this many paths the census runs in this process (starting workers costs seconds).
PARALLEL_MIN_PATHS = 20_000


def census(arch, samples: int = 100, metric: str = "euclidean", *, seed: int = 0, targets: str = "gaussian",
           progress=None, arcs: int = 8, workers: int | None = None, force: bool = False) -> CensusResult:
    """Joint table of (#real critical points, #local minima) over ``samples`` random instances.

    Every instance is tracked from the generic critical points along the same arcs, whatever the
    split among ``workers`` processes, so the table does not depend on it.

    Parameters
    ----------
    arch : spec string or Architecture
    samples : random instances; metric : ``euclidean``, ``bombieri-weyl`` or ``generic`` (a random
        Q = F^T F each); seed; targets : ``gaussian`` or ``kostlan`` coefficients; progress :
        ``progress("paths", done, total)``; arcs : gamma-arcs tried for a failed instance; workers;
    force : run past the time estimate

    Returns
    -------
    CensusResult : ``value`` (``{"real,minima": instances}``), the mean numbers with intervals.

    Example
    -------
    >>> census("linear(widths=[2,1,2])", 3).value   # Eckart--Young: 2 real, 1 minimum, always
    {'2,1': 3}
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    if metric not in CENSUS_METRICS:
        raise NeuromanifoldError(f"census metric {metric!r}: use one of {', '.join(CENSUS_METRICS)}")
    if targets not in CENSUS_TARGETS:
        raise NeuromanifoldError(f"census targets {targets!r}: use one of {', '.join(CENSUS_TARGETS)} "
                                 f"(independent Gaussian coefficients, or Kostlan: variances binom(d; e))")
    if samples < 1:
        raise NeuromanifoldError(f"samples = {samples}: give at least 1 instance")
    if workers is not None and workers < 1:
        raise NeuromanifoldError(f"workers = {workers}: give at least 1 (1 runs in this process)")
    param = arch.parametrization()
    k = int(compute_dimension(arch, seed=seed).value)
    D = param.ambient_dimension
    if k == D:
        raise NeuromanifoldError(f"{arch} is filling (M = V): every instance has the single critical point "
                                 f"u, a minimum; there is nothing to census")
    guards.unknowns(f"the critical system of {arch}", k, ED_MAX_UNKNOWNS, force)
    base = make_metric(param, metric, seed=seed).Q
    search = generic_critical_points(param, k, base, seed)
    cs, reps, w0 = search.slice, search.points, search.target
    E = len(reps)
    native = backend_of(_moving_metric_system(cs), TrackOptions()) == "native"
    if workers is None:
        # the native tracker runs its threads over all cores in this process
        workers = 1 if native or E * samples < PARALLEL_MIN_PATHS else guards.cores()
    workers = max(1, min(workers, samples))
    guards.paths(f"a census of {samples:,} instances x {E} critical points ({E * samples:,} paths)", E * samples,
                 k, force, workers=guards.cores() if native else workers, instead="use fewer --samples",
                 speedup=guards.NATIVE_SPEEDUP if native else 1.0)
    W, Qz = _instances(cs, samples, metric, seed, targets)
    job = dict(spec=str(arch), k=k, Q=base, seed=seed, reps=reps, w0=w0, arcs=arcs)
    tick = counter(progress, "paths", E * samples)       # increments from every share
    if workers == 1:
        real, minima, good, failed, reasons = _census_share(cs, job, W, Qz, tick)
    else:
        real, minima, good, failed, reasons = _in_parallel(cs, job, W, Qz, workers, tick)
    table = Counter(f"{real[i]},{minima[i]}" for i in np.flatnonzero(good))
    notes = [f"{int(good.sum())} of {samples} instances with every path regular (and conjugate pairs matched) "
             f"enter the table"]
    if workers > 1:
        notes.append(f"instances shared by {workers} processes")
    notes.append(f"tracked by the {'native' if native else 'JAX'} backend")
    entered = np.flatnonzero(good)
    mean_real, real_ci = _mean_interval(real[entered])
    mean_min, min_ci = _mean_interval(minima[entered])
    if mean_real is not None:
        notes.append(f"mean number of real critical points {mean_real:.4f}, 95% interval "
                     f"[{real_ci[0]:.4f}, {real_ci[1]:.4f}] over {entered.size} instances ({targets} targets)")
    for i, why in sorted(reasons.items())[:20]:
        notes.append(f"instance {i} left out: {why}")
    if len(reasons) > 20:
        notes.append(f"... and {len(reasons) - 20} more instances left out (all in left_out)")
    return CensusResult(
        spec=str(arch), invariant="census", value=dict(sorted(table.items())), certified=False,
        method="monodromy at one generic instance, then one batched parameter homotopy in (target, metric) "
               "to every instance; Hessian index on M of each real critical point",
        seconds=time.perf_counter() - t0, seed=seed, samples=samples, metric=metric, ed_degree=E,
        table=dict(sorted(table.items(), key=lambda kv: tuple(int(v) for v in kv[0].split(",")))),
        real_counts=real.tolist(), minima_counts=minima.tolist(), failed_paths=failed,
        failed_instances=int(samples - good.sum()), dimension=k, notes=notes, targets=targets,
        mean_real=mean_real, mean_real_interval=real_ci, mean_minima=mean_min, mean_minima_interval=min_ci,
        left_out={str(i): why for i, why in sorted(reasons.items())})


def instances(ambient_dimension: int, samples: int, metric: str = "euclidean", seed: int = 0, *,
              targets: str = "gaussian", arch=None):
    """The instances of ``census(arch, samples, metric, seed, targets=...)`` in the coordinates of V
    (coefficient vectors, ``ambient_dimension`` = dim V): (U, Q) with instance i the target U[i]
    (Gaussian; for ``kostlan`` times sqrt(binom(d; e)) per monomial x^e) and the metric Q[i]
    (F^T F with F Gaussian / sqrt(dim V) for ``generic``, the identity for ``euclidean``, the
    Bombieri--Weyl form for ``bombieri-weyl``), so that other solvers can be given exactly the
    census's instances.  Kostlan targets and the Bombieri--Weyl metric need ``arch`` (for the
    monomials).  The draws depend on ``samples`` (all targets first, then all metrics)."""
    D = ambient_dimension
    rng = np.random.default_rng([seed, 101])
    U = rng.standard_normal((samples, D))
    weights = None
    if targets == "kostlan" or metric == "bombieri-weyl":
        if arch is None:
            raise NeuromanifoldError("Kostlan targets and the Bombieri-Weyl metric need the architecture "
                                     "(instances(..., arch=spec)) for the monomials of V")
        weights = bombieri_weyl_weights(parse(arch).parametrization() if isinstance(arch, str)
                                        else arch.parametrization())
    if targets == "kostlan":
        U = U / np.sqrt(weights)                 # variance binom(d; e) = 1 / the Bombieri-Weyl weight
    if metric == "generic":
        F = rng.standard_normal((samples, D, D)) / np.sqrt(D)
        Qs = np.einsum("sji,sjk->sik", F, F)
    elif metric == "bombieri-weyl":
        Qs = np.broadcast_to(np.diag(weights), (samples, D, D))
    else:
        Qs = np.broadcast_to(np.eye(D), (samples, D, D))
    return U, Qs


def _mean_interval(x: np.ndarray) -> tuple[float | None, list]:
    """Mean and its 95% interval, mean +- 1.96 s / sqrt(n) (normal approximation; [] below 2)."""
    x = np.asarray(x, float)
    if x.size == 0:
        return None, []
    mean = float(x.mean())
    if x.size < 2:
        return mean, []
    half = 1.96 * float(x.std(ddof=1)) / float(np.sqrt(x.size))
    return mean, [mean - half, mean + half]


def _instances(cs: CriticalSlice, samples: int, metric: str, seed: int, targets: str = "gaussian"):
    """Random instances (:func:`instances`) in value coordinates: targets w = P u and metrics
    Q_z = P^-T Q P^-1."""
    U, Qs = instances(len(cs.Qz), samples, metric, seed, targets=targets, arch=cs.param.arch)
    Pinv = np.linalg.inv(cs.P)
    return U @ cs.P.T, np.einsum("ji,sjk,kl->sil", Pinv, Qs, Pinv)


def _coincident(Z: np.ndarray, ok: np.ndarray, rtol: float = 1e-6, chunk: int = 256) -> np.ndarray:
    """(samples, E) flags: the successful end point's image equals another successful one of the
    same instance (|a - b|_inf <= rtol max(1, |a|_inf, |b|_inf)): a path jumped."""
    out = np.zeros(ok.shape, bool)
    for a in range(0, len(Z), chunk):
        z, good = Z[a:a + chunk], ok[a:a + chunk]
        diff = np.abs(z[:, :, None, :] - z[:, None, :, :]).max(axis=3)
        size = np.maximum(1.0, np.abs(z).max(axis=2))
        close = diff <= rtol * np.maximum(size[:, :, None], size[:, None, :])
        close &= good[:, :, None] & good[:, None, :]
        close[:, np.arange(z.shape[1]), np.arange(z.shape[1])] = False
        out[a:a + chunk] = close.any(axis=2)
    return out


def _census_share(cs: CriticalSlice, job: dict, W: np.ndarray, Qz: np.ndarray, tick=None):
    """(real counts, minima counts, every-path-regular flags, failed paths, reasons left out) of the
    instances (W, Qz): the generic critical points job["reps"] at job["w0"] carried to each instance.

    Along one arc the homotopy is a bijection from the start points to the critical points of the
    instance (and it commutes with the slice's fibre symmetry, so distinct images go to distinct
    images), so an instance is complete when its E end points are regular with pairwise distinct
    images.  Paths that ended on another one's point (path jumping) are tracked again on the same
    arc with tighter settings (the same bijection); from the second arc on, end points the tracker
    calls singular (ill-conditioned) are refined by Newton's method in high precision and kept when
    it converges quadratically (:mod:`neuromanifold.homotopy.refine`); an instance still
    incomplete (a failed path, or a
    jump not repaired) is tracked again whole, along a new arc (a new bijection: mixing the end
    points of two arcs would not be, since two preimages of one critical point on the slice may
    then both be reached), up to ``arcs`` arcs; then it leaves the table, and the result says why."""
    reps, seed, arcs = job["reps"], job["seed"], job["arcs"]
    samples, E, k = len(W), len(reps), cs.k
    system = _moving_metric_system(cs)
    p0 = np.concatenate([job["w0"], cs.Qz.reshape(-1)])
    P1 = np.concatenate([W, Qz.reshape(samples, -1)], axis=1)
    lam = np.zeros((samples * E, k), complex)
    ok = np.zeros(samples * E, bool)
    status = np.zeros(samples * E, int)
    images = np.zeros((samples * E, len(cs.Qz)), complex)
    failed = 0
    todo = np.arange(samples)
    for arc in range(arcs):
        if not todo.size:
            break
        arc_seed = seed + 1000 * arc
        rows = (todo[:, None] * E + np.arange(E)[None]).reshape(-1)
        starts, targets = reps[rows % E], P1[rows // E]
        r = track(system, starts, p0, targets, seed=arc_seed, progress=increments(tick) if arc == 0 else None,
                  check_injective=False, retrack=False)
        L, good, st = r.solutions, r.success.copy(), r.status.copy()
        if arc >= 1:
            # an instance that failed once: its ill-conditioned end points (near the ramification
            # locus of the slice, where the critical point itself is well conditioned) are settled
            # by Newton's method in high precision
            sing = np.flatnonzero(st == SINGULAR)
            if sing.size:
                fine = refine(system, L[sing], targets[sing])
                L[sing[fine.converged]] = fine.points[fine.converged]
                good[sing[fine.converged]], st[sing[fine.converged]] = True, SUCCESS
        Z = cs.images(L)
        # repair on the same arc, with tighter steps, the paths that ended on another one's point
        bad = _coincident(Z.reshape(todo.size, E, -1), good.reshape(todo.size, E)).reshape(-1)
        if bad.any():
            again = track(system, starts[bad], p0, targets[bad], seed=arc_seed,
                          options=TrackOptions().tighter(), check_injective=False, retrack=False)
            L[bad], good[bad], st[bad] = again.solutions, again.success, again.status
            Z[bad] = cs.images(again.solutions)
            still = _coincident(Z.reshape(todo.size, E, -1), good.reshape(todo.size, E)).reshape(-1)
            good &= ~still
            st[still] = JUMPED
        failed += int((~good).sum())
        lam[rows], ok[rows], status[rows], images[rows] = L, good, st, Z
        todo = todo[~good.reshape(todo.size, E).all(axis=1)]
    lam, ok = lam.reshape(samples, E, k), ok.reshape(samples, E)
    real, minima = real_and_minima(cs, lam, ok, W, Qz, k, images=images.reshape(samples, E, -1))
    reasons = {}
    for i in np.flatnonzero(~ok.all(axis=1)):
        last = Counter(STATUS[int(c)] for c in status.reshape(samples, E)[i][~ok[i]])
        reasons[int(i)] = (f"{sum(last.values())} of {E} critical points not found regular and distinct "
                           f"after {arcs} arcs (" + ", ".join(f"{v} {k}" for k, v in sorted(last.items())) + ")")
    for i in np.flatnonzero(ok.all(axis=1) & (real < 0)):
        reasons[int(i)] = ("its non-real critical points do not pair up under conjugation: two of them are too "
                           "close to the ED discriminant to be told apart in double precision")
    return real, minima, ok.all(axis=1) & (real >= 0), failed, reasons


def share_job(job: dict, W: np.ndarray, Qz: np.ndarray, tick=None):
    """A worker's share of a census (run by :mod:`neuromanifold.pool`): the slice rebuilt from
    (spec, k, Q, seed), so it is the parent's, then the share's instances tracked."""
    param = parse(job["spec"]).parametrization()
    cs = CriticalSlice(param, job["k"], job["Q"], job["seed"])
    return _census_share(cs, job, W, Qz, tick)


def _in_parallel(cs: CriticalSlice, job: dict, W: np.ndarray, Qz: np.ndarray, workers: int, tick):
    """Instances split into ``workers`` contiguous shares: this process tracks the first while the
    worker pool (:mod:`neuromanifold.pool`) tracks the others.  One process already keeps about 1.5
    cores busy (XLA's threads), so two processes on two cores gain 1.1-1.3x, not 2x."""
    from ..pool import Pool

    cuts = np.linspace(0, len(W), workers + 1).astype(int)
    shares = [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:])]
    lock = threading.Lock()

    def report(n):
        if tick is not None:
            with lock:
                tick(n)

    with Pool(len(shares) - 1, on_tick=report) as pool:
        jobs = [pool.submit("landscape.census:share_job", job, W[s], Qz[s]) for s in shares[1:]]
        parts = [_census_share(cs, job, W[shares[0]], Qz[shares[0]], report)]
        for j in jobs:
            try:
                parts.append(j.result())
            except NeuromanifoldError as exc:
                raise NeuromanifoldError(f"a census worker process failed: {j.reason}; workers=1 runs the "
                                         f"census in this process") from exc
    real = np.concatenate([p[0] for p in parts])
    minima = np.concatenate([p[1] for p in parts])
    good = np.concatenate([p[2] for p in parts])
    reasons, offset = {}, 0
    for part in parts:
        reasons.update({offset + i: why for i, why in part[4].items()})
        offset += len(part[0])
    return real, minima, good, sum(p[3] for p in parts), reasons


def real_and_minima(cs: CriticalSlice, lam: np.ndarray, ok: np.ndarray, W: np.ndarray, Qz: np.ndarray,
                   k: int, real_tol: float = 1e-8, images: np.ndarray | None = None):
    """Per instance: the number of real critical points and of local minima among them."""
    samples, E, _ = lam.shape
    flat = lam.reshape(-1, k)
    Z = cs.images(flat).reshape(samples, E, -1) if images is None else images
    J = cs.jacobians(flat).reshape(samples, E, -1, k)
    isreal, consistent = real_points(Z, ok, real_tol)
    idx = np.argwhere(isreal)
    minima = np.zeros(samples, int)
    if len(idx):
        index = hessian_indices(cs, lam[idx[:, 0], idx[:, 1]], W[idx[:, 0]], Qz[idx[:, 0]],
                                J[idx[:, 0], idx[:, 1]])
        np.add.at(minima, idx[:, 0], (index == 0).astype(int))
    real = isreal.sum(axis=1)
    return np.where(consistent, real, -1), np.where(consistent, minima, -1)



def critical_values(cs: CriticalSlice, lam: np.ndarray, ok: np.ndarray, W: np.ndarray, Qz: np.ndarray,
                    k: int, real_tol: float = 1e-8) -> list[list]:
    """Per instance: [loss, Hessian index on M] of each real critical point (losses in value
    coordinates: ||z - w||^2_Qz = ||c - u||^2_Q), sorted by loss; [] where a path failed."""
    samples, E, _ = lam.shape
    flat = lam.reshape(-1, k)
    Z = cs.images(flat).reshape(samples, E, -1)
    J = cs.jacobians(flat).reshape(samples, E, -1, k)
    isreal, consistent = real_points(Z, ok, real_tol)
    out = [[] for _ in range(samples)]
    idx = np.argwhere(isreal & consistent[:, None] & ok.all(axis=1)[:, None])
    if len(idx):
        d = np.real(Z[idx[:, 0], idx[:, 1]]) - np.real(W[idx[:, 0]])
        loss = np.einsum("ni,nij,nj->n", d, np.real(Qz[idx[:, 0]]), d)
        index = hessian_indices(cs, lam[idx[:, 0], idx[:, 1]], W[idx[:, 0]], Qz[idx[:, 0]],
                                J[idx[:, 0], idx[:, 1]])
        for (i, _), v, h in zip(idx, loss, index):
            out[int(i)].append([float(v), int(h)])
    return [sorted(v) for v in out]
