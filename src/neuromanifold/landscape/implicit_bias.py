"""Implicit bias towards singular points: how often is the best approximation, or the end of
training, a point of a subnetwork stratum?

* **Global minimiser** (dense families, M not filling): for random targets u (Gaussian
  coefficients), every critical point of ||z - u||_Q^2 on the smooth part of M is computed (one
  generic monodromy solve, then one batched parameter homotopy to all targets, as in the census),
  and so on each narrower subnetwork's neuromanifold (a hidden layer with fewer live neurons; its
  points are the rank-drop strata, the candidates for singular points, :mod:`..invariants.singular`).
  The global minimiser over the real points found is a subnetwork point when the best subnetwork
  critical value is below the best smooth one.  Real critical points are real points of the
  varieties; whether mu(R^N) reaches them is not checked (for linear networks it always does).
* **Training**: gradient descent from random initialisations (seeded Gaussian weights, one
  vmapped batch), each run with its own random target; a run ends at a subnetwork point when
  dmu at its final parameters has numerically lower rank than dim M (smallest kept singular
  value below ``rank_tol`` times the largest).  Diverged runs are counted apart.

Both fractions come with a 95% Wilson interval.  For linear networks the first fraction is 0 by
Eckart--Young (the best rank-r approximation has rank r); the seeds' claim is that MLP
singularities attract a positive fraction of runs and CNN ones do not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from .. import guards, validate
from ..architectures import parse
from ..errors import NeuromanifoldError
from ..homotopy.tracker import track
from ..invariants.dimension import dimension as compute_dimension
from ..invariants.ed_degree import MAX_UNKNOWNS as ED_MAX_UNKNOWNS
from ..invariants.ed_degree import generic_critical_points
from ..invariants.metrics import metric as make_metric
from ..results import Result
from ..homotopy.solutions import real_points
from .voronoi import wilson_interval


@dataclass
class ImplicitBiasResult(Result):
    samples: int = 0
    minimiser_fraction: float | None = None      # targets whose global minimiser is a subnetwork point
    minimiser_interval: list | None = None
    minimiser_counted: int = 0                   # targets with every path regular
    strata: list = field(default_factory=list)   # subnetworks compared
    runs: int = 0
    training_fraction: float | None = None       # GD runs ending at a rank drop of dmu
    training_interval: list | None = None
    diverged_runs: int = 0
    steps: int = 0
    lr: float = 0.0
    dimension: int = 0


def _best_real_losses(arch, U: np.ndarray, Q: np.ndarray, seed: int, real_tol: float = 1e-8,
                      force: bool = False):
    """Per target row of U: least loss among the real critical points on the smooth part of M
    (inf if none), and whether every path was regular."""
    param = arch.parametrization()
    k = int(compute_dimension(arch, seed=seed).value)
    D = param.ambient_dimension
    if k == D:
        return np.zeros(len(U)), np.ones(len(U), bool)          # filling: u itself
    if k == 0:
        return np.einsum("si,ij,sj->s", U, Q, U), np.ones(len(U), bool)   # M = {0}
    guards.unknowns(f"the critical system of {arch}", k, ED_MAX_UNKNOWNS, force)
    search = generic_critical_points(param, k, Q, seed)
    cs, reps, w0 = search.slice, search.points, search.target
    E = len(reps)
    guards.paths(f"{len(U):,} targets x {E} critical points of {arch}", len(U) * E, k, force,
                 instead="use fewer --samples")
    W = U @ cs.P.T
    r = track(cs.system, np.tile(reps, (len(U), 1)), w0, np.repeat(W, E, axis=0), seed=seed,
              check_injective=False, retrack=False)
    lam = r.solutions.reshape(len(U), E, k)
    ok = r.success.reshape(len(U), E)
    Z = cs.images(lam.reshape(-1, k)).reshape(len(U), E, -1)
    d = Z - W[:, None, :]
    loss = np.einsum("sei,ij,sej->se", d, cs.Qz, d)
    real, consistent = real_points(Z, ok, real_tol)   # by conjugate pairing where every path is regular
    best = np.where(real, loss.real, np.inf).min(axis=1)
    return best, ok.all(axis=1) & consistent


def _narrower_networks(arch) -> list:
    """(layer, the narrower network, or None for the zero neurons: f = 0) for the family's
    narrower-layer strata."""
    return [(sub.layer, sub.architecture) for sub in arch.subnetworks(smallest=0) if sub.kind == "narrower layer"]


def implicit_bias(arch, samples: int = 200, metric="euclidean", *, seed: int = 0, runs: int | None = None,
                  steps: int = 2000, lr: float = 0.01, rank_tol: float = 1e-4,
                  minimiser: bool | None = None, force: bool = False) -> ImplicitBiasResult:
    """Fractions of random targets whose global minimiser, and of training runs whose end point, is
    a subnetwork point (module docstring).  ``minimiser=None`` runs the critical-point part where it
    applies (narrower-layer subnetworks, not filling).

    Parameters
    ----------
    arch : spec string or Architecture
    samples : random targets; metric; seed; runs : training runs (default ``samples``); steps, lr :
        gradient descent; rank_tol : relative size of sigma_dimM(dmu) that counts as a rank drop;
    minimiser : run the critical-point part; force : run past the time estimate

    Returns
    -------
    ImplicitBiasResult : ``minimiser_fraction`` and ``training_fraction`` with 95% intervals.

    Example
    -------
    >>> implicit_bias("linear(widths=[2,1,2])", 5, steps=100).minimiser_fraction  # Eckart--Young: never 0
    0.0
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    validate.count(samples, "samples", example="--samples 200")
    validate.count(steps, "steps", example="--steps 2000")
    validate.positive(lr, "lr", example="--lr 0.01")
    runs = samples if runs is None else runs
    param = arch.parametrization()
    k = int(compute_dimension(arch, seed=seed).value)
    D = param.ambient_dimension
    Mt = make_metric(param, metric, seed=seed)
    # every run's target, initialisation and end-point Jacobian are held at once
    N = param.n_params
    guards.check(f"{max(samples, runs):,} random targets and training runs on {arch}", 0.0, force,
                 nbytes=8.0 * (samples * D + runs * (D + N + D * N)), instead="use fewer --samples")
    rng = np.random.default_rng([seed, 163])
    notes = []
    result = ImplicitBiasResult(spec=str(arch), invariant="implicit_bias", value=None, certified=False,
                                method="", seed=seed, samples=samples, runs=runs, steps=steps, lr=lr,
                                dimension=k)
    dense = bool(_narrower_networks(arch))
    if minimiser is None:
        minimiser = dense and k < D
    if minimiser:
        # before the targets are drawn: at least one path per target, and the targets themselves
        guards.paths(f"{samples:,} targets on {arch}", samples, k, force, instead="use fewer --samples")
        if not dense:
            raise NeuromanifoldError(f"the global-minimiser part needs narrower-layer subnetworks, which the "
                                     f"family {arch.family!r} does not declare (Architecture.subnetworks); pass "
                                     f"minimiser=False for the training part only")
        U = rng.standard_normal((samples, D))
        smooth, ok = _best_real_losses(arch, U, Mt.Q, seed, force=force)
        best_sub = np.full(samples, np.inf)
        names = []
        for layer, sub in _narrower_networks(arch):
            if sub is None:
                loss = np.einsum("si,ij,sj->s", U, Mt.Q, U)            # the zero network
                names.append(f"zero neurons at layer {layer} (f = 0)")
            else:
                loss, ok_sub = _best_real_losses(sub, U, Mt.Q, seed, force=force)
                ok &= ok_sub
                names.append(str(sub))
            best_sub = np.minimum(best_sub, loss)
        counted = int(ok.sum())
        hits = int(np.sum(ok & (best_sub < smooth - 1e-9 * (1 + np.abs(smooth)))))
        result.minimiser_fraction = hits / max(counted, 1)
        result.minimiser_interval = wilson_interval(hits, max(counted, 1))
        result.minimiser_counted = counted
        result.strata = names
        notes.append(f"global minimiser at a subnetwork point for {hits} of {counted} targets "
                     f"({samples - counted} left out: a path failed)")
    # training: gradient descent from random initialisations, one batch
    coeffs = param.coefficient_function()
    c = jnp.asarray(param.constants_array())
    Q = jnp.asarray(Mt.Q)
    targets = jnp.asarray(rng.standard_normal((runs, D)))
    inits = jnp.asarray(np.stack([param.random_params(rng) for _ in range(runs)]))

    def loss(theta, u):
        d = coeffs(theta, c) - u
        return d @ (Q @ d)

    step = jax.vmap(lambda th, u: th - lr * jax.grad(loss)(th, u))

    @jax.jit
    def descend(th, U, n):
        return jax.lax.fori_loop(0, n, lambda _, x: step(x, U), th)

    # in blocks, the first ones timed: refused when the rest would take too long
    watch = guards.Stopwatch(f"{runs:,} runs x {steps:,} gradient-descent steps on {arch}", steps, force,
                             instead="use fewer --samples or --steps")
    sizes, done, final = guards.block_sizes(), 0, inits
    while done < steps:
        n = min(next(sizes), steps - done)
        final = descend(final, targets, n)
        final.block_until_ready()
        done += n
        watch.lap(done)
    final = np.asarray(final)
    jac = jax.jit(jax.vmap(jax.jacfwd(lambda th: coeffs(th, c))))
    finite = np.all(np.isfinite(final), axis=1) & (np.abs(final).max(axis=1) < 1e6)
    J = np.asarray(jac(jnp.asarray(np.where(finite[:, None], final, 0.0))))
    s = np.linalg.svd(J, compute_uv=False)
    kth = s[:, k - 1] if k >= 1 else np.zeros(runs)
    drop = finite & (kth < rank_tol * np.maximum(s[:, 0], 1e-300))
    good = int(finite.sum())
    result.training_fraction = int(drop.sum()) / max(good, 1)
    result.training_interval = wilson_interval(int(drop.sum()), max(good, 1))
    result.diverged_runs = int(runs - good)
    notes.append(f"{int(drop.sum())} of {good} gradient-descent runs ({steps} steps of {lr:g}) end with "
                 f"sigma_{k}(dmu) < {rank_tol:g} sigma_1 (a subnetwork point); {runs - good} diverged")
    result.value = result.training_fraction if result.minimiser_fraction is None else result.minimiser_fraction
    result.method = ("critical points on M and on every subnetwork stratum (batched parameter homotopy), "
                     "and vmapped gradient descent with the rank of dmu at the end") if minimiser else \
        "vmapped gradient descent from random initialisations, rank of dmu at the end"
    result.notes = notes
    result.seconds = time.perf_counter() - t0
    return result
