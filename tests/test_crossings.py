"""Crossings of the ED discriminant, checked against single-instance solves on either side."""

import json

import numpy as np
from typer.testing import CliRunner

from neuromanifold.cli import app
from neuromanifold.invariants.metrics import metric
from neuromanifold.landscape import critical_points, discriminant_crossings
from neuromanifold.report.figures import draw

SPEC = "linear(widths=[3,1,3])"


def test_crossings_change_the_real_count_by_two_and_match_direct_solves(tmp_path):
    rng = np.random.default_rng(5)
    u0, u1 = rng.standard_normal(9), rng.standard_normal(9)
    r = discriminant_crossings(SPEC, u0, u1, "generic", seed=0, grid=24)
    assert r.ed_degree == 39
    for c in r.crossings:
        # a real pair is born or dies (conjugate pairs), or a Hessian index changes
        assert abs(c["after"][0] - c["before"][0]) in (0, 2)
        assert c["before"] != c["after"]
    Q = metric(SPEC, "generic", seed=0).Q
    sharp = [c for c in r.crossings if c["width"] <= 1e-4][:2]
    assert sharp
    for c in sharp:
        for side, s in (("before", c["s"] - 1e-3), ("after", c["s"] + 1e-3)):
            direct = critical_points(SPEC, (1 - s) * u0 + s * u1, Q, seed=0)
            assert [direct.real_count, direct.minima] == c[side]
    draw(r, str(tmp_path / "x.png"))
    assert (tmp_path / "x.png").read_bytes()[:4] == b"\x89PNG"


def test_euclidean_segment_never_crosses():
    """Eckart--Young: the 3 critical points stay real (distinct singular values along a generic
    real segment), so there is no crossing."""
    r = discriminant_crossings(SPEC, metric="euclidean", seed=3, grid=16)
    assert r.value == 0 and set(v for v in r.real_counts if v >= 0) == {3}


def test_cli_crossings_json():
    r = CliRunner().invoke(app, ["crossings", SPEC, "--grid", "8", "--json"])
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["invariant"] == "discriminant_crossings" and len(payload["grid"]) == 8
    bad = CliRunner().invoke(app, ["crossings", SPEC, "--u0", "[1, 2]"])
    assert bad.exit_code == 2 and "u0 has 2 coordinates" in bad.output


def test_failed_grid_points_are_tracked_again_and_values_match_counts():
    """The README's generic-metric segment: no grid point is given up (failed paths are tracked
    again along new arcs), the critical values found at each grid point are as many as the real
    count (their index-0 ones as many as the minima), and at each crossing two real critical
    points are born or die together (a fold of the ED discriminant)."""
    r = discriminant_crossings("linear(widths=[3,1,3])", metric=metric("linear(widths=[3,1,3])", "generic"))
    assert min(r.real_counts) >= 0
    for real, mins, values in zip(r.real_counts, r.minima_counts, r.critical_values):
        assert len(values) == real and sum(1 for _, index in values if index == 0) == mins
        assert all(loss >= 0 for loss, _ in values)
    assert r.crossings and all(abs(c["after"][0] - c["before"][0]) == 2 for c in r.crossings)
