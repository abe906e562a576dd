"""Dimensions against closed formulas from the literature (never against the code itself)."""

from math import comb

import jax
import numpy as np
import pytest

import neuromanifold as nm
from neuromanifold.backends.numeric_rank import numerical_rank

# -- linear networks: determinantal varieties --------------------------------------------

LINEAR = [[4, 2, 3], [2, 5, 3], [3, 1, 3], [3, 3, 3], [5, 2, 4], [2, 3, 4, 3], [4, 3, 2, 5], [1, 3, 1],
          [6, 2, 2, 5], [3, 4, 5], [2, 2], [4, 5, 6, 2]]


@pytest.mark.parametrize("widths", LINEAR)
def test_linear_networks_fill_the_rank_r_matrices(widths):
    """dim of the m x n matrices of rank <= r is r(m + n - r), r = min widths."""
    r, d0, dL = min(widths), widths[0], widths[-1]
    res = nm.dimension(f"linear(widths={widths})")
    assert res.value == r * (d0 + dL - r)
    assert res.certified and res.lower == res.upper == res.value
    assert res.filling == (r == min(d0, dL))
    assert res.fiber_dimension == res.parameters - res.value


@pytest.mark.parametrize("widths", [[3, 2, 3], [2, 3, 2], [4, 1, 2]])
def test_affine_networks(widths):
    """x -> Ax + b with rank A <= r and b free: r(d0 + dL - r) + dL."""
    r, d0, dL = min(widths), widths[0], widths[-1]
    res = nm.dimension(f"linear(widths={widths}, bias=True)")
    assert res.value == r * (d0 + dL - r) + dL and res.certified


def test_linear_activation_mlp_is_a_linear_network():
    assert nm.dimension('mlp(widths=[4,2,3], activation="x")').value == 10
    assert nm.dimension('mlp(widths=[4,2,3], activation="3*x")').certified


# -- polynomial MLPs ---------------------------------------------------------------------


def test_seed_examples():
    quad = nm.dimension('mlp(widths=[2,2,1], activation="x^2")')
    assert (quad.value, quad.ambient_dimension, quad.filling, quad.certified) == (3, 3, True, True)
    cubic = nm.dimension('mlp(widths=[2,2,1], activation="x^3")')
    assert (cubic.value, cubic.ambient_dimension, cubic.filling, cubic.certified) == (4, 4, True, True)


ALEXANDER_HIRSCHOWITZ = {(3, 4, 5), (4, 4, 9), (5, 4, 14), (5, 3, 7)}  # (n, k, w): defect 1


def waring_dimension(n, k, w):
    """dim of the forms of degree k in n variables with Waring rank <= w (Alexander--Hirschowitz;
    k = 2: symmetric matrices of rank <= w)."""
    full = comb(n + k - 1, k)
    if k == 2:
        return w * n - comb(w, 2) if w < n else full
    expected = min(w * n, full)
    return expected - 1 if (n, k, w) in ALEXANDER_HIRSCHOWITZ else expected


FAST_WARING = [(2, 3, 1), (2, 3, 2), (3, 2, 2), (3, 3, 3), (3, 4, 4), (4, 2, 3), (4, 3, 5), (2, 5, 3)]
SLOW_WARING = [(n, k, w) for n in (2, 3, 4) for k in (2, 3, 4) for w in range(1, 7)
               if (n, k, w) not in FAST_WARING]


def check_waring(n, k, w):
    res = nm.dimension(f'mlp(widths=[{n},{w},1], activation="x^{k}")')
    assert res.value == waring_dimension(n, k, w), (n, k, w)
    if (n, k, w) not in ALEXANDER_HIRSCHOWITZ:
        assert res.certified, (n, k, w, res.lower, res.upper)


@pytest.mark.parametrize("n,k,w", FAST_WARING)
def test_shallow_networks_are_waring_rank_varieties(n, k, w):
    check_waring(n, k, w)


@pytest.mark.slow
@pytest.mark.parametrize("n,k,w", SLOW_WARING)
def test_shallow_networks_are_waring_rank_varieties_grid(n, k, w):
    check_waring(n, k, w)


@pytest.mark.parametrize("n,k,w", sorted(ALEXANDER_HIRSCHOWITZ))
def test_alexander_hirschowitz_exceptions_are_certified_by_the_theorem(n, k, w):
    """The symmetry bound says min(wn, dim V); the true dimension is one less.  The exact rank
    finds it and the secant bound (Alexander-Hirschowitz, through Massarenti-Mella) proves it."""
    res = nm.dimension(f'mlp(widths=[{n},{w},1], activation="x^{k}")')
    assert res.value == waring_dimension(n, k, w)
    assert res.certified and res.upper == res.value
    assert res.expected_dimension == res.value + 1 and res.defect == 1
    assert res.upper_bound.startswith("Massarenti-Mella")
    assert any("upper bound" in note and "symmetries alone" in note for note in res.notes)


def test_dimension_does_not_need_the_coefficient_form():
    spec = 'mlp(widths=[30,3,1], activation="x^5")'
    param = nm.parse(spec).parametrization()
    assert param.ambient_dimension == comb(34, 5) > 50_000
    with pytest.raises(nm.TooLargeError):
        param.coefficient_function()
    res = nm.dimension(spec)
    assert res.value == 90 and res.certified and res.samples == 90


# -- convolutional networks ------------------------------------------------------------------

LCN = [([3, 2], [1, 1]), ([3, 2], [2, 1]), ([2, 2, 2], [1, 1, 1]), ([2, 3, 2], [2, 2, 1]),
       ([4], [1]), ([2, 4, 3], [1, 3, 1]), ([3, 3], [3, 1])]


@pytest.mark.parametrize("filters,strides", LCN)
def test_lcn_dimension(filters, strides):
    """sum k_l - L + 1 (rescaling of filters is the only symmetry), filling exactly when every
    stride but the last is 1 (arXiv 2108.01538)."""
    res = nm.dimension(f"lcn(filters={filters}, strides={strides})")
    assert res.value == sum(filters) - len(filters) + 1 and res.certified
    assert res.filling == all(s == 1 for s in strides[:-1])


PCNN = [([2, 2], [1, 1], "x^2"), ([3, 2], [2, 1], "x^2"), ([2, 2, 2], [1, 1, 1], "x^2"), ([2, 3], [1, 1], "x^3"),
        ([3, 3], [2, 1], "x^3"), ([2, 2, 2], [2, 2, 1], "x^2"), ([4, 2], [1, 1], "2*x^3")]


@pytest.mark.parametrize("filters,strides,act", PCNN)
def test_pcnn_dimension(filters, strides, act):
    """dim = |k| - L + 1 for monomial activations of degree >= 2 (arXiv 2410.00722)."""
    res = nm.dimension(f'pcnn(filters={filters}, strides={strides}, activation="{act}")')
    assert res.value == sum(filters) - len(filters) + 1 and res.certified


# -- attention -----------------------------------------------------------------------------------


def test_seed_attention_is_five_dimensional():
    res = nm.dimension("attention(d=2, a=2, t=2, dout=1)")
    assert res.value == 5 and res.certified and res.ambient_dimension == 40


@pytest.mark.parametrize("d,a,t,dout", [(2, 1, 2, 1), (3, 1, 2, 1), (3, 2, 2, 2), (3, 3, 2, 1),
                                        (2, 3, 2, 2), (3, 2, 3, 1), (4, 2, 2, 1)])
def test_single_layer_attention(d, a, t, dout):
    """One layer with t >= 2: the fibre is GL(a) x rescaling, so dim = dout d + m(2d - m) - 1,
    m = min(a, d) (rank <= m matrices K^T Q, arXiv 2408.17221)."""
    m = min(a, d)
    res = nm.dimension(f"attention(d={d}, a={a}, t={t}, dout={dout})")
    assert res.value == dout * d + m * (2 * d - m) - 1 and res.certified


# -- the result object ------------------------------------------------------------------------


def test_result_fields_and_seed():
    res = nm.dimension("linear(widths=[4,2,3])", seed=7)
    data = res.to_dict()
    for key in ["spec", "invariant", "value", "certified", "lower", "upper", "ambient_dimension", "parameters",
                "filling", "method", "seconds", "seed", "expected_dimension", "defect", "numerical_rank",
                "singular_value_gap", "prime", "error_probability"]:
        assert key in data
    assert data["seed"] == 7 and data["invariant"] == "dimension" and data["spec"] == "linear(widths=[4,2,3])"
    assert data["ambient_dimension"] == 12 and data["parameters"] == 14
    assert res.numerical_rank == 10 and res.singular_value_gap > 1e8
    assert nm.dimension("linear(widths=[4,2,3])", seed=8).value == 10


def test_explicit_prime():
    res = nm.dimension('mlp(widths=[2,3,1], activation="x^3")', prime=10007)
    assert res.prime == 10007 and res.value == 4
    with pytest.raises(nm.NeuromanifoldError, match="not a prime"):
        nm.dimension("linear(widths=[2,2])", prime=10001)
    with pytest.raises(nm.NeuromanifoldError, match="below 2"):
        nm.dimension("linear(widths=[2,2])", prime=2**31 - 1)


def test_refuses_what_would_not_finish():
    with pytest.raises(nm.TooLargeError) as info:
        nm.dimension("linear(widths=[3000,3000,3000])")
    text = str(info.value)
    assert "force" in text and "min" in text and "GiB" in text
    assert info.value.estimate["seconds"] > 1800


@pytest.mark.parametrize("spec", ["linear(widths=[3,2,3])", 'mlp(widths=[3,3,1], activation="x^3")',
                                  'pcnn(filters=[2,3], strides=[2,1], activation="x^2")',
                                  "attention(d=2, a=1, t=3, dout=2)"])
def test_second_method_coefficient_jacobian(spec):
    """The numerical rank of the Jacobian of the coefficient form (a different computation of
    mu) agrees with the certified value."""
    res = nm.dimension(spec)
    param = nm.parse(spec).parametrization()
    theta = param.random_params(np.random.default_rng(11))
    J = jax.jacfwd(param.coefficient_function())(theta, param.constants_array())
    assert numerical_rank(np.asarray(J)).rank == res.value


# -- the last-two-layer bound (Massarenti-Mella, arXiv 2511.19703; invariants/secant.py) ------------

@pytest.mark.parametrize("spec, value", [
    ('mlp(widths=[2,2,4,1], activation="x^3")', 6),     # F(l1^3, l2^3), F a binary cubic: 2 + 4
    ('mlp(widths=[5,5,7,1], activation="x^3")', 54),    # sigma_7(nu_3(P^4)) is AH-defective: 20 + 34
    ('mlp(widths=[3,5,1], activation="x^4")', 14),      # sigma_5(nu_4(P^2)): 14, not 15 (AH)
    ('mlp(widths=[4,4,9,1], activation="x^4")', 46),    # 12 + dim sigma_9(nu_4(P^3)) = 12 + 34
    ('mlp(widths=[2,2,6,2], activation="x^3")', 10),    # two outputs: 2 + 8 (parameter count of F)
    ('mlp(widths=[2,2,4,1], activation="x^3", bias=True)', 14),   # 4 + all ternary cubics (10)
])
def test_last_two_layers_certify_deep_dimensions(spec, value):
    """The exact rank over F_p (lower bound) meets the Massarenti-Mella bound, which the
    symmetries alone do not reach: certified, and the result names the bound."""
    from neuromanifold import dimension

    r = dimension(spec)
    assert r.certified and r.value == r.lower == r.upper == value
    assert r.secant_bound["value"] == value and r.upper_bound.startswith("Massarenti-Mella")
    assert r.expected_dimension > value                 # the symmetry bound leaves room


@pytest.mark.parametrize("m, r, s, q", [(5, 3, 7, 1), (3, 4, 5, 1), (4, 4, 9, 1), (5, 4, 14, 1),
                                        (3, 3, 3, 1), (4, 2, 2, 1), (2, 5, 3, 1), (3, 3, 2, 2)])
def test_secant_dimensions_agree_with_terracini_over_fp(m, r, s, q):
    """Alexander-Hirschowitz (with its four exceptions; rank for quadrics) against the exact rank of
    Terracini's matrix at a random point over F_p, a second method."""
    from neuromanifold.invariants.secant import secant_dimension_bound, terracini_rank

    assert terracini_rank(m, r, s, q) == secant_dimension_bound(m, r, s, q)


def test_last_two_layer_bound_is_never_below_an_exact_rank():
    """Soundness over small MLPs (depth 2 and 3, x^2 and x^3, with and without biases, one or two
    outputs): the exact rank at random points, a lower bound of dim M, never exceeds the bound."""
    from neuromanifold import dimension

    for widths in ([2, 2, 1], [2, 3, 1], [3, 2, 2], [2, 2, 2, 1], [2, 2, 3, 1], [2, 3, 2, 2], [3, 2, 3, 1]):
        for act in ("x^2", "x^3"):
            for bias in (False, True):
                spec = f'mlp(widths={widths}, activation="{act}"' + (", bias=True)" if bias else ")")
                r = dimension(spec, numerical=False)
                assert r.secant_bound is not None and r.lower <= r.secant_bound["value"], spec
                assert r.lower <= r.upper, spec
