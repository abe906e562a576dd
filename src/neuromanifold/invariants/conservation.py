"""Conservation laws of gradient flows, counted by an algorithm (Marcotte--Gribonval--Peyré).

For theta -> f_theta and any loss of the values f_theta(x), gradient flow moves theta along the
span of the fields W_{x,k}(theta) = grad_theta f_theta(x)_k.  A function h is conserved for every
data set iff grad h is orthogonal to all of them, and then to the Lie algebra they generate; the
number of independent conserved functions near a generic theta is

    N - dim Lie(W)(theta)

(arXiv 2307.00144, "Abide by the law and follow the flow", Theorems 3.3 and 3.8; arXiv 2506.06194
for attention).  For a polynomial network the fields at all x span the fields at len(basis)
generic points X, so the generators are the rows of the Jacobian of theta -> (f_theta(x_i))_i.

Method: the trace at a random point theta of the generators, then of their brackets
[X, Y](theta) = DY(theta) X(theta) - DX(theta) Y(theta) with the fields kept so far, level by
level, each level keeping the brackets that raise the rank; it stops when a level raises nothing.
Every field is a polynomial JAX function (brackets by Jacobian-vector products), evaluated exactly
over F_p at a random residue point (ranks exact; a second evaluation in floats gives the singular
value gap).  The laws themselves, where they are polynomials of degree <= 2 (balancedness, the
rescaling laws, attention's Q Q^T - K K^T): h(theta) = theta^T A theta / 2 + b^T theta is conserved
iff (A theta + b) . W(theta) = 0 for all theta, linear equations in (A, b) imposed at random points
(exact nullspace over F_p; a float basis for ``train``).  The family's declared laws
(:meth:`~neuromanifold.architectures.Architecture.conserved_quantities`) are checked against the
fields, and the count says whether they are complete.

>>> r = conservation_laws("linear(widths=[2,3,2])")     # balancedness: d (d + 1) / 2 = 6
>>> r.value, r.quadratic_laws, r.complete
(6, 6, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..architectures import parse
from ..backends import primefield as pf
from ..errors import TooLargeError
from ..results import Result

#: Bracket levels tried at most (the trace has stabilised long before on every family we know).
MAX_LEVELS = 8
#: Most generating fields (values at len(basis) points x outputs) bracketed without force=True.
MAX_FIELDS = 160
#: Largest number of parameters for the search of quadratic laws (N (N + 3) / 2 unknowns).
MAX_QUADRATIC_PARAMETERS = 40


@dataclass
class ConservationResult(Result):
    parameters: int = 0
    lie_dimension: int = 0              # dim Lie(W)(theta) at a generic theta
    levels: list = field(default_factory=list)     # the trace's rank after each bracket level
    gap: float | None = None            # float check: sigma_r / sigma_(r+1) of the stacked fields
    quadratic_laws: int | None = None   # independent conserved functions of degree <= 2 (None: not searched)
    declared: str = ""                  # the family's declared laws
    declared_laws: int | None = None    # how many independent ones
    declared_conserved: bool | None = None   # their gradients are orthogonal to every field
    complete: bool | None = None        # the explicit laws found account for all of them
    prime: int = 0
    laws_basis: list = field(default_factory=list)   # float (A, b) of the quadratic laws, for ``train``


def _value_function(param, X, c):
    """theta -> (f_theta(x_i)_k): the values at the points X, flattened."""
    import jax

    def g(theta):
        return jax.vmap(param.f, in_axes=(None, 0, None))(theta, X, c).reshape(-1)
    return g


def _bracket(G, H):
    """theta -> the brackets [G_i, H_k](theta) = DH_k G_i - DG_i H_k, rows (i, k) flattened."""
    import jax
    import jax.numpy as jnp

    def B(theta):
        g, h = G(theta), H(theta)                   # (a, N), (b, N)
        JG = jax.jacfwd(G)(theta)                   # (a, N, N)
        JH = jax.jacfwd(H)(theta)                   # (b, N, N)
        out = jnp.einsum("knm,im->ikn", JH, g) - jnp.einsum("inm,km->ikn", JG, h)
        return out.reshape(-1, theta.shape[0])
    return B


def _select(F, idx):
    import jax.numpy as jnp

    idx = jnp.asarray(np.asarray(idx, int))
    return lambda theta: F(theta)[idx]


def _grow(basis: np.ndarray, rows: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    """(the basis with the rows that raise its rank over F_p, their indices)."""
    from ..backends import exact_rank

    kept = []
    rank = exact_rank.rank(basis, p) if len(basis) else 0
    for i, row in enumerate(rows):
        trial = np.vstack([basis, row[None]]) if len(basis) else row[None]
        r = exact_rank.rank(trial, p)
        if r > rank:
            basis, rank = trial, r
            kept.append(i)
        if rank == rows.shape[1]:
            break
    return basis, kept


def conservation_laws(arch, *, seed: int = 0, prime: int | None = None, quadratic: bool = True,
                      force: bool = False) -> ConservationResult:
    """The number of independent conservation laws of gradient flow for ``arch`` (module
    docstring), the explicit laws of degree <= 2, and whether the family's declared laws are
    conserved and complete.

    Parameters
    ----------
    arch : spec string or Architecture
    seed : the random point and inputs; prime : the prime of the exact ranks (default 2^26 - 5);
    quadratic : also search the laws of degree <= 2 (up to MAX_QUADRATIC_PARAMETERS parameters);
    force : run past MAX_FIELDS generating fields

    Returns
    -------
    ConservationResult : ``value`` (the number of laws), ``lie_dimension``, ``levels``,
    ``quadratic_laws``, ``declared_laws``, ``declared_conserved``, ``complete``.

    Example
    -------
    >>> conservation_laws("linear(widths=[3,2,3])").value     # 2 (2 + 1) / 2
    3
    """
    import jax.numpy as jnp

    from ..backends.jacobians import constants_mod_p
    from ..backends.modular import ModularFunction

    arch = parse(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    param = arch.parametrization()
    N = param.n_params
    p = pf.check_prime(prime) if prime is not None else pf.P26
    rng = np.random.default_rng([seed, 227])
    m = max(len(param.basis), 1)
    fields = m * param.n_outputs
    if fields > MAX_FIELDS and not force:
        raise TooLargeError(f"{arch} has {fields:,} generating fields (values at {m:,} points x {param.n_outputs} "
                            f"outputs, {N} parameters): their brackets, evaluated exactly, would take very long "
                            f"(> {MAX_FIELDS}); pass force=True (--force) to try anyway", {"fields": fields})
    X = pf.random_residues(rng, (m, param.n_vars), p)
    theta = pf.random_residues(rng, N, p)
    cp = constants_mod_p(param, p)
    # the same fields in floats, at a random real point, for the singular value gap
    Xf = rng.standard_normal((m, param.n_vars))
    thf = param.random_params(rng)
    cf = param.constants_array()

    # the fields as functions of theta (X and c fixed inside); ModularFunction takes X and c as
    # arguments, so every level is a function of (theta, X, c)
    def gens(theta_, X_, c_):
        import jax

        return jax.jacrev(_value_function(param, X_, c_))(theta_)

    def fields_of(chain, X_, c_):
        """(G, H): the generators kept (chain[0] selects a basis of their span as functions) and the
        last level's fields (chain[i] selects a basis of the new brackets [G, H_(i-1)])."""
        G = _select(lambda th: gens(th, X_, c_), chain[0])
        H = G
        for idx in chain[1:]:
            H = _select(_bracket(G, H), idx)
        return G, H

    def level_fn(chain):
        return lambda theta_, X_, c_: fields_of(chain, X_, c_)[1](theta_)

    # T residue points: a field is new when its values at all of them are independent of the
    # fields kept so far (a basis of their span as functions, with constant coefficients)
    T = 6
    points = [theta] + [pf.random_residues(rng, N, p) for _ in range(T - 1)]

    def exact(F):
        fn = ModularFunction(F, np.zeros(N), np.zeros((m, param.n_vars)), np.zeros(len(cp)))
        return np.stack([np.asarray(fn(th, X, cp, p=p)).reshape(-1, N) for th in points])   # (T, K, N)

    def new_functions(values, span):
        flat = values.transpose(1, 0, 2).reshape(values.shape[1], -1)        # (K, T N)
        span, kept = _grow(span, flat, p)
        return span, kept

    values = exact(lambda th, X_, c_: gens(th, X_, c_))
    span, kept = new_functions(values, np.zeros((0, T * N)))
    chain = [kept]
    basis, _ = _grow(np.zeros((0, N)), values[0][kept], p)                  # the trace at theta
    levels = [len(basis)]
    floats = [np.asarray(level_fn(chain)(jnp.asarray(thf), jnp.asarray(Xf), jnp.asarray(cf)))]
    for _ in range(MAX_LEVELS):
        if len(basis) == N or len(span) >= T * N - N:
            break
        def brackets(theta_, X_, c_, chain=chain):
            """All brackets [G, H] of the generators with the last level's fields."""
            return _bracket(*fields_of(chain, X_, c_))(theta_)
        values = exact(brackets)
        span, new = new_functions(values, span)
        if not new:
            break
        chain = chain + [new]
        basis, raised = _grow(basis, values[0][new], p)
        levels.append(len(basis))
        floats.append(np.asarray(level_fn(chain)(jnp.asarray(thf), jnp.asarray(Xf), jnp.asarray(cf))))
        if not raised:
            break                       # the trace stopped growing: it is the Lie algebra's
    lie = len(basis)
    stacked = np.vstack(floats)
    s = np.linalg.svd(stacked, compute_uv=False)
    # None: the float fields have no more rows than the trace's dimension (nothing to separate)
    gap = (float(s[lie - 1] / s[lie]) if s[lie] > 0 else None) if 0 < lie < len(s) else None
    laws = N - lie
    result = ConservationResult(
        spec=str(arch), invariant="conservation_laws", value=laws, certified=False,
        method="trace of the Lie algebra generated by the fields grad f_theta(x) at a random point "
               "(brackets by JVPs, ranks exact over F_p), arXiv 2307.00144",
        seed=seed, parameters=N, lie_dimension=lie, levels=levels, gap=gap, prime=p)
    notes = [f"the trace has dimension {lie} of {N} after {len(levels) - 1} bracket level(s): {laws} "
             f"independent conservation laws near a generic point"]
    # -- explicit laws of degree <= 2 ---------------------------------------------------------
    A_basis = None
    if quadratic and N <= MAX_QUADRATIC_PARAMETERS:
        A_basis, exact_count, independent = _quadratic_laws(param, rng, p)
        result.quadratic_laws = independent
        result.laws_basis = [[A.tolist(), b.tolist()] for A, b in A_basis]
        notes.append(f"{exact_count} conserved polynomials of degree <= 2 (a space over F_p), {independent} "
                     f"functionally independent")
        result.complete = independent == laws
    elif quadratic:
        notes.append(f"{N} parameters > {MAX_QUADRATIC_PARAMETERS}: the laws of degree <= 2 are not searched")
    # -- the family's declared laws --------------------------------------------------------------
    declared = arch.conserved_quantities()
    if declared is not None:
        import jax

        result.declared = declared.description
        Jh = np.asarray(jax.jacfwd(declared.function)(jnp.asarray(thf)))
        Jh = Jh.reshape(-1, N)
        sv = np.linalg.svd(Jh, compute_uv=False) if Jh.size else np.zeros(0)
        result.declared_laws = int(np.sum(sv > 1e-9 * (sv[0] if sv.size else 1.0)))
        Wf = np.asarray(gens(jnp.asarray(thf), jnp.asarray(Xf), jnp.asarray(cf)))
        scale = np.linalg.norm(Jh) * np.linalg.norm(Wf) + 1e-300
        result.declared_conserved = bool(np.abs(Jh @ Wf.T).max() <= 1e-9 * scale) if Jh.size else True
        if result.complete is None:
            result.complete = result.declared_conserved and result.declared_laws == laws
        notes.append(f"declared: {declared.description} ({result.declared_laws} independent, "
                     f"{'conserved' if result.declared_conserved else 'NOT conserved'})")
    result.certified = bool(result.complete)
    result.notes = notes
    result.seconds = time.perf_counter() - t0
    return result


def _quadratic_laws(param, rng, p: int):
    """(float basis [(A, b)], dimension over F_p, functionally independent count) of the conserved
    h = theta^T A theta / 2 + b^T theta: (A theta + b) . W_j(theta) = 0 at random points."""
    import jax
    import jax.numpy as jnp

    from ..backends import exact_rank
    from ..backends.jacobians import constants_mod_p
    from ..backends.modular import ModularFunction

    N = param.n_params
    iu = np.triu_indices(N)
    unknowns = len(iu[0]) + N
    m = max(len(param.basis), 1)

    def rows_at(theta, W):
        """Rows of the linear conditions on (A upper triangle, b) for the fields W (k x N) at theta."""
        a, b = iu
        # (A theta)_r = sum_s A_rs theta_s; for the entry u_ab (a <= b): d/du of W . (A theta) is
        # W_a theta_b + W_b theta_a (a < b), W_a theta_a (a = b)
        quad = W[:, a] * theta[b] + np.where(a != b, W[:, b] * theta[a], 0)
        return np.concatenate([quad, W], axis=1)

    # exact: enough random points that the conditions have full rank on the complement
    cp = constants_mod_p(param, p)
    fn = ModularFunction(lambda th, X, c: jax.jacrev(_value_function(param, X, c))(th), np.zeros(N),
                         np.zeros((m, param.n_vars)), np.zeros(len(cp)))
    # points are added until the rank of the conditions stops growing (each point gives at most
    # dim span W(theta) independent conditions)
    blocks, rank, still = [], 0, 0
    while still < 2:
        th = pf.random_residues(rng, N, p)
        X = pf.random_residues(rng, (m, param.n_vars), p)
        W = np.asarray(fn(th, X, cp, p=p)).reshape(-1, N)
        R = rows_at(th.astype(object), W.astype(object))
        blocks.append(np.asarray([[int(v) % p for v in row] for row in R], dtype=np.float64))
        new = int(exact_rank.rank(np.vstack(blocks), p))
        still = still + 1 if new == rank else 0
        rank = new
        if rank == unknowns:
            break
    dim_exact = unknowns - rank
    samples = len(blocks)
    # floats: the same conditions at real points, the nullspace by SVD
    cf = param.constants_array()
    jac = jax.jit(jax.jacrev(lambda th, X: _value_function(param, X, jnp.asarray(cf))(th)))
    fl = []
    for _ in range(samples + 2):
        th = param.random_params(rng)
        X = rng.standard_normal((m, param.n_vars))
        W = np.asarray(jac(jnp.asarray(th), jnp.asarray(X))).reshape(-1, N)
        W = W / (np.linalg.norm(W, axis=1, keepdims=True) + 1e-300)
        fl.append(rows_at(th, W))
    Mf = np.vstack(fl)
    _, s, Vh = np.linalg.svd(Mf, full_matrices=True)
    null = Vh[unknowns - dim_exact:] if dim_exact else np.zeros((0, unknowns))
    basis = []
    for v in null:
        A = np.zeros((N, N))
        A[iu] = v[:len(iu[0])]
        A = A + np.triu(A, 1).T
        basis.append((A, v[len(iu[0]):]))
    # functional independence: the rank of the gradients A theta + b at a random point
    th = param.random_params(rng)
    grads = np.array([A @ th + b for A, b in basis]) if basis else np.zeros((0, N))
    sv = np.linalg.svd(grads, compute_uv=False) if len(grads) else np.zeros(0)
    independent = int(np.sum(sv > 1e-8 * sv[0])) if sv.size else 0
    return basis, dim_exact, independent
