"""Invariants by name, computed once: the atlas answers when it has the result.

``compute(spec, invariant, options, seed, atlas)`` returns (result dict, cached?).  The invariant
names are those of the CLI (``dimension``, ``degree``, ``edd``/``ed_degree``, ``fiber``); options
are keyword arguments of the invariant (e.g. ``{"metric": "generic"}`` for ED degrees) and are
part of the key.
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
    options = dict(options or {})
    if atlas is not None and not recompute:
        row = atlas.get(canonical, name, options, seed)
        if row is not None and row.status == "ok":
            return row.result, True
    t0 = time.perf_counter()
    result = INVARIANTS[name](canonical, seed, **options)
    if atlas is not None:
        atlas.put(result, options)
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
    with Atlas(atlas) as store:
        row = None if recompute else store.get(canonical, name, options, seed)
        if row is not None and row.status == "ok":
            d = dict(row.result)
            d["notes"] = list(d.get("notes") or []) + [f"from the atlas {store.path} (computed {row.date}); "
                                                       f"--recompute computes it again"]
            return (load or (lambda x: StoredResult(**x)))(d)
        result = run()
        store.put(result, options)
        return result
