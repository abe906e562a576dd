"""The homotopy engine against systems with known solution counts (Bezout, Katsura, msolve)."""

import shutil

import jax.numpy as jnp
import numpy as np
import pytest
import sympy

from neuromanifold.backends import msolve as ms
from neuromanifold.homotopy.certify import certify
from neuromanifold.homotopy.monodromy import monodromy_solve
from neuromanifold.homotopy.system import System
from neuromanifold.homotopy.total_degree import equation_degrees, solve
from neuromanifold.homotopy.tracker import DIVERGED, SUCCESS, track


def katsura(n):
    """Katsura-n: u_{-l} = u_l, u_l = 0 for |l| > n; sum_l u_l = 1, sum_l u_l u_{m-l} = u_m (m < n).

    Written with a 0/1 tensor so that it is plain sums and products (ball arithmetic included)."""
    size = 2 * n + 1
    T = np.zeros((n, size, size))
    for m in range(n):
        for a in range(size):
            b = m - (a - n) + n          # index of u_{m-l} when a is the index of u_l
            if 0 <= b < size:
                T[m, a, b] = 1.0

    def G(u):
        ext = jnp.concatenate([u[:0:-1], u])
        quad = jnp.einsum("mab,a,b->m", T, ext, ext)
        return jnp.concatenate([jnp.array([jnp.sum(ext) - 1.0]), quad - u[:n]])
    return G


def katsura_sympy(n):
    u = sympy.symbols(f"u0:{n + 1}")
    U = lambda i: u[abs(i)] if abs(i) <= n else 0
    eqs = [sum(U(l) for l in range(-n, n + 1)) - 1]
    eqs += [sum(U(l) * U(m - l) for l in range(-n, n + 1)) - U(m) for m in range(n)]
    return [str(sympy.expand(e)).replace("**", "^") for e in eqs], [str(v) for v in u]


def test_square_line():
    S = System(lambda z, p: jnp.array([z[0] ** 2 - p[0], z[1] ** 3 - z[0] * p[1]]), 2, 2)
    r = track(S, np.array([[1, 1], [-1, -1]], complex), [1, 1], [4, 2])
    assert np.all(r.status == SUCCESS)
    assert np.allclose(r.solutions, [[2, 4 ** (1 / 3)], [-2, -(4 ** (1 / 3))]])


def test_diverging_path_is_reported():
    # z p = 1: as p -> 0 the solution goes to infinity
    S = System(lambda z, p: jnp.array([z[0] * p[0] - 1.0]), 1, 1)
    r = track(S, np.array([[1.0]], complex), [1.0], [0.0])
    assert r.status[0] != SUCCESS and r.failed == 1
    assert r.status[0] == DIVERGED or r.status[0] >= 3


def test_degrees_are_read_off():
    S = System(lambda z, p: jnp.array([z[0] ** 3 * z[1] - 1, z[1] ** 2 + z[0]]), 2, 0)
    assert equation_degrees(S) == [4, 2]


@pytest.mark.parametrize("n", [2, 3, 4])
def test_bezout_number_of_generic_dense_system(n):
    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n, n))
    B = rng.standard_normal((n, n))
    c = rng.standard_normal(n)
    S = System(lambda z, p: jnp.einsum("ijk,j,k->i", A, z, z) + B @ z + c, n, 0)
    r = solve(S)
    assert r.count == 2 ** n and r.failed == 0 and r.diverged == 0
    cert = certify(S, r.solutions)
    assert cert.certified_count == 2 ** n
    # real coefficients: certified real + certified non-real account for every solution
    assert cert.real_count + cert.nonreal_count == 2 ** n
    assert cert.nonreal_count % 2 == 0


def test_katsura_monodromy_total_degree_and_msolve_agree():
    n = 4
    G = katsura(n)
    polys, names = katsura_sympy(n)
    if ms.binary() is not None:
        assert ms.count(polys, names, 1073741789).degree == 2 ** n
    S0 = System(lambda z, p: G(z), n + 1, 0)
    assert solve(S0).count == 2 ** n
    S = System(lambda z, p: G(z) - p, n + 1, n + 1)
    rng = np.random.default_rng(0)
    z0 = rng.standard_normal(n + 1) + 1j * rng.standard_normal(n + 1)
    m = monodromy_solve(S, z0, np.asarray(G(jnp.asarray(z0))))
    assert m.count == 2 ** n and m.stopped == "stalled"
    end = track(S, m.solutions, m.parameters, np.zeros(n + 1))
    assert np.sum(end.success) == 2 ** n
    assert certify(S, end.solutions[end.success], np.zeros(n + 1)).certified_count == 2 ** n


def test_paths_to_infinity_end_at_infinity_in_projective_coordinates():
    """Two circles x^2 + y^2 = 1, x^2 + y^2 = 2x meet in 2 finite points (x = 1/2, y = +-sqrt(3)/2)
    and in the 2 circular points at infinity: of the 4 Bezout paths 2 end finite, 2 at infinity,
    none failed and none re-tracked."""
    S = System(lambda z, p: jnp.stack([z[0] ** 2 + z[1] ** 2 - 1, z[0] ** 2 + z[1] ** 2 - 2 * z[0]]), 2, 0)
    r = solve(S)
    assert r.count == 2 and r.diverged == 2 and r.failed == 0 and r.tracking.retracked == 0
    got = sorted(r.solutions.tolist(), key=lambda z: z[1].real)
    assert np.allclose(got, [[0.5, -np.sqrt(3) / 2], [0.5, np.sqrt(3) / 2]], atol=1e-10)
    # x y = 1, x y + x = 2: Bezout 4, the one finite solution (1, 1)
    S2 = System(lambda z, p: jnp.stack([z[0] * z[1] - 1, z[0] * z[1] + z[0] - 2]), 2, 0)
    r2 = solve(S2)
    assert r2.count == 1 and np.allclose(r2.solutions, [[1, 1]]) and r2.diverged == 3


def test_near_singular_pair_is_separated_or_reported():
    """Two roots 1e-7 apart are both found and certified distinct; 1e-13 apart they are flagged."""
    for eps, distinct in ((1e-7, True), (1e-13, False)):
        S = System(lambda z, p, e=eps: jnp.stack([(z[0] - 1) * (z[0] - 1 - e) * (z[0] + 2),
                                                  z[1] ** 2 - z[0] - 3]), 2, 0)
        r = solve(S)
        if distinct:
            assert r.count == 6
            assert certify(S, r.solutions).certified_count == 6
        else:
            # the pair is not miscounted as regular solutions: it is reported singular or unverified
            cert = certify(S, r.solutions) if r.count else None
            certified = cert.certified_count if cert else 0
            assert certified == 2          # the two roots over z0 = -2 only
            assert np.allclose(r.solutions[cert.certified][:, 0], -2)
            near = [z for z in [*r.solutions, *np.asarray(r.singular).reshape(-1, 2)] if abs(z[0] - 1) < 1e-3]
            assert near                    # the roots over z0 = 1 are still reported, none certified


def test_certify_rejects_a_bad_point_and_proves_reality():
    S = System(lambda z, p: jnp.array([z[0] ** 2 - 2.0]), 1, 0)
    c = certify(S, np.array([[1.41421356237]]))
    assert c.certified[0] and c.real[0] == 1
    S2 = System(lambda z, p: jnp.array([z[0] ** 2 + 1.0]), 1, 0)
    c2 = certify(S2, np.array([[1j], [-1j]]))
    assert c2.certified_count == 2 and c2.nonreal_count == 2


def test_non_square_system_is_refused():
    from neuromanifold.errors import NeuromanifoldError

    with pytest.raises(NeuromanifoldError, match="not square"):
        System(lambda z, p: jnp.array([z[0], z[1], z[0] * z[1]]), 2, 0)


def test_expanded_system_is_the_system():
    """The expansion on sparse polynomials has the known terms of a small system and evaluates like
    the JAX function on a family member with its own data."""
    from neuromanifold.homotopy.export import expand, m2_list, phc_input

    S = System(lambda z, p, d: jnp.stack([d[0] * z[0] ** 2 - p[0], z[0] * z[1] * d[1] - 1.0]), 2, 1,
               data=np.array([2.0, 3.0j]))
    P = expand(S, [5.0])
    assert P[0].terms == {(2, 0): 2.0, (0, 0): -5.0}
    assert P[1].terms == {(1, 1): 3.0j, (0, 0): -1.0}
    assert phc_input(P).splitlines()[0] == "2" and phc_input(P).count(";") == 2
    assert "ii" in m2_list(P)
    from neuromanifold.invariants.witness import ImageSlice
    from neuromanifold.architectures import parse

    ws = ImageSlice(parse('pcnn(filters=[2,2], strides=[1,1], activation="x^2")').parametrization(), 3, 1)
    b = np.array([0.3 + 1j, -2.0, 0.5j])
    polys = expand(ws.system, b)
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))
    direct = ws.system.evaluate(Z, b)
    assert np.allclose([[q(z) for q in polys] for z in Z], direct, rtol=1e-12, atol=1e-12)


def test_family_members_share_compiled_kernels():
    """with_data: other data, same compiled tracker kernel, each member's own solutions."""
    S1 = System(lambda z, p, d: jnp.stack([z[0] ** 2 - d[0] * p[0]]), 1, 1, data=np.array([1.0]))
    S2 = S1.with_data(np.array([4.0]))
    r1 = track(S1, [[1.0]], [1.0], [9.0])
    r2 = track(S2, [[2.0]], [1.0], [9.0])
    assert np.allclose(r1.solutions, [[3.0]]) and np.allclose(r2.solutions, [[6.0]])
    assert S1._cache is S2._cache
    assert S1._cache.get("native") is not None or any(key.startswith("chunk") for key in S1._cache)
    assert certify(S1, r1.solutions, [9.0]).certified.all()
    assert certify(S2, r2.solutions, [9.0]).certified.all()      # its own data, not S1's


@pytest.mark.skipif(shutil.which("phc") is None,
                    reason="PHCpack is not installed (Debian package phcpack): no cross-check")
def test_witness_system_count_agrees_with_phcpack_and_msolve():
    """All solutions of a pseudo-witness system: our monodromy, PHCpack's blackbox solver on the
    exported polynomials, and msolve's exact count over F_p agree."""
    import subprocess
    import tempfile
    import re
    from neuromanifold.architectures import parse
    from neuromanifold.homotopy.export import expand, phc_input
    from neuromanifold.invariants.degree import degree_by_msolve
    from neuromanifold.invariants.witness import ImageSlice

    ws = ImageSlice(parse('pcnn(filters=[2,2], strides=[1,1], activation="x^2")').parametrization(), 3, 0)
    lam0, b0 = ws.seed_point(np.random.default_rng(5))
    mono = monodromy_solve(ws.system, lam0[None], b0, stall_loops=15, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/in", "w") as fh:
            fh.write(phc_input(expand(ws.system, b0)))
        subprocess.run(["phc", "-b", f"{tmp}/in", f"{tmp}/out"], capture_output=True, timeout=300, cwd=tmp)
        text = open(f"{tmp}/out").read()
    phc = int(re.findall(r"Number of regular solutions\s*:\s*(\d+)", text)[-1])
    exact = degree_by_msolve(ws, 0)["witness_solutions"] if ms.binary() else phc
    assert mono.count == phc == exact == 12        # deg 4 x 3 points on each fibre slice
    # the projective total-degree homotopy: 27 paths, the other 15 end at infinity
    total = solve(ws.system, p=b0)
    assert total.count == 12 and total.diverged == 15 and total.failed == 0


def test_loop_around_a_branch_point_swaps_square_roots():
    """z^2 = p: a triangle (or a lens) around p = 0 takes sqrt(1) = 1 to -1; one beside it brings
    1 back."""
    from neuromanifold.homotopy.tracker import track_loop

    S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1)
    w = np.exp(2j * np.pi / 3)
    around = track_loop(S, [[1.0], [-1.0]], [1.0], [w], [w * w])
    beside = track_loop(S, [[1.0], [-1.0]], [1.0], [1.5 + 0.5j], [1.5 - 0.5j])
    assert np.all(around.success) and np.allclose(around.solutions, [[-1.0], [1.0]])
    assert np.all(beside.success) and np.allclose(beside.solutions, [[1.0], [-1.0]])
    # lens loops 1 -> p1 -> 1 along the gamma-arc for gamma = i and back along its mirror image:
    # to p1 = -1 the arcs pass through i and -i (0 inside: the roots swap); to p1 = 3 they do not
    lens = track_loop(S, [[1.0], [-1.0]], [1.0], [-1.0], gamma=1j)
    flat = track_loop(S, [[1.0], [-1.0]], [1.0], [3.0], gamma=1j)
    assert np.all(lens.success) and np.allclose(lens.solutions, [[-1.0], [1.0]])
    assert np.all(flat.success) and np.allclose(flat.solutions, [[1.0], [-1.0]])


def test_paths_with_their_own_parameters():
    """One batch, each start to its own target (many instances of a family at once): z^2 = p
    from sqrt(1) to every p1 ends at a square root of that p1; loops given per path in one
    batch act like separate loops (the branch point p = 0 inside the first, outside the second)."""
    from neuromanifold.homotopy.tracker import track_loop

    S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1)
    P1 = np.array([[4.0], [9.0 + 0j], [-1.0], [2j]])
    r = track(S, np.ones((4, 1)), [1.0], P1)
    assert np.all(r.success) and np.allclose(r.solutions[:, 0] ** 2, P1[:, 0])
    w = np.exp(2j * np.pi / 3)
    loops = track_loop(S, [[1.0], [1.0]], [1.0], [[w], [1.5 + 0.5j]], [[w * w], [1.5 - 0.5j]])
    assert np.all(loops.success) and np.allclose(loops.solutions, [[-1.0], [1.0]])
    with pytest.raises(ValueError, match="one row of 1 per path"):
        track(S, np.ones((4, 1)), [1.0], np.ones((3, 1)))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 9, 12])
def test_unrolled_lu_solves_like_lapack(n):
    """The tracker's LU (unrolled for small n) against NumPy's LAPACK solve, on a random complex
    matrix and on one whose leading entry is 0 (needs a row interchange)."""
    import jax

    from neuromanifold.homotopy import small_linalg

    rng = np.random.default_rng(n)
    for M in (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)),
              np.roll(np.eye(n), 1, axis=0) * (1 + 2j) + 1e-3 * rng.standard_normal((n, n))):
        if n > 1:
            M[0, 0] = 0
        b = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        x = np.asarray(jax.jit(small_linalg.solve)(M, b))
        assert np.allclose(x, np.linalg.solve(M, b), rtol=1e-10, atol=1e-10)


def test_small_products_rewrite_keeps_values_and_derivatives():
    """small_dots writes small dot_generals as products and sums: same values and Jacobian as the
    function it rewrites (batched products, matrix-vector and a large product left alone)."""
    import jax

    from neuromanifold.backends.small_dots import small_dots

    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 4, 2)) + 1j * rng.standard_normal((3, 4, 2))
    big = rng.standard_normal((80, 80))

    def f(z, d):
        h = jnp.einsum("kij,j->ki", W, z[:2]) * z[2]            # batched product
        v = d["A"] @ h.reshape(-1) + jnp.sum(big @ (z[0] * big[0])) * 1e-3   # and a large one
        return v ** 2

    d = {"A": rng.standard_normal((3, 12)) + 0j}
    z = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    g = small_dots(f, z, d)
    assert g is not f
    assert np.allclose(g(z, d), f(z, d), rtol=1e-12)
    jf = jax.jacfwd(f, holomorphic=True)(z, d)
    jg = jax.jit(jax.jacfwd(g, holomorphic=True))(z, d)
    assert np.allclose(jf, jg, rtol=1e-12)
    ops = {e.primitive.name for e in jax.make_jaxpr(g)(z, d).jaxpr.eqns}
    assert "dot_general" in ops                               # the 80 x 80 product stays


def test_slices_of_one_architecture_share_kernels():
    """Two pseudo-witness slices of one architecture: different systems, one kernel cache."""
    from neuromanifold.architectures import parse
    from neuromanifold.invariants.witness import ImageSlice

    param = parse("linear(widths=[2,1,2])").parametrization()
    a, b = ImageSlice(param, 3, 0), ImageSlice(param, 3, 1)
    assert a.system._cache is b.system._cache
    lam = np.array([[0.3, -0.2j, 1.0]])
    assert not np.allclose(a.system.evaluate(lam, np.zeros(3)), b.system.evaluate(lam, np.zeros(3)))


# -- the public vocabulary of the homotopy layer ------------------------------------------------


def test_status_enum_and_solution_filters():
    """z^2 = p has two regular solutions; at p = 4 both are real, at p = -4 neither; a path of
    F = (p - 1) z - 1 from p = 0 to 1 goes to infinity.  The filters and predicates say so."""
    from neuromanifold.homotopy import Status

    square = System(lambda z, p: jnp.array([z[0] ** 2 - p[0]]), 1, 1)
    r = track(square, np.array([[1.0], [-1.0]]), [1.0], [4.0])
    assert [Status(s).is_success for s in r.status] == [True, True]
    assert sorted(np.round(r.only_real().real.ravel(), 8).tolist()) == [-2.0, 2.0]
    r = track(square, np.array([[1.0], [-1.0]]), [1.0], [-4.0], path="gamma", seed=3)
    assert len(r.only_nonsingular()) == 2 and len(r.only_real()) == 0
    assert sorted(np.round(np.abs(r.only_nonsingular().imag).ravel(), 8).tolist()) == [2.0, 2.0]
    pole = System(lambda z, p: jnp.array([(p[0] - 1.0) * z[0] - 1.0]), 1, 1)
    r = track(pole, np.array([[-1.0]]), [0.0], [1.0], path="linear")
    assert Status(int(r.status[0])).is_at_infinity and len(r.only_finite()) == 0
    assert Status.DIVERGED.label == "diverged" and not Status.DIVERGED.is_failure
    assert Status.MAX_STEPS.is_failure and not Status.SUCCESS.is_failure


def test_total_degree_result_filters():
    """x^2 - 1 = 0, y^2 + 1 = 0: four regular solutions, none real; x^2 - 1, y^2 - 4: four real."""
    S = System(lambda z, p: jnp.array([z[0] ** 2 - 1, z[1] ** 2 + 1]), 2, 0)
    res = solve(S, seed=1)
    assert len(res.only_nonsingular()) == 4 and len(res.only_real()) == 0 and len(res.only_finite()) == 4
    T = System(lambda z, p: jnp.array([z[0] ** 2 - 1, z[1] ** 2 - 4]), 2, 0)
    assert len(solve(T, seed=1).only_real()) == 4


def test_monodromy_options_by_name_and_preset():
    from neuromanifold.errors import NeuromanifoldError
    from neuromanifold.homotopy import MonodromyOptions, TrackOptions

    G = lambda z: jnp.array([z[0] ** 3 - 2 * z[0] * z[1], z[1] ** 2 - z[0] + 3])
    S = System(lambda z, p: G(z) - p, 2, 2)
    z0 = np.array([0.7 + 0.2j, -0.3 + 0.5j])
    p0 = np.asarray(G(jnp.asarray(z0)))
    by_name = monodromy_solve(S, z0, p0, stall_loops=30, seed=1)
    given = monodromy_solve(S, z0, p0, MonodromyOptions(stall_loops=30), seed=1)
    # the fibre of (x^3 - 2xy, y^2 - x + 3): x = y^2 + 3 - b, and a sextic in y that is linear in a,
    # so irreducible: 6 points, all reached by monodromy
    assert by_name.count == given.count == 6 and by_name.loops == given.loops
    assert MonodromyOptions.patient().stall_loops == 16 and MonodromyOptions.patient(rtol=1e-6).rtol == 1e-6
    assert monodromy_solve(S, z0, p0, TrackOptions.loop(), target=3, seed=1).stopped == "target"
    with pytest.raises(NeuromanifoldError, match="fields of MonodromyOptions"):
        monodromy_solve(S, z0, p0, stall_loop=8)


def test_trace_test_tells_complete_from_partial_witness_sets():
    """A circle cut by the lines x = b: two points; with one missing the trace is not linear."""
    from neuromanifold.homotopy import trace_test

    circle = System(lambda z, p: jnp.array([z[0] ** 2 + z[1] ** 2 - 1, z[0] - p[0]]), 2, 1)
    b = np.array([0.3 + 0.1j])
    y = np.sqrt(1 - b[0] ** 2)
    full = np.array([[b[0], y], [b[0], -y]])
    assert trace_test(circle, full, b).passed
    partial = trace_test(circle, full[:1], b)
    assert not partial.passed and partial.residual > 1e-3


def test_failed_loop_pairs_are_tried_again_along_turned_lenses(monkeypatch):
    """Every (solution, loop) pair fails on its first lens: without the retries along a turned gamma
    no loop would ever carry a root, and the three cube roots of p are found only through them.  A
    new solution goes around every loop made so far (the pairs tracked say so)."""
    from neuromanifold.homotopy import monodromy

    real_track_loop = monodromy.track_loop
    seen: dict = {}
    tracked: list = []

    def failing_first(system, starts, p0, P1, **kw):
        r = real_track_loop(system, starts, p0, P1, **kw)
        for i in range(len(starts)):
            pair = (np.round(starts[i], 6).tobytes(), np.asarray(P1)[i].tobytes())
            tracked.append((complex(np.round(starts[i][0], 6)), np.asarray(P1)[i].tobytes()))
            if pair not in seen:                  # the first try of a pair: reported failed
                seen[pair] = kw["gamma"]
                r.status[i] = 3
            else:                                 # a retry: along a lens turned by a detour
                assert abs(kw["gamma"] / seen[pair] - np.exp(1j * monodromy.DETOURS[0])) < 1e-12
        return r

    monkeypatch.setattr(monodromy, "track_loop", failing_first)
    cubic = System(lambda z, p: jnp.array([z[0] ** 3 - p[0]]), 1, 1)
    res = monodromy_solve(cubic, np.array([1.0 + 0j]), np.array([1.0 + 0j]), stall_loops=6, seed=3)
    assert res.count == 3 and res.failed_paths > 0
    assert np.allclose(np.sort(np.angle(res.solutions[:, 0])), [-2 * np.pi / 3, 0, 2 * np.pi / 3])
    loops = {v for _, v in tracked}
    for z in np.round(res.solutions[:, 0], 6):
        assert {v for s, v in tracked if abs(s - z) < 1e-5} == loops


def test_trace_check_shortens_its_pencil_when_paths_fail(monkeypatch):
    """A trace test with failed paths runs again along a pencil ``shrink`` times shorter, never shorter
    than ``smallest``; the length reached is kept."""
    from neuromanifold.homotopy import trace
    from neuromanifold.homotopy.trace import TraceCheck, TraceTestResult

    sizes = []

    def fake(system, points, p0, key=None, *, size, **kw):
        sizes.append(size)
        bad = size > 1e-3                           # paths fail on the longer pencils
        return TraceTestResult(not bad, 1e-14, 10 if bad else 0, 1)

    monkeypatch.setattr(trace, "trace_test", fake)
    check = TraceCheck(None, np.zeros(1), size=0.5, tests=5, smallest=1e-3)
    points = np.zeros((4, 1), complex)
    assert check(points) is False and check(points) is False and check(points) is False
    assert check(points) is True
    assert np.allclose(sizes, [0.5, 0.05, 0.005, 1e-3])
    assert check(np.zeros((5, 1), complex)) is True and sizes[-1] == 1e-3


def test_ill_conditioned_roots_are_refined_before_krawczyk(monkeypatch):
    """Two regular roots 1e-12 apart (condition number ~ 1e12): in double precision each is known to
    no better than their distance, so no box around the double-precision point contracts; refined by
    Newton's method in high precision first, both are certified and told apart."""
    import importlib

    cert_module = importlib.import_module("neuromanifold.homotopy.certify")
    eps = 1e-12
    S = System(lambda z, p: jnp.stack([(z[0] - 3.1) * (z[0] - 3.1 - eps) + z[1] * z[1], z[1]]), 2, 0)
    Z = np.array([[3.1 + 1e-3 * eps, 0], [3.1 + eps * (1 - 1e-3), 0]], complex)
    cert = certify(S, Z)
    assert cert.certified.all() and cert.certified_count == 2
    assert abs(cert.solutions[1, 0] - cert.solutions[0, 0] - eps) < 1e-3 * eps
    monkeypatch.setattr(cert_module, "_refined", lambda *args: None)     # without the refinement
    assert certify(S, Z).certified_count == 0
