"""Layer 3: the numerical algebraic geometry engine.

One entry point per task: :func:`track` (parameter homotopy; :func:`track_loop` around a
triangle of parameters), :func:`solve`
(total-degree homotopy), :func:`monodromy_solve` (:class:`MonodromyOptions`), :func:`certify`
(Krawczyk; :func:`image_groups` for distinct images), :func:`trace_test`; every path ends with a
:class:`Status`, and results filter their solutions (``only_real()``, ``only_nonsingular()``,
``only_finite()``; :func:`is_real`, :func:`real_points`);
systems are :class:`System` objects wrapping JAX functions F(z, p).  The step kernel has two
backends behind one seam (``backend="native" | "jax"``, :func:`default_backend`): the system's
straight-line program run natively over all cores (:mod:`.native`), or JAX jit + vmap.
"""

from .certify import CertifyResult, certify, image_groups
from .dedup import representatives, unique
from .monodromy import MonodromyOptions, MonodromyResult, monodromy_solve
from .solutions import is_real, real_points
from .system import Map, System
from .total_degree import SolveResult, solve
from .trace import TraceTestResult, trace_test
from .tracker import STATUS, Status, TrackOptions, TrackResult, default_backend, polish, track, track_loop

__all__ = [
           "STATUS",
           "Map",
           "MonodromyOptions",
           "Status",
           "TraceTestResult",
           "image_groups",
           "is_real",
           "real_points",
           "representatives",
           "trace_test",
           "unique",
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
