"""Invariants by name, computed once: the atlas answers when it has the result.

``compute(spec, invariant, options, seed, atlas)`` returns (result dict, cached?).  The names, the
complete questions (:func:`~neuromanifold.registry.question`: every option with its default, so
that ``dim`` and ``sweep`` ask the same question) and the revisions come from
:mod:`neuromanifold.registry`; a row of another revision of its invariant is stale and computed
again.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

from .. import registry
from ..architectures import parse
from ..errors import NeuromanifoldError
from .store import Atlas

question = registry.question
revision = registry.revision


def invariant_name(name: str) -> str:
    """The stored name of an invariant or alias; a clear error for an unknown one."""
    return registry.lookup(name).name


def current(row, name: str) -> bool:
    """Whether a stored row answers the question as this code would (an ``ok`` row of the invariant's
    current revision)."""
    return row is not None and row.status == "ok" and row.revision == revision(name)


def compute(spec: str, invariant: str, options: dict | None = None, seed: int = 0,
            atlas: Atlas | None = None, recompute: bool = False, **extra) -> tuple[dict, bool]:
    """(result dict, whether it came from the atlas); the result is stored when computed.  ``extra``
    (``force``, ``progress``) is passed to the function and is not part of the question."""
    entry = registry.lookup(invariant)
    canonical = str(parse(spec))
    options = question(entry.name, options)
    if atlas is not None and not recompute:
        row = atlas.get(canonical, entry.name, options, seed)
        if current(row, entry.name):
            return row.result, True
    t0 = time.perf_counter()
    result = entry.call(canonical, seed, options, **extra)
    if atlas is not None and entry.cached:
        atlas.put(result, options, revision=entry.revision)
    d = result.to_dict()
    d.setdefault("seconds", time.perf_counter() - t0)
    return d, False


class StoredResult(SimpleNamespace):
    """A result read back from the atlas: the stored fields as attributes."""

    def to_dict(self) -> dict:
        return dict(vars(self))

    def to_json(self, indent: int | None = 2) -> str:
        import json

        return json.dumps(self.to_dict(), indent=indent)


def through_atlas(invariant: str, spec: str, options: dict | None, seed: int, run=None, *,
                  atlas: str | None = None, recompute: bool = False, load=None, **extra):
    """The stored result of (spec, invariant, options, seed) if the atlas has it (unless
    ``recompute``), else ``run()`` (default: the registry's function with these options and
    ``extra``), stored before it is returned.  ``load`` rebuilds a result object from its stored
    dict (default: the registry's loader, else a StoredResult with the fields as attributes)."""
    entry = registry.lookup(invariant) if registry.known(invariant) else None
    name = entry.name if entry else invariant
    canonical = str(parse(spec))
    options = question(name, options)
    if run is None:
        if entry is None:
            raise NeuromanifoldError(f"{invariant!r} is not in the registry: pass run=")
        run = lambda: entry.call(spec, seed, options, **extra)          # noqa: E731
    load = load or (entry.loader() if entry else None) or (lambda x: StoredResult(**x))
    with Atlas(atlas) as store:
        row = None if recompute else store.get(canonical, name, options, seed)
        if current(row, name):
            d = dict(row.result)
            d["notes"] = list(d.get("notes") or []) + [f"from the atlas {store.path} (computed {row.date}); "
                                                       f"--recompute computes it again"]
            return load(d)
        result = run()
        if row is not None and row.status == "ok" and hasattr(result, "notes"):
            result.notes = list(result.notes) + [
                f"the atlas held a stale row (revision {row.revision}, version {row.version}; now revision "
                f"{revision(name)}): computed again and replaced"]
        store.put(result, options, revision=revision(name))
        return result
