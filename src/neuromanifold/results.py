"""Result objects: every invariant returns one, and ``--json`` prints it.

Common fields (DESIGN.md): ``spec`` (canonical), ``invariant``, ``value``,
``certified``, ``lower``/``upper`` where bounds are known, ``method``,
``seconds``, ``seed``.  A value that is not certified says so.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np


def plain(value):
    """JSON-ready copy of a value (NumPy scalars and arrays, tuples, Fractions, NaN)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if math.isnan(v) else (str(v) if math.isinf(v) else v)
    if isinstance(value, Fraction):
        return str(value)
    return value


@dataclass
class Result:
    """Fields shared by every invariant's result."""

    spec: str
    invariant: str
    value: object
    certified: bool
    lower: object = None
    upper: object = None
    method: str = ""
    seconds: float = 0.0
    seed: int | None = None
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, d: dict):
        """The result back from :meth:`to_dict` (as stored in the atlas); unknown keys are dropped."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    @property
    def status(self) -> str:
        return "certified" if self.certified else "not certified"
