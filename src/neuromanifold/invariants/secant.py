"""Dimensions of secant varieties of Veronese varieties, and the upper bound they give for deep
polynomial networks.

**Secant varieties.**  sigma_s(nu_r(P^(m-1))) is the closure of the forms of degree r in m
variables that are sums of s r-th powers of linear forms.  Its affine cone has the expected
dimension min(s m, N), N = binom(m + r - 1, r) (s linear forms of m coefficients, in the space of
all forms).  Alexander--Hirschowitz (J. Algebraic Geom. 4 (1995) 201-222; Brambilla--Ottaviani,
arXiv math/0701409, for a short proof): for r >= 3 the dimension is the expected one except for
(m, r, s) = (3, 4, 5), (4, 4, 9), (5, 4, 14), (5, 3, 7), where it is one less.  For r = 2 the
forms are symmetric matrices and the secant variety those of rank <= s: dimension s m - binom(s, 2)
for s <= m.  For q forms sharing one decomposition (a network with q outputs), the variety of
sum_j w_j (a_j . y)^r, w_j in C^q, has dimension at most min(s (m + q - 1), q N, q d_1), d_1 the
dimension for one form (s (q + m) parameters less the s rescalings of the a_j; the space; q copies
of the one-form variety contain it).  Terracini's lemma checks these numbers: the dimension is the
rank of the span of the tangent spaces at s random points, here computed exactly over F_p (a
lower bound, :func:`terracini_rank`).

**The bound (Massarenti--Mella, arXiv 2511.19703).**  For an MLP with widths [d_0, ..., d_L],
activation x^r and no bias, f = W_L s(W_(L-1) g) = F(g) with g = (g_1, ..., g_m) the activated
outputs of layer L-2 (m = d_(L-2); g = x for one hidden layer) and F = (F_1, ..., F_q) a point of
the variety above with s = d_(L-1) terms.  So M is the image of (theta_g, F) -> F o g, and it is
invariant under the rescalings t of layers 1 .. L-2 (neurons before layer L-2 change no g; those
of layer L-2 send g_i -> t^r g_i, which F absorbs: F -> F o diag(t^-r), still a sum of s powers).
These act with orbits of dimension sum_(l <= L-2) d_l, so

    dim M <= P_g - sum_(l=1)^(L-2) d_l + dim sigma,

P_g the parameters of layers 1 .. L-2.  With biases F becomes an inhomogeneous form, a form in
m + 1 variables at y_0 = 1, plus q output constants: the same argument with m + 1, and the
constants add at most q dimensions, never beyond the q binom(m + r, r) of all such tuples.

Example: mlp(widths=[2,2,4,1], activation="x^3") has dim M <= (4 - 2) + dim sigma_4(nu_3(P^1))
= 2 + 4 = 6, where the parameter count (10) says it might fill.
    >>> secant_bound(LastLayers(4, 2, 2, 3, 4, 1)).value
    6
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np

from ..architectures.base import LastLayers
from ..backends import exact_rank
from ..backends import primefield as pf
from ..monomials import MonomialBasis

#: (m variables, degree r, s terms) where sigma_s(nu_r(P^(m-1))) is one less than expected (AH).
AH_EXCEPTIONS = {(3, 4, 5), (4, 4, 9), (5, 4, 14), (5, 3, 7)}
#: Terracini's check runs up to this many matrix entries.
TERRACINI_ENTRIES = 4_000_000


def veronese_secant_dimension(m: int, r: int, s: int) -> int:
    """dim of the affine cone over sigma_s(nu_r(P^(m-1))) (Alexander--Hirschowitz; r = 2: rank).

    >>> veronese_secant_dimension(5, 3, 7), veronese_secant_dimension(3, 2, 2)
    (34, 5)
    """
    N = comb(m + r - 1, r)
    if m <= 0 or s <= 0:
        return 0
    if r == 1:
        return min(s, m)
    if r == 2:
        k = min(s, m)
        return k * m - comb(k, 2)
    return min(s * m, N) - (1 if (m, r, s) in AH_EXCEPTIONS else 0)


def secant_dimension_bound(m: int, r: int, s: int, q: int) -> int:
    """An upper bound on the dimension of {sum_j w_j (a_j . y)^r : w_j in C^q} (exact for q = 1)."""
    one = veronese_secant_dimension(m, r, s)
    if q == 1:
        return one
    return min(s * (m + q - 1), q * comb(m + r - 1, r), q * one)


def terracini_rank(m: int, r: int, s: int, q: int, p: int = pf.P26, seed: int = 0) -> int | None:
    """The rank over F_p of the differential of (w_j, a_j)_j -> sum_j w_j (a_j . y)^r at a random
    point (Terracini's lemma: a lower bound on the dimension), or None when it is too large to form.
    The coefficient of y^e in (a . y)^r is binom(r; e) a^e, in y_i (a . y)^(r-1) it is
    binom(r-1; e - e_i) a^(e - e_i)."""
    basis = MonomialBasis(m, [r])
    E = basis.exponents()
    N = len(E)
    if q * N * s * (q + m) > TERRACINI_ENTRIES:
        return None
    rng = np.random.default_rng([seed, 131])
    A = rng.integers(1, p, (s, m))
    W = rng.integers(1, p, (s, q))
    fact = [1]
    for i in range(1, r + 1):
        fact.append(fact[-1] * i)

    def multinomial(e) -> int:
        out = fact[int(sum(e))]
        for k in e:
            out //= fact[int(k)]
        return out

    cols = []
    for j in range(s):
        a = [int(x) for x in A[j]]
        power = np.array([multinomial(e) * pf.monomial(a, e, p) % p for e in E], dtype=object)   # (a.y)^r
        for k in range(q):                                   # d/dw_jk: e_k (x) (a_j . y)^r
            col = np.zeros(q * N, dtype=object)
            col[k * N:(k + 1) * N] = power
            cols.append(col)
        for i in range(m):                                   # d/da_ji: r w_j (x) y_i (a_j . y)^(r-1)
            deriv = np.zeros(N, dtype=object)
            for t, e in enumerate(E):
                if e[i] >= 1:
                    f = list(e)
                    f[i] -= 1
                    deriv[t] = r * multinomial(f) * pf.monomial(a, f, p) % p
            col = np.zeros(q * N, dtype=object)
            for k in range(q):
                col[k * N:(k + 1) * N] = deriv * int(W[j, k]) % p
            cols.append(col)
    M = np.array(cols, dtype=object).T.astype(np.int64).astype(np.float64)
    return int(exact_rank.rank(M, p))


@dataclass
class SecantBound:
    """dim M <= value (module docstring), with its ingredients."""

    value: int
    inner: int               # P_g - rescalings
    secant: int              # the dimension (q = 1) or bound (q > 1) of the secant variety used
    variables: int           # m (m + 1 with biases)
    degree: int
    terms: int
    outputs: int
    terracini: int | None    # the exact rank over F_p of Terracini's matrix (a lower bound on secant)
    text: str


def secant_bound(last: LastLayers, seed: int = 0) -> SecantBound:
    """The Massarenti--Mella bound dim M <= P_g - rescalings + dim sigma (+ q with biases)."""
    m = last.forms + (1 if last.affine else 0)
    sec = secant_dimension_bound(m, last.degree, last.terms, last.outputs)
    inner = last.inner_parameters - last.inner_rescalings
    outer = sec
    if last.affine:                   # the output constants: at most q more, within the space of forms
        outer = min(sec + last.outputs, last.outputs * comb(m + last.degree - 1, last.degree))
    value = inner + outer
    check = terracini_rank(m, last.degree, last.terms, last.outputs, seed=seed)
    kind = "AH" if last.outputs == 1 else "parameter count"
    text = (f"Massarenti-Mella (arXiv 2511.19703): f = F o g, dim M <= {last.inner_parameters} inner "
            f"parameters - {last.inner_rescalings} rescalings + dim sigma_{last.terms}(nu_{last.degree}"
            f"(P^{m - 1}))" + (f" for {last.outputs} outputs" if last.outputs > 1 else "")
            + f" = {sec} ({kind})" + (f", with {last.outputs} output biases {outer} (at most the space "
                                      f"of forms)" if last.affine else "") + f" = {value}")
    return SecantBound(value, inner, sec, m, last.degree, last.terms, last.outputs, check, text)
