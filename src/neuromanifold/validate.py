"""Checks of what a user hands in, at the boundary of every public function: one message style,
naming the argument, what it must be and an example.

>>> point([1, 0, -1], 3, "f").tolist()
[1.0, 0.0, -1.0]
>>> point([1, float("nan")], 2, "u")
Traceback (most recent call last):
...
neuromanifold.errors.NeuromanifoldError: u has a non-finite coordinate (inf or nan) at index 1: give 2 finite numbers
"""

from __future__ import annotations

import math

import numpy as np

from .errors import NeuromanifoldError


def point(value, size: int, name: str = "the point", *, where: str = "coefficients in V", complex_ok: bool = False,
          order: str | None = None, in_v: bool = True) -> np.ndarray:
    """A flat vector of ``size`` finite numbers (float, or complex where ``complex_ok`` and the
    value is complex); ``where`` says what its entries are, ``order`` where their order is listed,
    ``in_v`` that it is a point of V (the message then names V's dimension)."""
    try:
        arr = np.asarray(value)
        if arr.dtype == object or arr.dtype.kind not in "biufc":
            raise TypeError(arr.dtype)
        arr = arr.astype(complex if (complex_ok and np.iscomplexobj(arr)) else float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise NeuromanifoldError(f"{name} must be a list of numbers ({where}), got {str(value)[:80]!r}") from exc
    if arr.size != size:
        hint = f" (order of {order})" if order else ""
        space = f"V has dimension {size}" if in_v else f"it needs {size}"
        raise NeuromanifoldError(f"{name} has {arr.size} coordinates; {space}: give {size} finite numbers "
                                 f"({where}){hint}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise NeuromanifoldError(f"{name} has a non-finite coordinate (inf or nan) at index {int(bad[0])}: give "
                                 f"{size} finite numbers")
    return arr


def count(value, name: str, *, minimum: int = 1, example: str | None = None) -> int:
    """An integer >= ``minimum`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        hint = f", e.g. {example}" if example else ""
        raise NeuromanifoldError(f"{name} = {value!r}: give an integer, at least {minimum}{hint}")
    return int(value)


def positive(value, name: str, *, example: str | None = None) -> float:
    """A finite number > 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not (v > 0 and math.isfinite(v)):
        hint = f", e.g. {example}" if example else ""
        raise NeuromanifoldError(f"{name} = {value!r}: give a finite number > 0{hint}")
    return v


def seed(value) -> int:
    """A seed: an integer in [0, 2^63)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < 2 ** 63:
        raise NeuromanifoldError(f"seed = {value!r}: give an integer in [0, 2^63), e.g. seed=0")
    return int(value)


def choice(value, name: str, allowed) -> str:
    """One of ``allowed`` (strings)."""
    if value not in allowed:
        raise NeuromanifoldError(f"{name} {value!r}: use one of {', '.join(allowed)}")
    return value
