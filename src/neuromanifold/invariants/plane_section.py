"""A plane section of a neuromanifold that is a hypersurface of its linear span, with its
singular points: what the report draws.

When M is a hypersurface of its linear span (dim span = dim M + 1) with an equation g of low
degree, the intersection of M with a real plane is the curve g = 0 in the plane's coordinates
(s, t).  The equation comes from the exact implicit equations (:mod:`.implicit`, degree <= 4) or,
for many coordinates, numerically in span coordinates (the kernel of the monomials at sampled
points of M).  The plane passes through the apex 0 and a point of M for cones (the apex is a
singular point of every non-linear cone) and through a point of M otherwise; the singular points
of M it meets (nodes of the curve, where branches cross) are found on the grid or as the real
critical points of g on the plane (total-degree homotopy) and each is confirmed by
:func:`.singular.is_singular`.

>>> sec = plane_section("linear(widths=[2,1,2])")
>>> sec.degree, sec.cone, sec.values.shape
(2, True, (401, 401))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..architectures import parse
from ..errors import NeuromanifoldError

#: Grid points per side of the plane.
GRID = 401


@dataclass
class PlaneSection:
    """g on a GRID x GRID square of the plane (coordinates s = t = ``axis``), the singular points
    of M met (``marks``, in plane coordinates), whether the plane is through a cone's apex."""

    axis: np.ndarray
    values: np.ndarray
    marks: list = field(default_factory=list)
    cone: bool = False
    degree: int = 0
    title: str = ""
    caption: str = ""


def _plane(p0: np.ndarray, basis: np.ndarray, rng, cone: bool):
    """(origin, two directions) of the slicing plane inside the span of ``basis`` (columns): for a
    cone the plane through its apex 0 and p0 (the apex, a singular point of every non-linear cone,
    at (0, 0), p0 at (1, 0)); otherwise a random plane through p0, orthonormal directions."""
    if cone:
        other = basis @ rng.standard_normal(basis.shape[1])
        other -= other @ p0 / (p0 @ p0) * p0
        return np.zeros(len(p0)), np.column_stack([p0, other / np.linalg.norm(other) * np.linalg.norm(p0)])
    return p0, np.linalg.qr(basis @ rng.standard_normal((basis.shape[1], 2)))[0]


def plane_section(arch, seed: int = 0) -> PlaneSection | None:
    """The plane section of M (module docstring), or None when M is not a hypersurface of a span of
    small dimension with an equation of degree <= 4 (exact) or <= 6 (numerical)."""
    from .dimension import dimension
    from .implicit import implicit_equations, term_values

    arch = parse(arch) if isinstance(arch, str) else arch
    param = arch.parametrization()
    k = int(dimension(arch, seed=seed).value)
    D = param.ambient_dimension
    if k >= D or D > 40:
        return None
    eqs = None
    for b in range(1, 5):
        try:
            r = implicit_equations(arch, b, seed=seed)
        except NeuromanifoldError:
            break
        linear = [t for t in r.polynomials() if max(sum(e) for e in t) == 1]
        higher = [t for t in r.polynomials() if max(sum(e) for e in t) > 1]
        if higher and D - len(linear) - k == 1:
            eqs = (linear, higher[0], b)
            break
    if eqs is None:
        return _numeric_section(arch, param, k, seed)
    linear, g, b = eqs
    rng = np.random.default_rng([seed, 181])
    # a plane in the span of M through a random point of M
    if linear:
        A = np.zeros((len(linear), D))
        for i, t in enumerate(linear):
            for e, a in t.items():
                A[i, int(np.argmax(e))] = a
        basis = np.linalg.svd(A)[2][len(linear):].T
    else:
        basis = np.eye(D)
    p0 = np.asarray(param.coefficients(param.random_params(rng)), float)
    cone = param.cone
    origin, dirs = _plane(p0, basis, rng, cone)
    scale = 1.6 if cone else 1.5 * (1 + np.linalg.norm(p0))
    s = np.linspace(-scale, scale, GRID)
    S, T = np.meshgrid(s, s)
    P = origin[None, None, :] + S[..., None] * dirs[:, 0] + T[..., None] * dirs[:, 1]
    G = term_values(g, P).sum(axis=-1)
    gs, gt = np.gradient(G, s, s)
    mag = np.hypot(gs, gt)
    # singular points of the slice curve: one grid point (least gradient) per connected region where
    # both g and its gradient are small; each checked by the Jacobian criterion on M's equations
    from scipy import ndimage

    from .singular import is_singular

    near = (np.abs(G) < 0.01 * np.abs(G).max()) & (mag < 0.01 * mag.max())
    labels, count = ndimage.label(near)
    marks = []
    for lab in range(1, count + 1):
        idx = np.flatnonzero(labels.ravel() == lab)
        best = idx[np.argmin(mag.ravel()[idx])]
        i, j = np.unravel_index(best, G.shape)
        point = origin + S[i, j] * dirs[:, 0] + T[i, j] * dirs[:, 1]
        if cone and abs(S[i, j]) + abs(T[i, j]) < 4 * (s[1] - s[0]):
            point = np.zeros(D)                        # the apex itself
        try:
            if is_singular(arch, point, seed=seed, tol=1e-3).value:
                marks.append((0.0, 0.0) if not point.any() else (float(S[i, j]), float(T[i, j])))
        except NeuromanifoldError:
            pass
    deg = max(sum(e) for e in g)
    where = "its apex 0 and a point of M (blue)" if cone else "a point of M (blue)"
    caption = (f"M is a hypersurface of its {D - len(linear)}-dimensional linear span, cut out there by one "
               f"equation of degree {deg}; the figure is its intersection with a random plane through {where}, "
               f"singular points in red where they appear")
    return PlaneSection(s, G, marks, cone, int(deg), f"plane slice of M ({arch}): degree-{deg} curve", caption)


def _numeric_section(arch, param, k: int, seed: int, max_degree: int = 6) -> PlaneSection | None:
    """When exact equations of low degree are out of reach (many coordinates): M's linear span from
    sampled points (numerical rank), and, if M is a hypersurface of a span of dimension <= 8, its
    equation g in span coordinates as the numerical kernel (one singular value 1e-8 below the rest)
    of the monomials evaluated at sampled points of M; then the same plane section through the apex
    (cones) or a point, with singular points checked by ``is_singular``."""
    from ..monomials import exponents
    from .singular import is_singular

    rng = np.random.default_rng([seed, 191])
    pts = np.array([np.asarray(param.coefficients(param.random_params(rng)), float) for _ in range(60)])
    U, sv, Vh = np.linalg.svd(pts, full_matrices=False)
    m = int(np.sum(sv > 1e-9 * sv[0]))
    if m - k != 1 or m > 8:
        return None
    B = Vh[:m].T                                                   # D x m orthonormal span basis
    cone = param.cone
    g = None
    for d in range(2, max_degree + 1):
        ex = exponents(m, d) if cone else np.concatenate([exponents(m, j) for j in range(d + 1)])
        n = len(ex)
        Y = np.array([np.asarray(param.coefficients(param.random_params(rng)), float) for _ in range(2 * n + 20)]) @ B
        Y /= np.linalg.norm(Y, axis=1, keepdims=True) if cone else 1.0
        E = np.prod(Y[:, None, :] ** ex[None], axis=2)
        _, se, Ve = np.linalg.svd(E, full_matrices=False)
        if se[-1] < 1e-8 * se[0] and (len(se) < 2 or se[-2] > 1e-4 * se[0]):
            g = (ex, Ve[-1])
            break
    if g is None:
        return None
    ex, coef = g
    deg = int(ex.sum(axis=1).max())
    p0 = np.asarray(param.coefficients(param.random_params(rng)), float) @ B
    # an affine plane through p0 meets the singular locus of M in nodes of the slice curve (for
    # attention: the double locus of the projection, where two branches cross); look for a plane
    # with real nodes, each confirmed by is_singular
    best = None
    for trial in range(6):
        dirs = np.linalg.qr(rng.standard_normal((m, 2)))[0] * np.linalg.norm(p0)
        nodes = _verified_nodes(arch, B, ex, coef, p0, dirs, seed + trial)
        if best is None or len(nodes) > len(best[1]):
            best = (dirs, nodes)
        if len(nodes) >= 2:
            break
    if best[1]:
        dirs, nodes = best
        origin, marks = p0, nodes
        half = min(6.0, max(1.6, 1.25 * max(max(abs(a), abs(b)) for a, b in nodes)))
        plane_cone = False
    else:
        origin, dirs = _plane(p0, np.eye(m), rng, cone)
        if not cone:
            dirs = dirs * np.linalg.norm(p0)
        marks, half, plane_cone = [], 1.6, cone
        if cone:
            try:
                if is_singular(arch, np.zeros(param.ambient_dimension), seed=seed).value:
                    marks.append((0.0, 0.0))
            except NeuromanifoldError:
                pass
    s = np.linspace(-half, half, GRID)
    S, T = np.meshgrid(s, s)
    P = origin[None, None, :] + S[..., None] * dirs[:, 0] + T[..., None] * dirs[:, 1]
    G = np.tensordot(np.prod(P[..., None, :] ** ex[None, None], axis=-1), coef, axes=([2], [0]))
    where = ("a point of M (blue); the red nodes are singular points of M where two branches cross "
             "(each confirmed by is_singular)" if best[1] else
             f"{'its apex 0 and ' if cone else ''}a point of M (blue)")
    caption = (f"M is a hypersurface of its {m}-dimensional linear span, with an equation of degree {deg} found "
               f"numerically in span coordinates; the figure is its intersection with a random plane through {where}")
    return PlaneSection(s, G, marks, plane_cone, deg, f"plane slice of M ({arch}): degree-{deg} curve", caption)


def _verified_nodes(arch, B, ex, coef, p0, dirs, seed: int) -> list[tuple[float, float]]:
    """Real nodes (s, t) of the curve g(p0 + s d1 + t d2) = 0: the critical points of the restricted
    g (total-degree homotopy) where g vanishes, kept when ``is_singular`` confirms them on M."""
    import jax
    import jax.numpy as jnp

    from ..homotopy.system import System
    from ..homotopy.total_degree import solve
    from .singular import is_singular

    exj, cj = jnp.asarray(ex), jnp.asarray(coef)

    def g(st):
        y = jnp.asarray(p0, st.dtype) + st[0] * jnp.asarray(dirs[:, 0], st.dtype) + st[1] * jnp.asarray(dirs[:, 1],
                                                                                                       st.dtype)
        return jnp.prod(y[None, :] ** exj, axis=1) @ cj.astype(st.dtype)

    grad = jax.grad(g, holomorphic=True)
    try:
        res = solve(System(lambda z, p: grad(z), 2, 0, "nodes of a plane slice"), seed=seed)
    except NeuromanifoldError:
        return []
    nodes = []
    for z in res.only_real():
        st = z.real
        y = p0 + st[0] * dirs[:, 0] + st[1] * dirs[:, 1]
        size = float(np.sum(np.abs(coef) * np.prod(np.abs(y)[None, :] ** ex, axis=1)))
        if abs(float(np.real(g(jnp.asarray(z))))) > 1e-8 * max(size, 1e-300):
            continue
        try:
            if is_singular(arch, B @ y, seed=seed).value:
                nodes.append((float(st[0]), float(st[1])))
        except NeuromanifoldError:
            continue
    return nodes
