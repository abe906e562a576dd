"""Filling over C and over R (invariants/filling.py): the seeds' binary cubic, real Waring ranks."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError
from neuromanifold.invariants.filling import filling, wilson_interval
from neuromanifold.landscape.census import instances

CUBIC = 'mlp(widths=[2,2,1], activation="x^3")'


def _real_roots(coefficients) -> int:
    """Real roots of the binary form sum_i c_i x^(d-i) y^i (as a polynomial in x / y)."""
    r = np.roots(coefficients)
    return int(np.sum(np.abs(r.imag) <= 1e-9 * (1 + np.abs(r))))


def test_the_seeds_cubic_fills_over_c_but_not_over_r():
    """x^3 - x y^2 has three real roots, so real Waring rank 3 > 2: a certified witness outside
    M(R); the sampled fraction lies strictly between 0 and 1, and each sampled decision agrees with
    the count of real roots (one real root <=> real rank 2 <=> in M(R), Sylvester)."""
    assert filling(CUBIC, "complex").value is True
    r = filling(CUBIC, "real", samples=12, targets="kostlan", seed=3)
    assert r.value is False and r.certified and r.witness_certified
    assert r.witness == [1.0, 0.0, -1.0, 0.0]
    assert any("agrees" in n for n in r.notes)
    assert r.decided == 12 and 0 < r.contained < 12
    lo, hi = r.fraction_interval
    assert 0 < lo < r.fraction < hi < 1
    U, _ = instances(4, 12, "euclidean", 3, targets="kostlan", arch=CUBIC)
    assert r.contained == sum(_real_roots(u) == 1 for u in U)


@pytest.mark.parametrize("d, width, fills", [(3, 3, True), (4, 3, False), (4, 4, True), (5, 4, False)])
def test_shallow_binary_forms_fill_r_iff_the_width_reaches_the_degree(d, width, fills):
    """Binary forms of degree d have real rank <= d, and those with d distinct real roots exactly
    d (Comon-Ottaviani): M(R) is dense iff width >= d; otherwise the witness has d real roots."""
    spec = f'mlp(widths=[2,{width},1], activation="x^{d}")'
    r = filling(spec, "real", samples=0)
    assert r.value is fills and r.certified
    if fills:
        assert r.fraction == 1.0 and r.witness is None
    else:
        assert _real_roots(r.witness) == d and len(set(np.round(np.roots(r.witness).real, 9))) == d


def test_linear_networks_over_r_follow_the_rank():
    assert filling("linear(widths=[2,2,2])", "real").value is True          # every 2 x 2 matrix
    low = filling("linear(widths=[3,1,3])", "real")
    assert low.value is False and low.certified and low.fraction == 0.0     # rank one: measure zero


def test_wilson_interval_and_bad_inputs():
    lo, hi = wilson_interval(5, 10)
    assert lo < 0.5 < hi and wilson_interval(0, 0) == []
    for kwargs, word in [(dict(field="p-adic"), "complex or real"), (dict(targets="uniform"), "kostlan"),
                         (dict(samples=-1), "samples")]:
        with pytest.raises(NeuromanifoldError, match=word):
            filling(CUBIC, **{"field": "real", **kwargs})


def test_filling_command():
    runner = CliRunner()
    res = runner.invoke(app, ["filling", 'mlp(widths=[2,3,1], activation="x^3")', "--field", "real", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)[0] if res.stdout.strip().startswith("[") else json.loads(res.stdout)
    assert out["value"] is True and out["certified"] is True
    bad = runner.invoke(app, ["filling", CUBIC, "--field", "quaternion"])
    assert bad.exit_code == 2 and "complex or real" in bad.output
