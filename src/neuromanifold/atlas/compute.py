"""Invariants by name, computed once: the atlas answers when it has the result.

``compute(spec, invariant, options, seed, atlas)`` returns (result dict, cached?).  The invariant
names are those of the CLI (``dimension``, ``degree``, ``edd``/``ed_degree``, ``fiber``); options
are keyword arguments of the invariant (e.g. ``{"metric": "generic"}`` for ED degrees) and the
key holds all of them, defaults filled in (:func:`question`); a row of another revision of its
invariant (:data:`REVISIONS`) is stale and computed again.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

from ..architectures import parse
from ..errors import NeuromanifoldError
from .store import Atlas


def _dimension(spec, seed, **kw):
    from ..invariants.dimension import dimension
    return dimension(spec, seed=seed, **kw)


def _degree(spec, seed, **kw):
    from ..invariants.degree import degree
    return degree(spec, seed=seed, **kw)


def _ed_degree(spec, seed, **kw):
    from ..invariants.ed_degree import ed_degree
    return ed_degree(spec, seed=seed, **kw)


def _fiber(spec, seed, **kw):
    from ..invariants.fiber import fiber
    return fiber(spec, seed=seed, **kw)


INVARIANTS = {"dimension": _dimension, "degree": _degree, "ed_degree": _ed_degree, "fiber": _fiber}
ALIASES = {"dim": "dimension", "edd": "ed_degree", "fibre": "fiber"}

#: The revision of each stored question: raised when the code answers it differently (new fields,
#: a new bound, a corrected count), so that rows of older revisions are recomputed, not served.
#: dimension 2: the last-two-layer secant bound; ed_degree 2: the msolve recount; fiber 2: loops of
#: growing size (a fibre had been split in two); others 1.
REVISIONS = {"dimension": 2, "ed_degree": 2, "fiber": 2}

#: Keyword arguments that do not change the answer (they are not part of the question).
_NOT_QUESTION = {"seed", "progress", "force", "dimension_result"}


def revision(name: str) -> int:
    return REVISIONS.get(name, 1)


def _function(name: str):
    import importlib

    module, attr = {"dimension": ("..invariants.dimension", "dimension"),
                    "degree": ("..invariants.degree", "degree"),
                    "ed_degree": ("..invariants.ed_degree", "ed_degree"),
                    "fiber": ("..invariants.fiber", "fiber")}[name]
    return getattr(importlib.import_module(module, __package__), attr)


def question(name: str, options: dict | None) -> dict:
    """The complete option set of a question: every option of the invariant's function that
    changes its answer, with its default where not given (``None`` also means the default; options
    the function does not take, such as a sweep's metric for ``dimension``, are dropped), so that
    ``dim`` and ``sweep`` ask the same question.  Other stored names keep their options.

    >>> question("dimension", {"points": 3, "numerical": None, "metric": "generic"})
    {'prime': None, 'points': 3, 'numerical': 'auto'}
    """
    import inspect

    given = dict(options or {})
    if name not in INVARIANTS:
        return given
    full = {p.name: p.default for p in inspect.signature(_function(name)).parameters.values()
            if p.default is not inspect.Parameter.empty and p.name not in _NOT_QUESTION}
    for key, value in given.items():
        if key in full and value is not None:       # options of other invariants are not this question's
            full[key] = value
    return full


def current(row, name: str) -> bool:
    """Whether a stored row answers the question as this code would (an ``ok`` row of the invariant's
    current revision)."""
    return row is not None and row.status == "ok" and row.revision == revision(name)


def invariant_name(name: str) -> str:
    key = ALIASES.get(name.strip(), name.strip())
    if key not in INVARIANTS:
        raise NeuromanifoldError(f"unknown invariant {name!r}: use one of {', '.join(INVARIANTS)} "
                                 f"(or {', '.join(ALIASES)})")
    return key


def compute(spec: str, invariant: str, options: dict | None = None, seed: int = 0,
            atlas: Atlas | None = None, recompute: bool = False) -> tuple[dict, bool]:
    """(result dict, whether it came from the atlas); the result is stored when computed."""
    name = invariant_name(invariant)
    canonical = str(parse(spec))
    options = question(name, options)
    if atlas is not None and not recompute:
        row = atlas.get(canonical, name, options, seed)
        if current(row, name):
            return row.result, True
    t0 = time.perf_counter()
    result = INVARIANTS[name](canonical, seed, **options)
    if atlas is not None:
        atlas.put(result, options, revision=revision(name))
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


def through_atlas(invariant: str, spec: str, options: dict | None, seed: int, run, *, atlas: str | None = None,
                  recompute: bool = False, load=None):
    """The stored result of (spec, invariant, options, seed) if the atlas has it (unless
    ``recompute``), else ``run()``, stored before it is returned.  ``load`` rebuilds a result
    object from its stored dict (default: a StoredResult with the fields as attributes)."""
    name = invariant_name(invariant) if invariant in INVARIANTS or invariant in ALIASES else invariant
    canonical = str(parse(spec))
    options = question(name, options)
    with Atlas(atlas) as store:
        row = None if recompute else store.get(canonical, name, options, seed)
        if current(row, name):
            d = dict(row.result)
            d["notes"] = list(d.get("notes") or []) + [f"from the atlas {store.path} (computed {row.date}); "
                                                       f"--recompute computes it again"]
            return (load or (lambda x: StoredResult(**x)))(d)
        result = run()
        if row is not None and row.status == "ok" and hasattr(result, "notes"):
            result.notes = list(result.notes) + [
                f"the atlas held a stale row (revision {row.revision}, version {row.version}; now revision "
                f"{revision(name)}): computed again and replaced"]
        store.put(result, options, revision=revision(name))
        return result
