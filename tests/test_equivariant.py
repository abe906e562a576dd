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
from neuromanifold.invariants.fiber import fiber
from neuromanifold.invariants.singular import is_singular, singular_strata

C3 = 'linear(widths=[3,1,3], group="cyclic")'


def test_rank_one_circulants_are_three_lines_over_c_and_one_over_r():
    """The Fourier projectors span three lines over C; over R only multiples of the all-ones matrix
    (the other two eigenvalues are complex conjugates, nonzero together)."""
    arch = parse(C3)
    assert [c.label for c in arch.components("C")] == ["chi_0", "chi_1", "chi_2"]
    assert [c.label for c in arch.components("R")] == ["trivial"]
    d, g, e = dimension(C3), degree(C3), ed_degree(C3)
    assert (d.value, g.value) == (1, 3) and d.certified
    assert all(c["checked"] for c in d.components) and len(e.components) == 3


def fourier_projectors(n: int) -> list:
    """P_k = v_k v_k^* / n, v_k = (omega^{-k t})_t: the rank-one circulants, written out here."""
    w = np.exp(2j * np.pi / n)
    return [np.outer(w ** (-k * np.arange(n)), w ** (k * np.arange(n))) / n for k in range(n)]


def test_ed_degree_of_the_circulant_lines_counts_the_non_isotropic_ones():
    """On a line spanned by P the loss ||cP - u||_Q^2 (bilinear, as in every ED degree) has a critical
    point iff P^T Q P != 0.  The Frobenius form makes the lines of the non-real characters isotropic
    (sum_ij (P_1)_ij^2 = 0): ED degree 1 (only the real line of the all-ones matrix); a generic Q
    sees all three lines: 3."""
    P = fourier_projectors(3)
    vec = [p.reshape(-1) for p in P]
    euclid = sum(abs(v @ v) > 1e-9 for v in vec)
    rng = np.random.default_rng(5)
    F = rng.standard_normal((9, 9))
    assert euclid == 1 and sum(abs(v @ (F.T @ F) @ v) > 1e-9 for v in vec) == 3
    e = ed_degree(C3)
    assert e.value == euclid and e.certified
    assert [c["ed_degree"] for c in e.components] == [1, 0, 0] == [c["formula"] for c in e.components]
    g = ed_degree(C3, "generic", seed=1)
    assert g.value == 3 and [c["ed_degree"] for c in g.components] == [1, 1, 1]


def conjugation_closed_subsets(n: int, r: int) -> int:
    """r-subsets S of Z/n with -S = S: the components of C_n-equivariant maps of rank <= r (each
    character once) that are not isotropic for the Frobenius metric."""
    from itertools import combinations

    return sum(1 for S in combinations(range(n), r) if {(-k) % n for k in S} == set(S))


@pytest.mark.parametrize("n, r", [(3, 1), (4, 1), (4, 2), (5, 2), (6, 3)])
def test_cyclic_regular_action(n, r):
    """C_n on R^n (each character once): over C the components are the C(n, r) coordinate subspaces
    of the Fourier eigenvalues, so the union has degree C(n, r); for the Frobenius metric a subspace
    has one critical point when its characters are closed under conjugation and none otherwise
    (isotropic); over R a 2-dimensional rotation block counts rank 2."""
    comps = components("cyclic", n, r, "C")
    assert len(comps) == comb(n, r) and all(c.dimension == r and c.degree == 1 for c in comps)
    arch = parse(f'linear(widths=[{n},{r},{n}], group="cyclic")')
    assert sum(c.ed_degree for c in comps) == conjugation_closed_subsets(n, r)
    if n <= 4:                       # the homotopy counts on every component too (20 components at n = 6)
        d = degree(arch)
        assert d.value == comb(n, r) and d.certified and [c["homotopy"] for c in d.components] == [1] * comb(n, r)
        assert ed_degree(arch).value == conjugation_closed_subsets(n, r)
    real = components("cyclic", n, r, "R")
    for c in real:                       # maximal: real rank used = r, or no block fits any more
        used = sum(ir.dim * k for ir, k in c.profile)
        assert used <= r


@pytest.mark.slow
def test_component_degrees_by_monodromy_agree_with_the_determinantal_formula():
    """C_3 acting twice on R^6 (each character with multiplicity 2): a rank-<= 2 component puts ranks
    (1, 1) on two characters, a product of two 2 x 2 rank-one determinantal varieties of degree 2 each,
    so degree 4, or rank 2 on one character (all of its block, degree 1).  deg M = 3 * 4 = 12, and the
    pseudo-witness count on each component's own parametrization gives the same degrees."""
    d = degree('linear(widths=[6,2,6], group="(1 2 3)(4 5 6)")')
    assert d.value == 12 and d.certified
    assert sorted((c["dimension"], c["degree"], c["homotopy"]) for c in d.components) == \
        [(4, 1, 1)] * 3 + [(6, 4, 4)] * 3


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
    d = degree(arch)
    assert (d.value, ed_degree(arch).value) == (4, 4)
    assert [c["homotopy"] for c in d.components] == [2, 2]        # the second method: monodromy per component
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
    with pytest.raises(NeuromanifoldError, match="drop --point"):
        fiber(C3, point=np.ones(9))
    with pytest.raises(NeuromanifoldError, match="not as theta"):
        is_singular(C3, theta=np.ones(2))


@pytest.mark.parametrize("group, n, r", [("cyclic", 4, 2), ("(1 2 3)(4 5 6)", 6, 2), ("(1 2 3)(4 5 6)", 6, 3),
                                         ("symmetric", 3, 2), ("(1 2)(3 4)", 4, 1)])
def test_frobenius_formula_agrees_with_homotopy_on_each_component(group, n, r):
    """Two methods per component: the closed formula (Eckart--Young per real block, C(m, r) per
    conjugate pair of equal ranks, 0 for unequal ranks) and monodromy on the component's ED critical
    equations with Q = I (its parametrization by rank factorisations)."""
    from neuromanifold.invariants.ed_degree import generic_critical_points

    arch = parse(f'linear(widths=[{n},{r},{n}], group="{group}")')
    for cp in arch.component_parametrizations():
        found = generic_critical_points(cp, cp.dimension, np.eye(n * n), seed=0)
        assert len(found.points) == cp.component.ed_degree, cp.component.label


def test_critical_points_of_data_on_the_circulants():
    """Rank-one C_3-equivariant maps and data (X, Y): the loss sum |W x - y|^2 is a form I (x) X^T X on
    V for which the non-real Fourier lines are isotropic, so the only critical point is on the real line
    W = c 1 1^T, at c = <1 1^T X, Y> / |1 1^T X|^2 (least squares in one unknown), a minimum."""
    from neuromanifold.landscape import critical_points, from_data

    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 3))
    Y = X @ rng.standard_normal((3, 3)).T
    ones = np.ones((3, 3))
    A = X @ ones.T                                      # rows: (1 1^T x_i)^T
    c = float(np.sum(A * Y) / np.sum(A * A))
    target = from_data(C3, X, Y)
    r = critical_points(C3, target)
    assert r.value == 1 and r.real_count == 1 and r.minima == 1
    p = r.points[0]
    assert p.component == "chi_0" and np.allclose(p.coefficients, (c * ones).reshape(-1), atol=1e-8)
    data_loss = np.sum((X @ (c * ones).T - Y) ** 2)       # = ||w - u||_Q^2 + the constant of the data
    assert abs(p.loss + target.constant - data_loss) <= 1e-9 * data_loss
    assert any("no critical point on component chi_1" in note for note in r.notes)


def test_singular_locus_of_a_union_of_determinantal_products():
    """(1 2 3)(4 5 6), rank <= 3: components chi_0 + chi_1 + chi_2 (each block 2 x 2 of rank 1, dim
    3 x 3 = 9) and the six chi_a + chi_b^2 (dim 3 + 4 = 7).  A rank-one block dropping to 0 in the
    first leaves dim 6 (a singular stratum); components meet along products of smaller ranks.  At
    the zero matrix every component meets; a generic point of one component is smooth."""
    arch = 'linear(widths=[6,3,6], group="(1 2 3)(4 5 6)")'
    res = singular_strata(arch)
    dims = {s.subnetwork: s.dimension for s in res.strata}
    assert dims["chi_0 + chi_1 + chi_2: rank C_chi_0 <= 0"] == 6
    assert all(s.singular for s in res.strata) and "FAILED" not in " ".join(dims)
    assert res.singular_locus_dimension == max(dims.values()) < 9
    # a real point of the top component: C_0 real of rank 1, C_2 = conj(C_1) of rank 1 (W is real)
    top = parse(arch).component_parametrizations()[0]
    assert top.component.label == "chi_0 + chi_1 + chi_2"
    rng = np.random.default_rng(0)
    a0, a1 = rng.standard_normal(4), rng.standard_normal(4) + 1j * rng.standard_normal(4)
    W = np.asarray(top.matrix(np.concatenate([a0, a1, np.conj(a1)])))
    assert np.abs(W.imag).max() < 1e-12
    smooth = is_singular(arch, W.real.reshape(-1))
    assert smooth.on_variety and not smooth.value and "single component" in smooth.reason
    assert smooth.tangent_rank is smooth.codimension is smooth.equations is None     # no Jacobian criterion here
    # C_0 = I (rank 2): on chi_0^2 + chi_1 and chi_0^2 + chi_2, where the two meet
    chi0 = np.kron(np.eye(2), np.ones((3, 3)))
    meet = is_singular(arch, chi0.reshape(-1))
    assert meet.value and "lies on 2 components" in meet.reason
    assert is_singular(arch, np.zeros(36)).value
    C3_point = is_singular(C3, np.ones(9))
    assert not C3_point.value and "smooth" in C3_point.reason
    off = is_singular(C3, (np.eye(3) + 0.5).ravel())            # equivariant, but of rank 3
    assert not off.on_variety and not off.value
    shifted = is_singular(C3, np.roll(np.eye(3), 1, axis=0).ravel() + np.diag([1.0, 0, 0]).ravel())
    assert not shifted.on_variety and "does not commute" in shifted.reason


def test_fibre_of_each_component_is_one_orbit_of_its_block_symmetries():
    r = fiber('linear(widths=[6,2,6], group="(1 2 3)(4 5 6)")')
    rows = {row["component"]: row for row in r.per_component}
    assert rows["chi_0^2"]["fiber_dimension"] == 4 and rows["chi_0 + chi_1"]["fiber_dimension"] == 2
    assert all(row["checked"] and row["orbits"] == 1 for row in r.per_component)


def test_info_describes_equivariant_and_relu_networks():
    """``info`` on specs without one parametrization: the group and its components (over C and R);
    a ReLU network's weights and rescalings, without an ambient space."""
    import json

    from typer.testing import CliRunner

    from neuromanifold.cli import app

    out = CliRunner().invoke(app, ["info", C3, "relu(widths=[2,3,1])", "--json"])
    assert out.exit_code == 0, out.output
    eq, relu = json.loads(out.output)
    assert eq["group"] == "cyclic" and eq["components"] == {"C": ["chi_0", "chi_1", "chi_2"], "R": ["trivial"]}
    assert eq["ambient_dimension"] == 9 and eq["parameters"] == 6
    assert relu["piecewise_linear"] and relu["parameters"] == 13 and relu["symmetry"]["dimension"] == 3
    table = CliRunner().invoke(app, ["info", "relu(widths=[2,3,1], leak=0.5)"])
    assert table.exit_code == 0 and "max(t, 0.5 t)" in table.output
