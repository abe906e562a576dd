"""Families: sizes from closed formulas, both forms of mu against hand computations, and
the symmetry groups checked by acting with finite group elements."""

from math import comb, prod

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import neuromanifold as nm


def sizes(spec):
    p = nm.parse(spec).parametrization()
    return p.n_params, p.ambient_dimension


@pytest.mark.parametrize("widths", [[4, 2, 3], [2, 5, 3], [3, 3, 3, 3], [1, 4], [6, 2, 2, 5]])
def test_linear_sizes(widths):
    N = sum(a * b for a, b in zip(widths, widths[1:]))
    assert sizes(f"linear(widths={widths})") == (N, widths[0] * widths[-1])
    Nb = N + sum(widths[1:])
    assert sizes(f"linear(widths={widths}, bias=True)") == (Nb, (widths[0] + 1) * widths[-1])


@pytest.mark.parametrize("widths,k", [([2, 2, 1], 3), ([3, 4, 2], 2), ([2, 3, 3, 1], 2), ([4, 2, 1], 4)])
def test_mlp_homogeneous_ambient_space(widths, k):
    D = k ** (len(widths) - 2)
    n = widths[0]
    p = nm.parse(f'mlp(widths={widths}, activation="x^{k}")').parametrization()
    assert p.x_degrees == (D,)
    assert p.ambient_dimension == widths[-1] * comb(n + D - 1, D)
    assert p.n_params == sum(a * b for a, b in zip(widths, widths[1:]))


def test_mlp_nonhomogeneous_degrees():
    p = nm.parse('mlp(widths=[2,2,1], activation="x^2 + x")').parametrization()
    assert p.x_degrees == (1, 2)  # no constant term can occur without bias
    q = nm.parse('mlp(widths=[2,2,1], activation="x^2 + x", bias=True)').parametrization()
    assert q.x_degrees == (0, 1, 2)
    r = nm.parse('mlp(widths=[2,2,2,1], activation="x^2 + 1")').parametrization()
    assert r.x_degrees == (0, 2, 4)


def test_coefficient_vector_of_a_cubic():
    """(x+y)^3 + (x-y)^3 = 2x^3 + 6xy^2, and with complex weights x^3 - xy^2 (DESIGN.md example)."""
    p = nm.parse('mlp(widths=[2,2,1], activation="x^3")').parametrization()
    theta = np.array([1.0, 1.0, 1.0, -1.0, 1.0, 1.0])  # W1 rows (1,1), (1,-1); W2 = (1, 1)
    assert np.allclose(p.coefficients(theta), [2, 0, 6, 0])
    t = 1j / np.sqrt(3)  # (1/2)[(x + t y)^3 + (x - t y)^3] = x^3 + 3 t^2 x y^2 = x^3 - x y^2
    theta = np.array([1, t, 1, -t, 0.5, 0.5], dtype=complex)
    assert np.allclose(p.coefficients(theta), [1, 0, -1, 0])
    assert np.allclose(p.evaluate(theta, np.array([[2.0, 3.0]])), 2**3 - 2 * 3**2)


def test_linear_coefficients_are_the_product_row_major():
    p = nm.parse("linear(widths=[4,2,3])").parametrization()
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(p.n_params)
    W1, W2 = theta[:8].reshape(2, 4), theta[8:].reshape(3, 2)
    assert np.allclose(p.coefficients(theta), (W2 @ W1).ravel())
    pb = nm.parse("linear(widths=[2,2,2], bias=True)").parametrization()
    theta = rng.standard_normal(pb.n_params)
    P = pb.unflatten(theta)
    A = np.asarray(P["W2"] @ P["W1"])
    b = np.asarray(P["W2"] @ P["b1"] + P["b2"])
    assert np.allclose(np.asarray(pb.coefficients(theta)).reshape(2, 3), np.column_stack([b, A]))


@pytest.mark.parametrize("filters,strides", [([3, 2], [2, 1]), ([2, 2, 2], [1, 1, 1]), ([2, 3, 2], [2, 3, 1]),
                                             ([4], [1])])
def test_lcn_end_to_end_filter_is_the_dilated_polynomial_product(filters, strides):
    arch = nm.parse(f"lcn(filters={filters}, strides={strides})")
    p = arch.parametrization()
    k = filters[0] + sum((filters[l] - 1) * prod(strides[:l]) for l in range(1, len(filters)))
    assert p.ambient_dimension == k == arch.receptive_field
    rng = np.random.default_rng(1)
    theta = rng.standard_normal(p.n_params)
    P = p.unflatten(theta)
    w, step = np.array([1.0]), 1
    for l, size in enumerate(filters):  # w(x) = u1(x) u2(x^s1) u3(x^(s1 s2)) ...
        dilated = np.zeros((size - 1) * step + 1)
        dilated[::step] = np.asarray(P[f"u{l + 1}"])
        w = np.convolve(w, dilated)
        step *= strides[l]
    assert np.allclose(p.coefficients(theta), w)


def test_pcnn_ambient_space_and_forward():
    arch = nm.parse('pcnn(filters=[2,3], strides=[2,1], activation="x^2")')
    p = arch.parametrization()
    n0 = (3 - 1) * 2 + 2
    assert p.n_vars == n0 == 6 and p.x_degrees == (2,)
    assert p.ambient_dimension == comb(n0 + 1, 2)
    rng = np.random.default_rng(2)
    theta, x = rng.standard_normal(p.n_params), rng.standard_normal(n0)
    u1, u2 = theta[:2], theta[2:]
    h = np.array([u1 @ x[2 * j:2 * j + 2] for j in range(3)]) ** 2
    assert np.allclose(p.evaluate(theta, x[None]), u2 @ h)
    c = np.asarray(p.coefficients(theta))
    assert np.allclose(p.basis.evaluate(x[None]) @ c, u2 @ h)


def attention_reference(Q, K, V, X):
    return V @ X @ X.T @ K.T @ Q @ X


@pytest.mark.parametrize("spec", ["attention(d=2, a=2, t=2, dout=1)", "attention(d=3, a=2, t=3, dout=2)"])
def test_attention_matches_the_formula(spec):
    arch = nm.parse(spec)
    p = arch.parametrization()
    d, t, dout = arch.widths[0], arch.t, arch.widths[-1]
    assert p.ambient_dimension == dout * t * comb(d * t + 2, 3)
    rng = np.random.default_rng(3)
    theta = rng.standard_normal(p.n_params)
    P = {k: np.asarray(v) for k, v in p.unflatten(theta).items()}
    X = rng.standard_normal((d, t))
    x = X.T.ravel()  # column-major: token by token
    expected = attention_reference(P["Q1"], P["K1"], P["V1"], X).T.ravel()
    assert np.allclose(p.evaluate(theta, x[None])[0], expected)
    coeffs = np.asarray(p.coefficients(theta)).reshape(p.n_outputs, -1)
    assert np.allclose(p.basis.evaluate(x[None])[0] @ coeffs.T, expected)


def test_deep_attention_composes_layers():
    arch = nm.parse("attention(widths=[2,3,2], a=[2,1], t=2)")
    p = arch.parametrization()
    assert p.x_degrees == (9,)
    rng = np.random.default_rng(4)
    theta = rng.standard_normal(p.n_params)
    P = {k: np.asarray(v) for k, v in p.unflatten(theta).items()}
    X = rng.standard_normal((2, 2))
    Y = attention_reference(P["Q1"], P["K1"], P["V1"], X)
    Z = attention_reference(P["Q2"], P["K2"], P["V2"], Y)
    assert np.allclose(p.evaluate(theta, X.T.ravel()[None])[0], Z.T.ravel())


# -- symmetries: finite group elements leave f unchanged ----------------------------------

def expm(A):
    return jax.scipy.linalg.expm(jnp.asarray(A))


SYMMETRIC = [
    "linear(widths=[3,2,4])",
    "linear(widths=[4,3,2,5])",
    "linear(widths=[2,4,3,5])",
    "linear(widths=[2,3,2], bias=True)",
    'mlp(widths=[2,3,1], activation="x^3")',
    'mlp(widths=[3,2,1], activation="x^2")',
    'mlp(widths=[2,3,2], activation="x^2", bias=True)',
    'mlp(widths=[2,3,2], activation="2*x + 1", bias=True)',
    'mlp(widths=[2,3,2], activation="x - 1")',
    "lcn(filters=[2,3,2], strides=[2,1,1])",
    'pcnn(filters=[2,2,2], strides=[1,2,1], activation="x^3")',
    "attention(d=2, a=2, t=2, dout=1)",
    "attention(widths=[2,3,1], a=[2,1], t=2)",
]


@pytest.mark.parametrize("spec", SYMMETRIC)
def test_symmetry_flows_preserve_the_function(spec):
    """Flowing along t -> exp(t xi) for the infinitesimal action (an ODE solved by small steps)
    must not change f_theta: this checks the action is a genuine symmetry, not only that
    d mu T = 0 at one point."""
    p = nm.parse(spec).parametrization()
    g = p.symmetry.generators
    assert g > 0
    rng = np.random.default_rng(5)
    theta = jnp.asarray(p.random_params(rng))
    X = p.random_inputs(rng, 8)
    before = p.evaluate(theta, X)
    xi = jnp.asarray(rng.standard_normal(g)) * 0.3
    tangents = jax.jit(p.symmetry_function())
    c = p.constants_array()
    h = 1e-3
    for _ in range(1000):  # RK4 for d theta/dt = T(theta) xi, t in [0, 1]
        k1 = tangents(theta, c) @ xi
        k2 = tangents(theta + h / 2 * k1, c) @ xi
        k3 = tangents(theta + h / 2 * k2, c) @ xi
        k4 = tangents(theta + h * k3, c) @ xi
        theta = theta + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    after = p.evaluate(theta, X)
    assert np.abs(np.asarray(theta) - np.asarray(p.random_params(np.random.default_rng(5)))).max() > 1e-2
    assert np.allclose(before, after, atol=1e-8)


def test_finite_gl_action_on_a_linear_network():
    p = nm.parse("linear(widths=[3,2,4])").parametrization()
    rng = np.random.default_rng(6)
    theta = p.random_params(rng)
    P = p.unflatten(theta)
    G = rng.standard_normal((2, 2)) + 3 * np.eye(2)
    moved = p.flatten({"W1": G @ P["W1"], "W2": P["W2"] @ np.linalg.inv(G)})
    assert np.allclose(p.coefficients(theta), p.coefficients(moved))


def test_symmetry_descriptions():
    assert nm.parse("linear(widths=[4,2,3])").parametrization().symmetry.description == \
        "GL(2) between layers 1 and 2"
    sym = nm.parse('mlp(widths=[2,2,1], activation="x^3")').parametrization().symmetry
    assert sym.dimension == 2 and "rescaling" in sym.description and "permutations" in sym.finite
    assert nm.parse("lcn(filters=[3,2], strides=[2,1])").parametrization().symmetry.dimension == 1
    assert nm.parse('mlp(widths=[2,2,1], activation="x^2 + x")').parametrization().symmetry.dimension == 0


def test_huge_architectures_are_described_without_allocating():
    p = nm.parse("linear(widths=[100000,100000,100000])").parametrization()
    assert p.n_params == 2 * 10**10
    info = p.describe()
    assert info["ambient_dimension"] == 10**10 and not info["coefficient_form"]
    q = nm.parse('mlp(widths=[50,100,1], activation="x^12")').parametrization()
    assert q.ambient_dimension == comb(61, 12)
    with pytest.raises(nm.TooLargeError):
        q.coefficient_function()
