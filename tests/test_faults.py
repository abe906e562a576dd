"""Numerical faults: injected path failures are retried and reported; near-singular data, targets on
the ED discriminant and huge or tiny coefficients give results that say they are incomplete or
uncertified, never a wrong count.  Truth: Eckart--Young (the critical points of the distance to a
matrix U on the rank-one matrices are sigma_i u_i v_i^T) and the roots of x^2 - 1, y^3 - 2."""

import importlib
from contextlib import contextmanager

import jax.numpy as jnp
import numpy as np
import pytest

from neuromanifold.errors import NeuromanifoldError
from neuromanifold.homotopy import System, solve, tracker
from neuromanifold.landscape import census, critical_points, from_data

SPEC = "linear(widths=[2,1,2])"
# the modules (the package exports functions of the same names)
census_module = importlib.import_module("neuromanifold.landscape.census")
critical_module = importlib.import_module("neuromanifold.landscape.critical")


@contextmanager
def failing(monkeypatch, rows, calls=None):
    """Paths fail (step-size underflow, end point NaN) in the tracker's batched runs: the rows chosen
    by ``rows(V)`` (V: the paths' polylines, one row each), in the run calls numbered in ``calls``
    (None: every call).  Yields the log of (call, number of rows failed)."""
    real_run = tracker._run
    log = []

    def run(system, Z0, V, knots, gamma, options, progress=None):
        Z, status, steps = real_run(system, Z0, V, knots, gamma, options, progress)
        call = len(log)
        bad = np.asarray(rows(V), bool) if calls is None or call in calls else np.zeros(len(Z0), bool)
        Z, status = Z.copy(), status.copy()
        Z[bad], status[bad] = np.nan, tracker.UNDERFLOW
        log.append((call, int(bad.sum())))
        return Z, status, steps

    monkeypatch.setattr(tracker, "_run", run)
    yield log
    monkeypatch.setattr(tracker, "_run", real_run)


def _roots_system():
    return System(lambda z, p: jnp.stack([z[0] ** 2 - 1, z[1] ** 3 - 2]), 2, 0, "x^2 - 1, y^3 - 2")


def _first(n):
    return lambda V: np.arange(len(V)) < n


def test_injected_failures_are_retracked_and_recovered(monkeypatch):
    """Two of the six total-degree paths fail in the first run: they are tracked again (tighter
    settings), counted as re-tracked, and all six roots of x^2 = 1, y^3 = 2 are found."""
    with failing(monkeypatch, _first(2), calls={0}) as log:
        r = solve(_roots_system())
    assert log[0] == (0, 2) and r.tracking.retracked == 2
    assert r.count == 6 and r.failed == 0
    expected = np.array([(x, 2 ** (1 / 3) * np.exp(2j * np.pi * j / 3)) for x in (-1, 1) for j in range(3)])
    dist = np.abs(r.solutions[:, None, :] - expected[None]).max(axis=2)
    assert np.all(dist.min(axis=0) < 1e-8)


def test_injected_permanent_failures_are_reported_not_dropped(monkeypatch):
    """Paths that fail on every try are reported as failed; the count is what was found."""
    with failing(monkeypatch, _first(2)):
        r = solve(_roots_system())
    assert r.failed == 2 and r.count == 4 and r.tracking.retracked == 2
    assert "2 failed" in r.summary()


def _wrap_track(monkeypatch, module, rows, first_only=False):
    """Failures only inside ``module``'s own calls of ``track`` (not in the monodromy before them),
    in every such call or only in the first one (its first batched run: a transient fault)."""
    real_track = module.track
    state = {"log": []}

    def track(*args, **kwargs):
        if first_only and state["log"]:
            return real_track(*args, **kwargs)
        with failing(monkeypatch, rows, {0} if first_only else None) as log:
            out = real_track(*args, **kwargs)
        state["log"].extend(log)
        return out

    monkeypatch.setattr(module, "track", track)
    return state


def test_critical_points_with_a_failed_path_is_incomplete_not_wrong(monkeypatch):
    U = np.array([[3.0, 1.0], [0.5, 2.0]])
    state = _wrap_track(monkeypatch, critical_module, _first(1))
    r = critical_points(SPEC, U.reshape(-1))
    assert state["log"] and r.failed_paths == 1
    assert r.value is None and not r.certified and r.lower <= 1
    assert any(n.startswith("INCOMPLETE") for n in r.notes)
    # the point it did find is a genuine one: sigma_i u_i v_i^T for some i
    W, S, Vt = np.linalg.svd(U)
    truth = [S[i] * np.outer(W[:, i], Vt[i]) for i in range(2)]
    assert len(r.points) == 1
    assert min(np.abs(r.points[0].coefficients.reshape(2, 2) - t).max() for t in truth) < 1e-8


def test_critical_points_recover_from_a_transient_failure(monkeypatch):
    U = np.array([[3.0, 1.0], [0.5, 2.0]])
    _wrap_track(monkeypatch, critical_module, _first(1), first_only=True)
    r = critical_points(SPEC, U.reshape(-1))
    S = np.linalg.svd(U, compute_uv=False)
    assert r.value == 2 and r.failed_paths == 0 and r.lower == 2
    assert np.allclose(sorted(p.loss for p in r.points), sorted(np.sum(S ** 2) - S ** 2))


def test_census_retracks_instances_with_failed_paths_on_new_arcs(monkeypatch):
    """Failures on the first arc only: the instances are tracked again along a new arc, every one
    enters the table, and the failed paths are reported."""
    state = _wrap_track(monkeypatch, census_module, lambda V: np.arange(len(V)) % 7 == 0, first_only=True)
    r = census("linear(widths=[3,1,3])", 20, "euclidean", seed=0, workers=1)
    injected = sum(n for _, n in state["log"])
    assert injected > 0 and r.failed_paths == injected
    assert r.failed_instances == 0 and sum(r.table.values()) == 20
    # Eckart--Young: 3 real critical points, one minimum, for every instance
    assert r.table == {"3,1": 20}


def test_census_leaves_out_instances_that_keep_failing(monkeypatch):
    targets = set()

    def rows(V):
        bad = V[:, -1, 0].real > 1.0           # the instances whose first target coordinate is > 1
        targets.update(tuple(np.round(V[i, -1].real, 12)) for i in np.flatnonzero(bad))
        return bad

    _wrap_track(monkeypatch, census_module, rows)
    r = census("linear(widths=[3,1,3])", 20, "euclidean", seed=0, workers=1)
    assert 0 < len(targets) < 20
    assert r.failed_instances == len(targets) and sum(r.table.values()) == 20 - len(targets)
    assert f"{20 - len(targets)} of 20 instances" in r.notes[0]


# -- faults in the data -----------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-12, 1e12])
def test_huge_and_tiny_targets_are_rescaled_on_a_cone(scale):
    """M is a cone, so the critical points of t U are t sigma_i u_i v_i^T: found at any scale."""
    U = np.array([[3.0, 1.0], [0.5, 2.0]]) * scale
    r = critical_points(SPEC, U.reshape(-1))
    W, S, Vt = np.linalg.svd(U)
    assert r.value == 2 and r.minima == 1 and r.lower == 2
    best = r.points[r.global_minimum].coefficients.reshape(2, 2)
    assert np.allclose(best, S[0] * np.outer(W[:, 0], Vt[0]), rtol=1e-8, atol=1e-8 * S[0])
    assert any("cone" in n for n in r.notes)


def test_overflowing_target_is_refused_with_advice():
    with pytest.raises(NeuromanifoldError, match="overflows double precision; rescale"):
        critical_points(SPEC, np.array([3.0, 1.0, 0.5, 2.0]) * 1e200)
    with pytest.raises(NeuromanifoldError, match="non-finite"):
        critical_points(SPEC, np.array([3.0, np.inf, 0.5, 2.0]))


@pytest.mark.parametrize("eps", [0.0, 1e-9])
def test_target_on_or_near_the_ed_discriminant_is_not_claimed(eps):
    """diag(1, 1 + eps): at eps = 0 the nearest rank-one matrices form a circle (a positive-
    dimensional critical set); at 1e-9 the two critical points are nearly degenerate.  Either the
    result is right (two points, diag(1,0) and diag(0, 1 + eps)) or it claims no count."""
    r = critical_points(SPEC, np.array([1.0, 0.0, 0.0, 1.0 + eps]))
    if r.value is None:
        assert not r.certified and any(n.startswith("INCOMPLETE") or "certified" in n for n in r.notes)
    else:
        assert r.value == 2
        got = sorted(np.abs(np.diag(p.coefficients.reshape(2, 2))).max() for p in r.points)
        assert np.allclose(got, [1.0, 1.0 + eps], atol=1e-6)


def test_near_discriminant_but_resolvable_target_is_right():
    r = critical_points(SPEC, np.array([1.0, 0.0, 0.0, 1.001]))
    assert r.value == 2 and r.minima == 1 and r.lower == 2
    best = r.points[r.global_minimum].coefficients.reshape(2, 2)
    assert np.allclose(best, np.diag([0.0, 1.001]), atol=1e-8)


def test_near_singular_data_gives_no_count():
    """Inputs nearly collinear (the data metric has condition ~1e10): no count is claimed; exactly
    collinear inputs (a pseudometric) are refused with advice."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(30)
    Y = rng.standard_normal((30, 2))
    X = np.stack([x, x + 1e-5 * rng.standard_normal(30)], axis=1)
    r = critical_points(SPEC, from_data(SPEC, X, Y))
    assert r.value is None and not r.certified
    assert any(n.startswith("UNRELIABLE") for n in r.notes)
    with pytest.raises(NeuromanifoldError, match="pseudometric"):
        critical_points(SPEC, from_data(SPEC, np.stack([x, x], axis=1), Y))


# -- huge, tiny and zero points in membership and fibres ------------------------------------------

CUBIC = 'mlp(widths=[2,2,1], activation="x^3")'


@pytest.mark.parametrize("field", ["complex", "real"])
def test_zero_is_in_every_neuromanifold(field):
    from neuromanifold.invariants.membership import contains

    r = contains(CUBIC, np.zeros(4), field)
    assert r.value is True and r.certified and r.witness == [0.0] * 6


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_membership_at_extreme_scales(scale):
    """x^3 + y^3 is in M over R (two cubes); x^3 - x y^2 only over C (the seed example): at any scale.
    The witness reproduces f."""
    from neuromanifold.invariants.membership import contains
    from neuromanifold import parse

    inside = contains(CUBIC, np.array([1.0, 0.0, 0.0, 1.0]) * scale, "real")
    assert inside.value is True and inside.certified
    f = np.asarray(parse(CUBIC).parametrization().coefficients(np.array(inside.witness)))
    assert np.allclose(f / scale, [1.0, 0.0, 0.0, 1.0], atol=1e-8)
    outside = contains(CUBIC, np.array([1.0, 0.0, -1.0, 0.0]) * scale, "real")
    assert outside.value is False
    assert contains(CUBIC, np.array([1.0, 0.0, -1.0, 0.0]) * scale, "complex").value is True


def test_linear_membership_and_fibre_at_extreme_scales():
    from neuromanifold.invariants.fiber import fiber
    from neuromanifold.invariants.membership import contains

    assert contains(SPEC, np.array([1.0, 1.0, 1.0, 1.0]) * 1e300).value is True       # rank one
    assert contains(SPEC, np.array([1.0, 1.0, 1.0, -1.0]) * 1e300).value is False     # rank two
    # rank f = r = 1 = the hidden width: 2^1 real components (theorem in the fibre module)
    for scale in (1e-300, 1e200):
        r = fiber(SPEC, point=np.array([1.0, 0.0, 0.0, 0.0]) * scale)
        assert r.real_components == r.real_components_expected == 2


def test_monodromy_reports_injected_failures_and_never_overcounts(monkeypatch):
    """Every batched run loses its first path: the ED degree of rank-one 3 x 3 matrices (3, by
    Eckart--Young) is still found or undercounted, never overcounted, and the failures are reported."""
    from neuromanifold.invariants.ed_degree import ed_degree

    with failing(monkeypatch, _first(1)) as log:
        r = ed_degree("linear(widths=[3,1,3])", "euclidean", seed=0)
    assert sum(n for _, n in log) > 0 and r.failed_paths > 0
    assert r.value <= 3 and r.lower <= r.value and not r.certified


def test_bisection_with_a_failing_midpoint_ends_and_says_so(monkeypatch):
    """After the grid, the first bisection midpoint fails on every try: that crossing keeps its grid
    interval (and the result says so) while the others are narrowed; the bisection ends."""
    module = importlib.import_module("neuromanifold.landscape.crossings")
    real_track = module.track
    calls, bad = [], []

    def track(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            return real_track(*args, **kwargs)
        if not bad:                             # the target of the first midpoint tried
            bad.append(np.asarray(args[3])[0])
        with failing(monkeypatch, lambda V: np.all(np.isclose(V[:, -1], bad[0]), axis=1)):
            return real_track(*args, **kwargs)

    monkeypatch.setattr(module, "track", track)
    r = module.discriminant_crossings(SPEC, metric="generic", grid=16)
    assert r.value >= 2 and len(calls) < 40
    widths = sorted(c["width"] for c in r.crossings)
    assert widths[0] <= 1e-6 and widths[-1] > 1e-3
    assert any("not narrowed down" in n for n in r.notes)


def test_reality_by_conjugate_pairing_near_the_discriminant():
    """Critical points of a real problem are closed under conjugation.  Near the ED discriminant a
    fixed tolerance misjudges them; pairing does not: two real points 1e-4 apart with noise 1e-7 in
    their imaginary parts are real, a conjugate pair with imaginary parts 5e-9 is not, a far real
    point is real; an unpaired non-real point makes the instance inconsistent."""
    from neuromanifold.homotopy.solutions import real_points

    Z = np.array([[[1 + 1e-7j, 0.5], [1 + 1e-4 - 1e-7j, 0.5], [3 + 5e-9j, 1], [3 - 5e-9j, 1], [-2, 0]]])
    ok = np.ones((1, 5), bool)
    isreal, consistent = real_points(Z, ok)
    assert isreal.tolist() == [[True, True, False, False, True]] and consistent.tolist() == [True]
    tolerance_only, _ = real_points(Z, ok, paired=False)
    assert tolerance_only.tolist() == [[False, False, True, True, True]]       # what a tolerance says
    odd = Z.copy()
    odd[0, 4] = -2 + 1e-3j                                                       # no partner
    assert real_points(odd, ok)[1].tolist() == [False]
