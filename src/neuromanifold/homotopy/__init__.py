"""Layer 3: the numerical algebraic geometry engine.

One entry point per task: :func:`track` (parameter homotopy; :func:`track_loop` around a
triangle of parameters), :func:`solve`
(total-degree homotopy), :func:`monodromy_solve`, :func:`certify` (Krawczyk);
systems are :class:`System` objects wrapping JAX functions F(z, p).  The step kernel has two
backends behind one seam (``backend="native" | "jax"``, :func:`default_backend`): the system's
straight-line program run natively over all cores (:mod:`.native`), or JAX jit + vmap.
"""

from .certify import CertifyResult, certify
from .monodromy import MonodromyResult, monodromy_solve
from .system import System
from .total_degree import SolveResult, solve
from .tracker import STATUS, TrackOptions, TrackResult, default_backend, polish, track, track_loop

__all__ = [
           "STATUS",
           "CertifyResult",
           "MonodromyResult",
           "SolveResult",
           "System",
           "TrackOptions",
           "TrackResult",
           "certify",
           "default_backend",
           "polish",
           "monodromy_solve",
           "solve",
           "track",
           "track_loop",
]
