"""The monomial basis follows DESIGN.md: degree ascending, then decreasing lex (x1 > x2 > ...)."""

from itertools import product
from math import comb

import numpy as np
import pytest

from neuromanifold import monomials


def brute_force(n, d):
    """All exponent vectors of degree d, sorted decreasing lexicographically (independent of the code)."""
    vecs = [v for v in product(range(d + 1), repeat=n) if sum(v) == d]
    return sorted(vecs, reverse=True)


@pytest.mark.parametrize("n,d", [(1, 3), (2, 0), (2, 3), (3, 2), (3, 4), (4, 3), (5, 2)])
def test_exponents_are_decreasing_lex_and_complete(n, d):
    assert [tuple(e) for e in monomials.exponents(n, d)] == brute_force(n, d)
    assert monomials.count(n, d) == comb(n + d - 1, d)


@pytest.mark.parametrize("n,d", [(2, 3), (3, 4), (5, 3), (6, 2)])
def test_rank_inverts_the_enumeration(n, d):
    exps = monomials.exponents(n, d)
    assert np.array_equal(monomials.rank(exps, d), np.arange(len(exps)))


def test_design_examples():
    basis = monomials.MonomialBasis(2, [0, 1, 2])
    assert basis.labels() == ["1", "x", "y", "x^2", "x*y", "y^2"]
    cubic = monomials.MonomialBasis(2, [3])
    assert cubic.labels() == ["x^3", "x^2*y", "x*y^2", "y^3"]
    assert cubic.index([1, 2]) == 2
    assert basis.labels(limit=4) == ["1", "x", "y", "x^2"]


@pytest.mark.parametrize("n,d1,d2", [(2, 1, 2), (3, 2, 2), (4, 1, 3)])
def test_product_table_adds_exponents(n, d1, d2):
    table = monomials.product_table(n, d1, d2)
    a, b, c = monomials.exponents(n, d1), monomials.exponents(n, d2), monomials.exponents(n, d1 + d2)
    for i in range(len(a)):
        for j in range(len(b)):
            assert tuple(c[table[i, j]]) == tuple(a[i] + b[j])


def test_veronese_evaluation():
    basis = monomials.MonomialBasis(2, [0, 2])
    V = basis.evaluate(np.array([[2.0, 3.0]]))
    assert V.tolist() == [[1.0, 4.0, 6.0, 9.0]]


@pytest.mark.parametrize("n,d", [(1, 4), (2, 3), (3, 4), (4, 2), (5, 3)])
def test_lazy_enumeration_matches(n, d):
    assert list(monomials._lex_descending(n, d)) == brute_force(n, d)
