"""All isolated solutions of a square system by a total-degree homotopy.

Start system G_i(z) = z_i^{d_i} - 1 with the prod d_i solutions built from
roots of unity; H(z; t) = gamma (1 - t) G(z) + t F(z) (Bezout's theorem: a
generic F has exactly prod d_i solutions, all regular; paths of the others
diverge or end singular).  This is the tracker's parameter homotopy for the
system q0 G(z) + q1 F(z) along the gamma arc from q = (1, 0) to (0, 1), which
is the same homotopy up to a nonzero factor.  It is tracked in projective
coordinates x = (x0 : z x0) on a random affine chart a . x = 1 (Sommese--Wampler,
ch. 3.7), where a path whose solution goes to infinity stays bounded and ends
near x0 = 0 in a few dozen steps instead of running to the step limit.

Degrees d_i are read off numerically when not given: F_i(z + s v) at random
z, v is a polynomial in s whose degree is found by an FFT on a circle.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from ..errors import NeuromanifoldError, TooLargeError
from .dedup import clusters
from .system import System, as_system
from .solutions import Filters
from .tracker import (DIVERGED, SINGULAR, SUCCESS, TrackOptions, TrackResult, endpoint_quality, track,
                      with_backend)

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
    """The homotopy in projective coordinates x = (x0, x1..xn) on the affine chart a . x = 1:

        q0 (x_i^{d_i} - x0^{d_i}) + q1 x0^{d_i} F_i(x_{1..n} / x0; p) = 0,   a . x - 1 = 0,

    parameters (q0, q1, a, p); cached on the system (one compilation).  The homogenised F_i is
    evaluated as x0^{d_i} F_i(x / x0): every monomial is scaled by the same power of x0, so its
    rounding error is that of the homogeneous polynomial (no overflow for |x0| > 1e-100 or so)."""
    n = system.n

    def make():
        def powers(w):        # w_i ** d_i by integer_pow (a pow with an array exponent is exp(d log w))
            return jnp.stack([w[i] ** int(di) for i, di in enumerate(degrees)])

        def H(x, q, data=None):
            x0, z = x[0], x[1:]
            top = powers(jnp.broadcast_to(x0, (n,)))
            eqs = q[0] * (powers(z) - top) + q[1] * top * system.call(z / x0, q[3 + n:], data)
            return jnp.concatenate([eqs, (q[2:3 + n] @ x - 1.0)[None]])

        return System(H, n + 1, 3 + n + system.m, f"total-degree homotopy of {system.name}", system.data)

    return system.compiled(f"projective total-degree{degrees}", make).with_data(system.data)


@dataclass
class SolveResult(Filters):
    """Isolated solutions found by a total-degree homotopy (``only_real()`` etc. filter them)."""

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

    def _masks(self):
        Z = np.concatenate([self.solutions, self.singular]) if len(self.singular) else self.solutions
        regular = np.arange(len(Z)) < len(self.solutions)
        return Z, np.ones(len(Z), bool), regular

    def summary(self) -> str:
        return (f"{self.count} regular solutions, {len(self.singular)} singular, from {self.paths} "
                f"paths (Bezout {self.bezout}); {self.diverged} diverged, {self.failed} failed; "
                f"{self.seconds:.2f} s")


def solve(F, n: int | None = None, *, p=None, degrees=None, seed: int = 0, rtol: float = 1e-8,
          options: TrackOptions | None = None, progress=None, infinity_tol: float = 1e-3,
          backend: str | None = None) -> SolveResult:
    """Every isolated solution of F(z; p) = 0 (p fixed) by a total-degree homotopy.

    Paths are tracked in projective coordinates (x0 : x), so a path whose solution goes to infinity
    stays bounded and ends near x0 = 0.  End points with |x0| >= ``infinity_tol`` |x| are judged in the
    affine chart, on F; those nearer to x0 = 0 are at infinity (``diverged``) unless Newton's method
    still converges quadratically there.

    Parameters
    ----------
    F : a System (or a JAX function with n, m); p : the parameters; seed : the random start system;
    options : TrackOptions; progress : ``progress("paths", done, total)``; infinity_tol; backend

    Returns
    -------
    SolveResult : regular ``solutions``, ``singular`` ones with multiplicities; ``only_real()`` etc.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> from neuromanifold.homotopy import System
    >>> circle_line = System(lambda z, p: jnp.array([z[0]**2 + z[1]**2 - 1, z[0] - z[1]]), 2, 0)
    >>> res = solve(circle_line, seed=1)
    >>> res.count, len(res.only_real())                  # (1/sqrt 2, 1/sqrt 2) and its negative
    (2, 2)
    """
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
    options = with_backend(options, backend)
    rng = np.random.default_rng([seed, 13])
    a = rng.standard_normal(system.n + 1) + 1j * rng.standard_normal(system.n + 1)
    roots = [np.exp(2j * np.pi * np.arange(k) / k) for k in degrees]
    V = np.array(list(itertools.product(*roots)), dtype=complex)
    V = np.concatenate([np.ones((len(V), 1)), V], axis=1)
    starts = V / (V @ a)[:, None]
    q0, q1 = np.concatenate([[1, 0], a, p]), np.concatenate([[0, 1], a, p])

    def classify(X, status, stopped):
        """Affine end points (x0 not small): polished and judged on F itself, as any tracked
        end point.  End points near x0 = 0: regular only when Newton's method on the homotopy
        still converges quadratically there (its next step at the rounding level); otherwise
        at infinity (a path to infinity converges slowly).  ``stopped``: the paths whose steps
        underflowed in the end zone (a singular end point: singular if finite, else at infinity)."""
        size = np.linalg.norm(X, axis=1)
        small = np.abs(X[:, 0]) < infinity_tol * size
        done = (status == SUCCESS) | (status == SINGULAR)
        with np.errstate(all="ignore"):
            Z = X[:, 1:] / X[:, :1]
        fin = np.flatnonzero(done & ~small)
        if fin.size:
            st = np.where(stopped[fin], SINGULAR, SUCCESS).astype(np.int32)
            Z[fin], _, _ = endpoint_quality(system, Z[fin], p, st, options)
            status[fin] = st
        status[np.flatnonzero(done & small & stopped)] = DIVERGED       # stopped at infinity
        far = np.flatnonzero(done & small & (status != DIVERGED))
        if far.size:
            step = np.linalg.norm(homotopy.newton(X[far], q1, 1) - X[far], axis=1)
            J = homotopy.jacobians(X[far], q1)
            with np.errstate(all="ignore"):
                cond = np.nan_to_num(np.linalg.cond(J), nan=np.inf, posinf=np.inf)
            regular = (step <= np.maximum(1e-10, 1e-14 * cond) * (1 + size[far])) & \
                (np.abs(X[far, 0]) > 1e-12 * size[far]) & (cond < options.singular_cond)
            status[far] = np.where(regular, SUCCESS, DIVERGED)
        status[~done & small] = DIVERGED
        return Z, status

    res = track(homotopy, starts, q0, q1, seed=seed, options=options, progress=progress,
                check_injective=False, retrack=False)
    Z, status = classify(res.solutions, res.status, res.stopped)
    # failed paths (not at infinity) are tracked again with tighter settings
    redo = np.flatnonzero((status != SUCCESS) & (status != SINGULAR) & (status != DIVERGED))
    if redo.size:
        again = track(homotopy, starts[redo], q0, q1, gamma=res.gamma, options=options.tighter(),
                      check_injective=False, retrack=False)
        Z[redo], status[redo] = classify(again.solutions, again.status, again.stopped)
        res.retracked = int(redo.size)
    ok = status == SUCCESS
    sing = status == SINGULAR
    regular = Z[ok]
    if regular.size:
        labels = clusters(regular, rtol)
        regular = np.array([regular[labels == c][0] for c in range(labels.max() + 1)])
    singular, mult = Z[sing][:0], np.zeros(0, int)
    if np.any(sing):
        labels = clusters(Z[sing], 1e-5)
        singular = np.array([Z[sing][labels == c][0] for c in range(labels.max() + 1)])
        mult = np.bincount(labels)
    diverged = int(np.sum(status == DIVERGED))
    failed = int(np.sum(~ok & ~sing)) - diverged
    return SolveResult(regular, singular, mult, degrees, bezout, res.paths, diverged, failed, res, rtol,
                       time.perf_counter() - t0, seed)
