"""Membership f in mu(C^N) and mu(R^N): Waring ranks of binary cubics, both signs of even
activations, slices, linear networks."""

import numpy as np
import pytest

from neuromanifold.errors import NeuromanifoldError
from neuromanifold.invariants.membership import contains

LIN = "linear(widths=[4,2,3])"
CUBIC = 'mlp(widths=[2,2,1], activation="x^3")'


@pytest.mark.parametrize("f, over_c, over_r", [([1, 0, -1, 0], True, False), ([1, 0, 0, 1], True, True)])
def test_membership_of_binary_cubics(f, over_c, over_r):
    """x^3 - x y^2 = x (x - y)(x + y) is a sum of two complex cubes but has real rank 3; x^3 + y^3
    is a sum of two real cubes.  Gauge-fixed fibre: 2 orderings x 3 x 3 cube roots = 18 points."""
    rc = contains(CUBIC, f, "complex")
    rr = contains(CUBIC, f, "real")
    assert rc.value is over_c and rr.value is over_r
    assert rc.solutions == 18 and rr.real_solutions == (2 if over_r else 0)
    assert rc.residual < 1e-10
    from neuromanifold.backends import msolve as ms

    if ms.binary() is not None:     # msolve's exact count (18) closes the homotopy's count
        assert rr.certified and rc.certified and "msolve counts [18]" in rr.notes[0]
    if over_r:
        assert rr.residual < 1e-10 and all(isinstance(v, float) for v in rr.witness)


def test_membership_with_even_activation_tries_both_signs():
    """x^2: a (w . x)^2 with a = +-1.  (x + y)^2 has 2 real gauge-fixed points (w = +-(1, 1)) and 2
    non-real ones (a = -1, w = +-i (1, 1)); x^2 + 2xy + 3y^2 is positive definite of rank 2, so
    not a single square even over C."""
    spec = 'mlp(widths=[2,1,1], activation="x^2")'
    r = contains(spec, [1, 2, 1], "real")
    assert r.value and r.solutions == 4 and r.real_solutions == 2
    assert not contains(spec, [1, 2, 3], "complex").value


def test_membership_by_slices_for_other_families():
    """pcnn: a point mu(theta) is found in M over C and over R (with a witness reproducing it); a
    random point of V (dim V = 6 > dim M = 3) is not in M."""
    import neuromanifold as nm

    spec = 'pcnn(filters=[2,2], strides=[1,1], activation="x^2")'
    param = nm.parse(spec).parametrization()
    f = np.asarray(param.coefficients(param.random_params(np.random.default_rng(1))))
    for field in ("complex", "real"):
        r = contains(spec, f, field)
        assert r.value and r.residual < 1e-8
    real_witness = contains(spec, f, "real").witness
    assert np.allclose(np.asarray(param.coefficients(np.array(real_witness))), f, atol=1e-8)
    assert not contains(spec, np.random.default_rng(3).standard_normal(6), "complex").value
    with pytest.raises(NeuromanifoldError, match="homotopy paths"):
        contains('mlp(widths=[3,3,3,1], activation="x^3")', np.ones(55), "complex")


def test_membership_of_linear_networks_and_bad_input():
    assert contains(LIN, [1, 2, 3, 4, 2, 4, 6, 8, 0, 0, 0, 1], "real").value is True
    assert contains("linear(widths=[3,1,3])", [1, 0, 0, 0, 1, 0, 0, 0, 0], "real").value is False
    with pytest.raises(NeuromanifoldError, match="use one of complex, real"):
        contains(LIN, np.zeros(12), "rational")
