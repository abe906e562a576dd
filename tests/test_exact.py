"""Exact arithmetic over F_p: BLAS products and eliminations against Python integers and
FLINT, and exact Jacobians against SymPy's symbolic derivatives."""

from fractions import Fraction

import flint
import jax.numpy as jnp
import numpy as np
import pytest
import sympy

import neuromanifold as nm
from neuromanifold.backends import exact_rank, modular
from neuromanifold.backends import jacobians as jb
from neuromanifold.backends import primefield as pf
from neuromanifold.errors import NotPolynomialError

PRIMES = [pf.P21, pf.P26, 101]


def bigint_matmul(A, B, p):
    return (np.asarray(A, dtype=object) @ np.asarray(B, dtype=object)) % p


@pytest.mark.parametrize("p", PRIMES)
@pytest.mark.parametrize("K", [1, 7, 300, 9000, 20000])
def test_matmul_is_exact(p, K):
    rng = np.random.default_rng(K)
    A = pf.random_residues(rng, (5, K), p)
    B = pf.random_residues(rng, (K, 4), p)
    got = pf.to_int(pf.matmul(A, B, p), p)
    want = bigint_matmul(pf.to_int(A, p), pf.to_int(B, p), p)
    assert np.array_equal(got, want.astype(np.int64))


def test_residues_of_rationals_and_floats():
    p = 101
    assert pf.residue(Fraction(1, 2), p) == 51 - 101  # 2 * 51 = 102 = 1 mod 101, symmetric
    assert pf.residues(np.array([0.5, 3.0, -1.0]), p).tolist() == [-50.0, 3.0, -1.0]
    with pytest.raises(nm.NeuromanifoldError):
        pf.residue(Fraction(1, 101), p)


def structured(rng, m, n, r, p, kind):
    A = (rng.integers(0, p, (m, r)).astype(object) @ rng.integers(0, p, (r, n)).astype(object)) % p
    A = A.astype(np.int64)
    if kind == "zero-columns":
        A[:, ::3] = 0
    elif kind == "zero-rows":
        A[: m // 2] = 0
    elif kind == "sparse":
        A = A * (rng.random(A.shape) < 0.05)
    elif kind == "repeated":
        A[1::2] = A[0::2][: len(A[1::2])]
    return A


KINDS = ["dense", "zero-columns", "zero-rows", "sparse", "repeated"]


@pytest.mark.parametrize("p", [pf.P21, pf.P26])
@pytest.mark.parametrize("kind", KINDS)
def test_blas_elimination_agrees_with_flint(p, kind):
    rng = np.random.default_rng(KINDS.index(kind))
    for _ in range(12):
        m, n = rng.integers(1, 160, 2)
        r = int(rng.integers(0, min(m, n) + 1))
        A = structured(rng, m, n, max(r, 1), p, kind)
        truth = flint.nmod_mat(A.tolist(), p).rank()
        assert exact_rank.rank(A, p, method="blas") == truth
        assert exact_rank.rank(A, p, method="flint") == truth
        rank, rows = exact_rank.independent_rows(A, p)
        assert rank == truth == len(rows)
        assert flint.nmod_mat(A[rows].tolist(), p).rank() == truth


@pytest.mark.slow
def test_blas_elimination_on_a_large_low_rank_matrix():
    p = pf.P21
    rng = np.random.default_rng(7)
    L = pf.random_residues(rng, (900, 700), p)
    R = pf.random_residues(rng, (700, 1100), p)
    A = pf.matmul(L, R, p)
    assert exact_rank.rank(A, p, method="blas") == 700 == exact_rank.rank(A, p, method="flint")


def sympy_jacobian(spec, theta, X):
    """Exact rational Jacobian of theta -> (f_theta(x_j))_j from the SymPy expansion of the
    network written out by hand (independent of the package's forward passes)."""
    arch = nm.parse(spec)
    n, w = arch.widths[0], arch.widths[1]
    t = sympy.symbols(f"t0:{w * n + w}")
    xs = sympy.symbols(f"x0:{n}")
    coeffs = arch.activation.coeffs
    sigma = lambda z: sum(sympy.Rational(c.numerator, c.denominator) * z**k for k, c in enumerate(coeffs))
    f = sum(t[w * n + i] * sigma(sum(t[i * n + j] * xs[j] for j in range(n))) for i in range(w))
    rows = []
    for x in X:
        subs = dict(zip(xs, [sympy.Integer(int(v)) for v in x]))
        subs.update(dict(zip(t, [sympy.Integer(int(v)) for v in theta])))
        rows.append([sympy.diff(f, ti).subs(subs) for ti in t])
    return rows


@pytest.mark.parametrize("spec", ['mlp(widths=[2,2,1], activation="x^3/2 - x")',
                                  'mlp(widths=[3,2,1], activation="x^2 + 2/3*x")'])
def test_exact_jacobian_matches_sympy(spec):
    p = pf.P26
    param = nm.parse(spec).parametrization()
    rng = np.random.default_rng(8)
    theta = rng.integers(-5, 6, param.n_params)
    X = rng.integers(-4, 5, (3, param.n_vars))
    J = jb.exact_jacobian(param, theta.astype(float), X.astype(float), p)
    truth = sympy_jacobian(spec, theta, X)
    for row, true_row in zip(J, truth):
        for got, want in zip(row, true_row):
            assert int(got) % p == int(want.p * pow(int(want.q), -1, p)) % p


def test_compiled_and_eager_evaluation_agree():
    param = nm.parse("attention(widths=[2,3,1], a=[2,2], t=2)").parametrization()
    p = pf.P21
    rng = np.random.default_rng(9)
    theta = pf.random_residues(rng, param.n_params, p)
    X = pf.random_residues(rng, (5, param.n_vars), p)
    c = jb.constants_mod_p(param, p)
    args = (jnp.zeros(param.n_params), jnp.zeros((5, param.n_vars)), jnp.zeros(len(c)))
    eager = modular.ModularFunction(param.jacobian_function(), *args, compiled=False)
    compiled = modular.ModularFunction(param.jacobian_function(), *args, compiled=True)
    assert np.array_equal(pf.to_int(eager(theta, X, c, p=p), p), pf.to_int(compiled(theta, X, c, p=p), p))


def test_exact_jacobian_reduces_the_float_one_at_small_integers():
    """At small integer points the float Jacobian is an exact integer matrix: its reduction
    mod p must equal the modular computation."""
    param = nm.parse("pcnn(filters=[2,2], strides=[1,1], activation=\"x^3\")").parametrization()
    p = pf.P26
    rng = np.random.default_rng(10)
    theta = rng.integers(-3, 4, param.n_params).astype(float)
    X = rng.integers(-3, 4, (4, param.n_vars)).astype(float)
    J_float = np.asarray(param.jacobian(theta, X))
    assert np.all(np.abs(J_float) < 2**50) and np.array_equal(J_float, np.rint(J_float))
    J_exact = jb.exact_jacobian(param, theta, X, p)
    assert np.array_equal(np.mod(J_float.astype(np.int64), p), pf.to_int(J_exact, p))


def test_non_polynomial_operations_are_refused():
    def f(x):
        return jnp.tanh(x) * 2.0

    fn = modular.ModularFunction(f, jnp.zeros(3))
    with pytest.raises(NotPolynomialError, match="tanh"):
        fn(np.ones(3), p=101)

    def g(x):
        return jnp.maximum(x, 0.0)

    with pytest.raises(NotPolynomialError):
        modular.ModularFunction(g, jnp.zeros(3))(np.ones(3), p=101)


def test_rational_constants_are_exact():
    def f(x):
        return 0.5 * x * x + x / 4.0

    fn = modular.ModularFunction(f, jnp.zeros(2))
    p = 101
    got = pf.to_int(fn(np.array([3.0, 5.0]), p=p), p)
    want = [(Fraction(9, 2) + Fraction(3, 4)), (Fraction(25, 2) + Fraction(5, 4))]
    assert got.tolist() == [w.numerator * pow(w.denominator, -1, p) % p for w in want]
