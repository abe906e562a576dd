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


def conserved_quantities(arch, param=None):
    """theta -> vector of the conserved quantities the family declares
    (:meth:`~neuromanifold.architectures.Architecture.conserved_quantities`), and their description."""
    laws = arch.conserved_quantities()
    if laws is None:
        return None, f"none declared by the family {arch.family!r}"
    return laws.function, laws.description


def train(arch, target, metric="euclidean", *, steps: int = 1000, lr: float = 0.01, init=None,
          seed: int = 0, method: str = "gd", record: int = 50, rtol: float = 1e-11,
          force: bool = False) -> TrainResult:
    """Minimise ||c(theta) - u||_Q^2 from ``init`` by gradient descent (``steps`` steps of size
    ``lr``) or by the gradient flow over the same horizon (``method="ode"``), recording the loss,
    the rank of dmu and the drift of the conserved quantities the family declares.

    Parameters
    ----------
    arch : spec string or Architecture
    target : a coefficient vector u, or a DataTarget (its own metric); metric; steps, lr; init :
        start parameters (default seeded Gaussian); seed; method : ``gd`` or ``ode``; record : points
        recorded; rtol : the ODE solver's tolerance; force : run past the time estimate

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
    q, described = conserved_quantities(arch, param)
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
        ranks.append(int(np.sum(s > 1e-9 * max(s[0], 1e-300))) if s.size else 0)
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
        while done < steps:
            record_at = min(done + every, steps)
            while done < record_at:
                n = min(next(sizes), record_at - done)
                th = block(th, n)
                th.block_until_ready()
                done += n
                watch.lap(done)
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
    return TrainResult(spec=str(arch), invariant="train", value=losses[-1], certified=False,
                       method=method, steps=steps, lr=lr, horizon=steps * lr, times=times, loss=losses,
                       jacobian_rank=ranks, drift=drifts, conserved=described, theta=theta.tolist(),
                       rank_margin=margins, singular_distance=distances,
                       seconds=time.perf_counter() - t0, seed=seed,
                       notes=[f"metric {make_metric(param, metric, seed=seed).name}"])
