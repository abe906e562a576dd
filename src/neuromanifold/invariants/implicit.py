"""Implicit equations of the neuromanifold up to a degree bound, by exact linear algebra over F_p.

The polynomials of degree <= b in the coordinates c_1..c_D of V that vanish on M form the kernel
of the evaluation matrix E[s, alpha] = c(theta_s)^alpha over sample points c(theta_s) of M.  With
theta_s uniform in F_p^N, a polynomial g of degree <= b not in the ideal of M vanishes at one sample
with probability <= b * deg(mu) / p (Schwartz--Zippel applied to g o mu), so with more samples than
monomials the kernel over F_p is exactly I(M)_{<=b} mod p except with probability about
monomials * b * deg(mu) / p.  Points of M mod p come from the forward pass (f_theta at integer
points X, run over F_p) and c = P^-1 z with P the Veronese matrix of X.  The basis is the reduced
row echelon form of the kernel; residues are lifted to the symmetric range and each lifted
polynomial (rational reconstruction, then cleared denominators) is checked to vanish at random real points of M in floating point (then it holds
over Q, not only mod p, with high probability).  Degrees are treated one at a time: ``new`` counts
the equations of degree d that are not multiples of lower-degree ones (by the dimension of the
space those multiples span at the samples).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from math import comb, gcd, isqrt

import jax
import numpy as np
from flint import nmod_mat

from ..architectures import parse
from ..backends import primefield as pf
from ..backends.jacobians import constants_mod_p
from ..backends.modular import ModularFunction
from ..errors import NeuromanifoldError, TooLargeError
from ..monomials import exponents as monomial_exponents
from ..results import Result

#: Refuse (unless forced) evaluation matrices with more monomials than this.
MAX_MONOMIALS = 3000


@dataclass
class ImplicitEquationsResult(Result):
    degree_bound: int = 0
    ambient_dimension: int = 0
    coordinates: list = field(default_factory=list)      # names of c_1..c_D: "output: monomial"
    equations: list = field(default_factory=list)        # strings, lifted to integers
    by_degree: dict = field(default_factory=dict)        # d -> {"vanishing": dim I_<=d, "new": ...}
    verified_real: bool = False                           # every lifted equation vanishes on real points
    prime: int = 0

    def polynomials(self) -> list[dict]:
        """The equations as {exponent tuple: integer coefficient} (exponents over c_1..c_D)."""
        return [dict(p) for p in self._terms]

    _terms: list = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        d = super().to_dict()
        d.pop("_terms", None)
        return d


def coordinate_names(param) -> list[str]:
    labels = param.basis.labels()
    if param.n_outputs == 1:
        return labels
    return [f"{o + 1}:{m}" for o in range(param.n_outputs) for m in labels]


def _points_mod_p(param, count: int, p: int, rng: np.random.Generator) -> np.ndarray:
    """count random points of M over F_p: coefficient vectors (count, D)."""
    nb = len(param.basis)
    for _ in range(8):
        X = pf.random_residues(rng, (nb, param.n_vars), p)
        P = _veronese_mod_p(param, X, p)
        try:
            Pinv = pf.inverse_matrix(P, p)
        except NeuromanifoldError:   # singular mod p: other points
            continue
        break
    else:
        raise NeuromanifoldError("no invertible evaluation matrix mod p found; try another seed")
    fn = ModularFunction(jax.vmap(jax.vmap(param.f, in_axes=(None, 0, None)), in_axes=(0, None, None)),
                         np.zeros((count, param.n_params)), np.zeros((nb, param.n_vars)),
                         np.zeros(len(param.constants)))
    theta = pf.random_residues(rng, (count, param.n_params), p)
    Z = np.asarray(fn(theta, X, constants_mod_p(param, p), p=p))        # (count, nb, outputs)
    C = pf.matmul(np.swapaxes(Z, 1, 2), Pinv.T, p)                       # (count, outputs, nb)
    return C.reshape(count, -1)


def _veronese_mod_p(param, X: np.ndarray, p: int) -> np.ndarray:
    E = param.basis.exponents()
    out = np.ones((len(X), len(E)))
    for j in range(E.shape[1]):
        for k in range(1, int(E[:, j].max()) + 1):
            mask = E[:, j] >= k
            out[:, mask] = pf.reduce(out[:, mask] * X[:, j:j + 1], p)
    return out


def _monomials_mod_p(C: np.ndarray, exps: np.ndarray, p: int) -> np.ndarray:
    """C^alpha for each row of C and each exponent row alpha, mod p."""
    out = np.ones((len(C), len(exps)))
    for j in range(exps.shape[1]):
        top = int(exps[:, j].max())
        power = np.ones(len(C))
        for k in range(1, top + 1):
            power = pf.reduce(power * C[:, j], p)
            mask = exps[:, j] == k
            out[:, mask] = pf.reduce(out[:, mask] * power[:, None], p)
    return out


def _exponents_up_to(D: int, degrees: list[int]) -> np.ndarray:
    return np.concatenate([monomial_exponents(D, d) for d in degrees], axis=0)


def _nullspace(E: np.ndarray, p: int) -> np.ndarray:
    """Basis of {v : E v = 0} over F_p as rows (reduced echelon form), symmetric residues."""
    M = nmod_mat(pf.to_int(E, p).tolist(), p)
    X, nullity = M.nullspace()
    if nullity == 0:
        return np.zeros((0, E.shape[1]))
    K = np.array([[int(X[i, j]) for j in range(nullity)] for i in range(E.shape[1])], dtype=np.int64).T
    R = nmod_mat(K.tolist(), p).rref()[0]
    rows = np.array([[int(R[i, j]) for j in range(E.shape[1])] for i in range(nullity)], dtype=np.int64)
    return np.where(rows > p // 2, rows - p, rows)


def _rational(a: int, p: int) -> Fraction | None:
    """r/s = a mod p with |r|, s <= sqrt(p/2) (Wang's rational reconstruction), or None."""
    bound = isqrt(p // 2)
    r0, r1, s0, s1 = p, a % p, 0, 1
    while r1 > bound:
        q = r0 // r1
        r0, r1, s0, s1 = r1, r0 - q * r1, s1, s0 - q * s1
    if s1 == 0 or abs(s1) > bound or gcd(r1, abs(s1)) != 1:
        return None
    return Fraction(r1, s1)


def _integer_row(row: np.ndarray, p: int) -> np.ndarray | None:
    """The echelon row (leading 1) as primitive integers, by rational reconstruction."""
    fr = [_rational(int(a), p) for a in row]
    if any(f is None for f in fr):
        return None
    den = 1
    for f in fr:
        den = den * f.denominator // gcd(den, f.denominator)
    ints = [int(f * den) for f in fr]
    g = 0
    for v in ints:
        g = gcd(g, abs(v))
    return np.array([v // max(g, 1) for v in ints], dtype=object)


def _rank_mod_p(A: np.ndarray, p: int) -> int:
    return 0 if A.size == 0 else int(nmod_mat(pf.to_int(A, p).tolist(), p).rank())


def _format(coeffs: np.ndarray, exps: np.ndarray, names: list[str]) -> str:
    terms = []
    for a, e in zip(coeffs, exps):
        if a == 0:
            continue
        mono = "*".join(f"c{j + 1}" + (f"^{k}" if k > 1 else "") for j, k in enumerate(e) if k)
        mono = mono or "1"
        sign = "-" if a < 0 else "+"
        mag = abs(int(a))
        body = mono if mag == 1 and mono != "1" else (f"{mag}" if mono == "1" else f"{mag}*{mono}")
        terms.append((sign, body))
    if not terms:
        return "0"
    first = ("-" if terms[0][0] == "-" else "") + terms[0][1]
    return first + "".join(f" {s} {b}" for s, b in terms[1:])


def implicit_equations(arch, degree_bound: int = 2, *, seed: int = 0, prime: int | None = None,
                       force: bool = False) -> ImplicitEquationsResult:
    """Polynomials of degree <= ``degree_bound`` vanishing on M, in the coordinates c_1..c_D of V in
    the order of DESIGN.md (exact linear algebra over F_p; the module docstring gives the method and
    its error probability).

    Parameters
    ----------
    arch : spec string or Architecture
    degree_bound : the largest degree; seed; prime : the prime (default 2^26 - 5); force

    Returns
    -------
    ImplicitEquationsResult : ``value`` (the number of independent equations), ``by_degree``,
    ``polynomials()``.

    Example
    -------
    >>> implicit_equations("linear(widths=[2,1,2])", 2).value     # the 2 x 2 determinant
    1
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    if not isinstance(degree_bound, int) or degree_bound < 1:
        raise NeuromanifoldError(f"degree bound {degree_bound!r}: give an integer >= 1, e.g. 3")
    param = arch.parametrization()
    D = param.ambient_dimension
    p = pf.check_prime(prime) if prime is not None else pf.P26
    # a cone (homogeneous architecture, no constant term) has a homogeneous ideal
    cone = param.cone
    # counted before they are listed: C(D+d-1, d) forms of degree d, C(D+d, d) of degree <= d; the
    # degrees 1..bound together list C(D+bound, bound) - 1 (cone) or C(D+bound+1, bound) - 1, and at
    # least one monomial each
    huge = degree_bound > 10 * MAX_MONOMIALS
    if huge:
        count, total = None, degree_bound
    else:
        count = comb(D + degree_bound - 1, degree_bound) if cone else comb(D + degree_bound, degree_bound)
        total = comb(D + degree_bound + (0 if cone else 1), degree_bound) - 1
    if (huge or count > MAX_MONOMIALS or total > 10 * MAX_MONOMIALS) and not force:
        largest = "more monomials than can be listed" if huge else f"{count:,} monomials"
        raise TooLargeError(f"degree <= {degree_bound} in {D} coordinates gives {largest} "
                            f"({'at least ' * huge}{total:,} over the degrees 1..{degree_bound}; the limits "
                            f"are {MAX_MONOMIALS:,} and {10 * MAX_MONOMIALS:,}); lower the degree bound or pass "
                            f"force=True (--force)",
                            {"monomials": count, "total": total})
    degrees = list(range(0 if not cone else 1, degree_bound + 1))
    exps = _exponents_up_to(D, degrees if not cone else [degree_bound])
    rng = np.random.default_rng([seed, 131])
    samples = len(exps) + 20
    C = _points_mod_p(param, samples, p, rng)
    names = coordinate_names(param)
    by_degree, equations, terms = {}, [], []
    lower_coeffs: list[np.ndarray] = []     # the equations found so far: coefficients and exponents
    kept_exps = []
    for d in range(1, degree_bound + 1):
        ex = monomial_exponents(D, d) if cone else _exponents_up_to(D, list(range(d + 1)))
        E = _monomials_mod_p(C, ex, p)
        K = _nullspace(E, p)
        # multiples of lower-degree equations by monomials, evaluated at the samples: their span
        # has dimension = the part of I_d they generate (its rank as functions on ex)
        mult = []
        index = {tuple(r): i for i, r in enumerate(ex)}
        for e_low, a_low in zip(kept_exps, lower_coeffs):
            dl = int(e_low.sum(axis=1).max())
            shifts = monomial_exponents(D, d - dl) if cone else _exponents_up_to(D, list(range(d - dl + 1)))
            for s in shifts:
                vec = np.zeros(len(ex), dtype=np.int64)
                for a, e in zip(a_low, e_low):
                    if a:
                        vec[index[tuple(e + s)]] += int(a)
                mult.append(vec)
        generated = _rank_mod_p(np.array(mult), p) if mult else 0
        new = len(K) - generated
        by_degree[d] = {"vanishing": len(K), "new": int(new), "monomials": len(ex)}
        if new > 0:
            # keep the echelon rows not in the span of the multiples
            chosen = []
            base = np.array(mult, dtype=np.int64) if mult else np.zeros((0, len(ex)), np.int64)
            rank = generated
            for row in K:
                trial = np.vstack([base, row[None]]) if len(base) else row[None]
                r = _rank_mod_p(trial, p)
                if r > rank:
                    base, rank = trial, r
                    chosen.append(row)
            for row in chosen:
                nz = np.flatnonzero(row)
                kept_exps.append(ex[nz])
                lower_coeffs.append(row[nz])
                lifted = _integer_row(row, p)
                out = lifted if lifted is not None else row
                equations.append(_format(out[nz], ex[nz], names))
                terms.append({tuple(int(v) for v in ex[i]): int(out[i]) for i in nz})
    verified = _vanish_on_real_points(param, terms, rng) if terms else True
    notes = [f"coordinates c1..c{D} of V in DESIGN order: " + ", ".join(f"c{i + 1} = {n}" for i, n in
                                                                       enumerate(names[:12]))
             + (" ..." if D > 12 else "")]
    if terms and not verified:
        notes.append("an equation lifted from F_p to the integers does not vanish on real points of M: it "
                     "holds mod p only (coefficients are not small integers); the counts still hold mod p")
    return ImplicitEquationsResult(
        spec=str(arch), invariant="implicit_equations", value=len(equations), certified=False,
        method=f"kernel of the evaluation matrix of monomials at {samples} random points of M over F_{p} "
               f"(Schwartz-Zippel), equations not generated by lower-degree ones",
        seconds=time.perf_counter() - t0, seed=seed, degree_bound=degree_bound, ambient_dimension=D,
        coordinates=names, equations=equations, by_degree=by_degree, verified_real=bool(verified),
        prime=p, notes=notes, _terms=terms)


def term_values(terms: dict, C: np.ndarray) -> np.ndarray:
    """a * c^e for each term {e: a} of a polynomial, at the points C (..., D): shape (..., terms);
    their sum over the last axis is the polynomial's value."""
    C = np.asarray(C)
    E = np.array(list(terms.keys()))
    A = np.array(list(terms.values()), dtype=float)
    return A * np.prod(C[..., None, :] ** E, axis=-1)


def _vanish_on_real_points(param, terms: list[dict], rng, count: int = 5) -> bool:
    thetas = [param.random_params(rng) for _ in range(count)]
    for th in thetas:
        c = np.asarray(param.coefficients(th), float)
        for t in terms:
            vals = term_values(t, c)
            if abs(vals.sum()) > 1e-8 * (1 + np.abs(vals).sum()):
                return False
    return True
