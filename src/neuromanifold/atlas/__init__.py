"""Layer 6: the result atlas (SQLite) and sweeps over grids of architectures."""

from .compute import compute
from .store import Atlas, default_path
from .sweep import SweepResult, expand, sweep

__all__ = ["Atlas", "SweepResult", "compute", "default_path", "expand", "sweep"]
