"""neuromanifold: the algebraic geometry of the functions a network architecture can express."""

import jax as _jax

_jax.config.update("jax_enable_x64", True)

from .architectures import (  # noqa: E402
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
from .errors import NeuromanifoldError, SpecError, TooLargeError  # noqa: E402
from .invariants import DimensionResult, dimension  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "FAMILIES", "Architecture", "Parametrization", "SymmetryGroup",
    "attention", "lcn", "linear", "mlp", "parse", "pcnn",
    "DimensionResult", "dimension",
    "NeuromanifoldError", "SpecError", "TooLargeError", "__version__",
]
