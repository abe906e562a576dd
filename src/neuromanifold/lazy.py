"""Modules imported on first use, so that a command the atlas answers never loads JAX.

``jnp = lazy("jax.numpy")`` behaves as the module once an attribute is read; until then importing
the package costs nothing.  JAX is configured (x64, the compilation cache) by the package's
``__init__`` through environment variables before its first import, and on the module itself
if the caller imported it first.

>>> np_ = lazy("fractions")
>>> np_.Fraction(1, 2)
Fraction(1, 2)
"""

from __future__ import annotations

import importlib


class lazy:  # noqa: N801 - used as a module name
    """A module proxy: the module is imported when an attribute is first read."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_module", None)

    def __getattr__(self, attr: str):
        if attr.startswith("__") or attr in lazy.__slots__:    # copy/pickle probes, unset slots
            raise AttributeError(attr)
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            object.__setattr__(self, "_module", module)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
