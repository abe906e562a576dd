"""Quadratic forms on the ambient space V: the metrics of distance problems on M.

Coordinates on V are the monomial coefficients of DESIGN.md, outputs concatenated.

- ``euclidean``: unit weights on those coefficients, Q = I.
- ``bombieri-weyl``: <f, g> = sum_e f_e g_e / binom(|e|; e) over the monomials x^e, with the
  multinomial coefficient binom(d; e) = d! / prod_i e_i!, for each output.  On forms of one
  degree it is invariant under orthogonal changes of the input variables (Bombieri; Weyl); the
  ED degree of a variety of forms depends on this choice (Draisma, Horobet, Ottaviani,
  Sturmfels, Thomas, arXiv 1309.0049).
- ``generic``: Q = F^T F with F a Gaussian matrix drawn from the seed (positive definite with
  probability one): a generic quadratic form, as in the generic ED degree.
- an explicit matrix: symmetric, positive semidefinite, of size dim V.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import factorial

import numpy as np

from ..architectures import parse
from ..errors import NeuromanifoldError

METRICS = ("euclidean", "bombieri-weyl", "generic")


@dataclass
class Metric:
    """A (pseudo)metric ||z||_Q^2 = z^T Q z on V."""

    name: str
    Q: np.ndarray
    seed: int | None = None
    exact: np.ndarray | None = None     # the entries as Fractions when Q is rational (named metrics)

    def rational(self) -> np.ndarray:
        """Q with exact rational entries: the named metric's own (Bombieri--Weyl's 1 / binom(d; e),
        not their binary roundings), else the binary floats of Q read exactly."""
        if self.exact is not None:
            return self.exact
        return np.array([[Fraction(float(q)) for q in row] for row in np.asarray(self.Q, float)], dtype=object)

    @property
    def rank(self) -> int:
        return int(np.linalg.matrix_rank(self.Q, hermitian=True))

    @property
    def definite(self) -> bool:
        """Positive definite (a metric), not only semidefinite (a pseudometric)."""
        return self.rank == len(self.Q)

    @property
    def condition(self) -> float:
        """Condition number of Q (largest over smallest eigenvalue; inf for a pseudometric)."""
        w = np.linalg.eigvalsh(self.Q)
        return float(w[-1] / w[0]) if len(w) and w[0] > 0 else float("inf")

    def norm2(self, z) -> float:
        z = np.asarray(z)
        return float(np.real(np.conj(z) @ self.Q @ z))

    def to_dict(self) -> dict:
        return {"name": self.name, "dimension": len(self.Q), "rank": self.rank,
                "definite": self.definite, "seed": self.seed}


def _parametrization(arch):
    """What describes V: an architecture's :meth:`~.base.Architecture.ambient`, or the object given."""
    arch = parse(arch) if isinstance(arch, str) else arch
    return arch.ambient() if hasattr(arch, "ambient") else arch


def bombieri_weyl_weights(param, exact: bool = False) -> np.ndarray:
    """1 / binom(|e|; e) for every coordinate of V (the basis repeated for each output); as
    Fractions with ``exact``."""
    w = [Fraction(int(np.prod([factorial(int(k)) for k in e])), factorial(int(sum(e))))
         for e in param.basis.exponents()]
    w = np.array(w * param.n_outputs, dtype=object)
    return w if exact else w.astype(float)


def _diagonal(entries) -> np.ndarray:
    out = np.full((len(entries), len(entries)), Fraction(0), dtype=object)
    for i, v in enumerate(entries):
        out[i, i] = Fraction(v)
    return out


def metric(arch, which="euclidean", seed: int = 0) -> Metric:
    """The metric named ``which`` (one of METRICS) on the ambient space of ``arch``, or the
    explicit matrix ``which`` checked: square of size dim V, finite, symmetric, positive
    semidefinite."""
    param = _parametrization(arch)
    D = param.ambient_dimension
    if isinstance(which, Metric):
        which = which.Q
    if isinstance(which, str):
        name = which.strip().lower().replace("_", "-").replace(" ", "-")
        if name in ("euclidean", "euclid", "frobenius"):
            return Metric("euclidean", np.eye(D), exact=_diagonal([1] * D))
        if name in ("bombieri-weyl", "bombieri", "bw"):
            weights = bombieri_weyl_weights(param, exact=True)
            return Metric("bombieri-weyl", np.diag(weights.astype(float)), exact=_diagonal(weights))
        if name == "generic":
            rng = np.random.default_rng([seed, 71])
            F = rng.standard_normal((D, D)) / np.sqrt(D)
            return Metric("generic", F.T @ F, seed)
        raise NeuromanifoldError(f"unknown metric {which!r}: use one of {', '.join(METRICS)}, or give "
                                 f"a symmetric positive semidefinite {D} x {D} matrix Q")
    Q = np.asarray(which)
    if Q.dtype == object or not np.issubdtype(Q.dtype, np.number) or np.iscomplexobj(Q):
        raise NeuromanifoldError(f"the metric matrix must hold real numbers (got dtype {Q.dtype}); give "
                                 f"a real symmetric {D} x {D} matrix")
    Q = Q.astype(float)
    if Q.shape != (D, D):
        raise NeuromanifoldError(f"the metric matrix has shape {Q.shape}, but V = the ambient space of "
                                 f"{param.arch} has dimension {D}: give a {D} x {D} matrix")
    if not np.all(np.isfinite(Q)):
        raise NeuromanifoldError("the metric matrix has NaN or infinite entries: give finite numbers")
    scale = max(float(np.abs(Q).max()), 1e-300)
    if np.abs(Q - Q.T).max() > 1e-10 * scale:
        raise NeuromanifoldError("the metric matrix is not symmetric: give Q = Q^T (e.g. (Q + Q.T) / 2)")
    Q = (Q + Q.T) / 2
    low = float(np.linalg.eigvalsh(Q).min())
    if low < -1e-10 * scale:
        raise NeuromanifoldError(f"the metric matrix is not positive semidefinite (an eigenvalue is "
                                 f"{low:.3g}): give Q = F^T F for some matrix F")
    return Metric("matrix", Q)
