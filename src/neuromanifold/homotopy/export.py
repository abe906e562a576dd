"""Write a system F(z; p) at fixed p as expanded polynomials for other solvers.

The JAX function is run on :class:`SparsePolynomial` elements (dicts from
exponent tuples to complex coefficients) by the object-array interpreter, so
the text is the system the tracker solves, term by term (float coefficients
printed with 17 significant digits).  Formats: PHCpack's input file
(``phc -b``) and a Macaulay2 list over ``CC``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backends.objects import expand as expand_objects
from ..errors import NeuromanifoldError
from .system import System, as_system


@dataclass(frozen=True)
class SparsePolynomial:
    """A polynomial in n variables with complex coefficients: {exponents: coefficient}."""

    terms: dict
    n: int

    @classmethod
    def constant(cls, c: complex, n: int) -> SparsePolynomial:
        c = complex(c)
        return cls({(0,) * n: c} if c != 0 else {}, n)

    @classmethod
    def variable(cls, i: int, n: int) -> SparsePolynomial:
        e = [0] * n
        e[i] = 1
        return cls({tuple(e): 1.0 + 0j}, n)

    def _lift(self, other) -> SparsePolynomial:
        return other if isinstance(other, SparsePolynomial) else SparsePolynomial.constant(other, self.n)

    def __add__(self, other):
        other = self._lift(other)
        out = dict(self.terms)
        for e, c in other.terms.items():
            out[e] = out.get(e, 0j) + c
        return SparsePolynomial({e: c for e, c in out.items() if c != 0}, self.n)

    __radd__ = __add__

    def __neg__(self):
        return SparsePolynomial({e: -c for e, c in self.terms.items()}, self.n)

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __mul__(self, other):
        other = self._lift(other)
        out: dict = {}
        for e1, c1 in self.terms.items():
            for e2, c2 in other.terms.items():
                e = tuple(a + b for a, b in zip(e1, e2))
                out[e] = out.get(e, 0j) + c1 * c2
        return SparsePolynomial({e: c for e, c in out.items() if c != 0}, self.n)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, SparsePolynomial):
            if set(other.terms) - {(0,) * self.n}:
                raise NeuromanifoldError("division by a non-constant polynomial")
            other = other.terms.get((0,) * self.n, 0j)
        return SparsePolynomial({e: c / complex(other) for e, c in self.terms.items()}, self.n)

    @property
    def degree(self) -> int:
        return max((sum(e) for e in self.terms), default=0)

    def __call__(self, z) -> complex:
        return sum(c * np.prod([complex(zi) ** k for zi, k in zip(z, e)]) for e, c in self.terms.items())

    def text(self, names: list[str], imaginary: str, power: str = "^") -> str:
        """The polynomial as a sum of terms (coefficient)*x^k*... ."""
        if not self.terms:
            return "0"
        parts = []
        for e, c in sorted(self.terms.items(), reverse=True):
            mono = "*".join(f"{names[i]}{power}{k}" if k > 1 else names[i] for i, k in enumerate(e) if k)
            coef = f"({c.real:+.17g}{c.imag:+.17g}*{imaginary})"
            parts.append(f"{coef}*{mono}" if mono else coef)
        return " + ".join(parts)


def expand(F, p=None, n: int | None = None, m: int | None = None) -> list[SparsePolynomial]:
    """The polynomials F(z; p) in z at the parameter value p, expanded."""
    system: System = as_system(F, n, m)
    p = np.zeros(system.m, complex) if p is None else np.asarray(p, complex).reshape(system.m)
    out = expand_objects(lambda z: system.value(z, p), [np.zeros(system.n, np.complex128)],
                         [SparsePolynomial.variable(i, system.n) for i in range(system.n)],
                         lambda v: SparsePolynomial.constant(v, system.n))
    return [q if isinstance(q, SparsePolynomial) else SparsePolynomial.constant(q, system.n) for q in out]


def variable_names(n: int, prefix: str = "z") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def phc_input(polys: list[SparsePolynomial], names: list[str] | None = None) -> str:
    """PHCpack's input format: the number of equations, then each polynomial ended by ';'."""
    names = names or variable_names(polys[0].n)
    return f"{len(polys)}\n" + "\n".join(q.text(names, "i") + ";" for q in polys) + "\n"


def m2_list(polys: list[SparsePolynomial], names: list[str] | None = None) -> str:
    """A Macaulay2 list of the polynomials (for a ring CC[names]); ii is the imaginary unit."""
    names = names or variable_names(polys[0].n)
    return "{" + ",\n".join(q.text(names, "ii") for q in polys) + "}"
