"""Errors raised on bad input: each message names the problem and what to type instead."""

from __future__ import annotations


class NeuromanifoldError(ValueError):
    """Base class of every error the package raises on bad input or an impossible request."""


class SpecError(NeuromanifoldError):
    """A malformed or invalid architecture spec; ``position`` is the offending column (0-based)."""

    def __init__(self, message: str, spec: str | None = None, position: int | None = None,
                 keyword: str | None = None, index: int | None = None):
        self.message = message
        self.spec = spec
        self.position = position
        self.keyword = keyword  # the argument at fault, when raised by a constructor
        self.index = index  # the list entry at fault, if any
        super().__init__(self.__str__())

    def located(self, spec: str, position: int | None) -> SpecError:
        """The same error, pointing into ``spec``."""
        err = type(self)(self.message, spec, position, self.keyword, self.index)
        return err

    def __str__(self) -> str:
        if self.spec is not None and self.position is not None:
            return f"{self.message} (at character {self.position + 1} of {self.spec!r})"
        return self.message

    def pointer(self) -> str | None:
        """Two lines showing the spec and a caret under the offending character."""
        if self.spec is None or self.position is None:
            return None
        pos = max(0, min(self.position, len(self.spec)))
        # one character per column: control characters (a newline, a tab) would break the two lines
        shown = "".join(" " if ch.isspace() else ("?" if not ch.isprintable() else ch) for ch in self.spec)
        return f"  {shown}\n  {' ' * pos}^"


class ActivationError(SpecError):
    """An activation that is not a usable polynomial (or lacks ``degree=`` for an approximation)."""


class TooLargeError(NeuromanifoldError):
    """A computation whose estimated cost is beyond what will finish; ``force=True`` runs it anyway."""

    def __init__(self, message: str, estimate: dict | None = None):
        self.estimate = estimate or {}
        super().__init__(message)


class NotPolynomialError(NeuromanifoldError):
    """A forward pass that uses an operation without an exact meaning over a prime field."""
