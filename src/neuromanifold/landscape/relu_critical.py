"""Critical points of the squared loss of a (leaky) ReLU network on data: every smooth one for one
hidden layer and one output (below), those Newton's method reaches otherwise (:func:`_sampled`).

L(theta) = sum_j (f_theta(x_j) - y_j)^2 with f_theta(x) = c + sum_i a_i s(w_i . x~), x~ = (x, 1),
w_i = (W1_i, b1_i), a_i = W2_{1i}, c = b2 and s(t) = max(t, leak t).  L is smooth where no
pre-activation z_ij = w_i . x~_j vanishes; there the sign pattern of (z_ij) is constant on an open
cell, and on data f is c 1 + sum_i U_i alpha_i with U_i = diag(m_i) X~ (m_ij = 1 where z_ij > 0,
the leak where z_ij < 0) and alpha_i = a_i w_i: L is the convex quadratic
q(c, alpha) = ||c 1 + sum_i U_i alpha_i - y||^2 of the products.  With r = f - y the critical
equations are 1^T r = 0, a_i U_i^T r = 0 and w_i^T U_i^T r = 0.  So, with A = {i : a_i != 0} (the
live neurons; the others idle):

* f = P_A y, the orthogonal projection of y onto span(1, col U_i : i in A): one function per live
  configuration;
* each live neuron lies in the open cone C_i of its pattern after positive rescaling (a_i = s_i =
  +-1, w_i = s_i alpha_i): a linear feasibility problem on the affine set c 1 + sum U_i alpha_i = f;
* each idle neuron (a_i = 0) has w_i in the open cone of its pattern with g_i . w_i = 0,
  g_i = U_i^T r.

Type: if g_i = 0 for every idle neuron, (c, alpha) minimises q over all of R^{...}, so theta
minimises L on its cell: a local minimum (flat along the fibres of theta -> (c, alpha)).  If an idle
neuron has g_i != 0, the Hessian of L in (a_i, w_i . u) is [[2||U_i w_i||^2, 2 g_i . u],
[2 g_i . u, 0]] (indefinite for g_i . u != 0): a saddle.  No critical point of this kind is a local
maximum.  The neuron patterns are the cells of the central arrangement {w : w . x~_j = 0} in
R^{d_0 + 1}, 2 sum_{k <= d_0} C(n - 1, k) of them for data in general position (Cover 1965, the
function counting theorem).  Critical sets are unions of (convex pieces of) these fibres: one row
per live configuration (the multiset of live patterns, neurons being interchangeable) and type,
with a witness theta.  The points where some z_ij = 0 (L not differentiable there; Clarke-critical
points) are not enumerated, and the infimum of L need not be attained at a smooth critical point.

>>> import numpy as np
>>> r = relu_critical_points("relu(widths=[1,1,1])", ([[-1], [0], [1]], [[1], [0], [1]]))
>>> r.neuron_cells, r.minima, sorted({round(s.loss, 6) for s in r.sets})
(6, 4, [0.5, 0.666667])
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from math import comb

import numpy as np

from ..architectures import parse
from ..errors import NeuromanifoldError, TooLargeError
from ..results import Result, plain

#: Live configurations (multisets of live neuron patterns) examined without ``force``.
MAX_CONFIGURATIONS = 20000
#: Newton starts of the sampled method without ``force``.
MAX_STARTS = 10000


@dataclass
class CriticalSet:
    """One family of critical points: the live neurons' patterns and output signs, the type."""

    loss: float
    kind: str                    # "local minimum" or "saddle" (sampled: "Hessian PSD" or "saddle")
    live: int                    # neurons with a_i != 0 (sampled: hidden neurons with nonzero out-weights)
    patterns: list               # each live neuron's pattern on the samples, "+" active, "-" not
                                 # (sampled: every hidden neuron's, layer by layer)
    signs: list                  # the feasible sign vectors of the live output weights ("+-", ...)
    idle_cells: int              # patterns an idle neuron may take for this type (0 when none is idle)
    margin: float | None         # least |pre-activation| of the live neurons at the witness (LP optimum)
    values: list                 # f on the samples
    theta: list                  # a witness, in the order W1, b1, W2, b2
    gradient_norm: float         # |grad L(theta)| of the true network at the witness (autodiff)
    hessian_min: float           # least eigenvalue of the Hessian of L at the witness
    reached: int = 0             # sampled: how many starts ended here (0: enumerated)

    def to_dict(self) -> dict:
        return plain(dict(self.__dict__))


@dataclass
class ReluCriticalResult(Result):
    sets: list = field(default_factory=list)
    samples: int = 0
    neuron_cells: int = 0        # patterns of one neuron on the data (cells of the central arrangement)
    cover_count: int = 0         # 2 sum_{k <= d0} C(n - 1, k): the cells for data in general position
    configurations: int = 0      # live configurations examined (sampled: starts)
    complete: bool = True        # every smooth critical set is listed (the enumeration), or only those found
    minima: int = 0
    saddles: int = 0
    spurious_minima: int = 0     # local-minimum sets whose loss exceeds the least one
    global_minimum: int | None = None    # position in ``sets`` of the least-loss local minimum
    critical_values: list = field(default_factory=list)
    max_gradient: float = 0.0    # largest |grad L| over the witnesses

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["sets"] = [s.to_dict() for s in self.sets]
        return d


def cover_count(n: int, d: int) -> int:
    """Sign patterns of an affine function w . x + b on n points in general position in R^d:
    2 sum_{k <= d} C(n - 1, k) (Cover 1965).

    >>> cover_count(3, 1)
    6
    """
    return 2 * sum(comb(n - 1, k) for k in range(d + 1))


def _lp(c, A_ub, b_ub, A_eq=None, b_eq=None, bounds=None):
    from scipy.optimize import linprog

    return linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")


def _strict(S: np.ndarray, A_eq=None) -> np.ndarray | None:
    """A w with S w >= 1 (and A_eq w = 0), or None: strict feasibility of a homogeneous cone."""
    m = S.shape[1]
    res = _lp(np.zeros(m), -S, -np.ones(len(S)), A_eq, None if A_eq is None else np.zeros(len(A_eq)),
              [(None, None)] * m)
    return res.x if res.status == 0 else None


def neuron_cells(Xt: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The cells of the central arrangement {w : w . x~_j = 0}: (signs in {+1, -1}^n, a witness w
    with signs_j x~_j . w >= 1), found sample by sample (a sign the parent's witness already has
    needs no linear program)."""
    cells = [(np.zeros(0), np.zeros(Xt.shape[1]))]
    for j in range(len(Xt)):
        grown = []
        for signs, w in cells:
            for s in (1.0, -1.0):
                new = np.append(signs, s)
                z = s * (Xt[j] @ w)
                if j and z > 0 and np.all(signs * (Xt[:j] @ w) > 0):
                    grown.append((new, w * max(1.0, 1.0 / z)))
                    continue
                v = _strict(new[:, None] * Xt[:j + 1])
                if v is not None:
                    grown.append((new, v))
        cells = grown
    return cells


def _pattern_text(signs) -> str:
    return "".join("+" if s > 0 else "-" for s in signs)


def relu_critical_points(arch, data=None, *, seed: int = 0, method: str = "auto", starts: int = 64,
                         max_configurations: int = MAX_CONFIGURATIONS, force: bool = False) -> ReluCriticalResult:
    """The smooth critical points of the squared loss of a ReLU network on data.

    ``method="exact"`` (widths [d0, h, 1]): every one, as critical sets (module docstring): loss,
    type (local minimum or saddle), the live neurons' patterns and output signs, a witness theta
    checked by autodiff of the true network.  ``method="sampled"`` (any widths): those that Newton's
    method on the loss of the current activation cell reaches from ``starts`` random points, typed by
    the Hessian (saddle, or "Hessian PSD": second order, a local minimum unless degenerate); no
    count is claimed.  ``"auto"``: exact where it applies, else sampled.

    Parameters
    ----------
    arch : a ReLU network
    data : (inputs n x d0, outputs n x d_L), or None for n = 2 (d0 + 1) random samples
    seed : the random data and starts; method; starts : Newton starts of the sampled method;
    max_configurations, force : the cost guard of the enumeration

    Returns
    -------
    ReluCriticalResult : ``sets`` (:class:`CriticalSet`, by loss), ``minima``, ``saddles``,
    ``spurious_minima``, ``global_minimum``, ``complete`` (``value`` the number of sets, or None and
    ``lower`` when sampled).

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([[-1.0], [0.0], [1.0]]); Y = np.array([[1.0], [0.0], [1.0]])   # |x|
    >>> r = relu_critical_points("relu(widths=[1,2,1])", (X, Y))
    >>> min(s.loss for s in r.sets if s.kind == "local minimum") < 1e-12    # two neurons fit |x|
    True
    """
    from .. import validate
    from .data import checked_array

    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    if not arch.piecewise_linear():
        raise NeuromanifoldError(f"{arch} is not a ReLU network: for a polynomial family use critical_points "
                                 f"(the critical points on M); here give e.g. relu(widths=[2,3,1])")
    if method not in ("auto", "exact", "sampled"):
        raise NeuromanifoldError(f"unknown method {method!r}: give auto, exact (one hidden layer, one output) "
                                 f"or sampled (Newton from random starts, any widths)")
    validate.count(starts, "starts", example="starts=64")
    if starts > MAX_STARTS and not force:
        raise TooLargeError(f"{starts} Newton starts exceed {MAX_STARTS} (about 10 ms each): give fewer, or "
                            f"force=True (--force) to run them all", {"starts": starts})
    shallow = arch.depth == 2 and arch.widths[-1] == 1
    if method == "exact" and not shallow:
        raise NeuromanifoldError(
            f"the critical points of the squared loss are enumerated for one hidden layer and one output "
            f"(widths [d0, h, 1], where the loss on each activation cell is a convex quadratic of the products "
            f"a_i w_i); {arch} has widths {list(arch.widths)}: give e.g. relu(widths=[{arch.widths[0]},"
            f"{arch.widths[1]},1]), or method=\"sampled\" (Newton from random starts)")
    rng = np.random.default_rng([seed, 191])
    d0, k_out = arch.widths[0], arch.widths[-1]
    if data is None:
        X = rng.standard_normal((2 * (d0 + 1), d0))
        Y = rng.standard_normal((len(X), k_out))
    else:
        X = checked_array(data[0], "inputs", None, d0, "input values")
        Y = checked_array(data[1], "outputs", len(X), k_out, "output values")
    notes = [f"random data: {len(X)} samples, inputs and outputs N(0, 1), seed {seed}"] if data is None else []
    if method == "sampled" or not shallow:
        result = _sampled(arch, X, Y, starts, rng)
    else:
        result = _enumerated(arch, X, Y, max_configurations, force)
    result.seed, result.seconds = seed, time.perf_counter() - t0
    result.notes.extend(notes)
    return result


def _enumerated(arch, X, Y, max_configurations, force) -> ReluCriticalResult:
    """The exact enumeration for widths [d0, h, 1] (module docstring)."""
    d0, h = arch.widths[0], arch.widths[1]
    n = len(X)
    y = Y[:, 0]
    leak = float(arch.leak)
    Xt = np.hstack([X, np.ones((n, 1))])
    m = d0 + 1
    cells = neuron_cells(Xt)
    masks = [np.where(signs > 0, 1.0, leak) for signs, _ in cells]
    live_cells = [i for i, mk in enumerate(masks) if np.any(mk)]          # a dead neuron cannot be live
    total = sum(comb(len(live_cells) + k - 1, k) for k in range(h + 1))
    if total > max_configurations and not force:
        raise TooLargeError(f"{total} live configurations ({len(cells)} patterns of a neuron on {n} samples, "
                            f"{h} hidden neurons) exceed {max_configurations}: use fewer samples or neurons, or "
                            f"force=True (--force) to run them all",
                            {"configurations": total, "cells": len(cells)})
    scale = max(1.0, float(np.abs(y).max()))
    tol = 1e-9 * scale * max(1.0, float(np.abs(Xt).max()))
    U = [mk[:, None] * Xt for mk in masks]
    check = _Witness(arch, X, Y)

    found = []
    for k in range(h + 1):
        for combo in itertools.combinations_with_replacement(live_cells, k):
            M = np.hstack([np.ones((n, 1))] + [U[i] for i in combo])
            p, *_ = np.linalg.lstsq(M, y, rcond=None)
            f = M @ p
            r = f - y
            live = _live_signs(combo, cells, Xt, M, p, m, tol)
            if not live:
                continue
            kinds = {"local minimum": (None, 0)} if k == h else _idle(cells, U, Xt, r, tol)
            signs, alpha, c, margin = live[0]
            for kind, (idle, count) in kinds.items():
                theta = _theta(arch, alpha, signs, c, idle)
                g, hmin, _ = check(theta)
                found.append(CriticalSet(float(r @ r), kind, k, [_pattern_text(cells[i][0]) for i in combo],
                                         [_pattern_text(s) for s, *_ in live], count, margin, f.tolist(),
                                         theta.tolist(), g, hmin))
    found.sort(key=lambda s: (s.loss, s.kind != "local minimum", s.live))
    minima = [i for i, s in enumerate(found) if s.kind == "local minimum"]
    best = minima[0] if minima else None
    values = sorted({round(s.loss, 10) for s in found})
    spurious = sum(1 for i in minima if found[i].loss > found[best].loss + 1e-9 * scale ** 2)
    notes = [f"{len(cells)} patterns of a neuron on the {n} samples (Cover's count in general position: "
             f"{cover_count(n, d0)}); {total} live configurations", _NONSMOOTH]
    return ReluCriticalResult(spec=str(arch), invariant="relu_critical_points", value=len(found), certified=False,
                              method="per activation cell: least squares and linear programs (floats)",
                              notes=notes, sets=found, samples=n, neuron_cells=len(cells),
                              cover_count=cover_count(n, d0), configurations=total, minima=len(minima),
                              saddles=len(found) - len(minima), spurious_minima=spurious, global_minimum=best,
                              critical_values=values,
                              max_gradient=max((s.gradient_norm for s in found), default=0.0))


_NONSMOOTH = ("points where a pre-activation vanishes (L not differentiable, Clarke-critical points) are not "
              "enumerated; the infimum of L need not be attained at a smooth critical point")


def _live_signs(combo, cells, Xt, M, p, m, tol) -> list:
    """The output-sign vectors s for which the live neurons fit their cones: s_i alpha_i in C_i for
    some (c, alpha) = p + K t on the solution set of M (c, alpha) = M p.  Returns (signs, w, c, margin)
    for each feasible s, w_i = s_i alpha_i (s nonincreasing within equal patterns: the others are
    permutations)."""
    k = len(combo)
    if k == 0:
        return [(np.zeros(0), np.zeros((0, m)), float(p[0]), None)]
    _, sv, Vt = np.linalg.svd(M)
    rank = int(np.sum(sv > 1e-10 * sv[0]))
    K = Vt[rank:].T                                   # kernel of M: the fibre over f
    out = []
    for signs in itertools.product((1.0, -1.0), repeat=k):
        if any(combo[i] == combo[i + 1] and signs[i] < signs[i + 1] for i in range(k - 1)):
            continue
        rows, rhs = [], []
        for i, cell in enumerate(combo):
            block = slice(1 + i * m, 1 + (i + 1) * m)
            S = (cells[cell][0] * signs[i])[:, None] * Xt    # S alpha_i >= margin
            rows.append(S @ K[block])
            rhs.append(S @ p[block])
        A, b = np.vstack(rows), np.concatenate(rhs)
        t = _interior(A, b, tol)
        if t is None:
            continue
        margin = float((A @ t + b).min())
        sol = p + K @ t
        w = np.array([signs[i] * sol[1 + i * m:1 + (i + 1) * m] for i in range(k)])
        out.append((np.array(signs), w, float(sol[0]), margin))
    return out


def _interior(A: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray | None:
    """A moderate t with A t + b > 0 strictly, or None: t = 0 if it already is; else the largest
    margin tau (A t + b >= tau, tau <= 1) and then, at half that margin, the least max |t_i|."""
    q = A.shape[1]
    if q == 0 or (b.min() > tol):
        return np.zeros(q) if b.min() > tol else None
    res = _lp(np.r_[np.zeros(q), -1.0], np.hstack([-A, np.ones((len(A), 1))]), b,
              bounds=[(None, None)] * q + [(None, 1.0)])
    if res.status != 0 or res.x[q] <= tol:
        return None
    eye = np.eye(q)
    small = _lp(np.r_[np.zeros(q), 1.0],
                np.vstack([np.hstack([-A, np.zeros((len(A), 1))]), np.hstack([eye, -np.ones((q, 1))]),
                           np.hstack([-eye, -np.ones((q, 1))])]),
                np.r_[b - res.x[q] / 2, np.zeros(2 * q)], bounds=[(None, None)] * q + [(0, None)])
    return small.x[:q] if small.status == 0 else res.x[:q]


def _idle(cells, U, Xt, r, tol) -> dict:
    """Where an idle neuron (a = 0) may sit: cells with g = U^T r = 0 (a local minimum) and cells
    whose cone meets g^perp with g != 0 (a saddle).  kind -> (a witness (w, w_saddle_or_None), count)."""
    zero, cut = [], []
    gscale = tol * max(1.0, float(np.abs(r).max()))
    for (signs, w), Ui in zip(cells, U):
        g = Ui.T @ r
        if np.abs(g).max() <= gscale * len(r):
            zero.append(w)
            continue
        v = _strict(signs[:, None] * Xt, g[None, :] / np.linalg.norm(g))
        if v is not None:
            cut.append(v)
    out = {}
    if zero:
        out["local minimum"] = ((zero[0], None), len(zero))
    if cut:
        out["saddle"] = (((zero or cut)[0], cut[0]), len(cut))
    return out


def _theta(arch, w, signs, c, idle) -> np.ndarray:
    """The witness: live neurons (w_i, a_i = s_i); idle ones a = 0, the saddle cell's w first (where
    the type is a saddle), the rest in a cell with g = 0 (or the saddle cell when there is none)."""
    d0, h = arch.widths[0], arch.widths[1]
    k = len(w)
    W, a = np.zeros((h, d0 + 1)), np.zeros(h)
    W[:k], a[:k] = w, signs
    if k < h:
        rest, first = idle
        W[k:] = rest
        if first is not None:
            W[k] = first
    return np.concatenate([W[:, :d0].ravel(), W[:, d0], a, [c]])


class _Witness:
    """|grad L| and the least Hessian eigenvalue of the true loss at theta (JAX autodiff of the
    network itself, not of the masked polynomial)."""

    def __init__(self, arch, X, Y):
        import jax
        import jax.numpy as jnp

        Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

        def loss(theta):
            return jnp.sum((jax.vmap(lambda x: arch.f(theta, x))(Xj) - Yj) ** 2)

        self.loss = jax.jit(loss)
        self.grad = jax.jit(jax.grad(loss))
        self.hess = jax.jit(jax.hessian(loss))

    def __call__(self, theta) -> tuple[float, float, float]:
        """(|grad L|, the least Hessian eigenvalue, the Hessian's norm) at theta."""
        g = float(np.linalg.norm(np.asarray(self.grad(theta))))
        H = np.asarray(self.hess(theta))
        eig = np.linalg.eigvalsh((H + H.T) / 2)
        return g, float(eig[0]), float(np.abs(eig).max())


#: Newton iterations per start; the relative gradient |grad L| / (2 |J| (|r| + 1e-8 |Y|)) taken as zero;
#: the largest |theta| a run may reach (beyond it the run is escaping to a critical point at infinity)
NEWTON_STEPS, NEWTON_TOL, NEWTON_BOUND = 60, 1e-10, 1e4


def _sampled(arch, X, Y, starts: int, rng) -> ReluCriticalResult:
    """Critical points reached by Newton's method on the loss of the current activation cell (the
    masked polynomial, :meth:`ReLU.masked`; the cell is read again after every step, so a run may
    move between cells) from random theta ~ N(0, 1).  The Hessian is singular along the rescalings, so
    a step is -H^+ g on the eigenvalues above 1e-10 of the largest, capped at 1 + |theta|.  A run is
    kept if it ends with |grad L| = |2 J^T r| below NEWTON_TOL * 2 |J| (|r| + 1e-8 |Y|) (J: the
    Jacobian of f on the data), |theta| below NEWTON_BOUND and no pre-activation within 1e-7 (1 +
    |theta|) of 0 (a smooth point of L).  Type: a saddle if the Hessian has an eigenvalue below
    -1e-8 of its norm.  Points with the same type, loss and f on the data are one."""
    import jax
    import jax.numpy as jnp

    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
    leak = float(arch.leak)

    def outputs(theta, masks):
        return jax.vmap(lambda x, *m: arch.masked(theta, x, m))(Xj, *masks)

    def masked_loss(theta, masks):
        return jnp.sum((outputs(theta, masks) - Yj) ** 2)

    grad, hess = jax.jit(jax.grad(masked_loss)), jax.jit(jax.hessian(masked_loss))
    jac = jax.jit(jax.jacfwd(lambda theta, masks: outputs(theta, masks).ravel()))
    check = _Witness(arch, X, Y)
    floor = 1e-8 * float(np.linalg.norm(Y))

    def masks_of(theta):
        return tuple(jnp.asarray(np.where(on, 1.0, leak)) for on in arch.pattern(theta, X))

    def stationary(theta, masks, g) -> bool:
        r = np.linalg.norm(np.asarray(outputs(theta, masks)) - Y)
        J = np.linalg.norm(np.asarray(jac(theta, masks)), 2)
        return bool(np.linalg.norm(g) <= NEWTON_TOL * 2 * J * (r + floor) + 1e-300)

    groups: dict = {}
    for _ in range(starts):
        theta = rng.standard_normal(arch.n_params)
        for _ in range(NEWTON_STEPS):
            masks = masks_of(theta)
            g = np.asarray(grad(theta, masks))
            if np.abs(theta).max() > NEWTON_BOUND or stationary(theta, masks, g):
                break
            w, V = np.linalg.eigh(np.asarray(hess(theta, masks)))
            keep = np.abs(w) > 1e-10 * np.abs(w).max()
            step = -V[:, keep] @ ((V[:, keep].T @ g) / w[keep])
            cap = 1.0 + np.linalg.norm(theta)
            theta = theta + step * min(1.0, cap / max(np.linalg.norm(step), 1e-300))
        else:
            continue
        margin = _margin(arch, theta, X)
        if np.abs(theta).max() > NEWTON_BOUND or margin <= 1e-7 * (1 + np.abs(theta).max()):
            continue
        gnorm, low, norm = check(theta)
        values = np.asarray(jax.vmap(lambda x: arch.f(theta, x))(Xj))
        kind = "saddle" if low < -1e-8 * norm else "Hessian PSD"
        loss = float(check.loss(theta))
        key = (kind, round(loss, 9), tuple(np.round(values.ravel(), 6)))
        if key in groups:
            groups[key].reached += 1
            continue
        patterns = ["".join("+" if v else "-" for v in col) for on in arch.pattern(theta, X) for col in on.T]
        out = arch.unflatten(theta)[f"W{arch.depth}"]
        live = int(np.sum(np.abs(out).max(axis=0) > 1e-9 * (1 + np.abs(theta).max())))
        groups[key] = CriticalSet(loss, kind, live, patterns, [], 0, margin,
                                  values.ravel().tolist(), theta.tolist(), gnorm, low, reached=1)
    found = sorted(groups.values(), key=lambda s: (s.loss, s.kind != "Hessian PSD"))
    minima = [i for i, s in enumerate(found) if s.kind == "Hessian PSD"]
    best = minima[0] if minima else None
    reached = sum(s.reached for s in found)
    slack = 1e-9 * (1 + float(np.sum(Y ** 2)))
    notes = [f"INCOMPLETE: the critical points Newton's method reached from {starts} random starts "
             f"({reached} ended at a smooth critical point); no count is claimed",
             "Hessian PSD: a second-order critical point (a local minimum unless degenerate); saddle: a "
             "negative Hessian eigenvalue", _NONSMOOTH]
    return ReluCriticalResult(spec=str(arch), invariant="relu_critical_points", value=None, lower=len(found),
                              certified=False, method="sampled: Newton on the activation cell's loss",
                              notes=notes, sets=found, samples=len(X), configurations=starts, complete=False,
                              minima=len(minima), saddles=len(found) - len(minima), global_minimum=best,
                              spurious_minima=sum(1 for i in minima if found[i].loss > found[best].loss + slack),
                              critical_values=sorted({round(s.loss, 10) for s in found}),
                              max_gradient=max((s.gradient_norm for s in found), default=0.0))


def _margin(arch, theta, X) -> float:
    """The least |pre-activation| of a hidden neuron over the samples."""
    return min(float(np.abs(Z).min()) for Z in arch.preactivations(theta, X))
