"""Layer 4: invariants of a neuromanifold, each a function of an architecture."""

from .degree import DegreeResult, degree
from .dimension import DimensionResult, dimension
from .ed_degree import EDDegreeResult, ed_degree
from .fiber import FiberResult, fiber

__all__ = ["DegreeResult", "DimensionResult", "EDDegreeResult", "FiberResult", "degree", "dimension",
           "ed_degree", "fiber"]
