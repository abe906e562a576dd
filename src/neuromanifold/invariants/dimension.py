"""Dimension of a neuromanifold, with certified lower and upper bounds.

dim M is the generic rank of the Jacobian d mu (fibre-dimension theorem:
dim M = N - dim of the generic fibre).  We compute, at random points:

* a certified **lower bound**: the exact rank over F_p of the evaluation
  Jacobian J(theta) = d/dtheta (f_theta(x_1), ..., f_theta(x_m)) at a random
  integer point (theta, x) reduced mod p.  Why it is a lower bound on the
  generic rank over Q: J = A d mu(theta) with A the evaluation matrix, so
  rank J <= rank d mu(theta); a nonzero r x r minor mod p is a nonzero integer
  (rational, the denominators being prime to p), so rank over Q at that point
  >= rank mod p; and the rank at any point is at most the generic rank.
* a certified **upper bound**: min(dim V, N - rank T(theta)), where the
  columns of T(theta) are the infinitesimal action of the known symmetry group
  (polynomial vector fields with d mu T = 0).  The orbit of a generic theta
  lies in its fibre, so dim M <= N - dim(orbit) <= N - rank T(theta) (rank at
  one point <= generic rank, and rank mod p <= rank over Q); this holds
  whether or not the group acts freely.
* for MLPs with a power activation, a second **upper bound** from the last two
  layers, f = F o g with F on a secant variety of a Veronese variety
  (Massarenti--Mella, arXiv 2511.19703; :mod:`.secant`); the smaller bound is
  used and ``upper_bound`` names it.
* a numerical rank (SVD of the float Jacobian at a random real point), with
  the gap between the last kept and first dropped singular value.

When lower = upper the dimension is certified.  Otherwise the lower bound is
the largest exact rank seen at ``points`` independent random points and
``error_probability`` bounds the chance that the generic rank is larger
(Schwartz--Zippel: an (r+1)-minor is a polynomial of degree
D <= (r+1)(deg_theta mu - 1 + deg_x f) vanishing at k independent uniform
points with probability <= (D/p)^k, assuming p is not one of the finitely many
primes where the generic rank drops).

Number of sample points: m = min(dim V_1, upper) where V_1 is the space of
one output's polynomials: m >= dim V_1 makes A injective on V, and m >= r
generic points already keep the rank of an r-dimensional image, so m points
never lose rank for generic choices.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from math import ceil

import numpy as np

from ..architectures import parse
from ..progress import say as report
from ..backends import exact_rank
from ..backends import jacobians as jb
from ..backends import primefield as pf
from ..backends.numeric_rank import numerical_rank, svd_seconds_estimate
from ..errors import TooLargeError
from ..guards import MAX_SECONDS, available_memory
from ..results import Result
from .secant import secant_bound

#: Exact-rank work units (rows * cols * min(rows, cols)) per second on two cores, measured.
RATE = {pf.P21: 4.5e10, pf.P26: 2.2e10}
#: Up to this much work the larger prime P26 is used (better probability bounds).
P26_WORK = 2.0e11
#: Run the numerical SVD automatically when it should take less than this.
AUTO_SVD_SECONDS = 20.0
#: Extra columns kept when the Jacobian is restricted to a random subset of parameters.
COLUMN_MARGIN = 16


@dataclass
class DimensionResult(Result):
    """Result of :func:`dimension`; see the module docstring for the meaning of the bounds."""

    ambient_dimension: int = 0
    parameters: int = 0
    filling: bool = False
    fiber_dimension: int | None = None
    expected_dimension: int | None = None
    defect: int | None = None
    symmetry_dimension: int = 0
    orbit_dimension: int | None = None  # None when not needed (N - generators >= dim V)
    symmetry: str = ""
    prime: int | None = None
    samples: int = 0
    jacobian_shape: list = field(default_factory=list)
    columns: int = 0
    exact_ranks: list = field(default_factory=list)
    error_probability: float | None = None
    numerical_rank: int | None = None
    singular_value_gap: float | None = None
    sigma_last_kept: float | None = None
    sigma_first_dropped: float | None = None
    upper_bound: str = ""                 # which bound gave ``upper``
    components: list = field(default_factory=list)   # per irreducible component, where M is reducible
    secant_bound: dict | None = None      # the last-two-layer bound and its ingredients (secant.py)


def rank_work(rows: int, cols: int) -> float:
    return float(rows) * cols * min(rows, cols)


def estimate(arch, prime: int | None = None) -> dict:
    """Predicted size, memory and time of a certified ``dimension`` (before any computation)."""
    param = parse(arch).parametrization()
    N, dimV = param.n_params, param.ambient_dimension
    g = param.symmetry.generators
    upper = min(dimV, N)
    m = max(1, min(len(param.basis), upper))
    rows = m * param.n_outputs
    cols = min(N, upper + COLUMN_MARGIN)
    sym_work = 0.0 if N - g >= dimV else rank_work(N, g)
    work = rank_work(rows, cols) + sym_work
    p = prime or (pf.P26 if work <= P26_WORK else pf.P21)
    seconds = work / RATE.get(p, RATE[pf.P26]) + rows * N * 2e-8
    memory = 8.0 * (3 * rows * N + (0 if sym_work == 0 else 2 * N * g))
    return {"rows": rows, "columns": N, "samples": m, "prime": p, "seconds": seconds, "bytes": memory,
            "svd_seconds": svd_seconds_estimate(rows, N)}


def _guard(arch, est: dict) -> None:
    avail = available_memory()
    too_slow = est["seconds"] > MAX_SECONDS
    too_big = est["bytes"] > 0.8 * avail
    if too_slow or too_big:
        raise TooLargeError(
            f"dimension of {arch} needs an exact {est['rows']:,} x {est['columns']:,} Jacobian: about "
            f"{est['seconds'] / 60:,.0f} min and {est['bytes'] / 2**30:,.1f} GiB "
            f"(this machine has {avail / 2**30:,.1f} GiB free); pass force=True (--force) to run anyway",
            est)


def dimension(arch, *, seed: int = 0, prime: int | None = None, points: int = 3,
              numerical: bool | str = "auto", force: bool = False, progress=None) -> DimensionResult:
    """Certified dimension of the neuromanifold M = closure of mu(C^N) of ``arch``.

    The lower bound is the exact rank of d mu over F_p at random points (a rank at a point never
    exceeds the generic rank), the upper bound the least of N - dim G (the known symmetries) and
    the last-two-layer secant bound (Alexander--Hirschowitz, Massarenti--Mella arXiv 2511.19703);
    the value is certified when they meet.

    Parameters
    ----------
    arch : spec string or Architecture
    seed : random seed of the points (part of the result)
    prime : the prime of the exact ranks (default 2^26 - 5); points : further random points tried
        when the bounds differ; numerical : run the float SVD (True), skip it (False) or run it when
        cheap ("auto"); force : run past the size estimate; progress : ``progress(message, done, total)``

    Returns
    -------
    DimensionResult : ``value`` (dim M), ``lower``/``upper``, ``certified``, the bounds used.

    Example
    -------
    >>> r = dimension("linear(widths=[3,1,3])")   # 3 x 3 matrices of rank <= 1: 1 (3 + 3 - 1)
    >>> r.value, r.certified
    (5, True)
    """
    start = time.perf_counter()
    arch = parse(arch)
    if arch.piecewise_linear():
        return _functional(arch, seed, prime)
    if arch.components() is not None:
        return _by_components(arch, seed, start)
    param = arch.parametrization()
    def say(message: str) -> None:
        report(progress, message)
    N, dimV, dout = param.n_params, param.ambient_dimension, param.n_outputs
    group = param.symmetry
    est = estimate(arch, prime)
    if not force:
        _guard(arch, est)
    p = pf.check_prime(prime) if prime is not None else est["prime"]
    rng = np.random.default_rng(seed)
    notes: list[str] = []

    def exact_point(shortcuts: bool):
        """Exact (rank of J, orbit dimension, upper bound, samples, J shape, columns used) at a fresh
        random point.  The shortcut (a random subset of columns, redone in full when it loses rank)
        keeps J square-ish; every rank found is still a valid bound."""
        theta = pf.random_residues(rng, N, p)
        orbit, keep = 0, np.arange(N)
        if group.generators and N - group.generators >= dimV:
            # The orbit has dimension <= generators, so N - orbit >= dim V: the cap decides.
            orbit = None
        elif group.generators:
            say("exact infinitesimal symmetry action over F_p")
            T = jb.exact_symmetry_tangents(param, theta, p)
            say(f"rank of the symmetry action ({N:,} x {T.shape[1]:,})")
            orbit, pivots = exact_rank.independent_rows(T, p)
            # J T = 0 and T[pivots] has full row rank, so the columns of J at the pivots are
            # combinations of the others: dropping them keeps rank J.
            keep = np.setdiff1d(np.arange(N), pivots)
        upper = dimV if orbit is None else min(dimV, N - orbit)
        m = max(1, min(len(param.basis), upper))
        X = pf.random_residues(rng, (m, param.n_vars), p)
        say(f"exact Jacobian over F_p ({m * dout:,} x {N:,})")
        J = jb.exact_jacobian(param, theta, X, p)[:, keep]
        cols = len(keep)
        if shortcuts and cols > upper + COLUMN_MARGIN:
            subset = np.sort(rng.choice(cols, size=upper + COLUMN_MARGIN, replace=False))
            say(f"exact rank over F_p ({J.shape[0]:,} x {len(subset):,})")
            r = exact_rank.rank(J[:, subset], p)
            if r == upper:
                return r, orbit, upper, m, (J.shape[0], N), len(subset)
        say(f"exact rank over F_p ({J.shape[0]:,} x {cols:,})")
        r = exact_rank.rank(J, p)
        return r, orbit, upper, m, (J.shape[0], N), cols

    last = arch.last_layers()
    secant = secant_bound(last, seed) if last is not None else None
    r, orbit, upper, m, shape, cols = exact_point(shortcuts=True)
    symmetric_upper = upper
    if secant is not None:
        upper = min(upper, secant.value)
    ranks, orbits = [r], [orbit]
    if r < upper:
        for k in range(points):
            say(f"bounds differ ({r} < {upper}): exact rank at another random point ({k + 1}/{points})")
            r_k, o_k, u_k, _, _, _ = exact_point(shortcuts=False)
            ranks.append(r_k)
            orbits.append(o_k)
            upper = min(upper, u_k)
            symmetric_upper = min(symmetric_upper, u_k)
            if max(ranks) == upper:
                break
    lower = max(ranks)
    known = [o for o in orbits if o is not None]
    orbit = max(known) if known else None
    expected = dimV if orbit is None else int(min(dimV, N - orbit))
    certified = lower == upper
    by_secant = secant is not None and secant.value < symmetric_upper
    bound_used = secant.text if by_secant else "symmetry: N minus the rank of the symmetry action, capped by dim V"
    if by_secant:
        notes.append(f"upper bound {upper} from the last two layers ({secant.text}); the symmetries alone "
                     f"give {symmetric_upper}")
    error_probability = None
    if not certified:
        degree = (lower + 1) * max(1, param.theta_degree - 1 + param.x_degree)
        error_probability = min(1.0, degree / p) ** len(ranks)
        room = (f"the last-two-layer bound ({secant.text})" if by_secant
                else f"the known symmetries ({group.description})")
        notes.append(
            f"not certified: {room} leave room for dimension {upper}; "
            f"the exact rank never exceeded {lower} at {len(ranks)} random points, so the dimension is "
            f"{lower} with probability at least 1 - {error_probability:.2g}")

    result = DimensionResult(
        spec=str(arch), invariant="dimension", value=int(lower), certified=bool(certified),
        lower=int(lower), upper=int(upper),
        method=("exact rank over F_p of the evaluation Jacobian at random integer points (lower bound); "
                + ("the Massarenti-Mella bound from the last two layers (upper bound)" if by_secant else
                   "N minus the exact rank of the infinitesimal symmetry action, capped by dim V (upper bound)")),
        seed=seed, notes=notes, ambient_dimension=dimV, parameters=N, filling=bool(lower == dimV),
        fiber_dimension=N - lower, expected_dimension=expected,
        defect=int(expected - lower), symmetry_dimension=group.dimension,
        orbit_dimension=None if orbit is None else int(orbit),
        symmetry=group.description + (f"; {group.fields} fibre fields: {group.fields_description}"
                                      if group.fields else ""),
        prime=p, samples=m,
        jacobian_shape=[int(shape[0]), int(shape[1])], columns=int(cols), exact_ranks=[int(x) for x in ranks],
        error_probability=error_probability, upper_bound=bound_used,
        secant_bound=None if secant is None else {
            "value": secant.value, "inner": secant.inner, "secant_dimension": secant.secant,
            "variables": secant.variables, "degree": secant.degree, "terms": secant.terms,
            "outputs": secant.outputs, "terracini_rank": secant.terracini})

    run_svd = numerical is True or (numerical == "auto" and est["svd_seconds"] <= AUTO_SVD_SECONDS)
    if run_svd:
        say(f"numerical rank (SVD of a {shape[0]:,} x {N:,} float Jacobian)")
        theta_f = param.random_params(rng)
        X_f = param.random_inputs(rng, m)
        J = jb.numeric_jacobian(param, theta_f, X_f)
        if not np.all(np.isfinite(J)):
            notes.append("numerical SVD skipped: the float Jacobian overflows at random points (its entries "
                         "are beyond double precision); the exact bounds do not need it")
        else:
            nr = numerical_rank(J)
            result.numerical_rank = nr.rank
            result.singular_value_gap = nr.gap
            result.sigma_last_kept = nr.last_kept
            result.sigma_first_dropped = nr.first_dropped
            if nr.rank != lower:
                notes.append(f"the numerical rank ({nr.rank}) differs from the exact rank ({lower}): the "
                             f"float Jacobian is ill-conditioned here; trust the exact bounds")
    else:
        notes.append(f"numerical SVD skipped ({shape[0]:,} x {N:,} would take about "
                     f"{ceil(est['svd_seconds'] / 60)} min); the exact bounds do not need it "
                     f"(numerical=True / --numerical runs it)")
    result.seconds = time.perf_counter() - start
    return result


def _functional(arch, seed: int, prime: int | None) -> DimensionResult:
    """A piecewise-linear family's dimension: its functional dimension (GLMW, arXiv 2209.04036),
    the largest value over random theta, with the frequencies in the notes."""
    from .relu import functional_dimension

    r = functional_dimension(arch, seed=seed, prime=prime)
    return DimensionResult(
        spec=r.spec, invariant="dimension", value=r.value, certified=False, lower=r.lower, upper=r.bound,
        method="functional dimension: " + r.method, seconds=r.seconds, seed=seed,
        notes=r.notes + ["a piecewise-linear family: the dimension can differ between open regions of "
                         "parameter space, so the value is the largest found, not certified"],
        parameters=r.parameters, symmetry_dimension=arch.rescalings, symmetry=arch.symmetry().description,
        prime=r.prime, samples=r.draws,
        upper_bound="n_params - hidden neurons (positive rescalings)")


def _by_components(arch, seed: int, start: float) -> DimensionResult:
    """A reducible M (equivariant linear networks): the largest dimension of its components."""
    from .components import component_invariants, described

    info = component_invariants(arch, seed=seed)
    d = info["dimension"]
    return DimensionResult(
        spec=str(arch), invariant="dimension", value=d, certified=bool(info["checked"]), lower=d, upper=d,
        method="components of the equivariant maps of bounded rank (products of determinantal varieties), "
               "each checked at a random point (equivariance, rank, numerical tangent dimension)",
        seconds=time.perf_counter() - start, seed=seed, notes=described(info, "dimension"),
        ambient_dimension=info["ambient_dimension"], components=info["components"],
        upper_bound="Kohn-Sattelberger-Shahverdi (arXiv 2309.13736)")
