"""Numerical rank of a float matrix from its singular values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class NumericalRank:
    """rank = number of singular values above ``tolerance`` = sigma_1 * max(m, n) * eps
    (the LAPACK / NumPy convention); ``gap`` = sigma_rank / sigma_(rank+1), the ratio
    between the last kept and the first dropped singular value (None when none is dropped)."""

    rank: int
    tolerance: float
    sigma_max: float
    last_kept: float | None
    first_dropped: float | None

    @property
    def gap(self) -> float | None:
        if self.last_kept is None or self.first_dropped is None:
            return None
        if self.first_dropped == 0:
            return float("inf")
        return self.last_kept / self.first_dropped


def numerical_rank(J: np.ndarray) -> NumericalRank:
    J = np.asarray(J)
    if J.size == 0:
        return NumericalRank(0, 0.0, 0.0, None, None)
    s = np.linalg.svd(J, compute_uv=False)
    smax = float(s[0])
    tol = smax * max(J.shape) * np.finfo(np.float64).eps
    r = int(np.sum(s > tol))
    # Singular values beyond min(m, n) are exactly zero.
    full = min(J.shape)
    last = float(s[r - 1]) if r > 0 else None
    first = float(s[r]) if r < len(s) else (0.0 if r < full else None)
    return NumericalRank(r, float(tol), smax, last, first)


def svd_seconds_estimate(m: int, n: int) -> float:
    """Rough wall time of singular values of an m x n matrix on two cores (measured: 8855 x 12100
    took about 5 minutes; bidiagonalisation is memory-bound)."""
    a, b = max(m, n), min(m, n)
    return 4.0 * a * b * b / 1.0e10
