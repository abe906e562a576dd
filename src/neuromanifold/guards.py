"""Size estimates before expensive work.

Every command whose cost grows with its input first predicts its time (and memory, where that is
what runs out) from the sizes it is given, and refuses with the estimate when the prediction is
past ``MAX_SECONDS`` or past the free memory, unless ``force=True`` (``--force`` on the command
line).  Rates are measured on the reference machine (2 cores, no GPU; figures in the closing
notes of the issues that set them); an estimate is an order of magnitude, not a promise.

Where no rate from the sizes alone is good enough (gradient descent, whose step cost depends on
the architecture's forward pass), the first few steps are timed and extrapolated.
"""

from __future__ import annotations

import os
import time

from .errors import TooLargeError

#: Refuse (unless forced) above this estimated time.
MAX_SECONDS = 1800.0
#: Seconds per homotopy path of a critical system with ``PATH_UNKNOWNS`` unknowns on one core
#: (census of linear[3,1,3], generic metric: 78,000 paths in 127 s on 2 cores, 5 unknowns).
PATH_SECONDS = 3.2e-3
PATH_UNKNOWNS = 5


def available_memory() -> float:
    """Bytes of memory available now (MemAvailable, else physical memory)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def duration(seconds: float) -> str:
    """``seconds`` in the largest unit that keeps it readable."""
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds / 86400:,.0f} days"


def path_seconds(unknowns: int) -> float:
    """Predicted seconds per tracked path on one core: the measured rate, scaled by the cube of the
    number of unknowns (each step solves a dense k x k system and evaluates a k x k Jacobian)."""
    return PATH_SECONDS * max(1.0, unknowns / PATH_UNKNOWNS) ** 3


def check(what: str, seconds: float, force: bool, *, nbytes: float = 0.0, instead: str = "",
          estimate: dict | None = None) -> dict:
    """Refuse ``what`` (a phrase: "a census of 10,000 instances x 39 critical points") when
    ``seconds`` exceeds MAX_SECONDS or ``nbytes`` 80% of the free memory, unless ``force``.
    Returns the estimate (seconds, bytes and the given entries)."""
    est = dict(estimate or {}, seconds=float(seconds), bytes=float(nbytes))
    if force:
        return est
    free = available_memory()
    slow, big = seconds > MAX_SECONDS, nbytes > 0.8 * free
    if slow or big:
        cost = f"about {duration(seconds)}" + (f" and {nbytes / 2**30:,.1f} GiB ({free / 2**30:,.1f} GiB free)"
                                               if big else "")
        limit = f"over the {duration(MAX_SECONDS)} limit" if slow else "more memory than this machine has free"
        raise TooLargeError(f"{what} needs {cost} on this machine, {limit}; "
                            f"{instead + ', or ' if instead else ''}pass force=True (--force) to run it anyway",
                            est)
    return est


#: How much faster the native tracker runs a path than the JAX one (measured: 15-30x on the census
#: system; taken low, so that estimates stay on the safe side)
NATIVE_SPEEDUP = 8.0


def paths(what: str, n_paths: int, unknowns: int, force: bool, *, workers: int = 1, instead: str = "",
          estimate: dict | None = None, speedup: float = 1.0) -> dict:
    """:func:`check` for ``n_paths`` homotopy paths of a system in ``unknowns`` unknowns (``speedup``:
    the tracker's speed against the JAX backend's, on which :func:`path_seconds` was measured)."""
    seconds = n_paths * path_seconds(unknowns) / max(1, min(workers, cores())) / speedup
    nbytes = 16.0 * n_paths * unknowns * 6          # start, end and step arrays of complex rows
    return check(what, seconds, force, nbytes=nbytes, instead=instead,
                 estimate=dict(estimate or {}, paths=int(n_paths), unknowns=int(unknowns)))


def unknowns(what: str, k: int, limit: int, force: bool) -> None:
    """Refuse a polynomial system in more than ``limit`` unknowns unless ``force``: its solution count
    (and so its paths) grows exponentially with k, so no time estimate is possible before solving."""
    if k > limit and not force:
        raise TooLargeError(f"{what} has {k} unknowns (> {limit}); its number of solutions, and so of paths, "
                            f"grows exponentially with that; pass force=True (--force) to try anyway",
                            {"unknowns": k})


def block_sizes(start: int = 8, cap: int = 100_000):
    """Sizes of successive blocks of a long loop: doubling from ``start`` up to ``cap``, so the first
    blocks (which a :class:`Stopwatch` times) are short whatever the loop's length."""
    size = start
    while True:
        yield size
        size = min(2 * size, cap)


class Stopwatch:
    """Extrapolate a loop's time from its first iterations: ``lap(done)`` after ``done`` of ``total``
    iterations refuses (unless forced) when the rest would take past MAX_SECONDS.  The first lap is
    not used (it holds compilation)."""

    def __init__(self, what: str, total: int, force: bool, instead: str = ""):
        self.what, self.total, self.force, self.instead = what, total, force, instead
        self.start: float | None = None
        self.first = 0
        self.checked = False

    def lap(self, done: int) -> None:
        if self.force or self.checked:
            return
        now = time.perf_counter()
        if self.start is None:
            self.start, self.first = now, done
            return
        if done - self.first < 1 or now - self.start < 0.05 and done < self.total:
            return
        rate = (now - self.start) / (done - self.first)
        self.checked = True
        check(self.what, rate * (self.total - done), self.force, instead=self.instead,
              estimate={"seconds_per_iteration": rate})
