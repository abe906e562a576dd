"""neuromanifold: the algebraic geometry of the functions a network architecture can express."""

import jax as _jax

_jax.config.update("jax_enable_x64", True)


def _compilation_cache() -> None:
    """Keep compiled XLA programs on disk (NEUROMANIFOLD_XLA_CACHE=0 turns it off): the tracker's
    kernels take 1-2 s to compile and are the same from one run to the next for the same seed."""
    import os

    where = os.environ.get("NEUROMANIFOLD_XLA_CACHE", os.path.join(os.path.expanduser("~"), ".cache",
                                                                    "neuromanifold", "xla"))
    if where in ("0", ""):
        return
    try:
        os.makedirs(where, exist_ok=True)
        _jax.config.update("jax_compilation_cache_dir", where)
        _jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.05)
    except (OSError, AttributeError):  # pragma: no cover - read-only home or older JAX
        pass


_compilation_cache()

from .architectures import (
    FAMILIES,
    Architecture,
    Parametrization,
    SymmetryGroup,
    attention,
    lcn,
    linear,
    mlp,
    parse,
    pcnn,
)
from .errors import NeuromanifoldError, SpecError, TooLargeError
from .invariants import (DegreeResult, DimensionResult, EDDegreeResult, FiberResult, degree, dimension,
                         ed_degree, fiber)
from .landscape import DataTarget, Metric, critical_points, from_data, load_data, metric

__version__ = "0.1.0"

__all__ = [
    "FAMILIES",
    "Architecture",
    "DataTarget",
    "DegreeResult",
    "DimensionResult",
    "EDDegreeResult",
    "FiberResult",
    "Metric",
    "NeuromanifoldError",
    "Parametrization",
    "SpecError",
    "SymmetryGroup",
    "TooLargeError",
    "__version__",
    "attention",
    "critical_points",
    "degree",
    "dimension",
    "ed_degree",
    "fiber",
    "from_data",
    "lcn",
    "linear",
    "load_data",
    "metric",
    "mlp",
    "parse",
    "pcnn",
]
