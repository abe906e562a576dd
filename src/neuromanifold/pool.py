"""One pool of worker interpreters for all parallel work on one machine (sweeps, censuses).

A worker is a fresh ``python -m neuromanifold.pool`` (a subprocess, not multiprocessing: it neither
forks a process running XLA threads nor re-imports the caller's script; compiled kernels come from
the persistent caches).  It reads job lines on stdin, each the path of a pickled ("module:attr",
args, kwargs); runs the function (given ``tick``, a progress callback of increments, when it takes
one), writes the pickled (ok, value or reason) to PATH.out and prints ``done PATH``; its ticks are
``tick N`` lines.  The pool gives jobs to idle workers as they free up, reports ticks, and replaces
a worker that died or ran past the time limit (its job fails with the reason).

>>> with Pool(2) as pool:
...     jobs = [pool.submit("monomials:count", n, 2) for n in (2, 3)]
...     [job.result() for job in jobs]          # monomials of degree 2 in 2 and in 3 variables
[3, 6]
"""

from __future__ import annotations

import inspect
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from .errors import NeuromanifoldError


class Job:
    """A submitted call: ``result()`` waits for it (raising a NeuromanifoldError with the reason
    when it failed), ``ok`` and ``reason`` say how it ended, ``seconds`` how long it ran."""

    def __init__(self, index: int, function: str, args: tuple, kwargs: dict):
        self.index, self.function, self.args, self.kwargs = index, function, args, kwargs
        self.ok: bool | None = None
        self.value = None
        self.reason = ""
        self.seconds = 0.0
        self._done = threading.Event()

    def finish(self, ok: bool, value, seconds: float) -> None:
        self.ok, self.seconds = ok, seconds
        if ok:
            self.value = value
        else:
            self.reason = str(value)
        self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def result(self):
        self._done.wait()
        if not self.ok:
            raise NeuromanifoldError(f"{self.function} failed in a worker process: {self.reason}")
        return self.value


class _Worker:
    def __init__(self, pool: Pool):
        self.proc = subprocess.Popen([sys.executable, "-m", "neuromanifold.pool"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.job: Job | None = None
        self.path = ""
        self.started = 0.0
        self.pool = pool
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("tick "):
                self.pool._tick(int(line.split()[1]))
            elif line.startswith("done "):
                self.pool._finished(self, line[5:].strip())
        self.pool._died(self)

    def give(self, job: Job, path: str) -> None:
        self.job, self.path, self.started = job, path, time.perf_counter()
        self.proc.stdin.write(path + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Pool:
    """Up to ``workers`` worker interpreters; ``timeout`` seconds per job (None: no limit);
    ``on_tick(n)`` receives the jobs' progress increments."""

    def __init__(self, workers: int, timeout: float | None = None, on_tick: Callable[[int], None] | None = None):
        self.size = max(1, int(workers))
        self.timeout = timeout
        self.on_tick = on_tick
        self._lock = threading.Condition()
        self._queue: list[Job] = []
        self._jobs: list[Job] = []
        self._finished_order: list[Job] = []
        self._workers: list[_Worker] = []
        self._dir = tempfile.TemporaryDirectory(prefix="nm-pool-")
        self._closed = False
        self._watch = threading.Thread(target=self._watchdog, daemon=True)
        self._watch.start()

    # -- the caller's side ---------------------------------------------------------------------
    def submit(self, function: str, *args, **kwargs) -> Job:
        """Run ``function`` ("module:attr" under the package) with these arguments in a worker."""
        with self._lock:
            job = Job(len(self._jobs), function, args, kwargs)
            self._jobs.append(job)
            self._queue.append(job)
            self._dispatch()
        return job

    def as_completed(self):
        """The submitted jobs, each as it finishes."""
        given = 0
        while given < len(self._jobs):
            with self._lock:
                while len(self._finished_order) <= given:
                    self._lock.wait(timeout=0.2)
                job = self._finished_order[given]
            given += 1
            yield job

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._workers = list(self._workers), []
        for w in workers:
            w.kill()
        self._dir.cleanup()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- inside (under the lock) ------------------------------------------------------------------
    def _dispatch(self) -> None:
        while self._queue:
            idle = next((w for w in self._workers if w.job is None), None)
            if idle is None:
                if len(self._workers) >= self.size:
                    return
                idle = _Worker(self)
                self._workers.append(idle)
            job = self._queue.pop(0)
            path = os.path.join(self._dir.name, f"job{job.index}")
            with open(path, "wb") as fh:
                pickle.dump((job.function, job.args, job.kwargs), fh)
            idle.give(job, path)

    def _complete(self, job: Job, ok: bool, value, seconds: float) -> None:
        job.finish(ok, value, seconds)
        self._finished_order.append(job)
        self._lock.notify_all()

    def _tick(self, n: int) -> None:
        if self.on_tick is not None:
            with self._lock:
                self.on_tick(n)

    def _finished(self, w: _Worker, path: str) -> None:
        with self._lock:
            if w.job is None or path != w.path:
                return
            job, seconds = w.job, time.perf_counter() - w.started
            try:
                with open(path + ".out", "rb") as fh:
                    ok, value = pickle.load(fh)
            except Exception as exc:  # noqa: BLE001 - an unreadable answer fails its job
                ok, value = False, f"its answer could not be read ({exc})"
            w.job = None
            self._complete(job, ok, value, seconds)
            self._dispatch()

    def _died(self, w: _Worker) -> None:
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)
            if w.job is not None and not self._closed:
                job, w.job = w.job, None
                self._complete(job, False, "the worker process died", time.perf_counter() - w.started)
            if not self._closed:
                self._dispatch()

    def _watchdog(self) -> None:
        while not self._closed:
            time.sleep(0.2)
            if not self.timeout:
                continue
            with self._lock:
                now = time.perf_counter()
                late = [w for w in self._workers if w.job is not None and now - w.started > self.timeout]
                for w in late:
                    job, w.job = w.job, None
                    self._workers.remove(w)
                    self._complete(job, False, f"time limit: still running after {self.timeout:g} s",
                                   now - w.started)
            for w in late:
                w.kill()
            if late:
                with self._lock:
                    self._dispatch()


def _takes_tick(fn) -> bool:
    try:
        return "tick" in inspect.signature(fn).parameters
    except (TypeError, ValueError):          # a builtin without a signature
        return False


def _serve() -> None:
    """A worker's loop (``python -m neuromanifold.pool``)."""
    from .registry import attribute

    def tick(n: int) -> None:
        print(f"tick {int(n)}", flush=True)

    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        try:
            with open(path, "rb") as fh:
                function, args, kwargs = pickle.load(fh)
            fn = attribute(function)
            if _takes_tick(fn):
                kwargs = dict(kwargs, tick=tick)
            out = (True, fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - every failure goes back with its reason
            out = (False, f"{type(exc).__name__}: {exc}")
        with open(path + ".out", "wb") as fh:
            pickle.dump(out, fh)
        print(f"done {path}", flush=True)


if __name__ == "__main__":  # pragma: no cover - the worker process
    _serve()
