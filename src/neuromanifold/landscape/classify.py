"""Is a parameter point critical for L = ||mu(theta) - u||_Q^2, and if so pure or spurious?

grad L(theta) = 2 dmu(theta)^T Q (mu(theta) - u).  A critical theta is *pure* when z = mu(theta) is
critical for the loss on M, i.e. g = Q (z - u) annihilates the tangent space of M at z, and
*spurious* when it is critical only because dmu(theta) drops rank (Trager, Kohn, Bruna, "Pure and
spurious critical points", ICLR 2020).  When rank dmu(theta) = dim M, T_z M is the column space
of dmu(theta) and a critical theta is pure.  When it drops, T_z M is not seen from theta: we use
the span of the tangent spaces col dmu(theta') at random nearby parameters theta' (smooth points
of M near z), which contains the tangent cone; g must annihilate all of it.  (At a singular point
such as z = 0 of a cone this asks g to vanish on the whole span of M.)  The Hessian of L in
parameter space gives the index (negative eigenvalues) and the number of zero eigenvalues, which
include the directions of the symmetry group.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import numpy as np

from ..architectures import parse
from ..errors import NeuromanifoldError
from ..invariants.dimension import dimension as compute_dimension
from ..invariants.metrics import metric as make_metric
from ..results import Result


@dataclass
class Classification(Result):
    critical: bool = False
    gradient_norm: float = 0.0
    kind: str = ""                  # "pure", "spurious" or "not critical"
    jacobian_rank: int = 0
    dimension: int = 0
    hessian_index: int = 0          # negative eigenvalues of the Hessian of L at theta
    hessian_zeros: int = 0          # (numerically) zero eigenvalues
    loss: float = 0.0
    normal_residual: float = 0.0    # |g on the tangent space (or the nearby tangent spaces)| / |g|


def classify(arch, theta, u, metric="euclidean", *, seed: int = 0, tol: float = 1e-8,
             samples: int = 8, radius: float = 1e-4) -> Classification:
    """Classify the real parameter point ``theta`` for the loss ||mu(theta) - u||_Q^2: not critical,
    a pure critical point (mu(theta) is critical on M) or a spurious one (critical only because dmu
    drops rank there).

    Parameters
    ----------
    arch : spec string or Architecture
    theta : parameters; u : coefficients in V, or a DataTarget; metric; seed; tol : gradient
        tolerance; samples, radius : the local test of the image

    Returns
    -------
    Classification : ``value`` (``pure``, ``spurious`` or ``not critical``) and the evidence.

    Example
    -------
    >>> classify("linear(widths=[2,1,2])", [1, 0, 1, 0], [1, 0, 0, 0]).value   # mu(theta) = u
    'pure'
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    param = arch.parametrization()
    if hasattr(u, "Q") and hasattr(u, "u"):
        u, metric = u.u, u.Q
    Q = make_metric(param, metric, seed=seed).Q
    theta = np.asarray(theta, dtype=float).reshape(-1)
    u = np.asarray(u, dtype=float).reshape(-1)
    if theta.size != param.n_params:
        raise NeuromanifoldError(f"theta has {theta.size} entries; {arch} has {param.n_params} parameters "
                                 f"(blocks {[(n, list(s)) for n, s, _, _ in param.blocks]}, flattened in order)")
    if u.size != param.ambient_dimension:
        raise NeuromanifoldError(f"the target has {u.size} coordinates; V has dimension {param.ambient_dimension}")
    k = int(compute_dimension(arch, seed=seed).value)
    coefficients = param.coefficient_function()
    c = param.constants_array()

    def mu(th):
        return coefficients(th, c)

    def loss(th):
        d = mu(th) - u
        return d @ (Q @ d)

    z = np.asarray(mu(theta))
    J = np.asarray(jax.jacfwd(mu)(theta))
    g = Q @ (z - u)
    grad = 2 * J.T @ g
    scale = max(np.linalg.norm(g) * max(np.linalg.norm(J), 1.0), 1e-300)
    gnorm = float(np.linalg.norm(grad))
    critical = gnorm <= tol * max(scale, 1.0)
    s = np.linalg.svd(J, compute_uv=False)
    rank = int(np.sum(s > 1e-9 * max(s[0] if s.size else 0.0, 1e-300)))
    if rank >= k:
        T = np.linalg.svd(J, full_matrices=False)[0][:, :rank]
    else:
        rng = np.random.default_rng([seed, 97])
        cols = [np.asarray(jax.jacfwd(mu)(theta + radius * max(1.0, np.linalg.norm(theta))
                                          * rng.standard_normal(theta.size))) for _ in range(samples)]
        U, sv, _ = np.linalg.svd(np.concatenate(cols, axis=1), full_matrices=False)
        T = U[:, sv > 1e-9 * sv[0]]
    normal = float(np.linalg.norm(T.T @ g) / max(np.linalg.norm(g), 1e-300)) if np.linalg.norm(g) > 0 else 0.0
    H = np.asarray(jax.hessian(loss)(theta))
    ev = np.linalg.eigvalsh((H + H.T) / 2)
    zero = 1e-8 * max(np.abs(ev).max(), 1.0)
    if not critical:
        kind = "not critical"
    else:
        kind = "pure" if rank >= k or normal <= 1e-6 else "spurious"
    return Classification(
        spec=str(arch), invariant="classify", value=kind, certified=False,
        method="gradient of L; tangent space of M from dmu (or from nearby smooth points when dmu drops "
               "rank); Hessian eigenvalues of L",
        seconds=time.perf_counter() - t0, seed=seed, critical=bool(critical), gradient_norm=gnorm, kind=kind,
        jacobian_rank=rank, dimension=k, hessian_index=int(np.sum(ev < -zero)),
        hessian_zeros=int(np.sum(np.abs(ev) <= zero)), loss=float(loss(theta)), normal_residual=normal)
