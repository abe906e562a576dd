"""Activations: exact polynomial coefficients, and honest polynomial approximations."""

from fractions import Fraction
from math import factorial

import numpy as np
import pytest

from neuromanifold.activations import parse_activation
from neuromanifold.errors import ActivationError


def test_polynomials_are_read_exactly():
    act = parse_activation("0.1*x^3 - x + 2")
    assert act.coeffs == (Fraction(2), Fraction(-1), Fraction(0), Fraction(1, 10))
    assert act.powers == (0, 1, 3)
    assert not act.is_monomial
    cube = parse_activation("x**3")
    assert cube.is_monomial and cube.degree == 3 and cube.polynomial_text == "x^3"
    assert parse_activation("2x^2").coeffs == (0, 0, 2)


@pytest.mark.parametrize("name,degree,bound", [
    # Taylor remainders bound the best approximation on [-1, 1] from above (up to the
    # 1e-12 rounding of the coefficients and a factor for least squares vs minimax).
    ("sin", 5, 4 / factorial(7)),
    ("exp", 6, 4 * np.e / factorial(7)),
    ("cos", 6, 4 / factorial(8)),
])
def test_approximation_error_is_small_for_analytic_functions(name, degree, bound):
    act = parse_activation(name, degree)
    assert act.is_approximation and act.approximation_degree == degree
    assert act.sup_error < bound
    grid = np.linspace(-1, 1, 1001)
    exact = {"sin": np.sin, "exp": np.exp, "cos": np.cos}[name](grid)
    assert np.max(np.abs(act(grid) - exact)) <= act.sup_error + 1e-12


def test_approximation_error_decreases_with_degree():
    errors = [parse_activation("tanh", k).sup_error for k in (1, 3, 5, 7)]
    assert all(a > b for a, b in zip(errors, errors[1:]))


def test_relu_approximation_reports_its_error():
    act = parse_activation("relu", 2)
    grid = np.linspace(-1, 1, 20001)
    assert abs(np.max(np.abs(act(grid) - np.maximum(grid, 0))) - act.sup_error) < 1e-9
    assert act.sup_error > 0.05  # a parabola cannot follow the kink closely


def test_odd_functions_give_odd_polynomials():
    act = parse_activation("tanh", 5)
    assert all(c == 0 for k, c in enumerate(act.coeffs) if k % 2 == 0)


@pytest.mark.parametrize("text,degree,words", [
    ("tanh", None, ["not a polynomial", "degree="]),
    ("gelu", None, ["not a polynomial"]),
    ("sigmoidd", 3, ["unknown activation", "did you mean 'sigmoid'"]),
    ("x^2 + z", None, ["'z'"]),
    ("1/x", 2, ["not finite"]),
    ("log(x)", 2, ["not finite"]),
    ("x$2", None, ["character '$'"]),
    ("x^2", 3, ["already a polynomial"]),
    ("5", None, ["constant"]),
    ("I*x^2", None, ["non-real"]),
    ("", None, ["non-empty"]),
])
def test_bad_activations(text, degree, words):
    with pytest.raises(ActivationError) as info:
        parse_activation(text, degree)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("text", ["x^2", "x^3 - x", "0.5*x^3 - x", "2x^2+1/3x+1", "x**2 + x",
                                  "-2/4*x^3 + .25 x", "x + x^2 - 3", "7 - x^5"])
def test_plain_polynomials_read_without_sympy_agree_with_sympy(text):
    """The SymPy-free reader of plain sums of terms gives SymPy's coefficients."""
    import sympy

    from neuromanifold.activations import _parse_expression, _plain_polynomial

    expr, x = _parse_expression(text, None, None)
    want = [Fraction(int(c.p), int(c.q)) for c in reversed(sympy.Poly(expr, x).all_coeffs())]
    assert _plain_polynomial(text) == want


@pytest.mark.parametrize("text", ["x^2 x", "x^-1", "tanh", "1/0*x", "2*", "x*(x+1)", "(x)^2"])
def test_other_activation_text_is_left_to_sympy(text):
    from neuromanifold.activations import _plain_polynomial

    assert _plain_polynomial(text) is None


def test_boolean_exponent_is_refused_not_a_crash():
    """Found by the property tests: '0^True' (a SymPy boolean as exponent) is a clear error."""
    with pytest.raises(ActivationError, match="cannot read the activation"):
        parse_activation("0^True")


def test_polynomial_text_is_sympys_printing():
    """The canonical text written without SymPy equals SymPy's sstr (with ^) on random rational
    polynomials: spec strings, and so atlas keys, do not depend on which printer ran."""
    import random

    import sympy

    from neuromanifold.activations import polynomial_text

    x = sympy.Symbol("x")
    rng = random.Random(7)
    for _ in range(2000):
        coeffs = [Fraction(rng.choice([0, 0, 1, -1, 2, -3, 7, rng.randint(-9, 9)]), rng.randint(1, 6))
                  for _ in range(rng.randint(1, 6))]
        expr = sum((sympy.Rational(c.numerator, c.denominator) * x**k for k, c in enumerate(coeffs)),
                   sympy.Integer(0))
        assert polynomial_text(coeffs) == sympy.sstr(expr).replace("**", "^"), coeffs
