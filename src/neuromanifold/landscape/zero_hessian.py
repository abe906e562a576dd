"""Zero-Hessian critical points of deep linear networks, and the invariant delta of seed 004.

Setting: f = W_h ... W_1 x with W_i of size d_i x d_{i-1}, the loss L(W) = 1/2 ||W_h ... W_1 X - Y||^2
for inputs X (d_0 x n, of rank d_0) and outputs Y (d_h x n), and C = Y X^T of rank min(d_0, d_h).
With A_i = W_h ... W_{i+1}, B_i = W_{i-1} ... W_1, M_ij = W_{j-1} ... W_{i+1} (empty products are
identities) and E = W_h ... W_1 X - Y, the second derivative in a direction V = (V_1, ..., V_h) is

    d^2 L[V] = ||sum_i A_i V_i B_i X||^2 + 2 sum_{i<j} <E, A_j V_j M_ij V_i B_i X>.

A direction in one layer only sees the first term, so a zero Hessian needs A_i = 0 or B_i = 0 for
every i.  A_i = 0 passes to smaller i and B_i = 0 to larger i, so this says: some split s
(1 <= s < h) has W_h ... W_{s+1} = 0 and W_s ... W_1 = 0.  Then the product is 0, E = -Y, every
gradient A_i^T E X^T B_i^T vanishes (the point is critical), and the cross terms vanish iff

    M_ij = 0  or  A_j^T C B_i^T = 0        for every i < j.

So H_{X,Y} = {critical points with zero Hessian} is cut out by rank conditions on the products of
consecutive layers and, where neither a product nor an end factor vanishes, by the data condition
A_j^T C B_i^T = 0.

**Strata.**  (W_1, ..., W_h) is a representation of the equioriented quiver A_{h+1} with dimension
vector d; its orbits under GL(d_0) x ... x GL(d_h) are given by the multiplicities m of the interval
modules [a, b] (0 <= a <= b <= h), and the map V_a -> V_b (a < b) has rank the number of intervals
[c, e] with c <= a <= b <= e (Gabriel; Abeasis--Del Fra).  Each type m with a split s gives a
stratum: the points of type m satisfying the data conditions its pairs need.  In the bases of the
intervals the data conditions say that C' = g_h^T C g_0^{-T} vanishes on a set Z of positions (rows:
the copies [c, h] with c <= j; columns: the copies [0, e] with e >= i - 1); a stratum is empty
unless a generic matrix of rank min(d_0, d_h) has zeros there.  Its dimension is dim O_m - |Z|,
dim O_m = sum_v d_v^2 - dim End(m) (End from Hom([a, b], [c, e]) = 1 iff c <= a <= e <= b).

**What is computed.**  For every stratum: a point over F_p (random g_v, the data condition solved
for g_0 and g_h), the tangent space as the image of the Lie algebra under xi -> (xi_v W_v -
W_v xi_{v-1}) with the linearised data conditions A_j^T (xi_h^T C - C xi_0^T) B_i^T = 0, its
dimension, and dim delta(stratum) = rank of d delta on it, where

    delta(W) = (W_{i+1}^T W_{i+1} - W_i W_i^T)_{i=1..h-1}

is the invariant of gradient flow (balancedness).  The Jacobian of delta and the Hessian of L come
from JAX's autodiff, run exactly over F_p (:mod:`~neuromanifold.backends.modular`): the Hessian is
confirmed zero at every sampled point, independently of the derivation above.  dim im delta is the
rank of d delta at a random point.  Seed 004's reduction: gradient flow does not converge to
H_{X,Y} for almost all initialisations if dim delta(H) < dim im delta.

>>> r = zero_hessian("linear(widths=[2,2,2,2,2])")     # four layers of width 2
>>> r.dimension, r.value, r.image_dimension, r.holds
(5, 5, 9, True)
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np

from ..architectures import parse
from ..backends import primefield as pf
from ..errors import NeuromanifoldError, TooLargeError
from ..results import Result

#: Refuse (unless forced) more strata than this (each costs a few exact ranks).
MAX_STRATA = 4000


@dataclass
class ZeroHessianResult(Result):
    widths: list = field(default_factory=list)
    parameters: int = 0
    image_dimension: int = 0          # dim im delta (generic rank of d delta)
    holds: bool | None = None         # dim delta(H) < dim im delta (seed 004's sufficient condition)
    dimension: int = 0                # dim H_{X,Y} (largest stratum)
    strata: list = field(default_factory=list)     # the maximal strata (dicts, see Stratum.to_dict)
    strata_total: int = 0             # strata of every type (before keeping the maximal ones)
    hessian_checked: int = 0          # sampled points whose exact Hessian is zero
    samples: int = 0
    data: str = "random"
    prime: int = 0


# -- interval modules of the quiver A_{h+1} -------------------------------------------------------


def intervals(h: int) -> list[tuple[int, int]]:
    """The interval modules [a, b], 0 <= a <= b <= h."""
    return [(a, b) for a in range(h + 1) for b in range(a, h + 1)]


def rank_between(m: dict, a: int, b: int) -> int:
    """Rank of the map V_a -> V_b (a < b, the product W_b ... W_{a+1}) in a representation of type m."""
    return sum(k for (c, e), k in m.items() if c <= a and e >= b)


def hom(I: tuple, J: tuple) -> int:
    """dim Hom([a, b], [c, e]) for the equioriented quiver (arrows v - 1 -> v): 1 iff c <= a <= e <= b."""
    (a, b), (c, e) = I, J
    return int(c <= a <= e <= b)


def orbit_dimension(m: dict, widths) -> int:
    """dim of the orbit of type m: sum_v d_v^2 - dim End(m)."""
    end = sum(k * l * hom(I, J) for I, k in m.items() for J, l in m.items())
    return sum(d * d for d in widths) - end


def types(widths, split: int) -> list[dict]:
    """Every type m of dimension vector ``widths`` with no interval through [0, split] or through
    [split, h] (that is, W_split ... W_1 = 0 and W_h ... W_{split+1} = 0)."""
    h = len(widths) - 1
    out = []

    def walk(v: int, alive: dict, done: dict):
        if v > h:
            m = dict(done)
            for c, k in alive.items():
                if k:
                    m[(c, h)] = m.get((c, h), 0) + k
            if all(c > split for (c, e) in m if e == h) and all(e < split for (c, e) in m if c == 0):
                out.append({I: k for I, k in m.items() if k})
            return
        starts = sorted(alive)
        for keep in itertools.product(*[range(alive[c] + 1) for c in starts]):
            kept = dict(zip(starts, keep))
            if v == split and kept.get(0, 0):
                continue                     # an interval [0, e] with e >= split
            if v == h and any(kept[c] for c in starts if c <= split):
                continue                     # an interval [c, h] with c <= split
            new = widths[v] - sum(keep)
            if new < 0:
                continue
            ended = dict(done)
            for c in starts:
                if alive[c] - kept[c]:
                    ended[(c, v - 1)] = ended.get((c, v - 1), 0) + alive[c] - kept[c]
            nxt = {c: k for c, k in kept.items() if k}
            if new:
                nxt[v] = nxt.get(v, 0) + new
            walk(v + 1, nxt, ended)

    walk(0, {}, {})
    return out


def data_pairs(m: dict, h: int) -> frozenset:
    """The pairs i < j whose cross term needs the data condition A_j^T C B_i^T = 0 in type m (no
    vanishing M_ij, A_j or B_i)."""
    need = []
    for i in range(1, h + 1):
        for j in range(i + 1, h + 1):
            if j > i + 1 and rank_between(m, i, j - 1) == 0:
                continue                     # M_ij = 0
            if j < h and rank_between(m, j, h) == 0:
                continue                     # A_j = 0
            if i > 1 and rank_between(m, 0, i - 1) == 0:
                continue                     # B_i = 0
            need.append((i, j))
    return frozenset(need)


def _basis(m: dict, h: int) -> list[list[tuple]]:
    """For each vertex v, its basis: the copies (interval, copy) of the intervals through v."""
    order = sorted(m)
    return [[(I, k) for I in order for k in range(m[I]) if I[0] <= v <= I[1]] for v in range(h + 1)]


def zero_positions(m: dict, h: int, pairs) -> list[tuple[int, int]]:
    """Positions (row in V_h, column in V_0) where C' = g_h^T C g_0^{-T} must vanish."""
    basis = _basis(m, h)
    Z = set()
    for i, j in pairs:
        rows = [r for r, (I, _) in enumerate(basis[h]) if I[0] <= j]
        cols = [c for c, (I, _) in enumerate(basis[0]) if I[1] >= i - 1]
        Z.update(itertools.product(rows, cols))
    return sorted(Z)


@dataclass
class Stratum:
    """Points of one interval type m, with the data conditions of its pairs."""

    type: dict
    pairs: frozenset
    zeros: int = 0
    dimension: int | None = None
    delta_dimension: int | None = None
    hessian_zero: bool | None = None
    maximal: bool = True

    def ranks(self, widths) -> dict:
        """The rank of every product W_b ... W_{a+1} (a < b) in this type."""
        h = len(widths) - 1
        return {(a, b): rank_between(self.type, a, b) for a in range(h + 1) for b in range(a + 1, h + 1)}

    def describe(self, widths) -> str:
        """The rank conditions in words: the rank of each layer and the products that vanish."""
        h = len(widths) - 1
        r = self.ranks(widths)
        layers = ", ".join(f"rk W{i} = {r[(i - 1, i)]}" for i in range(1, h + 1))
        zero = [(a, b) for (a, b), k in r.items() if k == 0 and b - a >= 2
                and not any(r[(c, e)] == 0 and c >= a and e <= b and (c, e) != (a, b) for (c, e) in r)]
        products = ", ".join("W" + "·W".join(str(t) for t in range(b, a, -1)) + " = 0" for a, b in zero)
        def word(a, b):                      # the product W_b ... W_{a+1}
            return "·".join(f"W{t}" for t in range(b, a, -1))
        data = ", ".join(f"({word(j, h)})^T C ({word(0, i - 1)})^T = 0".replace("()^T ", "").replace(" ()^T", "")
                         for i, j in sorted(self.pairs))
        return "; ".join(x for x in (layers, products, data) if x)

    def to_dict(self, widths) -> dict:
        return {"conditions": self.describe(widths),
                "intervals": {f"[{a},{b}]": k for (a, b), k in sorted(self.type.items())},
                "data_conditions": [list(p) for p in sorted(self.pairs)], "zeros": self.zeros,
                "dimension": self.dimension, "delta_dimension": self.delta_dimension,
                "hessian_zero": self.hessian_zero}


def strata(widths) -> list[Stratum]:
    """Every stratum of H_{X,Y}: each type with some split, with the data pairs it needs (for one
    type, a split whose pairs contain another's is dropped: its points are among the other's)."""
    h = len(widths) - 1
    seen: dict = {}
    for s in range(1, h):
        for m in types(widths, s):
            key = tuple(sorted(m.items()))
            seen.setdefault(key, (m, set()))[1].add(data_pairs(m, h))
    out = []
    for m, pair_sets in seen.values():
        for P in pair_sets:
            if not any(Q < P for Q in pair_sets):
                out.append(Stratum(m, P, len(zero_positions(m, h, P))))
    return out


# -- exact linear algebra over F_p (python-flint) -------------------------------------------------


def _mat(A, p: int):
    from flint import nmod_mat

    A = np.asarray(A, dtype=np.int64) % p
    return nmod_mat(A.tolist(), p) if A.size else nmod_mat(A.shape[0], A.shape[1], p)


def _np(M) -> np.ndarray:
    return np.array([int(x) for x in M.entries()], dtype=np.int64).reshape(M.nrows(), M.ncols())


def _rank(A, p: int) -> int:
    A = np.asarray(A)
    return 0 if A.size == 0 else _mat(A, p).rank()


def _inv(A, p: int) -> np.ndarray:
    return _np(_mat(A, p).inv())


def _mul(*Ms, p: int) -> np.ndarray:
    out = Ms[0] % p
    for M in Ms[1:]:
        out = (out @ (M % p)) % p
    return out


def _invertible(rng, n: int, p: int) -> np.ndarray:
    """A random n x n matrix over F_p: invertible but with probability about n / p (an inverse of a
    singular one raises ZeroDivisionError, and the caller draws again)."""
    return rng.integers(0, p, (n, n))


def _kernel(K: np.ndarray, n: int, p: int) -> np.ndarray:
    """A basis (columns) of {x : K x = 0} over F_p, x of length n."""
    if K.shape[0] == 0:
        return np.eye(n, dtype=np.int64)
    X, nullity = _mat(K, p).nullspace()
    return _np(X)[:, :nullity]


# -- the computation ------------------------------------------------------------------------------


def _residue_data(widths, data, rng, p: int):
    """(X, Y) as residues: the given data (floats read as exact rationals) or random integers."""
    d0, dh = widths[0], widths[-1]
    if data is None:
        n = d0 + dh + 1
        return rng.integers(0, p, (d0, n)), rng.integers(0, p, (dh, n)), "random"
    from .data import checked_array

    X = checked_array(data[0], "inputs", None, d0, "input values")
    Y = checked_array(data[1], "outputs", len(X), dh, "output values")
    return pf.residues(X.T, p).astype(np.int64), pf.residues(Y.T, p).astype(np.int64), f"{len(X)} samples"


def _point(st: Stratum, widths, C, rng, p: int):
    """A point of the stratum over F_p (None when the data conditions cannot hold with this C)."""
    h = len(widths) - 1
    basis = _basis(st.type, h)
    index = [{b: r for r, b in enumerate(basis[v])} for v in range(h + 1)]
    R = []
    for v in range(1, h + 1):
        Rv = np.zeros((widths[v], widths[v - 1]), np.int64)
        for b, r in index[v].items():
            if b in index[v - 1]:
                Rv[r, index[v - 1][b]] = 1
        R.append(Rv)
    d0, dh = widths[0], widths[-1]
    zeros = zero_positions(st.type, h, st.pairs)
    for _ in range(4):
        Cp = rng.integers(0, p, (dh, d0))
        for r, c in zeros:
            Cp[r, c] = 0
        if _rank(Cp, p) < min(d0, dh):
            continue
        try:
            return _solve_point(R, widths, C, Cp, rng, p)
        except ZeroDivisionError:           # a singular random matrix (probability about 1 / p)
            continue
    return None


def _solve_point(R, widths, C, Cp, rng, p: int) -> list:
    """W_v = g_v R_v g_{v-1}^{-1} with random g_v and the ends solving g_h^T C g_0^{-T} = C'."""
    h = len(widths) - 1
    d0, dh = widths[0], widths[-1]
    g = [None] + [_invertible(rng, widths[v], p) for v in range(1, h)] + [None]
    if dh <= d0:                             # C K = D with K = g_0^{-T}, C of full row rank
        g[h] = _invertible(rng, dh, p)
        D = _mul(_inv(g[h], p).T, Cp, p=p)
        top = np.vstack([C, rng.integers(0, p, (d0 - dh, d0))]) % p
        K = _mul(_inv(top, p), np.vstack([D, rng.integers(0, p, (d0 - dh, d0))]), p=p)
        g[0] = _inv(K, p).T
    else:                                    # G C = D with G = g_h^T, C of full column rank
        g[0] = _invertible(rng, d0, p)
        D = _mul(Cp, g[0].T, p=p)
        side = np.hstack([C, rng.integers(0, p, (dh, dh - d0))]) % p
        G = _mul(np.hstack([D, rng.integers(0, p, (dh, dh - d0))]), _inv(side, p), p=p)
        _inv(G, p)                           # raises when G is singular
        g[h] = G.T
    return [_mul(g[v], R[v - 1], _inv(g[v - 1], p), p=p) for v in range(1, h + 1)]


def _kron(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return (A[:, None, :, None] * B[None, :, None, :]).reshape(A.shape[0] * B.shape[0], A.shape[1] * B.shape[1])


def _product(Ws, a: int, b: int, p: int, n: int) -> np.ndarray:
    """W_b ... W_{a+1} (the map V_a -> V_b; the identity of size n when a == b)."""
    out = np.eye(n, dtype=np.int64)
    for v in range(a + 1, b + 1):
        out = _mul(Ws[v - 1], out, p=p)
    return out


def _tangent(Ws, widths, pairs, C, p: int) -> np.ndarray:
    """Columns spanning the stratum's tangent space at Ws (flattened W_1, ..., W_h, row-major): the
    image of the Lie algebra, xi -> (xi_v W_v - W_v xi_{v-1})_v, on the xi (row-major blocks xi_0,
    ..., xi_h) with A_j^T (xi_h^T C - C xi_0^T) B_i^T = 0 for the data pairs (i, j)."""
    h = len(widths) - 1
    col = np.cumsum([0] + [d * d for d in widths])
    row = np.cumsum([0] + [widths[u] * widths[u - 1] for u in range(1, h + 1)])
    Phi = np.zeros((int(row[-1]), int(col[-1])), np.int64)
    for u in range(1, h + 1):                # W_u: V_{u-1} -> V_u
        W = Ws[u - 1]
        Phi[row[u - 1]:row[u], col[u]:col[u + 1]] = _kron(np.eye(widths[u], dtype=np.int64), W.T)
        Phi[row[u - 1]:row[u], col[u - 1]:col[u]] = (-_kron(W, np.eye(widths[u - 1], dtype=np.int64))) % p
    blocks = []
    for i, j in sorted(pairs):
        A = _product(Ws, j, h, p, widths[j])              # d_h x d_j
        B = _product(Ws, 0, i - 1, p, widths[0])          # d_{i-1} x d_0
        K = np.zeros((widths[j] * widths[i - 1], int(col[-1])), np.int64)
        CBt = _mul(C, B.T, p=p)                           # d_h x d_{i-1}
        AtC = _mul(A.T, C, p=p)                           # d_j x d_0
        # xi_h = E_rc:  A^T E_cr C B^T = A^T[:, c] (C B^T)[r, :]
        K[:, col[h]:col[h + 1]] = np.einsum("cx,ry->xyrc", A, CBt).reshape(K.shape[0], -1) % p
        # xi_0 = E_rc: -A^T C E_cr B^T = -(A^T C)[:, c] B^T[r, :]
        K[:, col[0]:col[1]] = (K[:, col[0]:col[1]]
                               - np.einsum("xc,yr->xyrc", AtC, B).reshape(K.shape[0], -1)) % p
        blocks.append(K)
    if not blocks:
        return Phi
    return _mul(Phi, _kernel(np.vstack(blocks) % p, Phi.shape[1], p), p=p)


def delta_differential(Ws, T, p: int) -> np.ndarray:
    """d delta applied to the columns of T (flattened tangent vectors (dW_1, ..., dW_h)), over F_p:
    d delta_i = dW_{i+1}^T W_{i+1} + W_{i+1}^T dW_{i+1} - dW_i W_i^T - W_i dW_i^T."""
    shapes = [W.shape for W in Ws]
    cuts = np.cumsum([0] + [a * b for a, b in shapes])
    dW = [T[cuts[i]:cuts[i + 1]].T.reshape((-1,) + shapes[i]) for i in range(len(Ws))]   # (k, rows, cols)
    out = []
    for i in range(len(Ws) - 1):
        up, down = Ws[i + 1], Ws[i]
        a = np.einsum("kba,bc->kac", dW[i + 1], up) % p                  # dW_{i+1}^T W_{i+1}
        first = (a + np.transpose(a, (0, 2, 1))) % p
        c = np.einsum("kab,cb->kac", dW[i], down) % p                    # dW_i W_i^T
        second = (c + np.transpose(c, (0, 2, 1))) % p
        out.append(((first - second) % p).reshape(len(T.T), -1))
    return np.concatenate(out, axis=1).T % p


class _Exact:
    """d delta and the Hessian of L as JAX functions of the flattened weights, run over F_p."""

    def __init__(self, widths, n: int, compiled: bool = False):
        import jax
        import jax.numpy as jnp

        from ..backends.modular import ModularFunction

        h = len(widths) - 1
        shapes = [(widths[i], widths[i - 1]) for i in range(1, h + 1)]
        sizes = [a * b for a, b in shapes]
        cuts = np.cumsum([0] + sizes)

        def unflat(w):
            return [w[cuts[i]:cuts[i + 1]].reshape(shapes[i]) for i in range(h)]

        def delta(w):
            W = unflat(w)
            return jnp.concatenate([(W[i + 1].T @ W[i + 1] - W[i] @ W[i].T).reshape(-1) for i in range(h - 1)])

        def loss(w, X, Y):
            P = unflat(w)[0]
            for M in unflat(w)[1:]:
                P = M @ P
            return 0.5 * jnp.sum((P @ X - Y) ** 2)

        w0 = jnp.zeros(int(cuts[-1]))
        self.n_params = int(cuts[-1])
        self.jdelta = ModularFunction(jax.jacfwd(delta), w0)
        self.hessian = ModularFunction(jax.hessian(loss), w0, jnp.zeros((widths[0], n)),
                                       jnp.zeros((widths[-1], n)), compiled=compiled)

    def delta_jacobian(self, w, p: int) -> np.ndarray:
        return np.asarray(self.jdelta(np.asarray(w, float), p=p), np.int64)

    def hessian_at(self, w, X, Y, p: int) -> np.ndarray:
        return np.asarray(self.hessian(np.asarray(w, float), np.asarray(X, float), np.asarray(Y, float), p=p))


def _maximal(found: list[Stratum], widths) -> None:
    """Mark the strata that lie in another's closure by the rank conditions: every product's rank
    at most the other's, the other's data conditions among its own, and a larger dimension there.
    (Dominance is transitive, so each stratum is compared with the maximal ones only.)  This is
    necessary for lying in the other's closure, not shown sufficient, so the strata kept are the
    candidates for the irreducible components (each stratum is irreducible: an orbit of a connected
    group cut by conditions on the end changes of basis); dim H and dim delta(H) are maxima over all
    strata and do not depend on it."""
    if not found:
        return
    h = len(widths) - 1
    keys = [(a, b) for a in range(h + 1) for b in range(a + 1, h + 1)]
    R = np.array([[rank_between(st.type, a, b) for a, b in keys] for st in found])
    allpairs = sorted({q for st in found for q in st.pairs})
    bit = {q: 1 << n for n, q in enumerate(allpairs)}
    P = [sum(bit[q] for q in st.pairs) for st in found]
    order = sorted(range(len(found)), key=lambda n: -found[n].dimension)
    tops: list[int] = []
    for n in order:
        st = found[n]
        st.maximal = True
        if tops:
            T = np.array(tops)
            dims = np.array([found[t].dimension for t in tops])
            over = (dims > st.dimension) & np.all(R[n] <= R[T], axis=1)
            st.maximal = not any((P[t] & ~P[n]) == 0 for t in T[over])
        if st.maximal:
            tops.append(n)


def zero_hessian(arch, data=None, *, seed: int = 0, prime: int | None = None, force: bool = False,
                 progress=None) -> ZeroHessianResult:
    """The zero-Hessian critical points H_{X,Y} of the squared loss of a deep linear network, by
    strata, and seed 004's test dim delta(H) < dim im delta (module docstring).

    Parameters
    ----------
    arch : a linear network without bias (``linear(widths=[...])``)
    data : (inputs n x d_0, outputs n x d_h), or None for random integer data (n = d_0 + d_h + 1)
    seed : the data and the sampled points; prime : of the exact ranks (default 2^26 - 5); force

    Returns
    -------
    ZeroHessianResult : ``value`` = dim delta(H), ``image_dimension`` = dim im delta, ``holds``,
    ``strata`` (the maximal ones: rank conditions, dimension, dim delta, Hessian confirmed zero).

    Example
    -------
    >>> zero_hessian("linear(widths=[3,2,3])").value is None     # h = 2: H is empty (strict saddles)
    True
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    widths = arch.layer_widths()
    if widths is None:
        raise NeuromanifoldError(f"zero-hessian needs a deep linear network f = W_h ... W_1 x (no bias, no "
                                 f"activation), e.g. linear(widths=[3,2,2,3]); {arch} is not one")
    widths = list(widths)
    h = len(widths) - 1
    p = pf.check_prime(prime) if prime is not None else pf.P26
    rng = np.random.default_rng([seed, 2004])
    X, Y, source = _residue_data(widths, data, rng, p)
    if _rank(X, p) < widths[0]:
        raise NeuromanifoldError(f"the inputs span a space of dimension {_rank(X, p)} < d_0 = {widths[0]}: "
                                 f"give at least {widths[0]} samples in general position")
    C = _mul(Y, X.T, p=p)
    if _rank(C, p) < min(widths[0], widths[-1]):
        raise NeuromanifoldError(f"C = Y X^T has rank {_rank(C, p)} < min(d_0, d_h) = "
                                 f"{min(widths[0], widths[-1])}: the data are degenerate for this "
                                 f"analysis (give more samples, in general position)")
    N = sum(widths[i] * widths[i - 1] for i in range(1, h + 1))
    exact = _Exact(widths, X.shape[1]) if h >= 2 else None
    image = _rank(exact.delta_jacobian(rng.integers(0, p, N), p), p) if h >= 2 else 0
    found = strata(widths) if h >= 2 else []
    if len(found) > MAX_STRATA and not force:
        raise TooLargeError(f"{arch}: {len(found)} strata (> {MAX_STRATA}); pass force=True (--force) to try "
                            f"anyway", {"strata": len(found)})
    checked = 0
    kept = []
    for n, st in enumerate(found):
        if progress is not None:
            progress("strata", n, len(found))
        Ws = _point(st, widths, C, rng, p)
        if Ws is None:
            continue                        # the data conditions cannot hold for this C
        w = np.concatenate([W.reshape(-1) for W in Ws])
        T = _tangent(Ws, widths, st.pairs, C, p)
        st.dimension = _rank(T, p)
        st.delta_dimension = _rank(delta_differential(Ws, T, p), p)
        kept.append((st, w))
    _maximal([st for st, _ in kept], widths)
    if sum(st.maximal for st, _ in kept) > 16:       # many points: one XLA program pays for itself
        exact = _Exact(widths, X.shape[1], compiled=True)
    for st, w in kept:                       # the exact Hessian, by autodiff, at each maximal stratum
        if st.maximal:
            st.hessian_zero = not np.any(exact.hessian_at(w, X, Y, p) % p)
            checked += int(st.hessian_zero)
    kept = [st for st, _ in kept]
    notes = []
    bad = [st for st in kept if st.hessian_zero is False]
    if bad:                                  # pragma: no cover - would contradict the derivation
        notes.append(f"{len(bad)} sampled point(s) have a nonzero exact Hessian: {bad[0].describe(widths)}")
    value = max((st.delta_dimension for st in kept), default=None)
    dimension = max((st.dimension for st in kept), default=-1)
    holds = None if value is None else bool(value < image)
    if h < 2:
        notes.append("one layer: L is convex in W, and its Hessian X X^T (x) I is not zero")
    elif value is None:
        notes.append("H_{X,Y} is empty: every critical point has a nonzero Hessian (for h = 2, "
                     "theta = 0 is a strict saddle, Kawaguchi arXiv 1605.07110)")
    else:
        top = max(kept, key=lambda st: (st.delta_dimension, st.dimension))
        notes.append(f"dim delta(H) = {value} {'<' if holds else '>='} dim im delta = {image}, attained on the "
                     f"stratum {top.describe(widths)} (dimension {top.dimension})")
    maximal = sorted((st for st in kept if st.maximal), key=lambda st: (-st.dimension, -st.delta_dimension))
    return ZeroHessianResult(
        spec=str(arch), invariant="zero_hessian", value=value, certified=True,
        method="strata of H by interval types of the quiver A_{h+1} and data conditions; points over "
               "F_p; tangent spaces and d delta by exact ranks; Hessian of L by autodiff over F_p",
        seconds=time.perf_counter() - t0, seed=seed, notes=notes, widths=widths, parameters=N,
        image_dimension=image, holds=holds, dimension=dimension,
        strata=[st.to_dict(widths) for st in maximal], strata_total=len(kept), hessian_checked=checked,
        samples=int(X.shape[1]), data=source, prime=p)


#: The seed's statement (seed 004): dim delta(H) < dim im delta holds for h <= 5, not for large h.
SEED_HOLDS_UP_TO = 5


def depth_range(text: str) -> range:
    """Depths from ``"2-8"`` or ``"4"``."""
    try:
        lo, _, hi = text.partition("-")
        lo, hi = int(lo), int(hi or lo)
    except ValueError:
        raise NeuromanifoldError(f"cannot read the depths {text[:80]!r}: give a range such as 2-8") from None
    if not 1 <= lo <= hi <= 12:
        raise NeuromanifoldError(f"depths {text!r}: give 1 <= first <= last <= 12, e.g. 2-8")
    return range(lo, hi + 1)


def depth_table(hidden: int, ends: tuple = (None, None), depths=range(2, 9), *, seed: int = 0,
                prime: int | None = None) -> list[dict]:
    """Rows (h, widths, dim H, dim delta(H), dim im delta, holds, the seed's statement and whether
    they agree) for linear networks [d_0, hidden, ..., hidden, d_h] of depth h (``ends`` = (d_0,
    d_h), default (hidden, hidden)).  The seed says the inequality holds for h <= 5 (``seed_says``
    True there) and not for large h (no depth named: ``seed_says`` None beyond 5, where the table
    shows the first depth at which it fails); a disagreement is a finding, shown with its strata by
    :func:`zero_hessian` of that depth."""
    d0, dh = ends[0] or hidden, ends[1] or hidden
    rows = []
    for h in depths:
        widths = [d0] + [hidden] * (h - 1) + [dh]
        r = zero_hessian(f"linear(widths={widths})", seed=seed, prime=prime, force=True)
        seed_says = True if r.value is not None and h <= SEED_HOLDS_UP_TO else None   # beyond: "not for large h"
        rows.append({"h": h, "widths": widths, "dim_H": r.dimension if r.value is not None else None,
                     "dim_delta_H": r.value, "dim_im_delta": r.image_dimension, "holds": r.holds,
                     "seed_says": seed_says, "agrees": None if seed_says is None else r.holds == seed_says,
                     "strata": r.strata_total, "seconds": round(r.seconds, 2)})
    return rows
