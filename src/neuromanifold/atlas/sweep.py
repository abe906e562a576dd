"""Sweeps over grids of architectures: brace patterns, a pool of worker processes or a Dask
cluster, every result stored in the atlas as soon as it is done.

Pattern syntax: ``{a..b}`` (integers a to b) and ``{x,y,z}`` (a list) anywhere in a spec string;
several braces give their product, e.g. ``mlp(widths=[2,{2..6},1], activation='x^{2..4}')`` is
15 architectures.  Tasks (architecture x invariant) already in the atlas are skipped; the others
run in parallel, each in a worker that computes and stores its own row (one transaction), so a
killed sweep loses at most the tasks in flight and a rerun finishes the grid.  A task that fails
(a bad spec in the grid, a numerical failure, the time limit) is stored as failed with its reason
and the sweep goes on; failed tasks are tried again by the next run.

Local workers are the package's worker pool (:mod:`neuromanifold.pool`: fresh interpreters, no
fork of a process with XLA threads, no re-import of the caller's script); a task past its time
limit is ended by killing its worker (a new one takes its place).  With a Dask
scheduler address the same task function runs on the cluster's workers (they must see the atlas
file).
"""

from __future__ import annotations

import itertools
import os
import re
import time
from dataclasses import dataclass, field

from .. import registry
from ..architectures import parse
from ..errors import NeuromanifoldError, TooLargeError
from .compute import compute, current, invariant_name, question
from .store import Atlas

_BRACE = re.compile(r"\{([^{}]*)\}")
MAX_GRID = 10_000          # refused above this unless forced
HARD_MAX_GRID = 1_000_000  # never expanded: the list of specs alone would not fit


def expand(pattern: str, force: bool = False) -> list[str]:
    """Every spec string of a brace pattern (module docstring), in order; more than MAX_GRID
    only with ``force``."""
    parts = _BRACE.split(pattern)
    texts, choices = parts[0::2], []
    for body in parts[1::2]:
        m = re.fullmatch(r"\s*(-?\d{1,18})\s*\.\.\s*(-?\d{1,18})\s*", body)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a:
                raise NeuromanifoldError(f"empty range {{{body}}} in the sweep pattern: write {{{b}..{a}}}")
            choices.append(range(a, b + 1))            # counted before it is listed
        elif "," in body:
            choices.append([v.strip() for v in body.split(",")])
        else:
            raise NeuromanifoldError(f"cannot read {{{body}}} in the sweep pattern: use a range {{2..6}} or a "
                                     f"list {{2,4,8}}")
    count = 1
    for c in choices:
        count *= c.stop - c.start if isinstance(c, range) else len(c)
    if count > HARD_MAX_GRID or count > MAX_GRID and not force:
        more = "" if count > HARD_MAX_GRID else ", or pass force=True (--force) to sweep it anyway"
        raise TooLargeError(f"the pattern expands to {count:,} architectures (> "
                            f"{HARD_MAX_GRID if count > HARD_MAX_GRID else MAX_GRID:,}); narrow its ranges{more}",
                            {"architectures": count})
    out = []
    for combo in itertools.product(*choices):
        s = texts[0]
        for value, text in zip(combo, texts[1:]):
            s += str(value) + text
        out.append(s)
    return out


@dataclass
class SweepResult:
    pattern: str
    invariants: list
    rows: list = field(default_factory=list)      # dicts: spec, invariant, status, value, certified, seconds, cached
    seconds: float = 0.0
    computed: int = 0
    cached: int = 0
    failed: int = 0

    def to_dict(self) -> dict:
        return dict(vars(self))


def run_task(task: dict) -> dict:
    """Compute and store one task (in whatever process runs it); failures are stored too."""
    t0 = time.perf_counter()
    atlas = Atlas(task["atlas"])
    try:
        result, cached = compute(task["spec"], task["invariant"], task.get("options"), task.get("seed", 0),
                                 atlas, task.get("recompute", False), force=task.get("force", False))
        return {"id": task["id"], "status": "ok", "value": result.get("value"),
                "certified": result.get("certified"), "seconds": result.get("seconds"), "cached": cached}
    except Exception as exc:  # noqa: BLE001 - every failure is recorded with its reason
        reason = f"{type(exc).__name__}: {exc}"
        atlas.put_failure(task["spec"], task["invariant"], task.get("options"), task.get("seed", 0), reason,
                          time.perf_counter() - t0)
        return {"id": task["id"], "status": "failed", "reason": reason, "seconds": time.perf_counter() - t0}
    finally:
        atlas.close()


def _failure(task: dict, reason: str, seconds: float) -> dict:
    """Store a failed task (one the worker could not store itself) and give its answer."""
    with Atlas(task["atlas"]) as store:
        store.put_failure(task["spec"], task["invariant"], task.get("options"), task.get("seed", 0), reason,
                          seconds)
    return {"id": task["id"], "status": "failed", "reason": reason, "seconds": seconds}


def _run_local(tasks: list[dict], workers: int, timeout: float | None, on_done) -> None:
    """The tasks in the package's worker pool (:mod:`neuromanifold.pool`): a task that runs past
    ``timeout`` or whose worker dies is stored as failed with the reason."""
    from ..pool import Pool

    with Pool(min(workers, len(tasks)), timeout) as pool:
        by_job = {pool.submit("atlas.sweep:run_task", task).index: task for task in tasks}
        for job in pool.as_completed():
            task = by_job[job.index]
            if job.ok:
                answer = job.value
            else:
                reason = job.reason + (" (--task-timeout)" if job.reason.startswith("time limit") else "")
                answer = _failure(task, reason, job.seconds)
            on_done(task, answer)


def _run_dask(tasks: list[dict], scheduler: str, timeout: float | None, on_done) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise NeuromanifoldError("Dask distributed is not installed: pip install distributed") from exc
    try:
        client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise NeuromanifoldError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}; start one with "
                                 f"`dask scheduler` or drop --scheduler to run locally") from exc
    try:
        futures = {client.submit(run_task, t, pure=False): t for t in tasks}
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                answer = fut.result()
            except Exception as exc:  # noqa: BLE001
                answer = {"id": task["id"], "status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
            on_done(task, answer)
    finally:
        client.close()


def sweep(pattern: str, invariants, options: dict | None = None, seed: int = 0, *, atlas: str | None = None,
          workers: int | None = None, task_timeout: float | None = None, scheduler: str | None = None,
          recompute: bool = False, progress=None, force: bool = False) -> SweepResult:
    """Expand ``pattern``, skip what the atlas has, compute the rest in parallel (module docstring)."""
    t0 = time.perf_counter()
    names = [invariant_name(n) for n in (invariants.split(",") if isinstance(invariants, str) else invariants)]
    for name in names:
        if not registry.lookup(name).sweepable:
            raise NeuromanifoldError(f"{name} cannot be swept (it needs a point or data, or is not stored): "
                                     f"sweep one of {', '.join(registry.names(sweepable=True))}")
    if task_timeout is not None and not task_timeout > 0:
        raise NeuromanifoldError(f"task timeout {task_timeout}: give a positive number of seconds, e.g. "
                                 f"--task-timeout 60")
    specs = expand(pattern, force)
    errors, valid = [], []
    for text in specs:
        try:
            valid.append(parse(text))
        except NeuromanifoldError as exc:
            errors.append(exc)
    if not valid:                       # not one valid architecture: the pattern itself is wrong
        raise errors[0]
    if "ed_degree" in names and (options or {}).get("metric") is not None:
        from ..invariants.metrics import metric as make_metric

        make_metric(valid[0], options["metric"])     # an unknown name fails here, not in every task
    store = Atlas(atlas)
    path = store.path
    rows, tasks = [], []
    for text in specs:
        try:
            canonical = str(parse(text))
        except NeuromanifoldError as exc:
            for name in names:
                store.put_failure(text, name, question(name, options), seed, f"bad spec: {exc}")
                rows.append({"spec": text, "invariant": name, "status": "failed", "reason": f"bad spec: {exc}",
                             "cached": False})
            continue
        for name in names:
            asked = question(name, options)
            row = None if recompute else store.get(canonical, name, asked, seed)
            if current(row, name):
                rows.append({"spec": canonical, "invariant": name, "status": "ok", "value": row.value,
                             "certified": row.certified, "seconds": row.seconds, "cached": True})
            else:
                tasks.append({"id": len(tasks), "spec": canonical, "invariant": name, "options": asked,
                              "seed": seed, "atlas": path, "recompute": recompute, "force": force})
    store.close()
    done = {}

    def on_done(task, answer):
        done[task["id"]] = (task, answer)
        if progress is not None:
            progress(f"{task['invariant']} of {task['spec']}", len(done), len(tasks))

    if tasks:
        if scheduler:
            _run_dask(tasks, scheduler, task_timeout, on_done)
        else:
            _run_local(tasks, workers or os.cpu_count() or 1, task_timeout, on_done)
    for i in sorted(done):
        task, answer = done[i]
        rows.append({"spec": task["spec"], "invariant": task["invariant"], **answer, "cached": False})
    order = {s: i for i, s in enumerate(specs)}
    rows.sort(key=lambda r: (order.get(r["spec"], len(order)), names.index(r["invariant"])))
    return SweepResult(pattern, names, rows, time.perf_counter() - t0,
                       computed=sum(1 for r in rows if not r["cached"] and r["status"] == "ok"),
                       cached=sum(1 for r in rows if r["cached"]),
                       failed=sum(1 for r in rows if r["status"] == "failed"))
