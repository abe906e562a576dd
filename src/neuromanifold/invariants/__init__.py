"""Layer 4: invariants of a neuromanifold, each a function of an architecture."""

from .degree import DegreeResult, degree
from .dimension import DimensionResult, dimension
from .fiber import FiberResult, fiber

__all__ = ["DegreeResult", "DimensionResult", "FiberResult", "degree", "dimension", "fiber"]
