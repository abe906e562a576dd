"""Layer 4: invariants of a neuromanifold, each a function of an architecture."""

from .dimension import DimensionResult, dimension

__all__ = ["DimensionResult", "dimension"]
