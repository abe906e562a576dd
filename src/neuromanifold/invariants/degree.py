"""Degree of a neuromanifold: deg M = #(M ∩ L) for a generic affine L of codimension dim M.

Method (pseudo-witness set, :mod:`.witness`): solve G(lambda; b0) = 0 by
monodromy in b, keeping one lambda per image point (sameness is decided on
the images f_theta(lambda), compared to relative tolerance ``rtol``).  After
every loop that finds no new image point the trace test runs (the sum of the
image points must be affine-linear along a parallel pencil b0 + s delta); it
ends the search when it passes.  ``stall_loops`` loops in a row without news
end it too; then a failed trace test resumes monodromy with more loops.  The image points found are
certified: each lambda by a Krawczyk test on G, then the enclosures of their
images, evaluated in ball arithmetic, must be pairwise disjoint, giving a
certified lower bound ``certified_count`` <= deg M (distinct points of M ∩ L
for an L meeting M properly).  ``certified`` is true when the certified
count equals the value and the trace test passed.  Filling architectures
(dim M = dim V) have degree 1 without solving.

Optionally (``msolve=True``) the same count by exact Groebner bases over F_p:
the number of solutions of the witness system divided by the number on one
fibre (both degrees of zero-dimensional ideals, from msolve), at random
integer data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..architectures import parse
from ..errors import TooLargeError
from ..homotopy.certify import certify as krawczyk
from ..homotopy.certify import image_groups
from ..homotopy.monodromy import monodromy_solve
from ..homotopy.system import Map, family_member
from ..homotopy.trace import TraceCheck
from ..results import Result
from .dimension import dimension as compute_dimension
from .witness import ImageSlice

#: Refuse (unless forced) pseudo-witness systems with more unknowns than this.
MAX_UNKNOWNS = 60


@dataclass
class DegreeResult(Result):
    dimension: int = 0
    ambient_dimension: int = 0
    filling: bool = False
    paths: int = 0
    failed_paths: int = 0
    certified_count: int = 0
    trace_test: dict = field(default_factory=dict)
    loops: int = 0
    rtol: float = 1e-6
    msolve: dict | None = None
    components: list = field(default_factory=list)   # per irreducible component, where M is reducible


def image_map(ws) -> Map:
    """lambda -> the image coordinates of a slice (ImageSlice or CriticalSlice), as a system with
    the slice's data (one per architecture, slice kind and dimension), for disk enclosures."""
    return family_member(("image-map", type(ws).__name__, str(ws.param.arch), ws.k),
                         lambda: Map(lambda lam, p, data: ws.image_at(lam, data), ws.k, 0,
                                     f"image map of {ws.param.arch}", ws.data), ws.data)


def image_enclosure_groups(ws, cert) -> np.ndarray:
    """Group the certified lambdas of a slice whose image enclosures overlap
    (:func:`~neuromanifold.homotopy.certify.image_groups` of the slice's image map)."""
    return image_groups(cert, image_map(ws))


def degree(arch, *, seed: int = 0, stall_loops: int = 5, rtol: float = 1e-6, certify: bool = True,
           msolve: bool = False, force: bool = False, dimension_result=None,
           progress=None) -> DegreeResult:
    """Degree of the Zariski closure of the neuromanifold: #(M ∩ L) for a generic affine L of
    codimension dim M (module docstring: pseudo-witness set by monodromy, trace test, Krawczyk).

    Parameters
    ----------
    arch : spec string or Architecture
    seed : random seed of the slice and the loops
    stall_loops : monodromy loops without news before the trace test decides; rtol : relative
        distance of equal image points; certify : certify the distinct image points; msolve : count
        again by exact Groebner bases over F_p; force, progress : as for :func:`dimension`

    Returns
    -------
    DegreeResult : ``value`` (deg M), ``certified_count`` (a certified lower bound), ``trace_test``.

    Example
    -------
    >>> degree("linear(widths=[3,1,3])").value     # the Segre variety P^2 x P^2: binom(4, 2)
    6
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    if arch.components() is not None:         # a reducible M: the components' degrees
        return _by_components(arch, seed, stall_loops, rtol, certify, force, progress, t0)
    param = arch.parametrization()
    dim = dimension_result or compute_dimension(arch, seed=seed)
    k = int(dim.value)
    common = dict(spec=str(arch), invariant="degree", seed=seed, dimension=k,
                  ambient_dimension=param.ambient_dimension)
    if not dim.certified:
        notes = [f"the dimension is not certified ({dim.lower} <= dim <= {dim.upper}); the degree is "
                 f"computed for the slice dimension {k}"]
    else:
        notes = []
    if k == param.ambient_dimension:
        return DegreeResult(value=1, certified=bool(dim.certified), lower=1, upper=1,
                            method="filling: M is dense in V, so its closure is V, of degree 1",
                            seconds=time.perf_counter() - t0, filling=True, certified_count=1,
                            trace_test={"passed": True, "residual": 0.0, "failed_paths": 0},
                            notes=notes, **common)
    if k > MAX_UNKNOWNS and not force:
        raise TooLargeError(f"the pseudo-witness system of {arch} has {k} unknowns (> {MAX_UNKNOWNS}); "
                            f"pass force=True (--force) to try anyway", {"unknowns": k})
    ws = ImageSlice(param, k, seed)
    count = _witness_count(ws, seed, stall_loops, rtol, certify, progress)
    value, certified_count, trace = count.value, count.certified_count, count.trace
    msolve_info = None
    if msolve:
        msolve_info = degree_by_msolve(ws, seed)
        if msolve_info.get("degree") is not None and msolve_info["degree"] != value:
            notes.append(f"msolve over F_{msolve_info['prime']} gives {msolve_info['degree']}, "
                         f"monodromy {value}: they disagree")
    ok = count.complete and certified_count == value and bool(dim.certified)
    return DegreeResult(
        value=value, certified=ok and certify, lower=certified_count if certify else None, upper=None,
        method="pseudo-witness set by monodromy (one point per image), trace test, Krawczyk "
               "certification of the distinct image points",
        seconds=time.perf_counter() - t0, paths=count.paths, failed_paths=count.failed,
        certified_count=certified_count, trace_test=trace, loops=count.loops, rtol=rtol, msolve=msolve_info,
        notes=notes, **common)


@dataclass
class Count:
    """One variety's count by monodromy (a degree or an ED degree): the count, the distinct points
    certified by Krawczyk (a lower bound), whether the search ended complete (by the trace test),
    the last trace test, the search's loops, paths and failed paths, how it stopped, and notes."""

    value: int
    certified_count: int
    complete: bool
    trace: dict
    loops: int
    paths: int
    failed: int
    stopped: str = ""
    notes: list = field(default_factory=list)


def _witness_count(ws: ImageSlice, seed: int, stall_loops: int, rtol: float, certify: bool, progress) -> Count:
    """#(M ∩ L) on the slice ``ws``: monodromy from one seed point until the trace test passes (up to 4
    rounds of longer stalls), then Krawczyk boxes of the distinct image points."""
    rng = np.random.default_rng([seed, 41])
    lam0, b0 = ws.seed_point(rng)
    found = lam0[None]
    loops = paths = failed = 0
    check = TraceCheck(ws.system, b0, ws.images, seed=seed)
    trace: dict = {}
    for attempt in range(4):
        mono = monodromy_solve(ws.system, found, b0, stall_loops=stall_loops * (attempt + 1),
                               rtol=rtol, seed=seed + 100 * attempt, key=ws.images, progress=progress,
                               complete=check)
        found = mono.solutions
        loops, paths, failed = loops + mono.loops, paths + mono.paths, failed + mono.failed_paths
        trace = check.test(found).to_dict()
        if trace["passed"]:
            break
    certified_count = 0
    if certify:
        groups = image_enclosure_groups(ws, krawczyk(ws.system, found, b0))
        certified_count = len(set(groups[groups >= 0].tolist()))
    return Count(len(found), certified_count, bool(trace.get("passed")), trace, loops, paths, failed,
                 mono.stopped)


def degree_by_msolve(ws: ImageSlice, seed: int = 0, prime: int = 1_073_741_789) -> dict:
    """deg M = #(witness solutions) / #(solutions on one fibre), both counted by msolve over F_p."""
    from ..backends import msolve as ms

    if ms.binary() is None:
        return {"degree": None, "reason": "msolve is not installed"}
    rng = np.random.default_rng([seed, 59])
    witness, fibre, names = ws.modular_systems(prime, rng)
    total = ms.count(witness, names, prime)
    per = ms.count(fibre, names, prime)
    deg = None
    if total.dimension == 0 and per.dimension == 0 and per.degree:
        deg = total.degree // per.degree if total.degree % per.degree == 0 else None
    return {"degree": deg, "witness_solutions": total.degree, "fibre_solutions": per.degree,
            "prime": prime, "seconds": total.seconds + per.seconds}


def _by_components(arch, seed: int, stall_loops: int, rtol: float, certify: bool, force: bool, progress,
                   t0: float) -> DegreeResult:
    """A reducible M (equivariant linear networks): deg M = the sum of the degrees of its components of
    the largest dimension.  Each component's degree comes from the closed formula (a product of
    determinantal degrees, :mod:`.components`) and again as the pseudo-witness count by monodromy on
    the component's parametrization (:class:`~neuromanifold.architectures.equivariant.
    ComponentParametrization`), a second method; the value is certified when the two agree on every
    component and each count passed its trace test with every image point certified."""
    from .components import component_invariants, described

    info = component_invariants(arch, seed=seed)
    rows, notes, agree, complete = [], described(info, "degree"), True, True
    paths = failed = loops = 0
    for row, cp in zip(info["components"], arch.component_parametrizations()):
        k = cp.dimension
        if k > MAX_UNKNOWNS and not force:
            rows.append(dict(row, homotopy=None))
            notes.append(f"{cp.component.label}: the pseudo-witness system has {k} unknowns (> {MAX_UNKNOWNS}), "
                         f"so only the closed formula counts it; pass force=True (--force) to count it again")
            complete = False
            continue
        c = _witness_count(ImageSlice(cp, k, seed), seed, stall_loops, rtol, certify, progress)
        paths, failed, loops = paths + c.paths, failed + c.failed, loops + c.loops
        complete &= c.complete and (not certify or c.certified_count == c.value)
        agree &= c.value == row["degree"]
        rows.append(dict(row, homotopy=c.value, certified_count=c.certified_count, trace_test=c.trace))
    notes.append("the pseudo-witness counts by monodromy on each component's parametrization "
                 + ("agree with the closed formula" if agree else "DISAGREE with the closed formula: "
                    + ", ".join(f"{r['component']} {r['homotopy']} vs {r['degree']}" for r in rows
                                if r["homotopy"] is not None and r["homotopy"] != r["degree"])))
    return DegreeResult(
        spec=str(arch), invariant="degree", seed=seed, value=info["degree"],
        certified=bool(info["checked"] and agree and complete and certify), lower=None, upper=None,
        method="sum of the degrees of the top-dimensional components: products of determinantal degrees, "
               "and a pseudo-witness set by monodromy on each component's parametrization as a second method",
        seconds=time.perf_counter() - t0, dimension=info["dimension"], ambient_dimension=info["ambient_dimension"],
        components=rows, notes=notes, certified_count=None, paths=paths, failed_paths=failed, loops=loops)
