"""Membership in the neuromanifold over C and over R: is f = mu(theta) for some complex, or some
real, theta?

* ``linear``: f (a d_L x d_0 matrix) is in M over C and over R exactly when rank f <= r, the least
  hidden width (a rank factorisation exists over the same field); numerical rank by SVD, and the
  witness parameters from it.
* ``lcn`` with every stride 1: over C always (M = V); over R iff the end-to-end filter has at
  least as many real roots as there are odd-degree filters (:mod:`.boundary`), the witness filters
  from grouping its roots.
* one-layer ``attention`` with a >= d: the rank-one preimages of f under the tensor map f = L(V (x) A)
  (:mod:`.boundary`); a real one gives real witness parameters.
* any other architecture (:func:`_by_slices`): the fibre equations on random affine parameter
  slices of dimension dim M, over C (a generic slice meets every fibre) or over R (real slices;
  a real witness proves membership, none found proves nothing).
* ``mlp`` with one hidden layer, no bias and a monomial activation c x^k: f = sum_i A[:, i] c
  (w_i . x)^k.  Rescaling a neuron (w_i -> t w_i, A[:, i] -> t^-k A[:, i]) is gauge-fixed by
  A[0, i] = 1 (over R for odd k, t^k being onto R; for even k by A[0, i] = +-1, every sign
  pattern).  A neuron with A[0, i] = 0 only matters through its other outputs; with one output it
  is dead, and w_i = 0 with A[0, i] = 1 gives the same f, so nothing is lost there.  The
  gauge-fixed fibre equations coefficients(theta) = f are solved by a total-degree homotopy
  (randomised to a square system when there are more equations than unknowns, solutions then
  kept only where every equation holds); f is in M over C iff a solution exists, over R iff a
  real one does.  Each solution is certified by a Krawczyk test (unique root in a box, real or
  non-real), so "not real" is certified when every isolated solution is and no path failed.
  This reproduces the binary-cubic example of the seeds: x^3 - x y^2 has Waring rank 2 over C
  but real rank 3, so it lies in M for mlp(widths=[2,2,1], activation="x^3") over C only.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from dataclasses import field as _field

import jax
import jax.numpy as jnp
import numpy as np

from .. import validate
from ..architectures import parse
from ..errors import NeuromanifoldError
from ..homotopy.certify import certify
from ..homotopy.system import System
from ..homotopy.total_degree import solve
from ..results import Result

FIELDS = ("complex", "real")
#: Largest total-degree homotopy (paths) tried for membership on parameter slices.
MAX_SLICE_PATHS = 20_000


@dataclass
class MembershipResult(Result):
    field: str = "complex"
    point: list = _field(default_factory=list)
    witness: list | None = None          # parameters theta with mu(theta) = f, when found
    residual: float | None = None        # |mu(witness) - f| / (1 + |f|)
    solutions: int = 0                   # isolated gauge-fixed fibre points over C
    real_solutions: int = 0


def _check(arch, f, field_name):
    if field_name not in FIELDS:
        raise NeuromanifoldError(f"field {field_name!r}: use one of {', '.join(FIELDS)}")
    param = arch.parametrization()
    f = validate.point(f, param.ambient_dimension, "the point", complex_ok=True,
                       order=f"`neuromanifold info {arch}`")
    if field_name == "complex":
        f = f.astype(complex)
    return param, f


def contains(arch, f, field: str = "complex", *, seed: int = 0, rtol: float = 1e-8,
             force: bool = False) -> MembershipResult:
    """Is f in mu(C^N) (``field="complex"``) or in mu(R^N) (``"real"``)?  With the method of the
    form the family declares (bounded rank, tensor form, products of polynomials, Waring
    decompositions), else fibre equations on generic slices (module docstring).

    Parameters
    ----------
    arch : spec string or Architecture
    f : coefficients in V; field : ``complex`` or ``real``; seed; rtol : relative tolerance of
        numerical ranks; force : run the generic slice method past its size estimate

    Returns
    -------
    MembershipResult : ``value`` (in M?), ``witness`` parameters when it is, ``residual``.

    Example
    -------
    >>> contains("linear(widths=[2,1,2])", [1, 2, 2, 4]).value     # rank one
    True
    >>> contains("linear(widths=[2,1,2])", [1, 0, 0, 1]).value     # the identity: rank two
    False
    """
    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    param, f = _check(arch, f, field)
    if field == "real" and np.iscomplexobj(f) and np.any(np.abs(f.imag) > 0):
        return MembershipResult(spec=str(arch), invariant="contains", value=False, certified=True,
                                method="a non-real point is not the image of real parameters",
                                field=field, point=_plain(f), seed=seed, seconds=time.perf_counter() - t0)
    if not np.any(f):
        zero = np.zeros(param.n_params)
        if not np.any(np.asarray(param.coefficients(zero))):
            return MembershipResult(spec=str(arch), invariant="contains", value=True, certified=True,
                                    method="f = 0 = mu(0)", field=field, point=_plain(f), witness=_plain(zero),
                                    residual=0.0, seed=seed, seconds=time.perf_counter() - t0)
    # f in M(K) iff f / s in M(K) for s > 0, when mu is linear in one block of weights (scale the
    # block by s): the methods below then see coefficients of size one, not 1e300 or 1e-300
    block = linear_block(param, seed)
    s = float(np.abs(f).max()) if block is not None and np.any(f) else 1.0
    out = _dispatch(arch, param, f / s, field, seed, rtol, force)
    if s != 1.0:
        out.point = _plain(f)
        out.notes.append(f"tested f / {s:.3g} (mu is linear in the block {block[0]}: its weights scaled back)")
        if out.witness is not None:
            w = np.array([complex(*x) if isinstance(x, list) else x for x in out.witness])
            w[block[1]:block[1] + block[2]] *= s
            out.witness = _plain(w)
    out.seconds = time.perf_counter() - t0
    out.seed = seed
    return out


def linear_block(param, seed: int = 0) -> tuple[str, int, int] | None:
    """(name, offset, size) of a weight block in which mu is linear (homogeneous of degree one:
    mu(.., t B, ..) = t mu(.., B, ..)), tested at a random real point with t = 2; None if none is.
    Then M(R) and M(C) are cones and the fibres over f and t f correspond by scaling B."""
    rng = np.random.default_rng([seed, 223])
    theta = param.random_params(rng)
    z = np.asarray(param.coefficients(theta))
    for name, _, off, size in reversed(param.blocks):
        th = theta.copy()
        th[off:off + size] *= 2.0
        if np.allclose(np.asarray(param.coefficients(th)), 2.0 * z, rtol=1e-10, atol=1e-12 * np.abs(z).max()):
            return name, off, size
    return None


def _dispatch(arch, param, f, field, seed, rtol, force) -> MembershipResult:
    """The method of the form the family declares (layer 1's capabilities), else fibre equations on
    generic slices."""
    if (form := arch.matrix_form()) is not None:
        return _linear(arch, form, f, field, rtol)
    if (form := arch.tensor_form()) is not None:
        return _attention(arch, form, param, f, field, seed, rtol)
    if arch.factor_form() is not None:
        return _stride_one_lcn(arch, param, f, field)
    if (form := arch.waring_form()) is not None:
        return _shallow_monomial(arch, form, param, f, field, seed, rtol)
    return _by_slices(arch, param, f, field, seed, force=force)


def _by_slices(arch, param, f, field, seed, slices: int = 4, force: bool = False) -> MembershipResult:
    """Any other architecture: the fibre of f meets a generic affine slice theta = theta_c + S lambda
    (lambda in C^k, k = dim M; the fibre has dimension >= N - k) in finitely many points, the
    solutions of the values of f_theta at D points = those of f (k random combinations solved by a
    total-degree homotopy, kept where all D hold).  Over R the slices are real and a real lambda is
    a real witness; a real fibre can miss real slices, so "not found" over R is not a proof."""
    from ..errors import TooLargeError
    from .dimension import dimension as compute_dimension

    k = int(compute_dimension(arch, seed=seed).value)
    D = param.ambient_dimension
    N = param.n_params
    paths = param.theta_degree ** k
    if paths > MAX_SLICE_PATHS and not force:
        raise TooLargeError(f"membership in {arch} by fibre equations needs up to {param.theta_degree}^{k} = "
                            f"{paths:,} homotopy paths (> {MAX_SLICE_PATHS:,}); no special method is known for "
                            f"this family; pass force=True (--force) to try anyway", {"paths": paths})
    rng = np.random.default_rng([seed, 179])
    X, P = _integer_points(param, rng)
    target = P @ np.asarray(f, complex)
    cvals = param.constants_array()
    total, failed, found, residual = 0, 0, None, None
    tries = slices if field == "real" else 1
    for attempt in range(tries):
        real_slice = field == "real"
        theta_c = rng.standard_normal(N) + (0 if real_slice else 1j * rng.standard_normal(N))
        S = (rng.standard_normal((N, k)) + (0 if real_slice else 1j * rng.standard_normal((N, k)))) / np.sqrt(k)
        R = (rng.standard_normal((k, D)) + 1j * rng.standard_normal((k, D))) / np.sqrt(D)

        def values(lam):
            theta = jnp.asarray(theta_c, lam.dtype) + jnp.asarray(S, lam.dtype) @ lam
            out = jax.vmap(param.f, in_axes=(None, 0, None))(theta, jnp.asarray(X, lam.dtype), cvals.astype(lam.dtype))
            return out.T.reshape(-1)

        def F(lam, p):
            return jnp.asarray(R, lam.dtype) @ (values(lam) - p)

        try:
            res = solve(System(F, k, D, f"fibre of {arch} on a slice"), p=target, seed=seed + attempt)
        except TooLargeError as exc:
            raise NeuromanifoldError(f"membership in {arch} by fibre equations needs a total-degree homotopy that "
                                     f"is too large ({exc}); no special method is known for this family") from exc
        failed += int(res.failed)
        sols = res.solutions
        if len(sols):
            vals = np.array([np.asarray(values(jnp.asarray(z))) for z in sols])
            sols = sols[np.linalg.norm(vals - target, axis=1) <= 1e-6 * (1 + np.linalg.norm(target))]
        total += len(sols)
        if field == "real":
            sols = sols[np.abs(sols.imag).max(axis=1) <= 1e-8 * (1 + np.abs(sols).max(axis=1))] if len(sols) else sols
        if len(sols):
            lam = sols[0].real if field == "real" else sols[0]
            found = theta_c + S @ lam
            # the residual of the witness, on this slice's equations
            val = np.asarray(values(jnp.asarray(lam, complex)))
            residual = float(np.linalg.norm(val - target) / (1 + np.linalg.norm(target)))
            break
    inside = found is not None
    witness = _plain(found.real if field == "real" else found) if inside else None
    residual = residual if inside else None
    notes = [f"{total} fibre points on {attempt + 1} {'real ' if field == 'real' else ''}random slice(s) of "
             f"dimension {k}" + (f"; {failed} paths failed" if failed else "")]
    if field == "real" and not inside:
        notes.append("no real point on the real slices tried: the real fibre can miss them, so this is not a "
                     "proof that f is outside M(R)")
    return MembershipResult(
        spec=str(arch), invariant="contains", value=inside, certified=False, field=field, point=_plain(f),
        witness=witness, residual=residual, solutions=total,
        method="fibre equations on random affine parameter slices of dimension dim M (total-degree homotopy)",
        notes=notes)


def _integer_points(param, rng) -> tuple[np.ndarray, np.ndarray]:
    """(X, P): the best conditioned of 32 draws of len(basis) small integer points, and
    P = I (x) Veronese(X), which maps coefficients to values (exact in floats, so P f can also be
    formed exactly for msolve)."""
    draws = [rng.integers(-4, 5, (len(param.basis), param.n_vars)).astype(float) for _ in range(32)]
    X = min(draws, key=lambda Y: np.linalg.cond(param.basis.evaluate(Y)))
    return X, np.kron(np.eye(param.n_outputs), param.basis.evaluate(X))


def _plain(v: np.ndarray) -> list:
    return [float(x.real) for x in v] if not np.iscomplexobj(v) or np.all(v.imag == 0) else \
        [[float(x.real), float(x.imag)] for x in v]


def _attention(arch, form, param, f, field, seed, rtol) -> MembershipResult:
    """One-layer attention (a >= d): the rank-one preimages of f under the tensor map
    (:func:`.boundary.attention_fibre`); a real one gives real V, A and then real K, Q."""
    from .boundary import attention_fibre

    fib = attention_fibre(arch, np.real(f), seed)
    pick = np.flatnonzero(fib.real) if field == "real" else np.arange(len(fib.solutions))
    inside = bool(len(pick))
    witness = residual = None
    if inside:
        d, a, dout = form.d, form.a, form.dout
        Tm = fib.tensors[pick[0]]
        Tm = Tm.real if field == "real" else Tm
        U, sv, Wh = np.linalg.svd(Tm)
        V = (U[:, 0] * sv[0]).reshape(dout, d)
        A = Wh[0].reshape(d, d)
        Ua, sa, Wa = np.linalg.svd(A)
        K = np.zeros((a, d), dtype=A.dtype)
        Q = np.zeros((a, d), dtype=A.dtype)
        K[:d] = (Ua * np.sqrt(sa)).T
        Q[:d] = np.sqrt(sa)[:, None] * Wa
        theta = form.parameters(V, K, Q)
        val = np.asarray(param.coefficients(theta)) if not np.iscomplexobj(theta) else \
            np.asarray(param.coefficient_function()(theta, param.constants_array(complex)))
        residual = float(np.linalg.norm(val - f) / (1 + np.linalg.norm(f)))
        witness = _plain(theta)
    return MembershipResult(
        spec=str(arch), invariant="contains", value=inside, certified=False, field=field, point=_plain(f),
        witness=witness, residual=residual, solutions=len(fib.solutions), real_solutions=int(np.sum(fib.real)),
        method="tensor form f = L(V (x) A), A = K^T Q: rank-one tensors in T0 + ker L (2 x 2 minors, total-degree "
               "homotopy)",
        notes=[f"in the span of L: {fib.in_span}; kernel of L of dimension {fib.kernel}; "
               f"{len(fib.solutions)} rank-one preimages, {int(np.sum(fib.real))} real"])


def _stride_one_lcn(arch, param, f, field) -> MembershipResult:
    """Over C every filter factors (M = V); over R by the real-root count (:mod:`.boundary`)."""
    from .boundary import real_factors, real_roots, stride_one_degrees

    odd = sum(1 for di in stride_one_degrees(arch) if di % 2)
    if field == "complex":
        return MembershipResult(spec=str(arch), invariant="contains", value=True, certified=True, field=field,
                                point=_plain(f), method="over C every polynomial is a product of linear "
                                "factors, so M = V for a stride-one lcn")
    w = np.real(f)
    rr = real_roots(w)
    theta = real_factors(arch, w)
    residual = None
    if theta is not None:
        residual = float(np.linalg.norm(np.asarray(param.coefficients(theta)) - w) / (1 + np.linalg.norm(w)))
    return MembershipResult(
        spec=str(arch), invariant="contains", value=theta is not None, certified=True, field=field,
        point=_plain(f), witness=None if theta is None else _plain(theta), residual=residual,
        method=f"exact real-root count of the end-to-end filter: {rr.total} real roots, {odd} needed by the "
               f"odd-degree factors (arXiv 2108.01538)")


def _linear(arch, form, f, field, rtol) -> MembershipResult:
    """M = matrices of rank <= r: the numerical rank of f, and a rank factorisation as the witness."""
    r = form.rank
    F = f.reshape(form.rows, form.columns)
    U, s, Vh = np.linalg.svd(F)
    rank = int(np.sum(s > rtol * max(s[0], 1e-300))) if s.size else 0
    inside = rank <= r
    witness = None
    residual = None
    if inside:
        q = min(r, len(s))
        theta = form.parameters(U[:, :q], s[:q, None] * Vh[:q])
        residual = float(np.linalg.norm(U[:, :q] @ (s[:q, None] * Vh[:q]) - F) / (1 + np.linalg.norm(f)))
        witness = _plain(theta)
    return MembershipResult(
        spec=str(arch), invariant="contains", value=bool(inside), certified=False, field=field,
        point=_plain(f), witness=witness, residual=residual,
        method=f"rank of the {form.rows} x {form.columns} matrix (SVD, relative tolerance {rtol:g}) against the "
               f"rank bound {r}; a rank factorisation exists over {'R' if field == 'real' else 'C'}",
        notes=[f"numerical rank {rank}; singular values {np.round(s, 12).tolist()}"])


def _shallow_monomial(arch, form, param, f, field, seed, rtol) -> MembershipResult:
    d0, h, dL, k = form.variables, form.width, form.outputs, form.degree
    coeffs = param.coefficient_function()
    cvals = param.constants_array()
    D = param.ambient_dimension
    n = h * d0 + (dL - 1) * h
    if D < n:
        raise NeuromanifoldError(f"the gauge-fixed fibre of {arch} has positive dimension ({n} unknowns, {D} "
                                 f"equations); membership by fibre equations needs a finite fibre")
    rng = np.random.default_rng([seed, 149])
    R = np.eye(D) if D == n else (rng.standard_normal((n, D)) + 1j * rng.standard_normal((n, D))) / np.sqrt(D)
    signs = [np.ones(h)] if k % 2 == 1 else [np.array(s) for s in itertools.product((1.0, -1.0), repeat=h)]
    found, total, real_found, failed, all_certified = None, 0, 0, 0, True
    counts = []          # (distinct solutions found, msolve's exact count over F_p or None) per gauge
    fc = np.asarray(f, complex)

    def theta_of(z, sgn):
        W1 = z[:h * d0].reshape(h, d0)
        A = jnp.concatenate([jnp.asarray(sgn, z.dtype)[None, :], z[h * d0:].reshape(dL - 1, h)], axis=0)
        return form.parameters(W1, A)

    # equations in value coordinates (f at D random points X, output by output): the same
    # equations after an invertible linear change, written with the forward pass so that the
    # ball-arithmetic certifier can evaluate them
    X, P = _integer_points(param, rng)
    target = P @ fc

    def values(theta, dtype):
        out = jax.vmap(param.f, in_axes=(None, 0, None))(theta, jnp.asarray(X, dtype), cvals.astype(dtype))
        return out.T.reshape(-1)

    for sgn in signs:
        def F(z, p, sgn=sgn):
            return jnp.asarray(R, z.dtype) @ (values(theta_of(z, sgn), z.dtype) - p)

        system = System(F, n, D, f"gauge-fixed fibre of {arch}")
        res = solve(system, p=target, seed=seed)
        failed += int(res.failed)
        sols = res.solutions
        if len(sols):
            vals = np.array([np.asarray(coeffs(theta_of(jnp.asarray(z), sgn), cvals.astype(complex))) for z in sols])
            ok = np.linalg.norm(vals - fc, axis=1) <= 1e-6 * (1 + np.linalg.norm(fc))
            sols = sols[ok]
        total += len(sols)
        counts.append((len(sols), _exact_count(param, theta_of, n, X, P, f, sgn, seed)))
        if not len(sols):
            continue
        cert = certify(system, sols, target, real_parameters=field == "real" or not np.iscomplexobj(f))
        all_certified &= bool(np.all(cert.certified))
        real = np.flatnonzero((cert.real == 1) | (np.abs(cert.solutions.imag).max(axis=1) < 1e-10))
        real_found += len(real)
        pick = real if field == "real" else np.arange(len(sols))
        if len(pick) and found is None:
            z = cert.solutions[pick[0]]
            th = np.asarray(theta_of(jnp.asarray(z.real if field == "real" else z), sgn))
            found = th
    inside = found is not None
    residual = witness = None
    if inside:
        val = np.asarray(coeffs(jnp.asarray(found), cvals.astype(found.dtype)))
        residual = float(np.linalg.norm(val - fc) / (1 + np.linalg.norm(fc)))
        witness = _plain(found)
    exact = [c for _, c in counts]
    complete = all(c is not None and c == found_n for found_n, c in counts)
    # complete when no path failed, or when msolve's exact count of every gauge-fixed system equals
    # the number of distinct solutions found; then "no real solution" is a theorem (every solution
    # certified non-real), up to the probability of an unlucky prime
    certified = bool(all_certified and (failed == 0 or complete))
    notes = [f"{total} isolated gauge-fixed fibre points over C, {real_found} real"
             + (f"; {failed} paths failed" if failed else "")
             + (f"; msolve counts {exact} over F_p" if any(c is not None for c in exact) else
                "; msolve not run (not installed or the point is not rational)")]
    return MembershipResult(
        spec=str(arch), invariant="contains", value=bool(inside), certified=certified, field=field,
        point=_plain(f), witness=witness, residual=residual, solutions=total, real_solutions=real_found,
        method=f"fibre equations with the rescaling gauge A[0, i] = {'1' if k % 2 else '+-1'}, total-degree "
               f"homotopy, Krawczyk certification (real / non-real)", notes=notes)


def _exact_count(param, theta_of, n: int, X: np.ndarray, P: np.ndarray, f: np.ndarray, sgn,
                 seed: int) -> int | None:
    """msolve's count over F_p of the gauge-fixed fibre equations values(theta(z)) = P f (all D of
    them: an overdetermined system is fine for Groebner bases), or None (no msolve, a complex or
    non-finite point, or not a finite set)."""
    from fractions import Fraction

    from ..backends import msolve as ms

    if ms.binary() is None or np.iscomplexobj(f) and np.any(np.imag(f) != 0):
        return None
    prime = 1_073_741_789
    fr = [Fraction(float(v)) for v in np.real(f)]
    target = [sum(Fraction(int(a)) * b for a, b in zip(row, fr)) for row in P]      # P: integers
    residues = np.array([t.numerator % prime * pow(t.denominator, -1, prime) % prime for t in target],
                        dtype=object)
    cvals = param.constants_array()

    def equations(z, t):
        vals = jax.vmap(param.f, in_axes=(None, 0, None))(theta_of(z, sgn), jnp.asarray(X), jnp.asarray(cvals))
        return vals.T.reshape(-1) - t

    try:
        polys, names = ms.expand(equations, [np.zeros(n), np.zeros(len(residues))], [residues], n, prime)
        out = ms.count([str(q) for q in polys], names, prime, timeout=120)
    except (NeuromanifoldError, OSError, ValueError, TypeError) as exc:  # pragma: no cover - reported as None
        del exc
        return None
    return out.degree if out.dimension == 0 else (0 if out.dimension == -1 else None)
