"""All isolated solutions of a square system by a total-degree homotopy.

Start system G_i(z) = z_i^{d_i} - 1 with the prod d_i solutions built from
roots of unity; H(z; t) = gamma (1 - t) G(z) + t F(z) (Bezout's theorem: a
generic F has exactly prod d_i solutions, all regular; paths of the others
diverge or end singular).  This is the tracker's parameter homotopy for the
system q0 G(z) + q1 F(z) along the gamma arc from q = (1, 0) to (0, 1), which
is the same homotopy up to a nonzero factor.

Degrees d_i are read off numerically when not given: F_i(z + s v) at random
z, v is a polynomial in s whose degree is found by an FFT on a circle.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from ..errors import NeuromanifoldError, TooLargeError
from .dedup import clusters
from .system import System, as_system
from .tracker import SINGULAR, SUCCESS, TrackOptions, TrackResult, track

MAX_PATHS = 2_000_000


def equation_degrees(system: System, p=None, max_degree: int = 64, seed: int = 0) -> list[int]:
    """Total degree of each equation in z (at parameters p), by an FFT on a circle."""
    rng = np.random.default_rng(seed)
    p = np.zeros(system.m, complex) if p is None else np.asarray(p, complex)
    z = rng.standard_normal(system.n) + 1j * rng.standard_normal(system.n)
    v = rng.standard_normal(system.n) + 1j * rng.standard_normal(system.n)
    K = 2 * max_degree
    radius = 1.0
    s = radius * np.exp(2j * np.pi * np.arange(K) / K)
    vals = system.evaluate(z[None, :] + s[:, None] * v[None, :], p)    # (K, n)
    coeffs = np.fft.fft(vals, axis=0) / K                                # c_j r^j, j = 0..K-1
    coeffs = coeffs / radius ** np.arange(K)[:, None]
    degrees = []
    for i in range(system.n):
        c = np.abs(coeffs[:, i])
        tol = 1e-9 * max(c.max(), 1e-300)
        nz = np.flatnonzero(c > tol)
        d = int(nz.max()) if nz.size else 0
        if d >= max_degree:
            raise NeuromanifoldError(
                f"equation {i} has degree > {max_degree} in z or is not polynomial; give degrees=[...]")
        degrees.append(d)
    return degrees


def _homotopy(system: System, degrees: tuple) -> System:
    """q0 G(z) + q1 F(z; p) with parameters (q0, q1, p), cached on the system (one compilation)."""
    def make():
        d = np.asarray(degrees)

        def H(z, q, data=None):
            return q[0] * (z ** d - 1.0) + q[1] * system.call(z, q[2:], data)

        return System(H, system.n, 2 + system.m, f"total-degree homotopy of {system.name}", system.data)

    return system.compiled(f"total-degree{degrees}", make).with_data(system.data)


@dataclass
class SolveResult:
    """Isolated solutions found by a total-degree homotopy."""

    solutions: np.ndarray        # distinct regular solutions
    singular: np.ndarray         # distinct singular end points (with multiplicity)
    multiplicities: np.ndarray
    degrees: list
    bezout: int
    paths: int
    diverged: int
    failed: int
    tracking: TrackResult
    rtol: float
    seconds: float
    seed: int

    @property
    def count(self) -> int:
        return len(self.solutions)

    def summary(self) -> str:
        return (f"{self.count} regular solutions, {len(self.singular)} singular, from {self.paths} "
                f"paths (Bezout {self.bezout}); {self.diverged} diverged, {self.failed} failed; "
                f"{self.seconds:.2f} s")


def solve(F, n: int | None = None, *, p=None, degrees=None, seed: int = 0, rtol: float = 1e-8,
          options: TrackOptions | None = None, progress=None) -> SolveResult:
    """Every isolated solution of F(z; p) = 0 (p fixed) by a total-degree homotopy."""
    system = as_system(F, n, 0 if p is None else np.size(p))
    t0 = time.perf_counter()
    p = np.zeros(system.m, complex) if p is None else np.asarray(p, complex).reshape(system.m)
    degrees = list(degrees) if degrees is not None else equation_degrees(system, p, seed=seed)
    if any(d < 1 for d in degrees):
        raise NeuromanifoldError(f"an equation is constant (degrees {degrees}); the system has no "
                                 f"isolated solutions to track")
    bezout = int(np.prod(degrees))
    if bezout > MAX_PATHS:
        raise TooLargeError(f"the total-degree homotopy needs {bezout:,} paths (> {MAX_PATHS:,}); "
                            f"use monodromy_solve instead", {"paths": bezout})
    homotopy = _homotopy(system, tuple(degrees))
    roots = [np.exp(2j * np.pi * np.arange(k) / k) for k in degrees]
    starts = np.array(list(itertools.product(*roots)), dtype=complex)
    res = track(homotopy, starts, [1, 0, *p], [0, 1, *p], seed=seed, options=options, progress=progress,
                check_injective=False)
    ok = res.status == SUCCESS
    sing = res.status == SINGULAR
    Z = res.solutions
    regular = Z[ok]
    if regular.size:
        labels = clusters(regular, rtol)
        regular = np.array([regular[labels == c][0] for c in range(labels.max() + 1)])
    singular, mult = Z[sing][:0], np.zeros(0, int)
    if np.any(sing):
        labels = clusters(Z[sing], 1e-5)
        singular = np.array([Z[sing][labels == c][0] for c in range(labels.max() + 1)])
        mult = np.bincount(labels)
    diverged = int(np.sum(res.status == 2))
    failed = int(np.sum(~ok & ~sing)) - diverged
    return SolveResult(regular, singular, mult, degrees, bezout, res.paths, diverged, failed, res, rtol,
                       time.perf_counter() - t0, seed)
