"""Newton's method in high precision at ill-conditioned end points.

An end point whose Jacobian has condition number kappa is known in double precision only to about
kappa * 2^-53 relative: beyond kappa ~ 1e8 two nearby solutions cannot be told apart, and the
tracker calls such an end point singular.  Many are not: near the ramification locus of a random
parameter slice (where the slice is nearly tangent to a fibre) a regular solution has kappa up to
1e13 while its image is perfectly well conditioned.  Newton's method in ``bits``-bit arithmetic
(python-flint's ``acb``, on the system's straight-line program) decides: at a regular root it
converges quadratically, so the last correction falls below 2^(-bits/2) relative and the root is
known to double precision; at a singular root it converges linearly at best and never gets there.

Example:
    >>> import jax.numpy as jnp
    >>> from neuromanifold.homotopy import System
    >>> S = System(lambda z, p: jnp.stack([(z[0] - 1) * (z[0] - 1 - 1e-9)]), 1, 0)
    >>> r = refine(S, [[1.0 + 2e-9]])
    >>> bool(r.converged[0]), bool(abs(r.points[0, 0] - (1 + 1e-9)) < 1e-15)
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flint import acb, acb_mat, ctx

from . import slp


@dataclass
class RefineResult:
    """Points after Newton's method in ``bits``-bit arithmetic."""

    points: np.ndarray       # rounded to complex128
    converged: np.ndarray    # quadratic convergence to a regular root
    last_step: np.ndarray    # relative size of the last correction
    bits: int


def program(system) -> slp.Program:
    """The straight-line program of a system's family (built once, kept in its cache)."""
    prog = system._cache.get("slp")
    if prog is None:
        prog = system._cache["slp"] = slp.build(system)
    return prog


def refine(system, Z, p=None, *, bits: int = 212, iterations: int = 40) -> RefineResult:
    """Newton's method on each row of Z at parameters p ((m,) shared, or (k, m)) in ``bits``-bit
    complex arithmetic; a row has converged when a correction fell below 2^(-bits/2) relative
    (quadratic convergence from a double-precision start), and then the point is accurate to the
    last bit of a complex128.  Rows that do not converge keep their point."""
    prog = program(system)
    Z = np.atleast_2d(np.asarray(Z, np.complex128))
    k = len(Z)
    P = np.zeros((k, system.m), complex) if p is None else np.broadcast_to(np.asarray(p, complex),
                                                                             (k, system.m))
    data = slp.data_vector(system.data)
    out = Z.copy()
    converged = np.zeros(k, bool)
    last = np.full(k, np.inf)
    old = ctx.prec
    ctx.prec = bits
    try:
        threshold = 2.0 ** (-bits / 2)
        for i in range(k):
            z = [acb(complex(v)) for v in Z[i]]
            pp = [acb(complex(v)) for v in P[i]]
            dd = [acb(complex(v)) for v in data]
            for _ in range(iterations):
                F, J, _ = prog.evaluate(z, pp, dd, ring=acb)
                try:
                    step = acb_mat([[J[a][b] for b in range(system.n)] for a in range(system.n)]).solve(
                        acb_mat([[f] for f in F]), nonstop=True)
                except (ZeroDivisionError, ValueError):
                    break
                delta = [step[a, 0] for a in range(system.n)]
                z = [(z[a] - delta[a]).mid() for a in range(system.n)]     # points, not balls
                size = 1.0 + max(abs(complex(x.mid())) for x in z)
                rel = max(abs(complex(d.mid())) for d in delta) / size
                if not np.isfinite(rel):
                    break
                last[i] = rel
                if rel < threshold:
                    converged[i] = True
                    break
            if converged[i]:
                out[i] = [complex(x.mid()) for x in z]
    finally:
        ctx.prec = old
    return RefineResult(out, converged, last, bits)
