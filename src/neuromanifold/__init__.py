"""neuromanifold: the algebraic geometry of the functions a network architecture can express.

Every invariant of :mod:`neuromanifold.registry` is exported here under its function's name
(``dimension``, ``degree``, ``ed_degree``, ``fiber``, ``singular_strata``, ``contains``, ...),
with its result class; they are imported on first use, so ``import neuromanifold`` and a command
the atlas answers do not load JAX.

>>> import neuromanifold as nm
>>> str(nm.parse("linear(widths=[3,1,3])"))
'linear(widths=[3,1,3])'
"""

import os as _os
import sys as _sys


def _configure_jax() -> None:
    """64-bit floats always, and compiled XLA programs kept on disk (NEUROMANIFOLD_XLA_CACHE=0 turns
    the cache off): set through JAX's environment variables before its first import, or on JAX
    itself when the caller imported it first."""
    where = _os.environ.get("NEUROMANIFOLD_XLA_CACHE", _os.path.join(_os.path.expanduser("~"), ".cache",
                                                                     "neuromanifold", "xla"))
    settings = {"jax_enable_x64": True}
    if where not in ("0", ""):
        try:
            _os.makedirs(where, exist_ok=True)
            settings.update(jax_compilation_cache_dir=where, jax_persistent_cache_min_compile_time_secs=0.05)
        except OSError:  # pragma: no cover - read-only home
            pass
    if "jax" in _sys.modules:
        jax = _sys.modules["jax"]
        for key, value in settings.items():
            try:
                jax.config.update(key, value)
            except AttributeError:  # pragma: no cover - older JAX
                pass
    else:
        for key, value in settings.items():
            _os.environ[key.upper()] = "1" if value is True else str(value)


_configure_jax()

from . import registry  # noqa: E402
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
    resnet,
)
from .errors import NeuromanifoldError, SpecError, TooLargeError  # noqa: E402

__version__ = "0.1.0"

#: name -> "module:attribute" of everything exported lazily: the registry's functions and result
#: classes, and the landscape's data and metrics.
_LAZY = {
    **{inv.export: inv.function for inv in registry.REGISTRY},
    **{inv.result.rsplit(":", 1)[1]: inv.result for inv in registry.REGISTRY if inv.result},
    "DataTarget": "landscape.data:DataTarget",
    "from_data": "landscape.data:from_data",
    "load_data": "landscape.data:load_data",
    "Metric": "invariants.metrics:Metric",
    "metric": "invariants.metrics:metric",
    "classify": "landscape.classify:classify",
    "train": "landscape.train:train",
}


def __getattr__(name: str):
    path = _LAZY.get(name)
    if path is None:
        raise AttributeError(f"module 'neuromanifold' has no attribute {name!r}")
    value = registry.attribute(path)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted([
    "FAMILIES", "Architecture", "NeuromanifoldError", "Parametrization", "SpecError", "SymmetryGroup",
    "TooLargeError", "__version__", "attention", "lcn", "linear", "mlp", "parse", "pcnn", "registry", "resnet",
    *_LAZY,
])
