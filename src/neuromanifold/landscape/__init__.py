"""Layer 5: loss landscapes.  Data become a target and a metric on V (:mod:`.data`); metrics on V
(:mod:`.metrics`)."""

from .data import DataTarget, from_data, load_data
from ..invariants.metrics import METRICS, Metric, bombieri_weyl_weights, metric

__all__ = ["METRICS", "DataTarget", "Metric", "bombieri_weyl_weights", "from_data", "load_data", "metric"]
