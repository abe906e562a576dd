"""Invariants of exact (leaky) ReLU networks: functional dimension, linear regions, tropical form.

**Functional dimension** (Grigsby--Lindsey--Meyerhoff--Wu, arXiv 2209.04036): the rank of the
Jacobian of theta -> (f_theta(x_j))_j at theta and generic inputs x_j.  Unlike a polynomial family's
dimension it can differ between open regions of parameter space, so it is reported as the values
found over random theta with their frequencies.  On the activation pattern that the float evaluation
fixes at (theta, x_j), f is the polynomial map of the masked network (:meth:`ReLU.masked`), whose
Jacobian has the same rank at theta as at a random residue point with the same pattern (theta is
generic in its region); that rank is computed exactly over F_p.  The symmetry bound is
n_params - (hidden neurons) (positive rescalings).

**Linear regions**: the cells of input space on which the activation pattern is constant (f is affine
on each).  For input dimension <= 2 they are enumerated exactly: a box holding every vertex is cut,
layer by layer, by each neuron's zero set (a line where the previous layers are affine), and the
convex pieces are counted.  Otherwise patterns are counted at random inputs (a lower bound).  Bounds:
one hidden layer, Zaslavsky's count of an arrangement of d_1 hyperplanes in general position in
R^{d_0}, sum_{i <= d_0} C(d_1, i); deep, Serra--Tjandraatmadja--Ramalingam (arXiv 1711.02114,
Theorem 1) and Zhang--Naitzat--Lim's tropical bound prod_l sum_{i <= d_0} C(d_l, i) (arXiv 1805.07091,
Theorem 6.3).

**Tropical form** (Zhang--Naitzat--Lim): f_theta = F - G with F, G maxima of affine functions
(tropical polynomials with real exponents): an affine map is (a.x + c) - 0, a weighted sum splits
the weights by sign, and s(F - G) = max(F, a F + (1 - a) G) - G.

>>> r = linear_regions("relu(widths=[2,3,1])", seed=0)
>>> r.value, r.bounds["zaslavsky"]
(7, 7)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from math import comb

import numpy as np

from ..architectures import parse
from ..backends import primefield as pf
from ..errors import NeuromanifoldError, TooLargeError
from ..results import Result


def _relu_arch(arch):
    arch = parse(arch) if isinstance(arch, str) else arch
    if not arch.piecewise_linear():
        raise NeuromanifoldError(f"{arch} is not a ReLU network: give one such as relu(widths=[2,3,1]) "
                                 f"(or relu(widths=[2,3,1], leak=0.01))")
    return arch


def _theta(arch, theta, rng) -> np.ndarray:
    if theta is None:
        return rng.standard_normal(arch.n_params)
    theta = np.asarray(theta, float).reshape(-1)
    if theta.shape != (arch.n_params,) or not np.all(np.isfinite(theta)):
        raise NeuromanifoldError(f"the point must be {arch.n_params} finite numbers (the parameters of {arch} "
                                 f"in the order {', '.join(arch.param_shapes)}, row-major), e.g. "
                                 f"--point \"[{', '.join(['0.5'] * min(arch.n_params, 3))}, ...]\"")
    return theta


# -- functional dimension -------------------------------------------------------------------------


@dataclass
class FunctionalDimensionResult(Result):
    parameters: int = 0
    bound: int = 0                       # n_params - hidden neurons (positive rescalings)
    frequencies: dict = field(default_factory=dict)    # functional dimension -> how many theta
    draws: int = 0
    points: int = 0
    float_agrees: int = 0                # draws whose float SVD rank (largest gap) is the exact rank
    prime: int = 0


class _MaskedJacobian:
    """theta -> Jacobian of (masked f(theta, x_j))_j, exactly over F_p and in floats."""

    def __init__(self, arch, n: int):
        import jax
        import jax.numpy as jnp

        from ..backends.modular import ModularFunction

        self.arch = arch

        def values(theta, X, *masks):
            return jax.vmap(lambda x, *m: arch.masked(theta, x, m))(X, *masks).reshape(-1)

        hidden = [jnp.zeros((n, w)) for w in arch.widths[1:-1]]
        self.exact = ModularFunction(jax.jacfwd(values), jnp.zeros(arch.n_params),
                                     jnp.zeros((n, arch.widths[0])), *hidden)
        self.real = jax.jit(jax.jacfwd(lambda theta, X: jax.vmap(lambda x: arch.f(theta, x))(X).reshape(-1)))


def _inputs(arch, theta, n: int, rng) -> np.ndarray:
    """n inputs meeting every linear region they can: for input dimension <= 2, the same number in
    each activation cell (random convex combinations of its vertices); above, points at radii spread
    over four decades, so that every neuron's zero set is crossed."""
    d0 = arch.widths[0]
    if d0 <= 2:
        R = 1e3 * (1.0 + float(np.max(np.abs(theta))))
        polys = [poly for poly, _ in _cells(arch, theta, R)]
        X = []
        for k in range(n):
            poly = polys[k % len(polys)]
            w = rng.dirichlet(np.ones(len(poly)))
            X.append((w @ poly)[:d0])
        return np.array(X)
    direction = rng.standard_normal((n, d0))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return direction * 10.0 ** rng.uniform(-1, 3, (n, 1))


def functional_dimension(arch, *, seed: int = 0, draws: int = 20, points: int | None = None,
                         prime: int | None = None) -> FunctionalDimensionResult:
    """Functional dimension of a ReLU network at ``draws`` random theta (N(0, 1) entries), each at
    ``points`` inputs (default 2 n_params) spread over every linear region (:func:`_inputs`: the
    functional dimension is the largest rank over batches of inputs), with frequencies.

    Parameters
    ----------
    arch : a ReLU network (``relu(widths=[...])``); seed; draws : random theta; points : inputs per
    theta; prime : of the exact ranks (default 2^26 - 5)

    Returns
    -------
    FunctionalDimensionResult : ``value`` (the largest found), ``frequencies``, ``bound``.

    Example
    -------
    >>> r = functional_dimension("relu(widths=[1,2,1])", draws=5)
    >>> r.bound, max(r.frequencies) <= r.bound
    (5, True)
    """
    from ..backends.exact_rank import rank

    arch = _relu_arch(arch)
    t0 = time.perf_counter()
    p = pf.check_prime(prime) if prime is not None else pf.P26
    N = arch.n_params
    n = points or 2 * N
    if draws < 1 or n < 1:
        raise NeuromanifoldError("draws and points must be positive, e.g. draws=20")
    rng = np.random.default_rng([seed, 2209])
    jac = _MaskedJacobian(arch, n)
    leak = pf.residue(arch.leak, p) if arch.leak else 0
    freq: dict = {}
    agree = 0
    for _ in range(draws):
        theta = rng.standard_normal(N)
        X = _inputs(arch, theta, n, rng)
        masks = [np.where(on, 1.0, leak) for on in arch.pattern(theta, X)]
        residue = rng.integers(0, p, N).astype(float)
        J = np.asarray(jac.exact(residue, pf.residues(X, p), *masks, p=p))
        r = rank(J, p)
        freq[r] = freq.get(r, 0) + 1
        s = np.linalg.svd(np.asarray(jac.real(theta, X)), compute_uv=False)
        agree += int(int(np.sum(s > 1e-9 * s[0])) == r) if len(s) and s[0] > 0 else int(r == 0)
    value = max(freq)
    bound = N - arch.rescalings
    notes = [f"functional dimension over {draws} random theta (N(0,1) entries), {n} inputs each: "
             + ", ".join(f"{k} ({v}x)" for k, v in sorted(freq.items(), reverse=True))
             + f"; the rescaling bound is {N} - {arch.rescalings} = {bound}"]
    if value < bound:
        notes.append(f"below the rescaling bound by {bound - value}: hidden symmetries or inactive "
                     f"neurons (GLMW)")
    return FunctionalDimensionResult(
        spec=str(arch), invariant="functional_dimension", value=value, certified=False,
        lower=min(freq), upper=bound,
        method="rank of d/dtheta (f_theta(x_j))_j on each draw's activation pattern, exactly over F_p "
               "(masked polynomial network at a random residue point)",
        seconds=time.perf_counter() - t0, seed=seed, notes=notes, parameters=N, bound=bound,
        frequencies={int(k): int(v) for k, v in sorted(freq.items())}, draws=draws, points=n,
        float_agrees=agree, prime=p)


# -- linear regions -------------------------------------------------------------------------------


def zaslavsky(d0: int, d1: int) -> int:
    """Regions of d1 hyperplanes in general position in R^{d0}: sum_{i <= d0} C(d1, i)."""
    return sum(comb(d1, i) for i in range(d0 + 1))


def serra_bound(widths) -> int:
    """Serra--Tjandraatmadja--Ramalingam (arXiv 1711.02114, Thm. 1): sum over j in J of
    prod_l C(n_l, j_l), J = {0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)}."""
    n0, hidden = widths[0], list(widths[1:-1])
    total = 0

    def walk(l: int, caps: list, prod: int):
        nonlocal total
        if l == len(hidden):
            total += prod
            return
        top = min([n0, hidden[l]] + caps)
        for j in range(top + 1):
            walk(l + 1, caps + [hidden[l] - j], prod * comb(hidden[l], j))

    walk(0, [], 1)
    return total


def tropical_bound(widths) -> int:
    """Zhang--Naitzat--Lim (arXiv 1805.07091, Thm. 6.3): prod over hidden layers of sum_{i <= d_0} C(d_l, i)."""
    out = 1
    for w in widths[1:-1]:
        out *= zaslavsky(widths[0], w)
    return out


@dataclass
class RegionsResult(Result):
    input_dimension: int = 0
    exact: bool = False                   # enumerated (input dimension <= 2) or sampled
    bounds: dict = field(default_factory=dict)
    attains: bool | None = None           # the count equals the (one-layer) Zaslavsky count
    box: float = 0.0
    samples: int | None = None
    theta: list = field(default_factory=list)


def _clip(poly: np.ndarray, a: np.ndarray, c: float, keep_positive: bool) -> np.ndarray:
    """The part of a convex polygon (vertices in order) where a.x + c >= 0 (or <= 0)."""
    s = poly @ a + c
    if not keep_positive:
        s = -s
    out = []
    for i in range(len(poly)):
        P, Q, sp, sq = poly[i], poly[(i + 1) % len(poly)], s[i], s[(i + 1) % len(poly)]
        if sp >= 0:
            out.append(P)
        if (sp >= 0) != (sq >= 0):
            out.append(P + (Q - P) * (sp / (sp - sq)))
    return np.array(out) if out else np.zeros((0, 2))


def _cells(arch, theta, R: float) -> list:
    """The activation cells inside the box [-R, R]^d (d = 1 or 2), as (polygon, pattern) pairs."""
    P = arch.unflatten(theta)
    d0 = arch.widths[0]
    a = float(arch.leak)
    if d0 == 1:                                   # an interval as a degenerate polygon (x, 0)
        box = np.array([[-R, 0.0], [R, 0.0]])
    else:
        box = np.array([[-R, -R], [R, -R], [R, R], [-R, R]])
    # each cell: polygon, affine map of the current layer's input (A: d x 2, c), pattern so far
    cells = [(box, np.eye(arch.widths[0], 2), np.zeros(arch.widths[0]), ())]
    for layer in range(1, arch.depth):
        W, b = P[f"W{layer}"], P[f"b{layer}"]
        nxt = []
        for poly, A, c, pat in cells:
            WA, Wc = W @ A, W @ c + b
            pieces = [(poly, ())]
            for j in range(len(b)):
                split = []
                tol = 1e-12 * (np.linalg.norm(WA[j]) * R + abs(Wc[j]) + 1.0)
                for piece, signs in pieces:
                    s = piece @ WA[j] + Wc[j]
                    if s.min() >= -tol:              # the zero set misses the piece (or grazes it)
                        split.append((piece, signs + (True,)))
                    elif s.max() <= tol:
                        split.append((piece, signs + (False,)))
                    else:
                        for positive in (True, False):
                            part = _clip(piece, WA[j], Wc[j], positive) if d0 == 2 else \
                                _clip_interval(piece, WA[j], Wc[j], positive)
                            split.append((part, signs + (positive,)))
                pieces = split
            for piece, signs in pieces:
                D = np.where(np.array(signs), 1.0, a)
                nxt.append((piece, D[:, None] * WA, D * Wc, pat + signs))
        cells = nxt
    return [(poly, pat) for poly, _, _, pat in cells]


def _clip_interval(seg: np.ndarray, a: np.ndarray, c: float, keep_positive: bool) -> np.ndarray:
    lo, hi = seg[0, 0], seg[1, 0]
    slope, off = float(a[0]), float(c)
    f_lo, f_hi = slope * lo + off, slope * hi + off
    if not keep_positive:
        f_lo, f_hi = -f_lo, -f_hi
    if f_lo >= 0 and f_hi >= 0:
        return seg
    if f_lo < 0 and f_hi < 0:
        return np.zeros((0, 2))
    root = -off / slope
    return np.array([[lo, 0.0], [root, 0.0]]) if f_lo >= 0 else np.array([[root, 0.0], [hi, 0.0]])


def _length(seg: np.ndarray) -> float:
    return float(seg[1, 0] - seg[0, 0]) if len(seg) == 2 else 0.0


#: Cells enumerated at most (refused beyond, unless forced).
MAX_CELLS = 200_000
#: Random inputs at most (input dimension above 2).
MAX_SAMPLES = 10_000_000


def linear_regions(arch, theta=None, *, seed: int = 0, samples: int = 20000, force: bool = False) -> RegionsResult:
    """The number of linear (activation) regions of f_theta on the whole input space, for a given or
    random theta (module docstring): exact for input dimension 1 or 2, a sampled lower bound above.

    Parameters
    ----------
    arch : a ReLU network; theta : its parameters (default random N(0, 1)); seed; samples : random
    inputs when the input dimension is above 2 (at most MAX_SAMPLES); force : enumerate past MAX_CELLS

    Returns
    -------
    RegionsResult : ``value`` (the count), ``exact``, ``bounds`` (Zaslavsky, Serra, tropical).

    Example
    -------
    >>> linear_regions("relu(widths=[1,4,1])").value      # four breakpoints on the line
    5
    """
    arch = _relu_arch(arch)
    if not 1 <= samples <= MAX_SAMPLES:
        raise NeuromanifoldError(f"samples must be between 1 and {MAX_SAMPLES:,}, e.g. samples=20000")
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 1711])
    theta = _theta(arch, theta, rng)
    d0, widths = arch.widths[0], list(arch.widths)
    bounds = {"serra": serra_bound(widths), "tropical": tropical_bound(widths)}
    if arch.depth == 2:
        bounds["zaslavsky"] = zaslavsky(d0, widths[1])
    if bounds["serra"] > MAX_CELLS and not force and d0 <= 2:
        raise TooLargeError(f"{arch} may have {bounds['serra']:,} regions (> {MAX_CELLS:,}); pass force=True "
                            f"(--force) to enumerate anyway", {"bound": bounds["serra"]})
    notes = []
    scale = 1.0 + float(np.max(np.abs(theta)))
    if d0 <= 2:
        # boxes 100x larger until the count stands: once every vertex is inside, every region meets
        # the box and a larger one adds none
        R, value = 10.0 * scale, len(_cells(arch, theta, 10.0 * scale))
        for _ in range(4):
            bigger = len(_cells(arch, theta, 100 * R))
            if bigger == value:
                break
            R, value = 100 * R, bigger
        else:
            notes.append(f"the count still grew at a box of radius {R:.3g}: vertices lie far out")
        exact = True
        method = "exact: cutting a box that holds every vertex by each neuron's zero set, layer by layer"
    else:
        R = 10.0 * scale
        X = rng.uniform(-R, R, (samples, d0))
        pats = np.concatenate([np.asarray(on) for on in arch.pattern(theta, X)], axis=1)
        distinct, counts = np.unique(pats, axis=0, return_counts=True)
        value, exact = len(distinct), False
        once = int(np.sum(counts == 1))
        notes.append(f"a lower bound: {value} patterns at {samples} uniform points of [-{R:.3g}, {R:.3g}]^{d0}; "
                     f"{once} seen once (Good-Turing: about {once / samples:.1%} of the box lies in regions "
                     f"not seen)")
        method = "sampling: distinct activation patterns at random inputs (a lower bound)"
    attains = None
    if "zaslavsky" in bounds:
        attains = value == bounds["zaslavsky"]
        notes.append(f"one hidden layer: the regions are those of an arrangement of {widths[1]} hyperplanes "
                     f"in R^{d0}, at most {bounds['zaslavsky']} (Zaslavsky, general position)"
                     + (", attained" if attains else ""))
    return RegionsResult(
        spec=str(arch), invariant="linear_regions", value=value, certified=False,
        upper=min(bounds.values()), method=method, seconds=time.perf_counter() - t0, seed=seed, notes=notes,
        input_dimension=d0, exact=exact, bounds=bounds, attains=attains, box=float(R),
        samples=None if exact else samples, theta=[float(t) for t in theta])


# -- tropical form --------------------------------------------------------------------------------


@dataclass
class Tropical:
    """A maximum of affine functions max_t (A[t] . x + c[t]) (a tropical polynomial, real exponents)."""

    A: np.ndarray
    c: np.ndarray

    def __call__(self, X) -> np.ndarray:
        return np.max(np.asarray(X) @ self.A.T + self.c, axis=-1)

    @staticmethod
    def affine(a, c) -> Tropical:
        return Tropical(np.asarray(a, float)[None, :], np.array([float(c)]))

    def scaled(self, w: float) -> Tropical:
        return Tropical(w * self.A, w * self.c)

    def plus(self, other: Tropical) -> Tropical:
        """max(F) + max(G) = max over pairs (the tropical product)."""
        A = (self.A[:, None, :] + other.A[None, :, :]).reshape(-1, self.A.shape[1])
        return Tropical(A, (self.c[:, None] + other.c[None, :]).reshape(-1)).reduced()

    def maximum(self, other: Tropical) -> Tropical:
        """max(F, G) (the tropical sum)."""
        return Tropical(np.vstack([self.A, other.A]), np.concatenate([self.c, other.c])).reduced()

    def reduced(self) -> Tropical:
        """Identical terms once; of terms with the same exponent, the largest constant."""
        key = np.round(self.A, 10)
        _, inv = np.unique(key, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        best = {}
        for t, g in enumerate(inv):
            if g not in best or self.c[t] > self.c[best[g]]:
                best[g] = t
        keep = sorted(best.values())
        if len(keep) > MAX_TERMS:
            raise TooLargeError(f"the tropical form has over {MAX_TERMS:,} terms: give a smaller network",
                                {"terms": len(keep)})
        return Tropical(self.A[keep], self.c[keep])

    def text(self, digits: int = 3) -> str:
        def term(a, c):
            parts = [f"{c:.{digits}g}"] + [f"{v:+.{digits}g} x{i + 1}" for i, v in enumerate(a) if abs(v) > 1e-12]
            return " ".join(parts)
        return "max(" + ", ".join(term(a, c) for a, c in zip(self.A, self.c)) + ")"


#: Terms of one tropical polynomial kept at most.
MAX_TERMS = 20000


@dataclass
class TropicalForm:
    """f_theta = F - G, one pair (F, G) per output."""

    F: list
    G: list

    def __call__(self, X) -> np.ndarray:
        return np.stack([F(X) - G(X) for F, G in zip(self.F, self.G)], axis=-1)

    def text(self) -> str:
        lines = []
        for k, (F, G) in enumerate(zip(self.F, self.G)):
            lines += [f"f{k + 1} = F{k + 1} - G{k + 1}", f"  F{k + 1}(x) = {F.text()}", f"  G{k + 1}(x) = {G.text()}"]
        return "\n".join(lines)


def tropical_form(arch, theta) -> TropicalForm:
    """f_theta as differences of tropical polynomials (module docstring).

    >>> import numpy as np
    >>> net = parse("relu(widths=[1,2,1])"); th = np.random.default_rng(0).standard_normal(net.n_params)
    >>> X = np.linspace(-3, 3, 7)[:, None]
    >>> bool(np.allclose(tropical_form(net, th)(X)[:, 0], [float(net.f(th, x)[0]) for x in X]))
    True
    """
    arch = _relu_arch(arch)
    theta = np.asarray(theta, float)
    P = arch.unflatten(theta)
    d0, a = arch.widths[0], float(arch.leak)
    zero = Tropical.affine(np.zeros(d0), 0.0)
    values = [(Tropical.affine(np.eye(d0)[i], 0.0), zero) for i in range(d0)]
    for layer in range(1, arch.depth + 1):
        W, b = P[f"W{layer}"], P[f"b{layer}"]
        out = []
        for j in range(len(b)):
            F, G = Tropical.affine(np.zeros(d0), b[j]), zero
            for w, (Fi, Gi) in zip(W[j], values):
                if w > 0:
                    F, G = F.plus(Fi.scaled(w)), G.plus(Gi.scaled(w))
                elif w < 0:
                    F, G = F.plus(Gi.scaled(-w)), G.plus(Fi.scaled(-w))
            if layer < arch.depth:                  # s(F - G) = max(F, a F + (1 - a) G) - G
                F = F.maximum(F.scaled(a).plus(G.scaled(1 - a)) if a else G)
            out.append((F, G))
        values = out
    return TropicalForm([F for F, _ in values], [G for _, G in values])
