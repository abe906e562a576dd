"""Activation functions as exact univariate polynomials.

A polynomial activation is parsed from text (``"x^3"``, ``"x^2 + x"``,
``"0.5*x^3 - x"``) into exact rational coefficients; decimals are read
exactly (0.1 is 1/10).  A non-polynomial activation (``"relu"``, ``"tanh"``,
``"sigmoid"``, ``"gelu"``, ..., or any expression in x such as ``"sin(x)"``)
needs ``degree=k`` and is replaced by its least-squares polynomial
approximation of degree k on [-1, 1] (Weierstrass): a Chebyshev fit at
Chebyshev nodes, converted to the monomial basis and rounded to 12 decimals,
which is then the exact polynomial used everywhere; its sup-norm error on
[-1, 1] is reported.
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from .errors import ActivationError

#: Named non-polynomial activations and their formulas in x (SymPy syntax).
NAMED = {
    "relu": "Max(0, x)",
    "tanh": "tanh(x)",
    "sigmoid": "1/(1 + exp(-x))",
    "gelu": "x*(1 + erf(x/sqrt(2)))/2",
    "softplus": "log(1 + exp(x))",
    "silu": "x/(1 + exp(-x))",
    "swish": "x/(1 + exp(-x))",
    "elu": "Piecewise((x, x >= 0), (exp(x) - 1, True))",
    "leaky_relu": "Max(x/100, x)",
    "exp": "exp(x)",
    "sin": "sin(x)",
    "cos": "cos(x)",
}

ROUND_DECIMALS = 12
#: highest degree of an activation (a polynomial's, or an approximation's ``degree=k``)
MAX_DEGREE = 100
#: longest number (in digits) an activation may hold
MAX_DIGITS = 1000
FIT_NODES = 2000
ERROR_GRID = 20001


@dataclass(frozen=True)
class Activation:
    """A univariate polynomial activation sigma(x) = sum_k coeffs[k] x^k with exact rational coefficients.

    ``source`` is what the user asked for (a polynomial, a name or an
    expression); ``approximation_degree`` and ``sup_error`` are set when
    sigma is the least-squares approximation of a non-polynomial function.
    """

    source: str
    coeffs: tuple  # tuple[Fraction], index = power, trailing zeros removed
    approximation_degree: int | None = None
    sup_error: float | None = None

    @property
    def degree(self) -> int:
        return len(self.coeffs) - 1

    @property
    def is_approximation(self) -> bool:
        return self.approximation_degree is not None

    @property
    def powers(self) -> tuple:
        """Exponents with a nonzero coefficient, ascending."""
        return tuple(k for k, c in enumerate(self.coeffs) if c != 0)

    @property
    def support_coeffs(self) -> tuple:
        """The nonzero coefficients, matching ``powers``."""
        return tuple(self.coeffs[k] for k in self.powers)

    @property
    def is_monomial(self) -> bool:
        """sigma(x) = c x^k: then sigma(t x) = t^k sigma(x), the source of rescaling symmetries."""
        return len(self.powers) == 1 and self.powers[0] >= 1

    @property
    def polynomial_text(self) -> str:
        """The polynomial actually used, e.g. ``x^3/2 - x`` (decimals for approximations)."""
        if self.is_approximation:
            return decimal_text(self.coeffs)
        return polynomial_text(self.coeffs)

    def __call__(self, x):
        out = 0.0
        for k in reversed(range(len(self.coeffs))):
            out = out * x + float(self.coeffs[k])
        return out

    @property
    def approximation_note(self) -> str | None:
        """One sentence saying what replaced a non-polynomial activation, or None."""
        if not self.is_approximation:
            return None
        return (f"{self.source} is replaced by its degree-{self.approximation_degree} least-squares "
                f"approximation on [-1, 1]: {self.polynomial_text} (sup error {self.sup_error:.3g})")

    def describe(self) -> dict:
        info = {"activation": self.source, "polynomial": self.polynomial_text, "degree": self.degree}
        if self.is_approximation:
            info["approximation"] = {
                "of": self.source,
                "degree": self.approximation_degree,
                "interval": [-1, 1],
                "method": "least-squares Chebyshev fit, coefficients rounded to 12 decimals",
                "sup_error": self.sup_error,
            }
        return info


def polynomial_text(coeffs) -> str:
    """Canonical text of sum_k c_k x^k (rational c_k): SymPy's printing with ``^``, written out so
    that reading a spec does not import SymPy.  Highest power first, ``p*x^k/q`` for p/q, except
    that a negative term followed by a positive constant is printed constant first (``1 - x^2``),
    as SymPy does; ``tests/test_activations.py`` checks it against SymPy.

    >>> polynomial_text([Fraction(1), Fraction(0), Fraction(-3, 2)])
    '1 - 3*x^2/2'
    """
    terms = []
    for k in reversed(range(len(coeffs))):
        c = Fraction(coeffs[k])
        if c == 0:
            continue
        a = abs(c)
        if k == 0:
            body = str(a)
        else:
            power = "x" if k == 1 else f"x^{k}"
            body = ("" if a.numerator == 1 else f"{a.numerator}*") + power + \
                ("" if a.denominator == 1 else f"/{a.denominator}")
        terms.append(("-" if c < 0 else "+", body))
    if not terms:
        return "0"
    if len(terms) == 2 and terms[0][0] == "-" and terms[1][0] == "+" and Fraction(coeffs[0]) != 0:
        terms.reverse()
    return ("-" if terms[0][0] == "-" else "") + terms[0][1] + "".join(f" {s} {b}" for s, b in terms[1:])


def decimal_text(coeffs) -> str:
    """``0.97441311611*x - 0.21698324131*x^3`` style text, highest power first."""
    terms = []
    for k in reversed(range(len(coeffs))):
        c = coeffs[k]
        if c == 0:
            continue
        mono = "" if k == 0 else ("x" if k == 1 else f"x^{k}")
        mag = f"{abs(float(c)):.12g}"
        body = mag if not mono else (mono if mag == "1" else f"{mag}*{mono}")
        sign = "-" if c < 0 else "+"
        terms.append((sign, body))
    text = "".join(f" {s} {b}" for s, b in terms).strip()
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


@lru_cache(maxsize=1)
def _namespace() -> dict:
    """What an activation may name: SymPy's elementary functions, some special ones and constants,
    the classes its parser writes, and no Python builtins (so ``input()``, ``exit()`` or
    ``__import__`` are unknown names, not calls)."""
    import sympy
    import sympy.functions

    # elementary functions, and the special ones that stay symbolic at integers (gamma(n), zeta(2n) or
    # the orthogonal polynomials would be computed exactly, however large n is)
    ns = {name: getattr(sympy.functions, name) for name in sympy.functions.__all__
          if getattr(getattr(sympy.functions, name), "__module__", "").startswith(
              "sympy.functions.elementary")}
    names = ("erf", "erfc", "erfi", "Heaviside", "Ei", "li", "Si", "Ci", "Shi", "Chi", "fresnels", "fresnelc",
             "pi", "E", "I", "oo", "zoo", "nan", "Integer", "Float", "Rational", "Symbol", "Function",
             "Add", "Mul", "Pow", "Eq", "Ne", "Lt", "Le", "Gt", "Ge")
    for name in names:
        ns[name] = getattr(sympy, name)
    ns["__builtins__"] = {}
    return ns


def _attribute_access(text: str) -> bool:
    """Whether ``text`` uses ``.name`` (attribute access, not a decimal point)."""
    import io
    import tokenize

    try:
        return any(tok.type == tokenize.OP and tok.string == "."
                   for tok in tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return False


def _check_size(expr, x, text, spec, position) -> None:
    """Refuse, before SymPy evaluates it, an expression whose degree or numbers are too large to
    compute with: exponents and the degree in x at most MAX_DEGREE, numbers below 10^MAX_DIGITS,
    and function arguments (which SymPy may evaluate exactly, e.g. gamma(n)) below 1000."""
    import math

    import sympy
    from sympy.core.function import AppliedUndef

    inf = float("inf")

    def refuse(what):
        raise ActivationError(f"activation {text!r} {what}; use a polynomial of degree <= {MAX_DEGREE} "
                              f"with moderate coefficients, e.g. \"x^3 - x\"", spec, position)

    def walk(e) -> tuple[float, float]:
        """(bound on the degree in x, bound on log10 |e| for a constant)."""
        if e == x:
            return 1.0, 0.0
        if e.is_Rational:
            return 0.0, 0.30103 * (abs(int(e.p)).bit_length() + int(e.q).bit_length())
        if e.is_Atom or not isinstance(e, sympy.Basic):
            return 0.0, 0.0
        parts = [walk(a) for a in e.args]
        if e.is_Pow:
            (db, mb), (de, _) = parts
            if de > 0:
                return inf, 0.0                     # x^x: not a polynomial
            try:
                v = abs(complex(e.exp.evalf(30)))
            except (TypeError, ValueError, ArithmeticError, AttributeError):   # e.g. 0^True
                return inf, 0.0
            if not math.isfinite(v) or v > MAX_DEGREE:
                refuse(f"has the exponent {e.exp}, above {MAX_DEGREE}")
            deg, mag = db * v, mb * v
        elif e.is_Add:
            deg, mag = max(d for d, _ in parts), max(m for _, m in parts) + math.log10(len(parts))
        elif e.is_Mul:
            deg, mag = sum(d for d, _ in parts), sum(m for _, m in parts)
        else:                                       # a function (or anything else) of its arguments
            known = isinstance(e, sympy.Function) and not isinstance(e, AppliedUndef)
            if known and any(d == 0 and m > 3 for d, m in parts):
                refuse(f"applies {e.func} to a number above 1000")
            deg, mag = (inf if any(d > 0 for d, _ in parts) else 0.0), 0.0
        if math.isfinite(deg) and deg > MAX_DEGREE:
            refuse(f"has degree above {MAX_DEGREE}")
        if mag > MAX_DIGITS:
            refuse(f"has a number with more than {MAX_DIGITS} digits")
        return deg, mag

    walk(expr)


def _parse_expression(text: str, spec: str | None, position: int | None, trusted: bool = False):
    """``text`` as a SymPy expression in x (``trusted``: one of the NAMED formulas)."""
    import sympy
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication,
        parse_expr,
        rationalize,
        standard_transformations,
    )

    x = sympy.Symbol("x")
    transformations = standard_transformations + (implicit_multiplication, convert_xor, rationalize)
    if not trusted:
        if not re.fullmatch(r"[0-9A-Za-z_+\-*/^().,\s]*", text):
            bad = next(ch for ch in text if not re.fullmatch(r"[0-9A-Za-z_+\-*/^().,\s]", ch))
            raise ActivationError(
                f"activation {text!r} contains the character {bad!r}; write a polynomial in x such as "
                f"\"x^3 - x\" or a name such as \"tanh\"", spec, position)
        if _attribute_access(text):
            raise ActivationError(
                f"activation {text!r} uses attribute access (a '.' after a name); write a polynomial in x "
                f"such as \"0.5*x^3 - x\" or a function such as \"tanh(x)\"", spec, position)
    cannot = (f"cannot read the activation {text!r}{{}}; write a polynomial in x such as \"x^2 + x\" or "
              f"\"0.5*x^3 - x\", or a name such as \"tanh\" with degree=k")
    expr = None
    for evaluate in (False, True):  # unevaluated first: the size check runs before SymPy computes
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")     # SymPy deprecation notes on unevaluated forms
                expr = parse_expr(text, local_dict={"x": x}, global_dict=dict(_namespace()),
                                  transformations=transformations, evaluate=evaluate)
        except Exception as exc:  # SymPy raises many types for bad text
            raise ActivationError(cannot.format(f" ({type(exc).__name__})"), spec, position) from None
        if not isinstance(expr, sympy.Expr):
            raise ActivationError(cannot.format(f" (it is {type(expr).__name__}, not a formula)"), spec,
                                  position)
        if not evaluate:
            _check_size(expr, x, text, spec, position)
    return expr, x


def _check_polynomial(text, coeffs, degree, spec, position) -> None:
    if len(coeffs) < 2:
        raise ActivationError(
            f"activation {text!r} is constant; a network needs an activation of degree >= 1, "
            f"e.g. \"x^2\"", spec, position)
    if degree is not None:
        raise ActivationError(
            f"activation {text!r} is already a polynomial; drop degree={degree} (it is only for "
            f"approximating non-polynomial activations such as \"tanh\")", spec, position)


def _unknown_name_message(text: str) -> str:
    close = difflib.get_close_matches(text.lower(), list(NAMED), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return (f"unknown activation {text!r}: {hint}use a polynomial in x such as \"x^3\", or one of "
            f"{', '.join(sorted(NAMED))} with degree=k")


_TERM = re.compile(r"\s*([+-])\s*(?:(\d+(?:\.\d*)?|\.\d+)(?:\s*/\s*(\d+))?\s*(\*)?\s*)?"
                   r"(x(?:\s*(?:\^|\*\*)\s*(\d+))?)?\s*")


def _plain_polynomial(text: str) -> list[Fraction] | None:
    """Coefficients of a plain sum of terms "c*x^k" (c an integer, decimal or fraction), read without
    SymPy (whose import costs most of a second); None for anything else."""
    text = text if text.lstrip().startswith(("+", "-")) else "+" + text
    coeffs: dict[int, Fraction] = {}
    pos = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None or m.end() == pos:
            return None
        sign, num, den, star, var, power = m.groups()
        if num is None and var is None or (star and var is None):
            return None
        c = Fraction(num) if num is not None else Fraction(1)
        if den is not None:
            if int(den) == 0:
                return None
            c /= int(den)
        k = (int(power) if power is not None else 1) if var is not None else 0
        if k > MAX_DEGREE:
            return None                             # refused, with its reason, by _check_size
        coeffs[k] = coeffs.get(k, Fraction(0)) + (-c if sign == "-" else c)
        pos = m.end()
    if not coeffs:
        return None
    return [coeffs.get(k, Fraction(0)) for k in range(max(coeffs) + 1)]


@lru_cache(maxsize=256)
def parse_activation(text: str, degree: int | None = None, spec: str | None = None,
                     position: int | None = None) -> Activation:
    """Read an activation: an exact polynomial, or (with ``degree``) a polynomial approximation."""
    if not isinstance(text, str) or not text.strip():
        raise ActivationError("activation must be a non-empty string such as \"x^2\"", spec, position)
    text = text.strip()
    if degree is not None and (isinstance(degree, bool) or not isinstance(degree, int) or degree < 1):
        raise ActivationError(f"degree must be a positive integer, got {degree!r}", spec, position)
    if degree is not None and degree > MAX_DEGREE:
        raise ActivationError(f"degree must be at most {MAX_DEGREE}, got {degree}; approximations of higher "
                              f"degree are not meaningful in the monomial basis, e.g. degree=3", spec,
                              position)
    long = re.search(rf"\d{{{MAX_DIGITS + 1},}}", text)
    exponent = re.search(r"(?<=[\d.])[eE][+-]?(\d+)", text)
    if long or (exponent and int(exponent.group(1)) > MAX_DIGITS):
        raise ActivationError(f"activation {text[:40]!r}... has a number with more than {MAX_DIGITS} digits; "
                              f"use moderate coefficients, e.g. \"0.5*x^3 - x\"", spec, position)
    key = text.lower()
    plain = _plain_polynomial(text) if key not in NAMED else None
    if plain is not None:
        while len(plain) > 1 and plain[-1] == 0:
            plain.pop()
        _check_polynomial(text, plain, degree, spec, position)
        return Activation(source=polynomial_text(plain), coeffs=tuple(plain))
    import sympy

    if key in NAMED:
        formula = NAMED[key]
        expr, x = _parse_expression(formula, spec, position, trusted=True)
        name = key
    else:
        expr, x = _parse_expression(text, spec, position)
        name = None
    from sympy.core.function import AppliedUndef

    undefined = sorted(str(f.func) for f in expr.atoms(AppliedUndef))
    if undefined:
        raise ActivationError(_unknown_name_message(undefined[0]), spec, position)
    free = expr.free_symbols - {x}
    if free:
        sym = sorted(str(s) for s in free)[0]
        if re.fullmatch(r"[A-Za-z_]\w*", text):
            raise ActivationError(_unknown_name_message(text), spec, position)
        raise ActivationError(
            f"activation {text!r} uses {sym!r}, which is neither the variable x nor a known function; "
            f"an activation is a function of x alone, e.g. \"x^2 + x\" or \"tanh(x)\"", spec, position)
    if expr.has(sympy.I) or any(not a.is_real for a in expr.atoms(sympy.Number)):
        raise ActivationError(f"activation {text!r} has non-real coefficients; use real numbers", spec,
                              position)
    if name is None and expr.is_polynomial(x):
        poly = sympy.Poly(expr, x)
        if poly.degree() > MAX_DEGREE:
            raise ActivationError(f"activation {text!r} has degree {poly.degree()}, above {MAX_DEGREE}; use "
                                  f"a polynomial of lower degree, e.g. \"x^3 - x\"", spec, position)
        for c in poly.all_coeffs():
            if not c.is_Rational:
                if c.is_finite and c.is_extended_real:
                    raise ActivationError(
                        f"activation {text!r} has the coefficient {c}, which is not a rational number; "
                        f"write it as a decimal, e.g. {float(c):.6g} for {c}", spec, position)
                raise ActivationError(f"activation {text!r} has the coefficient {c}, which is not a finite "
                                      f"real number; use real numbers such as 0.5", spec, position)
        coeffs = [Fraction(int(c.p), int(c.q)) for c in reversed(poly.all_coeffs())]
        while len(coeffs) > 1 and coeffs[-1] == 0:
            coeffs.pop()
        _check_polynomial(text, coeffs, degree, spec, position)
        return Activation(source=polynomial_text(coeffs), coeffs=tuple(coeffs))
    # Not a polynomial: needs an approximation degree.
    label = name or sympy.sstr(expr).replace("**", "^")
    if degree is None:
        raise ActivationError(
            f"activation {label!r} is not a polynomial; add degree=k to use its least-squares "
            f"polynomial approximation of degree k on [-1, 1], e.g. activation=\"{label}\", degree=3",
            spec, position)
    return _approximate(label, expr, x, degree, spec, position)


def _approximate(label, expr, x, degree, spec, position) -> Activation:
    import sympy
    from numpy.polynomial import chebyshev as C

    fn = sympy.lambdify(x, expr, modules=["numpy", "scipy"])
    nodes = np.cos(np.pi * (np.arange(FIT_NODES) + 0.5) / FIT_NODES)
    with np.errstate(all="ignore"):
        values = np.asarray(fn(nodes), dtype=float) * np.ones_like(nodes)
    if not np.all(np.isfinite(values)):
        raise ActivationError(f"activation {label!r} is not finite (or not real) on [-1, 1], so it has no "
                              f"polynomial approximation there; use a function defined on [-1, 1], e.g. "
                              f"activation=\"tanh\", degree={degree}",
                              spec, position)
    cheb = C.chebfit(nodes, values, degree)
    power = C.cheb2poly(cheb)
    coeffs = [Fraction(repr(round(float(c), ROUND_DECIMALS))) for c in power]
    while len(coeffs) > 1 and coeffs[-1] == 0:
        coeffs.pop()
    if len(coeffs) < 2:
        raise ActivationError(
            f"the degree-{degree} approximation of {label!r} on [-1, 1] is constant; use a larger degree",
            spec, position)
    grid = np.linspace(-1.0, 1.0, ERROR_GRID)
    with np.errstate(all="ignore"):
        exact = np.asarray(fn(grid), dtype=float) * np.ones_like(grid)
    approx = np.polynomial.polynomial.polyval(grid, [float(c) for c in coeffs])
    if not np.all(np.isfinite(exact)):
        raise ActivationError(f"activation {label!r} is not finite (or not real) on [-1, 1], so it has no "
                              f"polynomial approximation there; use a function defined on [-1, 1], e.g. "
                              f"activation=\"tanh\", degree={degree}",
                              spec, position)
    err = float(np.max(np.abs(exact - approx)))
    return Activation(source=label, coeffs=tuple(coeffs), approximation_degree=degree, sup_error=err)
