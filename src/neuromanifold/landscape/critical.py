"""Every complex critical point of the loss ||z - u||_Q^2 on M for a given target u.

The critical points for a generic target w0 come from monodromy (:mod:`..invariants.ed_degree`);
a parameter homotopy carries them to the given target (Sommese--Wampler ch. 7: for u outside
the ED discriminant the end points are all the critical points, each regular).  For each one:
whether it is real, its loss, and its type on M.  The type is the index of the Hessian of the
restricted loss: with z(lambda) the slice's parametrisation in value coordinates and J = dz/dlambda,
the complex Hessian H = J^T Q J + sum_i (Q (z - w))_i d^2 z_i is a bilinear form on T_z M (x) C;
at a real smooth point T_z M has a real basis T (orthonormal, from the real span of J), J = T A,
and the real Hessian T^T (...) T = A^-T H A^-1, whose negative eigenvalues are the index
(0: local minimum, dim M: local maximum, else a saddle).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jax
import numpy as np

from ..architectures import parse
from ..errors import NeuromanifoldError
from ..homotopy.monodromy import _first_of_classes
from ..homotopy.tracker import track
from ..invariants.dimension import dimension as compute_dimension
from ..invariants.ed_degree import generic_critical_points
from ..invariants.metrics import metric as make_metric
from ..results import Result, plain


@dataclass
class CriticalPoint:
    """One critical point z of the loss on M (coefficients in V)."""

    coefficients: np.ndarray
    real: bool
    loss: complex
    index: int | None              # Hessian index on M (real smooth points), else None
    kind: str                      # "local minimum", "saddle", "local maximum", "complex", "singular"
    smooth: bool
    condition: float

    def to_dict(self) -> dict:
        c = self.coefficients
        coeffs = np.real(c).tolist() if self.real else [[float(v.real), float(v.imag)] for v in c]
        loss = float(np.real(self.loss)) if self.real else [float(np.real(self.loss)), float(np.imag(self.loss))]
        return plain({"coefficients": coeffs, "real": self.real, "loss": loss, "index": self.index,
                      "kind": self.kind, "smooth": self.smooth, "condition": self.condition})


@dataclass
class CriticalPointsResult(Result):
    points: list = field(default_factory=list)
    real_count: int = 0
    minima: int = 0
    global_minimum: int | None = None      # position in ``points`` of the real point of least loss
    dimension: int = 0
    metric: dict = field(default_factory=dict)
    failed_paths: int = 0

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["points"] = [p.to_dict() for p in self.points]
        return d


def _kind(index: int, k: int) -> str:
    return "local minimum" if index == 0 else "local maximum" if index == k else "saddle"


def critical_points(arch, u, metric="euclidean", seed: int = 0, *, stall_loops: int = 16,
                    real_tol: float = 1e-8) -> CriticalPointsResult:
    """All complex critical points of ||z - u||_Q^2 on M for the target u (coefficients in V, or a
    DataTarget from :func:`from_data`, which brings its own metric) and ``metric`` (a name or a
    matrix): real or not, loss, Hessian index on M.
    Real points are points of the real variety; whether mu(R^N) reaches them is not checked."""
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    param = arch.parametrization()
    if hasattr(u, "Q") and hasattr(u, "u"):          # a DataTarget: its target and metric
        u, metric = u.u, u.Q
    M = make_metric(param, metric, seed=seed)
    if not M.definite:
        raise NeuromanifoldError(f"the metric has rank {M.rank} < dim V = {len(M.Q)} (a pseudometric): "
                                 f"critical points are then not isolated; use more samples or a named metric")
    u = np.asarray(u, dtype=complex).reshape(-1)
    if u.shape != (param.ambient_dimension,):
        raise NeuromanifoldError(f"the target has {u.size} coordinates; V has dimension "
                                 f"{param.ambient_dimension}: give one coefficient per basis monomial and output")
    k = int(compute_dimension(arch, seed=seed).value)
    common = dict(spec=str(arch), invariant="critical_points", seed=seed, dimension=k, metric=M.to_dict())
    if k == param.ambient_dimension:
        point = CriticalPoint(u, bool(np.all(np.abs(u.imag) <= real_tol)), 0.0, 0, "local minimum", True, 1.0)
        return CriticalPointsResult(value=1, certified=False, method="filling: u itself", points=[point],
                                    real_count=int(point.real), minima=int(point.real),
                                    global_minimum=0 if point.real else None,
                                    seconds=time.perf_counter() - t0, **common)
    cs, reps, w0, mono = generic_critical_points(param, k, M.Q, seed, stall_loops)
    w1 = cs.target(u)
    r = track(cs.system, reps, w0, w1, seed=seed)
    ends = r.solutions[r.success]
    Z = cs.images(ends)
    if len(Z):
        first = _first_of_classes(Z, 1e-6)
        ends, Z = ends[first], Z[first]
    Pinv = np.linalg.inv(cs.P)
    points = _classify(cs, ends, Z, w1, Pinv, u, M.Q, k, real_tol)
    points.sort(key=lambda p: (not p.real, float(np.real(p.loss))))
    real = [i for i, p in enumerate(points) if p.real]
    notes = [f"the generic problem has {len(reps)} critical points (monodromy, {mono.stopped} after "
             f"{mono.loops} loops); {len(ends)} distinct ones reached the target"]
    if r.failed:
        notes.append(f"{r.failed} path(s) to the target did not end at a regular point: the target may lie "
                     f"on the ED discriminant (critical points meeting) or critical points may go to infinity")
    return CriticalPointsResult(
        value=len(points), certified=False, lower=None, upper=len(reps),
        method="parameter homotopy from the generic critical points (monodromy) to the target; Hessian "
               "index on M from the parametrisation of a parameter slice",
        points=points, real_count=len(real), minima=sum(p.kind == "local minimum" for p in points),
        global_minimum=real[0] if real else None, failed_paths=int(r.failed),
        seconds=time.perf_counter() - t0, notes=notes, **common)


def hessian_indices(cs, lams: np.ndarray, W: np.ndarray, Qz: np.ndarray, J: np.ndarray) -> np.ndarray:
    """Index on M of the real smooth critical points lams (rows) for targets W and metrics Qz
    (value coordinates, one row each), J their Jacobians dz/dlambda: the real Hessian
    A^-T H A^-1 with J = T A, T a real orthonormal basis of T_z M (module docstring)."""
    k = lams.shape[1]
    if not len(lams):
        return np.zeros(0, int)

    def phi(lam, w, Q, data):
        d = cs.image_at(lam, data) - w
        return 0.5 * d @ (Q @ d)

    # shared by every slice of the family: the target, metric and the slice's numbers are arguments
    hess = cs.system.compiled("restricted-hessian", lambda: jax.jit(jax.vmap(
        jax.hessian(phi, holomorphic=True), in_axes=(0, 0, 0, None))))
    H = np.asarray(hess(np.asarray(lams, complex), np.asarray(W, complex), np.asarray(Qz, complex), cs.data))
    T = np.linalg.svd(np.concatenate([J.real, J.imag], axis=2))[0][:, :, :k]
    A = np.einsum("nji,njk->nik", T, J)
    Ainv = np.linalg.inv(A)
    HR = np.einsum("nji,njk,nkl->nil", Ainv, H, Ainv)
    HR = np.real(HR + np.swapaxes(HR, 1, 2)) / 2
    return np.sum(np.linalg.eigvalsh(HR) < 0, axis=1)


def _classify(cs, lams, Z, w, Pinv, u, Q, k, real_tol) -> list[CriticalPoint]:
    J = cs.jacobians(lams) if len(lams) else np.zeros((0, len(w), k))
    C = Z @ Pinv.T
    s = np.linalg.svd(J, compute_uv=False) if len(lams) else np.zeros((0, k))
    smooth = s[:, -1] > 1e-8 * s[:, 0]
    real = np.all(np.abs(C.imag) <= real_tol * (1 + np.abs(C)), axis=1)
    which = np.flatnonzero(real & smooth)
    index = np.full(len(lams), -1)
    index[which] = hessian_indices(cs, lams[which], np.repeat(w[None], len(which), axis=0),
                                   np.repeat(cs.Qz[None], len(which), axis=0), J[which])
    out = []
    for i, c in enumerate(C):
        d = c - u
        loss = complex(d @ Q @ d)
        kind = "complex" if not real[i] else "singular" if not smooth[i] else _kind(int(index[i]), k)
        out.append(CriticalPoint(np.real(c) if real[i] else c, bool(real[i]), loss.real if real[i] else loss,
                                 int(index[i]) if index[i] >= 0 else None, kind, bool(smooth[i]),
                                 float(s[i, 0] / max(s[i, -1], 1e-300))))
    return out
