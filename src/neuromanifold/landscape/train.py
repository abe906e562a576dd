"""Gradient descent and gradient flow of the squared-error loss, with the conserved quantities.

The loss is L(theta) = (c(theta) - u)^T Q (c(theta) - u) (a target and metric from
:func:`from_data`, or given).  Conserved under the gradient *flow* d theta/dt = -grad L:

* ``linear``: C_i = W_{i+1}^T W_{i+1} - W_i W_i^T at every hidden layer i (balancedness; Arora,
  Cohen, Hazan arXiv 1802.06509), from the GL(d_i) invariance of L.
* ``mlp`` without bias and a monomial activation x^k: for every hidden neuron j of layer i,
  ||W_i[j, :]||^2 - k ||W_{i+1}[:, j]||^2, from the invariance under w_in -> t w_in,
  w_out -> t^-k w_out (differentiate at t = 1: <grad_in, w_in> = k <grad_out, w_out>).

Gradient descent with step h follows the flow with an O(h) error per unit time, so the drift of
these quantities over a fixed time horizon is O(h); an adaptive ODE solver (``method="ode"``,
SciPy's DOP853) keeps it near its tolerance.  Each record has the loss, the numerical rank of
dmu, sigma_dimM / sigma_1 of dmu (how far theta is from a rank-drop stratum, relative) and for
linear networks the distance of mu(theta) to the singular locus (rank <= r - 1; Eckart--Young:
the root sum of squares of the singular values from the r-th on) and the largest drift.
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
from ..invariants.metrics import metric as make_metric
from ..results import Result

METHODS = ("gd", "ode")
#: Which conserved quantities ``train`` watches (:func:`conserved_quantities`).
LAWS = ("auto", "declared", "found", "all")


@dataclass
class TrainResult(Result):
    method: str = "gd"
    steps: int = 0
    lr: float = 0.0
    horizon: float = 0.0
    times: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    jacobian_rank: list = field(default_factory=list)
    drift: list = field(default_factory=list)           # max |Q(t) - Q(0)| over the conserved quantities
    rank_margin: list = field(default_factory=list)     # sigma_dimM / sigma_1 of dmu: 0 on a rank-drop stratum
    singular_distance: list | None = None                # linear: distance of mu(theta) to rank <= r - 1
    conserved: str = ""
    theta: list = field(default_factory=list)            # final parameters
    initial_loss: float | None = None
    max_drift: float | None = None                       # max over the run of the conserved quantities' drift
    final_rank: int | None = None                        # rank of dmu at the end
    diverged_at: int | None = None                       # gradient descent blew up by this step (None: it did not)
    stable_lr: float | None = None                       # 2 / lambda_max of the loss's Hessian at the start
    pattern_changes: list = field(default_factory=list)  # piecewise linear: (sample, neuron) flips since the last record
    total_pattern_changes: int | None = None


def conserved_quantities(arch, param=None, laws: str = "auto", seed: int = 0):
    """theta -> vector of the conserved quantities watched by ``train``, and their description.

    ``laws="declared"``: the family's own (:meth:`~neuromanifold.architectures.Architecture.
    conserved_quantities`); ``"found"``: the laws of degree <= 2 that
    :func:`~neuromanifold.invariants.conservation.conservation_laws` finds (every polynomial law of
    that degree, hand-written or not); ``"all"``: both; ``"auto"``: the declared ones, else the found
    ones."""
    if laws not in LAWS:
        raise NeuromanifoldError(f"laws {laws!r}: use one of {', '.join(LAWS)}")
    declared = arch.conserved_quantities()
    parts, words = [], []
    if declared is not None and laws in ("declared", "all", "auto"):
        parts.append(declared.function)
        words.append(declared.description)
    if laws in ("found", "all") or (laws == "auto" and declared is None):
        from ..invariants.conservation import MAX_QUADRATIC_PARAMETERS, conservation_laws

        if arch.parametrization().n_params <= MAX_QUADRATIC_PARAMETERS:
            found = conservation_laws(arch, seed=seed)
            if found.laws_basis:
                A = jnp.asarray(np.array([a for a, _ in found.laws_basis]))
                b = jnp.asarray(np.array([v for _, v in found.laws_basis]))
                parts.append(lambda theta, A=A, b=b: 0.5 * jnp.einsum("i,kij,j->k", theta, A, theta) + b @ theta)
                words.append(f"the {len(found.laws_basis)} conservation laws of degree <= 2 found by the "
                             f"Lie-algebra algorithm ({found.value} laws in all)")
    if not parts:
        return None, f"none declared by the family {arch.family!r}" + (
            "" if laws == "declared" else " and none of degree <= 2 found")
    if len(parts) == 1:
        return parts[0], words[0]
    return (lambda theta: jnp.concatenate([jnp.ravel(f(theta)) for f in parts])), "; ".join(words)


def train(arch, target, metric="euclidean", *, steps: int = 1000, lr: float = 0.01, init=None,
          seed: int = 0, method: str = "gd", record: int = 50, rtol: float = 1e-11, laws: str = "auto",
          force: bool = False) -> TrainResult:
    """Minimise ||c(theta) - u||_Q^2 from ``init`` by gradient descent (``steps`` steps of size
    ``lr``) or by the gradient flow over the same horizon (``method="ode"``), recording the loss,
    the rank of dmu and the drift of the conserved quantities the family declares.

    Parameters
    ----------
    arch : spec string or Architecture
    target : a coefficient vector u, or a DataTarget (its own metric); metric; steps, lr; init :
        start parameters (default seeded Gaussian); seed; method : ``gd`` or ``ode``; record : points
        recorded; rtol : the ODE solver's tolerance; laws : the conserved quantities whose drift is
        recorded (``auto``, ``declared``, ``found``: every law of degree <= 2 that
        :func:`~neuromanifold.invariants.conservation.conservation_laws` finds, ``all``); force : run
        past the time estimate

    Returns
    -------
    TrainResult : ``loss``, ``jacobian_rank``, ``drift``, ``conserved``, the final ``theta``.

    Example
    -------
    >>> r = train("linear(widths=[2,1,2])", [1, 2, 2, 4], steps=200, method="ode")
    >>> bool(r.loss[-1] < 1e-10), bool(max(r.drift) < 1e-8)   # gradient flow keeps balancedness
    (True, True)
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    if method not in METHODS:
        raise NeuromanifoldError(f"method {method!r}: use one of {', '.join(METHODS)}")
    validate.count(steps, "steps", example="steps=1000")
    validate.positive(lr, "lr", example="lr=0.01")
    param = arch.parametrization()
    if hasattr(target, "Q") and hasattr(target, "u"):
        target, metric = target.u, target.Q
    u = validate.point(target, param.ambient_dimension, "the target")
    Q = jnp.asarray(make_metric(param, metric, seed=seed).Q)
    coeffs = param.coefficient_function()
    c = jnp.asarray(param.constants_array())
    uj = jnp.asarray(u)

    def loss(theta):
        d = coeffs(theta, c) - uj
        return d @ (Q @ d)

    grad = jax.jit(jax.grad(loss))
    lossj = jax.jit(loss)
    jac = jax.jit(jax.jacfwd(lambda th: coeffs(th, c)))
    q, described = conserved_quantities(arch, param, laws, seed)
    qj = jax.jit(q) if q is not None else None
    theta = np.asarray(init, float).reshape(-1) if init is not None else \
        param.random_params(np.random.default_rng([seed, 151]))
    if theta.size != param.n_params:
        raise NeuromanifoldError(f"init has {theta.size} entries; {arch} has {param.n_params} parameters")
    q0 = np.asarray(qj(theta)) if qj is not None else None
    every = max(1, steps // max(record, 1))
    times, losses, ranks, drifts, margins = [], [], [], [], []
    dim_m = None
    form = arch.matrix_form()
    linear_r = form.rank if form is not None and form.rank < min(form.rows, form.columns) else None
    distances = [] if linear_r is not None else None

    def log(t, th):
        nonlocal dim_m
        times.append(float(t))
        losses.append(float(lossj(th)))
        s = np.linalg.svd(np.asarray(jac(th)), compute_uv=False)
        ranks.append(_rank(s))
        if dim_m is None:
            from ..invariants.dimension import dimension as compute_dimension

            dim_m = int(compute_dimension(arch, seed=seed).value)
        margins.append(float(s[dim_m - 1] / max(s[0], 1e-300)) if dim_m >= 1 and s.size >= dim_m else 0.0)
        if distances is not None:
            # Eckart--Young: the distance of the end-to-end matrix to rank <= r - 1
            sv = np.linalg.svd(np.asarray(coeffs(th, c)).reshape(form.rows, form.columns),
                               compute_uv=False)
            distances.append(float(np.sqrt(np.sum(sv[linear_r - 1:] ** 2))))
        drifts.append(float(np.abs(np.asarray(qj(th)) - q0).max()) if q0 is not None and q0.size else 0.0)

    diverged = None
    if method == "gd":
        th = jnp.asarray(theta)

        @jax.jit
        def block(th, n):
            return jax.lax.fori_loop(0, n, lambda _, x: x - lr * grad(x), th)
        log(0.0, th)
        done = 0
        watch = guards.Stopwatch(f"{steps:,} gradient-descent steps on {arch}", steps, force,
                                 instead="use fewer --steps")
        sizes = guards.block_sizes()
        last = th
        while done < steps:
            record_at = min(done + every, steps)
            while done < record_at:
                n = min(next(sizes), record_at - done)
                th = block(th, n)
                th.block_until_ready()
                done += n
                watch.lap(done)
            if not _finite(np.asarray(th), losses[0]):
                diverged = done                 # what was recorded up to here is kept
                th = last
                break
            last = th
            log(done * lr, th)
        theta = np.asarray(th)
    else:
        from scipy.integrate import solve_ivp

        T = steps * lr
        grid = np.linspace(0.0, T, min(record, steps) + 1)
        sol = solve_ivp(lambda t, y: -np.asarray(grad(jnp.asarray(y))), (0.0, T), theta, method="DOP853",
                        t_eval=grid, rtol=rtol, atol=rtol)
        if not sol.success:
            raise NeuromanifoldError(f"the ODE solver failed: {sol.message}")
        for t, y in zip(sol.t, sol.y.T):
            log(t, jnp.asarray(y))
        theta = sol.y[:, -1]
    notes = [f"metric {make_metric(param, metric, seed=seed).name}"]
    stable = None
    if diverged is not None:
        curvature = float(np.max(np.linalg.eigvalsh(np.asarray(jax.hessian(loss)(jnp.asarray(
            np.asarray(init, float).reshape(-1) if init is not None else param.random_params(
                np.random.default_rng([seed, 151]))))))))
        stable = 2.0 / curvature if curvature > 0 else None
        advice = (f"use --lr {stable / 2:.3g} or below (the Hessian of the loss at the start has largest "
                  f"eigenvalue {curvature:.3g}, so steps above 2 / {curvature:.3g} = {stable:.3g} grow) "
                  if stable else "use a smaller --lr ")
        notes.insert(0, f"gradient descent diverged by step {diverged} (lr {lr:g}): the parameters or the loss "
                        f"overflowed; {advice}or --method ode (the gradient flow itself); the run is kept up to "
                        f"step {int(round(times[-1] / lr))}")
    return TrainResult(spec=str(arch), invariant="train", value=losses[-1], certified=False,
                       method=method, steps=steps, lr=lr, horizon=steps * lr, times=times, loss=losses,
                       jacobian_rank=ranks, drift=drifts, conserved=described, theta=theta.tolist(),
                       rank_margin=margins, singular_distance=distances,
                       seconds=time.perf_counter() - t0, seed=seed, initial_loss=losses[0],
                       max_drift=max(drifts) if drifts else None, final_rank=ranks[-1] if ranks else None,
                       diverged_at=diverged, stable_lr=stable, notes=notes)


def train_piecewise(arch, inputs, outputs, *, steps: int = 1000, lr: float = 0.01, init=None, seed: int = 0,
                    record: int = 50) -> TrainResult:
    """Gradient descent on L(theta) = sum_j ||f_theta(x_j) - y_j||^2 for a piecewise-linear family
    (ReLU): the loss, the rank of d/dtheta (f_theta(x_j))_j on the batch (its batch functional
    dimension), how many (sample, neuron) activations flip between records, and the drift of the
    rescaling laws ||w_in||^2 + b^2 - ||w_out||^2 of each hidden neuron, which the gradient flow of
    a positively homogeneous activation conserves (Du--Hu--Lee, arXiv 1806.00900); gradient descent
    keeps them up to O(lr) per step.

    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((20, 2)); Y = np.abs(X[:, :1])
    >>> r = train_piecewise("relu(widths=[2,4,1])", X, Y, steps=300, lr=0.01)
    >>> bool(r.loss[-1] < r.loss[0]), r.total_pattern_changes >= 0
    (True, True)
    """
    from .data import checked_array

    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    validate.count(steps, "steps", example="steps=1000")
    validate.positive(lr, "lr", example="lr=0.01")
    X = jnp.asarray(checked_array(inputs, "inputs", None, arch.widths[0], "input values"))
    Y = jnp.asarray(checked_array(outputs, "outputs", len(X), arch.widths[-1], "output values"))
    N = arch.n_params

    def values(theta):
        return jax.vmap(lambda x: arch.f(theta, x))(X)

    def loss(theta):
        return jnp.sum((values(theta) - Y) ** 2)

    def laws(theta):
        P = arch.unflatten(theta)
        out = []
        for layer in range(1, arch.depth):
            w_in = jnp.sum(P[f"W{layer}"] ** 2, axis=1) + P[f"b{layer}"] ** 2
            out.append(w_in - jnp.sum(P[f"W{layer + 1}"] ** 2, axis=0))
        return jnp.concatenate(out) if out else jnp.zeros(0)

    grad, lossj, jac, lawj = (jax.jit(jax.grad(loss)), jax.jit(loss), jax.jit(jax.jacfwd(lambda t: values(t).reshape(-1))),
                              jax.jit(laws))
    theta = np.asarray(init, float).reshape(-1) if init is not None else \
        np.random.default_rng([seed, 151]).standard_normal(N) / np.sqrt(max(arch.widths[0], 1))
    if theta.size != N:
        raise NeuromanifoldError(f"init has {theta.size} entries; {arch} has {N} parameters")
    q0 = np.asarray(lawj(jnp.asarray(theta)))
    every = max(1, steps // max(record, 1))
    times, losses, ranks, drifts, flips = [], [], [], [], []
    last = None

    def log(t, th):
        nonlocal last
        times.append(float(t))
        losses.append(float(lossj(th)))
        ranks.append(_rank(np.linalg.svd(np.asarray(jac(th)), compute_uv=False)))
        drifts.append(float(np.abs(np.asarray(lawj(th)) - q0).max()) if q0.size else 0.0)
        pattern = np.concatenate([np.asarray(on) for on in arch.pattern(np.asarray(th), np.asarray(X))], axis=1) \
            if arch.depth > 1 else np.zeros((len(X), 0), bool)
        flips.append(0 if last is None else int(np.sum(pattern != last)))
        last = pattern

    @jax.jit
    def block(th, n):
        return jax.lax.fori_loop(0, n, lambda _, x: x - lr * grad(x), th)

    th = jnp.asarray(theta)
    log(0.0, th)
    done, diverged = 0, None
    while done < steps:
        n = min(every, steps - done)
        new = block(th, n)
        if not _finite(np.asarray(new), losses[0]):
            diverged = done + n
            break
        th, done = new, done + n
        log(done * lr, th)
    notes = [f"{sum(flips)} activation flips (sample, neuron) over the run"
             + (f", the last at the record of step {int(round(times[max(i for i, f in enumerate(flips) if f)] / lr))}"
                if any(flips) else ", none: the pattern stayed fixed (the loss was a polynomial all along)")]
    if diverged is not None:
        notes.insert(0, f"gradient descent diverged by step {diverged} (lr {lr:g}): use a smaller --lr")
    return TrainResult(spec=str(arch), invariant="train", value=losses[-1], certified=False, method="gd",
                       steps=steps, lr=lr, horizon=steps * lr, times=times, loss=losses, jacobian_rank=ranks,
                       drift=drifts, conserved="||w_in||^2 + b^2 - ||w_out||^2 per hidden neuron (rescaling laws)",
                       theta=np.asarray(th).tolist(), seconds=time.perf_counter() - t0, seed=seed,
                       initial_loss=losses[0], max_drift=max(drifts) if drifts else None,
                       final_rank=ranks[-1] if ranks else None, diverged_at=diverged, notes=notes,
                       pattern_changes=flips, total_pattern_changes=int(sum(flips)))


def _rank(s: np.ndarray) -> int:
    """Numerical rank from singular values: those above 1e-9 of the largest."""
    return int(np.sum(s > 1e-9 * max(s[0], 1e-300))) if s.size else 0


def _finite(theta: np.ndarray, start_loss: float, limit: float = 1e8) -> bool:
    """Whether gradient descent is still a run worth recording: finite parameters of moderate size."""
    return bool(np.all(np.isfinite(theta)) and np.abs(theta).max() < limit * (1 + start_loss))
