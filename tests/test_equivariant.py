"""Equivariant linear networks (Kohn--Sattelberger--Shahverdi, arXiv 2309.13736): components over C
and R from representation theory, against closed formulas and exact Groebner counts (msolve)."""

from math import comb

import numpy as np
import pytest

from neuromanifold import parse
from neuromanifold.architectures.equivariant import components, determinantal_degree
from neuromanifold.backends import msolve as ms
from neuromanifold.errors import NeuromanifoldError
from neuromanifold.invariants.degree import degree
from neuromanifold.invariants.dimension import dimension
from neuromanifold.invariants.ed_degree import ed_degree

C3 = 'linear(widths=[3,1,3], group="cyclic")'


def test_rank_one_circulants_are_three_lines_over_c_and_one_over_r():
    """The Fourier projectors span three lines over C; over R only multiples of the all-ones matrix
    (the other two eigenvalues are complex conjugates, nonzero together)."""
    arch = parse(C3)
    assert [c.label for c in arch.components("C")] == ["chi_0", "chi_1", "chi_2"]
    assert [c.label for c in arch.components("R")] == ["trivial"]
    d, g, e = dimension(C3), degree(C3), ed_degree(C3)
    assert (d.value, g.value, e.value) == (1, 3, 3) and d.certified and e.certified
    assert all(c["checked"] for c in d.components) and len(e.components) == 3


@pytest.mark.parametrize("n, r", [(3, 1), (4, 1), (4, 2), (5, 2), (6, 3)])
def test_cyclic_regular_action(n, r):
    """C_n on R^n (each character once): over C the components are the C(n, r) coordinate subspaces
    of the Fourier eigenvalues, so the union has degree C(n, r) and ED degree C(n, r) (one critical
    point on each linear space); over R a 2-dimensional rotation block counts rank 2."""
    comps = components("cyclic", n, r, "C")
    assert len(comps) == comb(n, r) and all(c.dimension == r and c.degree == 1 for c in comps)
    arch = parse(f'linear(widths=[{n},{r},{n}], group="cyclic")')
    assert ed_degree(arch).value == comb(n, r) and degree(arch).value == comb(n, r)
    real = components("cyclic", n, r, "R")
    for c in real:                       # maximal: real rank used = r, or no block fits any more
        used = sum(ir.dim * k for ir, k in c.profile)
        assert used <= r


def test_real_components_of_c4():
    labels = sorted(c.label for c in components("cyclic", 4, 2, "R"))
    assert labels == ["rot_1", "trivial + sign"]
    assert sorted(c.label for c in components("cyclic", 4, 1, "R")) == ["sign", "trivial"]


def test_multiplicities_give_determinantal_blocks():
    """(1 2)(3 4): each character of C_2 appears twice, so the rank <= 1 maps are two copies of the
    2 x 2 determinant's zero set: dimension 3, degree 2, ED degree C(2, 1) = 2 each."""
    comps = components("(1 2)(3 4)", 4, 1, "C")
    assert [(c.label, c.dimension, c.degree, c.ed_degree) for c in comps] == [("chi_0", 3, 2, 2), ("chi_1", 3, 2, 2)]
    arch = 'linear(widths=[4,1,4], group="(1 2)(3 4)")'
    assert (degree(arch).value, ed_degree(arch).value) == (4, 4)
    assert determinantal_degree(3, 3, 1) == 6 and determinantal_degree(4, 4, 2) == 20
    assert determinantal_degree(5, 3, 1) == comb(5 + 3 - 2, 3 - 1)       # Segre P^4 x P^2


@pytest.mark.skipif(ms.binary() is None, reason="msolve is not installed")
def test_degree_of_the_union_agrees_with_an_exact_groebner_count():
    """The equivariant matrices of (1 2)(3 4) are W = [[a,b,c,d],[b,a,d,c],[e,f,g,h],[f,e,h,g]];
    rank <= 1 (all 2 x 2 minors) cut by 3 random hyperplanes: msolve counts deg M = 4 points."""
    rng = np.random.default_rng(0)
    names = list("abcdefgh")
    W = [["a", "b", "c", "d"], ["b", "a", "d", "c"], ["e", "f", "g", "h"], ["f", "e", "h", "g"]]
    minors = [f"{W[i][k]}*{W[j][l]}-{W[i][l]}*{W[j][k]}" for i in range(4) for j in range(i + 1, 4)
              for k in range(4) for l in range(k + 1, 4)]
    planes = ["+".join(f"{int(c)}*{v}" for c, v in zip(rng.integers(1, 50, 8), names)) + f"-{int(rng.integers(1, 50))}"
              for _ in range(3)]
    got = ms.count(minors + planes, names, 1_073_741_789)
    assert got.dimension == 0 and got.degree == degree('linear(widths=[4,1,4], group="(1 2)(3 4)")').value


@pytest.mark.skipif(ms.binary() is None, reason="msolve is not installed")
def test_rank_one_circulants_counted_by_msolve():
    """Circulants (c0, c1, c2) of rank <= 1 on a random affine plane: 3 points (the three lines)."""
    W = [["c0", "c1", "c2"], ["c2", "c0", "c1"], ["c1", "c2", "c0"]]
    minors = [f"{W[i][k]}*{W[j][l]}-{W[i][l]}*{W[j][k]}" for i in range(3) for j in range(i + 1, 3)
              for k in range(3) for l in range(k + 1, 3)]
    got = ms.count(minors + ["3*c0+5*c1+11*c2-7"], ["c0", "c1", "c2"], 1_073_741_789)
    assert got.dimension == 0 and got.degree == 3


def test_symmetric_group():
    """S_n on R^n: Hom = span(I, J); rank <= n - 1 leaves the trivial and the standard line."""
    comps = components("symmetric", 4, 3, "C")
    assert sorted(c.label for c in comps) == ["standard", "trivial"]
    assert [c.label for c in components("symmetric", 4, 2, "C")] == ["trivial"]


def test_bad_groups_and_other_invariants():
    with pytest.raises(NeuromanifoldError, match="cycle notation"):
        parse('linear(widths=[3,1,3], group="rotations")')
    with pytest.raises(NeuromanifoldError, match="must be equal"):
        parse('linear(widths=[3,1,2], group="cyclic")')
    with pytest.raises(NeuromanifoldError, match="distinct"):
        parse('linear(widths=[3,1,3], group="(1 2 2)")')
    with pytest.raises(NeuromanifoldError, match="several irreducible components"):
        parse(C3).parametrization()
    with pytest.raises(NeuromanifoldError, match="euclidean"):
        ed_degree(C3, "generic")
