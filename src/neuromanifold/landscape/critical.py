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

from .. import guards, validate
from ..architectures import parse
from ..errors import NeuromanifoldError
from ..homotopy.dedup import representatives
from ..homotopy.solutions import real_points
from ..homotopy.tracker import track
from ..invariants.dimension import dimension as compute_dimension
from ..invariants.ed_degree import MAX_UNKNOWNS as ED_MAX_UNKNOWNS
from ..homotopy.certify import certify as krawczyk
from ..invariants.degree import image_enclosure_groups
from ..invariants.ed_degree import generic_critical_points
from ..invariants.membership import linear_block
from ..invariants.metrics import metric as make_metric
from ..results import Result, plain

#: Beyond this condition number of the metric Q (near-singular data) no count is claimed.
MAX_METRIC_CONDITION = 1e8


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


def critical_points(arch, u, metric="euclidean", *, seed: int = 0, stall_loops: int = 16,
                    real_tol: float = 1e-8, force: bool = False) -> CriticalPointsResult:
    """All complex critical points of ||c - u||_Q^2 on M for the target u: real or not, loss,
    Hessian index on M.  Real points are points of the real variety; whether mu(R^N) reaches them is
    not checked.

    Parameters
    ----------
    arch : spec string or Architecture
    u : coefficients in V, or a DataTarget from :func:`from_data` (with its own metric); metric : a
        name or a matrix; seed; stall_loops : monodromy loops for the generic critical points;
    real_tol : tolerance of reality; force

    Returns
    -------
    CriticalPointsResult : ``points``, ``real_count``, ``minima``, ``global_minimum``.

    Example
    -------
    >>> r = critical_points("linear(widths=[2,1,2])", [3, 0, 0, 1])   # diag(3, 1): two rank-one points
    >>> r.value, r.real_count, r.minima
    (2, 2, 1)
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    param = arch.parametrization()
    if hasattr(u, "Q") and hasattr(u, "u"):          # a DataTarget: its target and metric
        u, metric = u.u, u.Q
    M = make_metric(param, metric, seed=seed)
    if not M.definite:
        raise NeuromanifoldError(f"the metric has rank {M.rank} < dim V = {len(M.Q)} (a pseudometric): "
                                 f"critical points are then not isolated; use more samples or a named metric")
    u = validate.point(u, param.ambient_dimension, "the target u", complex_ok=True,
                       order=f"`neuromanifold info {arch}`: one coefficient per basis monomial and output"
                       ).astype(complex)
    k = int(compute_dimension(arch, seed=seed).value)
    common = dict(spec=str(arch), invariant="critical_points", seed=seed, dimension=k, metric=M.to_dict())
    if k == param.ambient_dimension:
        point = CriticalPoint(u, bool(np.all(np.abs(u.imag) <= real_tol)), 0.0, 0, "local minimum", True, 1.0)
        return CriticalPointsResult(value=1, certified=False, method="filling: u itself", points=[point],
                                    real_count=int(point.real), minima=int(point.real),
                                    global_minimum=0 if point.real else None,
                                    seconds=time.perf_counter() - t0, **common)
    guards.unknowns(f"the critical system of {arch}", k, ED_MAX_UNKNOWNS, force)
    search = generic_critical_points(param, k, M.Q, seed, stall_loops)
    cs, reps, w0, mono = search.slice, search.points, search.target, search.monodromy
    E = len(reps)
    notes = [f"the generic problem has {E} critical points (monodromy, {mono.stopped} after "
             f"{mono.loops} loops)"]
    # a cone's critical points scale with the target (M is a cone when mu is linear in a block of
    # weights: scale the block): track to u / s, scale back (the homotopy's
    # tolerances are relative to 1 + |z|, so a target of norm 1e12 or 1e-12 is tracked at norm 1)
    top = float(np.abs(u).max()) if u.size else 0.0
    size = top * float(np.linalg.norm(u / top)) if top > 0 else 0.0     # no overflow at 1e200
    if size > 1e150:
        raise NeuromanifoldError(f"the target has norm {size:.3g}: its loss |u|^2 overflows double precision; "
                                 f"rescale the data (e.g. divide the outputs by {10 ** int(np.log10(size)):.0e})")
    scale = size if size > 0 and abs(np.log10(size)) > 2 and linear_block(param, seed) is not None else 1.0
    if scale != 1.0:
        notes.append(f"M is a cone: tracked to u / {scale:.3g} and scaled back")
    elif size > 1e8:
        notes.append(f"|u| = {size:.3g}: coordinates this large are beyond the homotopy's tolerances (M is "
                     f"not a cone, so u cannot be rescaled); rescale the data")
    w1 = cs.target(u / scale)
    r = track(cs.system, reps, w0, w1, seed=seed)
    ends = r.solutions[r.success]
    Z = cs.images(ends)
    if len(Z):
        first = representatives(Z, 1e-6)
        ends, Z = ends[first], Z[first]
    Pinv = np.linalg.inv(cs.P)
    complete = r.failed == 0 and len(ends) == E
    points = _classify(cs, ends, Z, w1, Pinv, u / scale, M.Q, k, real_tol, complete)
    for p in points:
        p.coefficients, p.loss = p.coefficients * scale, p.loss * scale ** 2
    points.sort(key=lambda p: (not p.real, float(np.real(p.loss))))
    real = [i for i, p in enumerate(points) if p.real]
    # Complete when each of the E paths ends at its own regular point: the isolated critical points
    # at the target number at most the generic count (Sommese--Wampler, Thm 7.1.1), so with E that
    # count these are all of them.  E comes from monodromy (no trace test), so the count is not
    # certified; what is certified (Krawczyk boxes with disjoint images) is that the points found
    # are distinct critical points: ``lower``.
    certified_count = 0
    if len(ends):
        certified_count = len(set(image_enclosure_groups(cs, krawczyk(cs.system, ends, w1)).tolist()) - {-1})
    conditioned = M.condition <= MAX_METRIC_CONDITION
    if not conditioned:
        notes.append(f"UNRELIABLE: the metric has condition number {M.condition:.2g} (> {MAX_METRIC_CONDITION:.0e}: "
                     f"near-singular data); monodromy and tracking may miss critical points, so no count is given")
    if not complete:
        notes.append(f"INCOMPLETE: {E - len(ends)} of {E} paths did not reach a distinct regular critical point "
                     f"({r.failed} failed): the target may lie on or near the ED discriminant (critical points "
                     f"meeting, or a positive-dimensional critical set) or critical points may go to infinity; "
                     f"the {len(points)} found are genuine, the count is only a lower bound")
    elif certified_count < E:
        notes.append(f"{E - certified_count} of the {E} end points have no certified Krawczyk box (an ill-"
                     f"conditioned critical point: the target is near the ED discriminant)")
    notes.append(f"{certified_count} distinct critical points certified (Krawczyk); completeness rests on the "
                 f"monodromy count {E}; real or complex judged at tolerance {real_tol:g}")
    return CriticalPointsResult(
        value=len(points) if complete and conditioned else None, certified=False, lower=certified_count,
        upper=None,
        method="parameter homotopy from the generic critical points (monodromy) to the target, Krawczyk "
               "certification; Hessian index on M from the parametrisation of a parameter slice",
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


def _classify(cs, lams, Z, w, Pinv, u, Q, k, real_tol, complete: bool) -> list[CriticalPoint]:
    J = cs.jacobians(lams) if len(lams) else np.zeros((0, len(w), k))
    C = Z @ Pinv.T
    s = np.linalg.svd(J, compute_uv=False) if len(lams) else np.zeros((0, k))
    smooth = s[:, -1] > 1e-8 * s[:, 0]
    # all critical points found: reality by conjugate pairing (real_points), else by tolerance
    real = real_points(C[None], np.ones((1, len(C)), bool), real_tol,
                       paired=complete and not np.any(np.imag(u)))[0][0]
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
