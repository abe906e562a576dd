"""One shape for every progress callback: ``progress(message, done, total)``.

``message`` says what runs ("paths", "monodromy loop 12", "exact ranks mod p"), ``done`` how many
units are finished so far (None for a stage without a count), ``total`` how many there are in all
(None when unknown).  Every public function that takes ``progress`` calls it this way; the command
line turns it into a spinner or a bar.

>>> seen = []
>>> tick = counter(lambda m, d, t: seen.append((m, d, t)), "paths", 10)
>>> tick(3); tick(4)
>>> seen
[('paths', 3, 10), ('paths', 7, 10)]
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, "int | None", "int | None"], None]


def say(progress: Progress | None, message: str, done: int | None = None, total: int | None = None) -> None:
    """Report one stage (nothing when ``progress`` is None)."""
    if progress is not None:
        progress(message, done, total)


def counter(progress: Progress | None, message: str, total: int | None = None) -> Callable[[int], None] | None:
    """An increment callback (``tick(n)``: n more units done) reporting running totals to
    ``progress``; None when there is no progress to report."""
    if progress is None:
        return None
    done = [0]

    def tick(n: int) -> None:
        done[0] += int(n)
        progress(message, done[0], total)
    return tick


def increments(tick: Callable[[int], None] | None) -> Progress | None:
    """The inverse adaptor: a ``progress`` callback whose running totals feed ``tick`` increments."""
    if tick is None:
        return None
    last = [0]

    def progress(message: str, done: int | None, total: int | None) -> None:
        if done is not None:
            tick(done - last[0])
            last[0] = done
    return progress
