"""The monomial basis of the ambient space V and its multiplication tables.

Convention (DESIGN.md): monomials are ordered by total degree ascending and,
within a degree, by exponent tuples in decreasing lexicographic order
(x1 > x2 > ...): ``1, x, y, x^2, xy, y^2, ...``.  A vector-valued function
concatenates the coefficient vectors of its outputs, output 1 first.
"""

from __future__ import annotations

from functools import lru_cache
from math import comb

import numpy as np


def count(n: int, d: int) -> int:
    """Number of monomials of degree exactly d in n variables: C(n+d-1, d)."""
    if d < 0 or n < 0:
        return 0
    if n == 0:
        return 1 if d == 0 else 0
    return comb(n + d - 1, d)


@lru_cache(maxsize=256)
def exponents(n: int, d: int) -> np.ndarray:
    """All exponent vectors of degree d in n variables, shape (count(n, d), n), decreasing lex."""
    if n == 0:
        return np.zeros((1 if d == 0 else 0, 0), dtype=np.int64)
    if n == 1:
        return np.array([[d]], dtype=np.int64)
    blocks = []
    for first in range(d, -1, -1):
        rest = exponents(n - 1, d - first)
        blocks.append(np.concatenate([np.full((len(rest), 1), first, dtype=np.int64), rest], axis=1))
    out = np.concatenate(blocks, axis=0)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)
def _binomials(size: int) -> np.ndarray:
    table = np.zeros((size + 1, size + 1), dtype=np.int64)
    for a in range(size + 1):
        for b in range(a + 1):
            table[a, b] = comb(a, b)
    return table


def rank(exps: np.ndarray, d: int) -> np.ndarray:
    """Position of each exponent row (all of degree d) in ``exponents(n, d)``.

    Counting the degree-d vectors that come earlier (are lexicographically
    larger): at position i with remaining degree r_i, every choice
    v > alpha_i leaves r_i - v to spread over the k = n-i-1 later variables,
    which gives sum_{s < r_i - alpha_i} C(s+k-1, k-1) = C(r_i - alpha_i - 1 + k, k).
    """
    exps = np.asarray(exps, dtype=np.int64)
    n = exps.shape[-1]
    if n <= 1:
        return np.zeros(exps.shape[:-1], dtype=np.int64)
    binom = _binomials(d + n)
    remaining = d - np.concatenate([np.zeros(exps.shape[:-1] + (1,), np.int64),
                                    np.cumsum(exps, axis=-1)[..., :-1]], axis=-1)
    idx = np.zeros(exps.shape[:-1], dtype=np.int64)
    for i in range(n - 1):
        k = n - i - 1
        s = remaining[..., i] - exps[..., i] - 1
        valid = s >= 0
        idx += np.where(valid, binom[np.clip(s + k, 0, None), k], 0)
    return idx


@lru_cache(maxsize=512)
def product_table(n: int, d1: int, d2: int) -> np.ndarray:
    """Index in degree d1+d2 of the product of the i-th degree-d1 and j-th degree-d2 monomial."""
    a = exponents(n, d1)
    b = exponents(n, d2)
    table = rank(a[:, None, :] + b[None, :, :], d1 + d2)
    table.setflags(write=False)
    return table


def variable_names(n: int) -> list[str]:
    """x, y, z for up to three variables, else x1, ..., xn."""
    if n <= 3:
        return ["x", "y", "z"][:n]
    return [f"x{i + 1}" for i in range(n)]


def monomial_string(exp, names: list[str]) -> str:
    """``x^2*y`` style text of one exponent vector (``1`` for the constant)."""
    parts = []
    for e, name in zip(exp, names):
        if e == 1:
            parts.append(name)
        elif e > 1:
            parts.append(f"{name}^{e}")
    return "*".join(parts) if parts else "1"


def _lex_descending(n: int, d: int):
    """Exponent vectors of degree d in n variables, decreasing lex, one at a time: the
    successor of e lowers the last nonzero entry before the end by one and moves everything
    after it, plus one, to the next position."""
    if n == 0:
        if d == 0:
            yield ()
        return
    e = [d] + [0] * (n - 1)
    while True:
        yield tuple(e)
        i = next((j for j in range(n - 2, -1, -1) if e[j] > 0), None)
        if i is None:
            return
        tail = sum(e[i + 1:])
        e[i] -= 1
        e[i + 1:] = [tail + 1] + [0] * (n - i - 2)


class MonomialBasis:
    """The monomials of the given degrees in n variables, in the DESIGN.md order."""

    def __init__(self, n_vars: int, degrees):
        self.n_vars = int(n_vars)
        self.degrees = tuple(sorted(set(int(d) for d in degrees)))
        offsets, total = {}, 0
        for d in self.degrees:
            offsets[d] = total
            total += count(self.n_vars, d)
        self.offsets = offsets
        self.size = total

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"MonomialBasis(n_vars={self.n_vars}, degrees={list(self.degrees)}, size={self.size})"

    @property
    def homogeneous(self) -> bool:
        return len(self.degrees) == 1

    def exponents(self) -> np.ndarray:
        """All exponent vectors, shape (size, n_vars)."""
        return np.concatenate([exponents(self.n_vars, d) for d in self.degrees], axis=0)

    def index(self, exp) -> int:
        """Position of one exponent vector in the basis."""
        exp = np.asarray(exp, dtype=np.int64)
        d = int(exp.sum())
        if d not in self.offsets or exp.shape != (self.n_vars,) or (exp < 0).any():
            raise KeyError(f"monomial {exp.tolist()} is not in {self!r}")
        return self.offsets[d] + int(rank(exp, d))

    def labels(self, names: list[str] | None = None, limit: int | None = None) -> list[str]:
        """Text of the basis monomials (only the first ``limit``, computed lazily, if given)."""
        names = names or variable_names(self.n_vars)
        if limit is None:
            return [monomial_string(e, names) for e in self.exponents()]
        out = []
        for d in self.degrees:
            for e in _lex_descending(self.n_vars, d):
                if len(out) == limit:
                    return out
                out.append(monomial_string(e, names))
        return out

    def evaluate(self, points: np.ndarray) -> np.ndarray:
        """Veronese matrix: row j holds every basis monomial at points[j]; shape (m, size)."""
        points = np.asarray(points)
        exps = self.exponents()
        return np.prod(points[:, None, :] ** exps[None, :, :], axis=-1)
