"""Layer 5: loss landscapes.  Data become a target and a metric on V (:mod:`.data`; the metrics
themselves are in :mod:`neuromanifold.invariants.metrics`); every critical point of the loss on M
(:mod:`.critical`); pure or spurious critical parameters (:mod:`.classify`); the real census over random instances
(:mod:`.census`); crossings of the ED discriminant along a segment of targets (:mod:`.crossings`); the smooth critical
points of a ReLU network's loss in parameter space (:mod:`.relu_critical`)."""

from .census import CensusResult, census
from .classify import Classification, classify
from .critical import CriticalPoint, CriticalPointsResult, critical_points
from .crossings import CrossingsResult, discriminant_crossings
from .data import DataTarget, from_data, load_data
from .relu_critical import ReluCriticalResult, relu_critical_points
from ..invariants.metrics import METRICS, Metric, bombieri_weyl_weights, metric

__all__ = [
    "METRICS",
    "ReluCriticalResult",
    "CensusResult",
    "Classification",
    "CriticalPoint",
    "CriticalPointsResult",
    "CrossingsResult",
    "DataTarget",
    "Metric",
    "bombieri_weyl_weights",
    "census",
    "classify",
    "critical_points",
    "discriminant_crossings",
    "from_data",
    "load_data",
    "metric",
    "relu_critical_points",
]
