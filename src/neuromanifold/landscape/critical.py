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
from ..architectures.equivariant import ROUNDED_CONSTANTS
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
    component: str = ""            # the irreducible component it lies on, where M is reducible

    def to_dict(self) -> dict:
        c = self.coefficients
        coeffs = np.real(c).tolist() if self.real else [[float(v.real), float(v.imag)] for v in c]
        loss = float(np.real(self.loss)) if self.real else [float(np.real(self.loss)), float(np.imag(self.loss))]
        out = {"coefficients": coeffs, "real": self.real, "loss": loss, "index": self.index,
               "kind": self.kind, "smooth": self.smooth, "condition": self.condition}
        if self.component:
            out["component"] = self.component
        return plain(out)


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
    not checked.  Where M is reducible by construction (equivariant linear networks), the critical
    points on its smooth part are those of its irreducible components, each solved on its own
    parametrization (:meth:`~neuromanifold.architectures.base.Architecture.component_parametrizations`),
    and each point names its component.

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
    ambient = arch.ambient()
    if hasattr(u, "Q") and hasattr(u, "u"):          # a DataTarget: its target and metric
        u, metric = u.u, u.Q
    M = make_metric(ambient, metric, seed=seed)
    if not M.definite:
        raise NeuromanifoldError(f"the metric has rank {M.rank} < dim V = {len(M.Q)} (a pseudometric): "
                                 f"critical points are then not isolated; use more samples or a named metric")
    u = validate.point(u, ambient.ambient_dimension, "the target u", complex_ok=True,
                       order=f"`neuromanifold info {arch}`: one coefficient per basis monomial and output"
                       ).astype(complex)
    parts = arch.component_parametrizations()
    if parts is None:
        k = int(compute_dimension(arch, seed=seed).value)
        param = arch.parametrization()
        pieces = [(param, k, "", None)]
    else:
        k = max(p.dimension for p in parts)
        # a component is a cone (W is linear in each factor A_rho)
        pieces = [(p, p.dimension, p.component.label, True) for p in parts]
    common = dict(spec=str(arch), invariant="critical_points", seed=seed, dimension=k, metric=M.to_dict())
    if parts is None and k == ambient.ambient_dimension:
        point = CriticalPoint(u, bool(np.all(np.abs(u.imag) <= real_tol)), 0.0, 0, "local minimum", True, 1.0)
        return CriticalPointsResult(value=1, certified=False, method="filling: u itself", points=[point],
                                    real_count=int(point.real), minima=int(point.real),
                                    global_minimum=0 if point.real else None,
                                    seconds=time.perf_counter() - t0, **common)
    for _, kk, _, _ in pieces:
        guards.unknowns(f"the critical system of {arch}", kk, ED_MAX_UNKNOWNS, force)
    top = float(np.abs(u).max()) if u.size else 0.0
    size = top * float(np.linalg.norm(u / top)) if top > 0 else 0.0     # no overflow at 1e200
    if size > 1e150:
        raise NeuromanifoldError(f"the target has norm {size:.3g}: its loss |u|^2 overflows double precision; "
                                 f"rescale the data (e.g. divide the outputs by {10 ** int(np.log10(size)):.0e})")
    found = [_critical_on(param, kk, u, M.Q, size, seed, stall_loops, cone) for param, kk, _, cone in pieces]
    # reality over all the points together: conjugate critical points may lie on conjugate components
    complete = all(f.complete for f in found)
    C = np.concatenate([f.C for f in found]) if found else np.zeros((0, len(u)))
    real = real_points(C[None], np.ones((1, len(C)), bool), real_tol,
                       paired=complete and not np.any(np.imag(u)))[0][0]
    points, offset, notes = [], 0, []
    for f, (_, kk, label, _) in zip(found, pieces):
        got = _classify(f.cs, f.ends, f.C, f.w1, u / f.scale, M.Q, kk, real[offset:offset + len(f.C)])
        offset += len(f.C)
        for p in got:
            p.coefficients, p.loss, p.component = p.coefficients * f.scale, p.loss * f.scale ** 2, label
        points += got
        where = f" on component {label} (dimension {kk})" if label else ""
        if not f.dominant:
            notes.append(f"no critical point{where}: at a generic target the loss restricted to it has none "
                         f"(its ED correspondence does not dominate the targets: dG/dlambda is singular at "
                         f"a generic pair, e.g. it is isotropic for Q)")
        else:
            notes.append(f"the generic problem has {f.E} critical points{where} (monodromy, {f.stopped} after "
                         f"{f.loops} loops)")
        if f.scale != 1.0:
            notes.append(f"M is a cone: tracked to u / {f.scale:.3g} and scaled back")
        elif size > 1e8:
            notes.append(f"|u| = {size:.3g}: coordinates this large are beyond the homotopy's tolerances (M is "
                         f"not a cone, so u cannot be rescaled); rescale the data")
    points.sort(key=lambda p: (not p.real, float(np.real(p.loss))))
    real_at = [i for i, p in enumerate(points) if p.real]
    E = sum(f.E for f in found)
    failed = sum(f.failed for f in found)
    reached = sum(len(f.ends) for f in found)
    certified_count = sum(f.certified for f in found)
    conditioned = M.condition <= MAX_METRIC_CONDITION
    if not conditioned:
        notes.append(f"UNRELIABLE: the metric has condition number {M.condition:.2g} (> {MAX_METRIC_CONDITION:.0e}: "
                     f"near-singular data); monodromy and tracking may miss critical points, so no count is given")
    if not complete:
        notes.append(f"INCOMPLETE: {E - reached} of {E} paths did not reach a distinct regular critical point "
                     f"({failed} failed): the target may lie on or near the ED discriminant (critical points "
                     f"meeting, or a positive-dimensional critical set) or critical points may go to infinity; "
                     f"the {len(points)} found are genuine, the count is only a lower bound")
    elif certified_count < E:
        notes.append(f"{E - certified_count} of the {E} end points have no certified Krawczyk box (an ill-"
                     f"conditioned critical point: the target is near the ED discriminant)")
    notes.append(f"{certified_count} distinct critical points certified (Krawczyk); completeness rests on the "
                 f"monodromy count {E}; real or complex judged at tolerance {real_tol:g}")
    if parts is not None:
        notes.append(f"M has {len(parts)} irreducible components over C (Kohn-Sattelberger-Shahverdi, arXiv "
                     f"2309.13736): its smooth points are those of one component not on another, so its "
                     f"critical points are the components' (each point names its component)"
                     + ("" if all(p.exact for p in parts) else "; " + ROUNDED_CONSTANTS))
    return CriticalPointsResult(
        value=len(points) if complete and conditioned else None, certified=False, lower=certified_count,
        upper=None,
        method="parameter homotopy from the generic critical points (monodromy) to the target, Krawczyk "
               "certification; Hessian index on M from the parametrisation of a parameter slice"
               + ("; component by component" if parts is not None else ""),
        points=points, real_count=len(real_at), minima=sum(p.kind == "local minimum" for p in points),
        global_minimum=real_at[0] if real_at else None, failed_paths=int(failed),
        seconds=time.perf_counter() - t0, notes=notes, **common)


@dataclass
class _Found:
    """The critical points of one parametrized variety at the target: slice, end points (lambda),
    their coefficients C, the target w1 (value coordinates, scaled by 1 / ``scale``), the generic
    count E and how the search ended."""

    cs: object
    ends: np.ndarray
    C: np.ndarray
    w1: np.ndarray
    scale: float
    E: int
    stopped: str
    loops: int
    failed: int
    complete: bool
    certified: int
    dominant: bool = True


def _critical_on(param, k: int, u: np.ndarray, Q: np.ndarray, size: float, seed: int, stall_loops: int,
                 cone: bool | None) -> _Found:
    """Critical points of ||c - u||_Q^2 on the closure of the image of ``param`` (dimension k).

    Complete when each of the E paths ends at its own regular point: the isolated critical points at
    the target number at most the generic count (Sommese--Wampler, Thm 7.1.1), so with E that count
    these are all of them.  E comes from monodromy (no trace test at the target), so the count is not
    certified; what is certified (Krawczyk boxes with disjoint images) is that the points found are
    distinct critical points."""
    search = generic_critical_points(param, k, Q, seed, stall_loops)
    cs, reps, w0, mono = search.slice, search.points, search.target, search.monodromy
    E = len(reps)
    # a cone's critical points scale with the target (M is a cone when mu is linear in a block of
    # weights: scale the block): track to u / s, scale back (the homotopy's
    # tolerances are relative to 1 + |z|, so a target of norm 1e12 or 1e-12 is tracked at norm 1)
    if cone is None:
        cone = linear_block(param, seed) is not None
    scale = size if size > 0 and abs(np.log10(size)) > 2 and cone else 1.0
    w1 = cs.target(u / scale)
    r = track(cs.system, reps, w0, w1, seed=seed)
    ends = r.solutions[r.success]
    Z = cs.images(ends)
    if len(Z):
        first = representatives(Z, 1e-6)
        ends, Z = ends[first], Z[first]
    certified = 0
    if len(ends):
        certified = len(set(image_enclosure_groups(cs, krawczyk(cs.system, ends, w1)).tolist()) - {-1})
    return _Found(cs, ends, Z @ np.linalg.inv(cs.P).T, w1, scale, E, mono.stopped, mono.loops, int(r.failed),
                  bool(r.failed == 0 and len(ends) == E), certified, search.dominant)


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


def _classify(cs, lams, C, w, u, Q, k, real) -> list[CriticalPoint]:
    """The points (lambda, coefficients C) as CriticalPoints, with ``real`` (flags decided over all the
    critical points: by conjugate pairing when all were found, else by tolerance)."""
    J = cs.jacobians(lams) if len(lams) else np.zeros((0, len(w), k))
    s = np.linalg.svd(J, compute_uv=False) if len(lams) else np.zeros((0, k))
    smooth = s[:, -1] > 1e-8 * s[:, 0]
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
