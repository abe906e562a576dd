"""The native tracker backend against the JAX one (the reference) and against systems with known
solutions: the straight-line program's values against JAX autodiff, statuses and end points of
both backends on total-degree, Katsura, near-singular and census systems, the same numbers for 1
and 2 threads, the landing step on a knot, and the fallback to JAX where no native kernel can be
made."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from neuromanifold.homotopy import System, monodromy_solve, native, slp, solve, tracker
from neuromanifold.homotopy.tracker import SUCCESS, TrackOptions, track, track_loop
from test_homotopy import katsura

pytestmark = pytest.mark.skipif(native.compiler() is None, reason="no C compiler on this machine")


def _random(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _data_system():
    """A family member with data (a matrix and a vector) and parameters: A z*z + B z - p."""
    rng = np.random.default_rng(3)
    data = (rng.standard_normal((3, 3)), _random(rng, 3))

    def F(z, p, data):
        A, b = data
        return (A @ z) * z + b * z[0] * z[1] - p
    return System(F, 3, 3, "data system", data)


@pytest.mark.parametrize("make", [
    lambda: System(lambda z, p: katsura(3)(z) - p, 4, 4, "katsura-3 with offset"),
    _data_system,
    lambda: System(lambda z, p: jnp.stack([z[0] ** 3 / (1.0 + p[0] * z[1]), z[1] ** 2 - p[1] * z[0]]), 2, 2,
                   "rational"),
])
def test_program_values_equal_jax_autodiff(make):
    """F, F_z and F_p v of the straight-line program equal JAX's value, jacfwd and jvp."""
    system = make()
    prog = slp.build(system)
    rng = np.random.default_rng(0)
    for _ in range(3):
        z, p, v = _random(rng, system.n), _random(rng, system.m), _random(rng, system.m)
        F, J, Fv = prog.evaluate(z, p, slp.data_vector(system.data), v)
        assert np.allclose(F, system.value(z, p), rtol=1e-12, atol=1e-12)
        assert np.allclose(J, system.jac_z(z, p), rtol=1e-12, atol=1e-12)
        jv = jax.jvp(lambda q: system.plain_call(z, q, system.data), (p,), (v,))[1]
        assert np.allclose(Fv, jv, rtol=1e-12, atol=1e-12)


def test_non_polynomial_system_falls_back_to_jax(capsys):
    """abs() has no straight-line program over C: the JAX backend tracks, with a note, and the
    result says which backend ran."""
    S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0] * jnp.abs(p[0])]), 1, 1, "with abs")
    r = track(S, [[1.0]], [1.0], [4.0], backend="native")
    assert r.backend == "jax" and r.counts() == {"success": 1}
    assert np.isclose(abs(r.solutions[0, 0]), 4.0)
    assert "native tracker is not used" in capsys.readouterr().err


def test_missing_compiler_falls_back_to_jax(monkeypatch):
    monkeypatch.setattr(native, "_COMPILER", [])
    S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1, "square, no compiler")
    r = track(S, [[1.0]], [1.0], [9.0])
    assert r.backend == "jax" and np.isclose(abs(r.solutions[0, 0]), 3.0)


def test_bad_backend_names_are_refused(monkeypatch):
    S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1)
    with pytest.raises(ValueError, match="use 'native' or 'jax'"):
        track(S, [[1.0]], [1.0], [4.0], backend="cuda")
    monkeypatch.setenv("NEUROMANIFOLD_BACKEND", "fast")
    with pytest.raises(ValueError, match="NEUROMANIFOLD_BACKEND"):
        tracker.default_backend()


@pytest.mark.parametrize("backend", ["native", "jax"])
def test_landing_step_on_the_last_knot_is_accepted(backend):
    """z - p along a straight segment: RK4 is exact, so the steps double from 0.05 (0.05, 0.1, 0.2,
    0.4) and the fifth lands on t = 1.  Its last stage must use the segment's velocity, not the
    zero velocity of the empty segment after the knot (that rejected the landing step until h was
    tiny)."""
    S = System(lambda z, p: z - p, 2, 2, "identity")
    r = track(S, [[0.0, 0.0]], [0.0, 0.0], [10.0, -7.0], path="linear", backend=backend)
    assert r.backend == backend and r.counts() == {"success": 1}
    assert r.steps[0] == 5
    assert np.allclose(r.solutions[0], [10.0, -7.0])


def _compare(a, b, rtol=1e-8):
    assert a.backend == "native" and b.backend == "jax"
    assert np.array_equal(a.status, b.status)
    ok = a.success
    diff = np.abs(a.solutions[ok] - b.solutions[ok]).max(axis=1) / (1 + np.abs(b.solutions[ok]).max(axis=1))
    assert diff.max(initial=0) < rtol


@pytest.mark.parametrize("n", [2, 4])
def test_total_degree_counts_and_end_points_agree(n):
    """Bezout's 2^n solutions of a dense quadratic system, and Katsura-n's 2^n, by both backends."""
    rng = np.random.default_rng(n)
    A, B, c = rng.standard_normal((n, n, n)), rng.standard_normal((n, n)), rng.standard_normal(n)
    dense = System(lambda z, p: jnp.einsum("ijk,j,k->i", A, z, z) + B @ z + c, n, 0, f"dense quadratic {n}")
    kats = System(lambda z, p: katsura(n)(z), n + 1, 0, f"katsura-{n}")
    for S, count in ((dense, 2 ** n), (kats, 2 ** n)):
        rn, rj = solve(S, backend="native"), solve(S, backend="jax")
        assert rn.count == rj.count == count and rn.failed == rj.failed == 0
        _compare(rn.tracking, rj.tracking)


def test_near_singular_pair_both_backends():
    """Roots 1e-7 apart: six regular solutions from both backends; 1e-13 apart: the same statuses."""
    for eps in (1e-7, 1e-13):
        S = System(lambda z, p, e=eps: jnp.stack([(z[0] - 1) * (z[0] - 1 - e) * (z[0] + 2),
                                                  z[1] ** 2 - z[0] - 3]), 2, 0, f"pair {eps}")
        rn, rj = solve(S, backend="native"), solve(S, backend="jax")
        assert rn.count == rj.count
        assert np.array_equal(rn.tracking.status, rj.tracking.status)
        if eps == 1e-7:
            assert rn.count == 6


def test_parameter_homotopy_per_path_parameters_and_threads(monkeypatch):
    """Paths with their own target rows (as the census tracks them): same statuses and end points as
    the JAX backend, and bit-identical end points for 1 and 2 threads."""
    S = _data_system()
    rng = np.random.default_rng(5)
    z0 = _random(rng, 3)
    p0 = np.asarray(S.plain_call(jnp.asarray(z0), jnp.zeros(3), S.data))     # F(z0; p0) = 0
    m = monodromy_solve(S, z0, p0, backend="native")
    assert m.count == 8                              # Bezout: three quadrics, generic
    targets = _random(rng, 40, 3)
    starts = np.tile(m.solutions, (40, 1))
    P1 = np.repeat(targets, m.count, axis=0)
    runs = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("NEUROMANIFOLD_THREADS", threads)
        runs[threads] = track(S, starts, p0, P1, backend="native", check_injective=False)
    assert np.array_equal(runs["1"].solutions, runs["2"].solutions)
    assert np.array_equal(runs["1"].steps, runs["2"].steps)
    rj = track(S, starts, p0, P1, backend="jax", check_injective=False)
    _compare(runs["2"], rj)
    # every end point solves its own instance
    F = np.array([S.value(z, p) for z, p in zip(runs["2"].solutions[runs["2"].success], P1[runs["2"].success])])
    assert np.abs(F).max() < 1e-9


def test_loops_permute_the_solutions_on_both_backends():
    """A lens loop around the branch point of z^2 = p swaps the two square roots; a triangle not
    enclosing it (both backends alike) returns each root to itself."""
    S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1, "square root")
    starts = np.array([[1.0], [-1.0]], complex)
    for backend in ("native", "jax"):
        lens = track_loop(S, starts, [1.0], [-1.0], gamma=1j, backend=backend)
        assert lens.backend == backend and np.all(lens.success)
        assert np.allclose(lens.solutions[:, 0], [-1.0, 1.0])
        tri = track_loop(S, starts, [1.0], [2.0 + 0.5j], [2.0 - 0.5j], backend=backend)
        assert np.allclose(tri.solutions[:, 0], [1.0, -1.0])


def test_polish_matches_jax_newton():
    S = _data_system()
    rng = np.random.default_rng(9)
    z0 = _random(rng, 3)
    p = np.asarray(S.plain_call(jnp.asarray(z0), jnp.zeros(3), S.data))
    Z = z0[None] + 1e-4 * _random(rng, 1, 3)
    Zn, Jn, Fn = tracker.polish(S, Z, p, 3, backend="native")
    Zj = S.newton(Z, p, 3)
    assert np.allclose(Zn, Zj, rtol=1e-12) and np.allclose(Zn, z0[None], rtol=1e-10)
    assert np.allclose(Jn[0], S.jac_z(Zn[0], p), rtol=1e-12)
    assert np.abs(Fn).max() < 1e-12


def test_interpreter_and_compiled_kernels_agree_bit_for_bit(tmp_path, monkeypatch):
    """The bytecode interpreter (used while the compiled kernels are built) does the compiled
    kernels' arithmetic instruction by instruction: the same end points, statuses and steps."""
    monkeypatch.setenv("NEUROMANIFOLD_NATIVE_CACHE", str(tmp_path))
    runs = {}
    for mode in ("interpreted", "compiled"):
        monkeypatch.setenv("NEUROMANIFOLD_NATIVE", mode)
        S = _data_system()
        kern = native.NativeKernel(S)
        assert kern.mode == mode
        rng = np.random.default_rng(2)
        z0 = _random(rng, 6, 3)
        p0 = np.array([np.asarray(S.plain_call(jnp.asarray(z), jnp.zeros(3), S.data)) for z in z0])
        opts = TrackOptions()
        runs[mode] = kern.track(z0, [p0, _random(rng, 3), _random(rng, 3), _random(rng, 3)],
                                [0.0, 0.5, 1.0, 1.0], 1j, opts, S.data)
    for a, b in zip(runs["interpreted"], runs["compiled"]):
        assert np.array_equal(a, b)
    assert np.all(runs["compiled"][1] == SUCCESS)


def test_compiled_kernels_are_cached_on_disk(tmp_path, monkeypatch):
    """A second kernel of the same program loads the library from the disk cache."""
    monkeypatch.setenv("NEUROMANIFOLD_NATIVE_CACHE", str(tmp_path))
    monkeypatch.setenv("NEUROMANIFOLD_NATIVE", "compiled")
    make = lambda: System(lambda z, p: jnp.stack([z[0] ** 3 - p[0] * z[1], z[1] ** 2 - 2.0]), 2, 1, "cubic")
    first = native.NativeKernel(make())
    second = native.NativeKernel(make())
    assert not first.info.cached and second.info.cached
    assert len(list(tmp_path.glob("track-*.so"))) == 1


def test_auto_tier_compiles_only_once_the_work_pays_for_it(tmp_path, monkeypatch):
    """auto: a new system is interpreted; its kernels are compiled in the background only after
    COMPILE_AFTER path-steps (or when asked to wait for them), and a cached library is used at once."""
    monkeypatch.setenv("NEUROMANIFOLD_NATIVE_CACHE", str(tmp_path))
    monkeypatch.setenv("NEUROMANIFOLD_NATIVE", "auto")
    monkeypatch.setattr(native, "COMPILE_AFTER", 2_000)
    S = _data_system()
    kern = native.NativeKernel(S)
    rng = np.random.default_rng(4)
    z0 = _random(rng, 2, 3)
    p0 = np.array([np.asarray(S.plain_call(jnp.asarray(z), jnp.zeros(3), S.data)) for z in z0])
    verts = [p0, _random(rng, 3), _random(rng, 3), _random(rng, 3)]
    kern.track(z0, verts, [0.0, 0.5, 1.0, 1.0], 1j, TrackOptions(), S.data)
    assert kern._build is None and kern.mode == "interpreted" and not list(tmp_path.glob("track-*.so"))
    many = np.repeat(z0, 40, axis=0)
    verts = [np.repeat(p0, 40, axis=0)] + verts[1:]
    kern.track(many, verts, [0.0, 0.5, 1.0, 1.0], 1j, TrackOptions(), S.data)     # 80 paths x 50 > 2000
    assert kern.wait_compiled() and kern.mode == "compiled" and len(list(tmp_path.glob("track-*.so"))) == 1
    assert native.NativeKernel(_data_system()).mode == "compiled"          # from the disk cache at once


@pytest.mark.slow
def test_census_is_the_same_on_both_backends(monkeypatch):
    """The census of rank-one 3 x 3 matrices (generic metric), instance by instance: the same real
    critical points and minima whichever backend tracks (monodromy included)."""
    from neuromanifold.landscape import census

    out = {}
    for backend in ("native", "jax"):
        monkeypatch.setenv("NEUROMANIFOLD_BACKEND", backend)
        r = census("linear(widths=[3,1,3])", samples=6, metric="generic", seed=7)
        assert any(f"tracked by the {backend if backend == 'native' else 'JAX'} backend" in n for n in r.notes)
        out[backend] = r
    assert out["native"].ed_degree == out["jax"].ed_degree == 39
    assert out["native"].real_counts == out["jax"].real_counts
    assert out["native"].minima_counts == out["jax"].minima_counts
