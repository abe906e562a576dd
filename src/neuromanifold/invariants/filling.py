"""Does the network fill its ambient space, over C and over R, and how much of V(R) does M(R) hold?

* **Over C**: M is dense in V exactly when dim M = dim V (certified as the dimension is).
* **Over R**, when dim M < dim V, M(R) has measure zero: not filling.  When dim M = dim V, M(R)
  holds an open set but may miss another one.  Proofs used:

  - linear networks: a real matrix of rank <= r has a real rank factorisation, so M(R) = V(R)
    whenever M = V;
  - one hidden layer on binary forms, f = sum_j c_j (a_j x + b_j y)^d (activation x^d, one
    output, no bias): M(R) is the set of real forms of real Waring rank <= s (the width).  A
    binary form with d distinct real roots has real rank d, and so do all forms near it (Comon,
    Ottaviani, arXiv 1101.3264; the typical real ranks are floor(d/2)+1, ..., d, Blekherman,
    arXiv 1205.3257), and no real binary form has real rank above d.  So M(R) is dense in V(R) iff
    s >= d, and for s < d the form prod_i (x - t_i y), t_i = i - (d-1)/2, is a certified witness:
    it and an open neighbourhood lie outside M(R) (for d = 3 it is x^3 - x y^2, the seeds'
    example for mlp(widths=[2,2,1], activation="x^3")).

  Otherwise the answer stays open.  In every real case the fraction of random targets (Gaussian
  or Kostlan coefficients) that lie in M(R), decided by ``contains(..., field="real")``, is given
  with its 95% Wilson interval.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from dataclasses import field as _field

import numpy as np

from ..architectures import parse
from ..errors import NeuromanifoldError
from ..results import Result
from .dimension import dimension as compute_dimension

FIELDS = ("complex", "real")
TARGETS = ("gaussian", "kostlan")


@dataclass
class FillingResult(Result):
    field: str = "complex"
    dimension: int = 0
    ambient_dimension: int = 0
    proof: str = ""                       # why the value holds (or why it is open)
    witness: list | None = None           # a point of V(R) outside M(R), with a neighbourhood if certified
    witness_certified: bool = False
    samples: int = 0
    targets: str = "gaussian"
    contained: int = 0                    # sampled targets found in M(R)
    decided: int = 0                      # sampled targets whose membership was decided
    fraction: float | None = None         # contained / decided
    fraction_interval: list = _field(default_factory=list)    # 95% Wilson interval


def wilson_interval(k: int, n: int, z: float = 1.96) -> list:
    """The Wilson score interval of a binomial proportion k / n."""
    if n == 0:
        return []
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [float(max(0.0, centre - half)), float(min(1.0, centre + half))]


def _binary_real_rank_witness(d: int) -> np.ndarray:
    """Coefficients (x^d, x^(d-1) y, ..., y^d) of prod_i (x - t_i y), t_i = i - (d - 1) / 2."""
    poly = np.array([1.0])
    for i in range(d):
        poly = np.convolve(poly, [1.0, -(i - (d - 1) / 2)])
    return poly


def _real_proof(arch, param, dim: int) -> tuple[bool | None, str, np.ndarray | None]:
    """(fills over R, proof, witness coefficients) from the theorems of the module docstring."""
    if arch.matrix_form() is not None:
        return True, ("M is a set of matrices of bounded rank and M = V: every real matrix of rank <= r has a real rank "
                      "factorisation, so M(R) = V(R)"), None
    last = arch.last_layers()
    if (last is not None and last.inner_parameters == 0 and param.n_vars == 2 and last.outputs == 1
            and not last.affine and param.homogeneous):
        d, s = last.degree, last.terms
        if s >= d:
            return True, (f"binary forms of degree {d} have real Waring rank at most {d} <= width {s} "
                          f"(Comon-Ottaviani, arXiv 1101.3264; Blekherman, arXiv 1205.3257): M(R) is dense"), None
        return False, (f"a binary form of degree {d} with {d} distinct real roots has real Waring rank {d} > "
                       f"width {s}, and so has every form near it (Comon-Ottaviani, arXiv 1101.3264): an open "
                       f"set outside M(R)"), _binary_real_rank_witness(d)
    return None, "no theorem decides real filling for this architecture: see the sampled fraction", None


def filling(arch, field: str = "complex", *, samples: int = 40, targets: str = "gaussian",
            seed: int = 0, max_seconds: float = 120.0) -> FillingResult:
    """Whether M fills V over ``field`` (module docstring); over R also the sampled fraction of
    V(R) in M(R) from ``samples`` random targets (0 skips it; none are needed where a theorem proves
    M(R) dense).

    Parameters
    ----------
    arch : spec string or Architecture
    field : ``complex`` (dim M = dim V) or ``real`` (is M(R) dense in V(R)?); samples : random
        targets for the real fraction; targets : ``gaussian`` or ``kostlan``; seed; max_seconds : the
        sampling's time budget

    Returns
    -------
    FillingResult : ``value``, ``proof`` (the theorem used, or none), a ``witness`` outside M(R),
    the sampled ``fraction`` with its 95% interval.

    Example
    -------
    >>> filling('mlp(widths=[2,2,1], activation="x^3")', "real", samples=0).witness   # x^3 - x y^2
    [1.0, 0.0, -1.0, 0.0]
    """
    from ..landscape.census import instances
    from .membership import contains

    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    if field not in FIELDS:
        raise NeuromanifoldError(f"field {field!r}: use complex or real")
    if targets not in TARGETS:
        raise NeuromanifoldError(f"targets {targets!r}: use gaussian or kostlan")
    if samples < 0:
        raise NeuromanifoldError(f"samples = {samples}: give 0 (no sampling) or more")
    param = arch.parametrization()
    D = param.ambient_dimension
    dim = compute_dimension(arch, seed=seed)
    common = dict(spec=str(arch), invariant="filling", seed=seed, field=field, dimension=int(dim.value),
                  ambient_dimension=D, targets=targets)
    notes = [] if dim.certified else [f"the dimension is not certified ({dim.lower} <= dim <= {dim.upper})"]
    full = dim.value == D
    if field == "complex" or not full:
        proof = (f"dim M = {dim.value} {'=' if full else '<'} dim V = {D}"
                 + ("" if full else ": M(R) has measure zero in V(R)" if field == "real" else ""))
        return FillingResult(value=bool(full), certified=bool(dim.certified), method="dimension", proof=proof,
                             seconds=time.perf_counter() - t0, notes=notes,
                             fraction=None if full else (0.0 if field == "real" else None), **common)
    fills, proof, witness = _real_proof(arch, param, dim.value)
    witness_certified = witness is not None          # by the theorem (with its neighbourhood)
    if witness is not None:                           # and the membership test, where it runs
        try:
            check = contains(arch, witness, field="real", seed=seed)
            notes.append("the membership test agrees: the witness is not in M(R)" if check.value is False
                         else f"the membership test does not exclude the witness ({check.value})")
        except NeuromanifoldError as exc:
            notes.append(f"the membership test cannot check the witness: {exc}")
    contained = decided = 0
    if fills:                          # dense by a theorem: the fraction is 1 without sampling
        samples = 0
        fraction, interval = 1.0, [1.0, 1.0]
    else:
        U, _ = instances(D, samples, "euclidean", seed, targets=targets, arch=arch) if samples else ([], None)
        why, tried = None, 0
        for u in U:
            if time.perf_counter() - t0 > max_seconds:
                notes.append(f"sampling stopped after {tried} of {samples} targets (the time budget of "
                             f"{max_seconds:.0f} s; max_seconds= raises it)")
                samples = tried
                break
            tried += 1
            try:
                r = contains(arch, u, field="real", seed=seed)
            except NeuromanifoldError as exc:
                why = why or str(exc)
                continue
            if r.value is not None and (r.value or r.certified):
                decided += 1
                contained += bool(r.value)
        if decided < samples:
            notes.append(f"{samples - decided} of {samples} sampled targets undecided"
                         + (f" ({why})" if why else " (no real witness found, none excluded)")
                         + ": the fraction is over the decided ones")
        fraction, interval = (contained / decided if decided else None), wilson_interval(contained, decided)
    return FillingResult(
        value=fills, certified=fills is not None and bool(dim.certified),
        method="dimension, then real filling theorems; membership of random targets for the fraction",
        proof=proof, witness=None if witness is None else [float(v) for v in witness],
        witness_certified=witness_certified, samples=samples, contained=contained, decided=decided,
        fraction=fraction, fraction_interval=interval,
        seconds=time.perf_counter() - t0, notes=notes, **common)
