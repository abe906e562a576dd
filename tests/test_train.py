"""Training: conserved quantities (balancedness, rescaling laws) and the distance to the singular
locus."""

import numpy as np
import pytest

from neuromanifold.errors import NeuromanifoldError
from neuromanifold.landscape.train import train

CUBIC = 'mlp(widths=[2,2,1], activation="x^3")'


def test_balancedness_drift_is_first_order_in_the_step():
    """W2^T W2 - W1 W1^T is constant under gradient flow; gradient descent over a fixed horizon
    drifts by O(h) (fitted slope ~ 1) and the ODE solver stays near round-off."""
    u = np.random.default_rng(1).standard_normal(9)
    hs = np.array([0.04, 0.02, 0.01])
    drift = [train("linear(widths=[3,2,3])", u, steps=int(round(1 / h)), lr=float(h), seed=0).drift[-1]
             for h in hs]
    slope = np.polyfit(np.log(hs), np.log(drift), 1)[0]
    assert 0.85 < slope < 1.15
    ode = train("linear(widths=[3,2,3])", u, steps=100, lr=0.01, method="ode")
    assert ode.drift[-1] < 1e-8 and ode.loss[-1] < ode.loss[0]


def test_homogeneous_activation_conserved_quantity():
    """x^3: ||w_in||^2 - 3 ||w_out||^2 per neuron is conserved by the flow."""
    u = np.random.default_rng(2).standard_normal(4)
    r = train(CUBIC, u, steps=50, lr=0.01, method="ode")
    assert r.drift[-1] < 1e-8 and "3 ||W_(i+1)" in r.conserved
    with pytest.raises(NeuromanifoldError, match="use one of gd, ode"):
        train(CUBIC, u, method="adam")


def test_train_records_the_distance_to_the_singular_locus():
    u = np.random.default_rng(1).standard_normal(9)
    r = train("linear(widths=[3,2,3])", u, steps=100, lr=0.01)
    assert len(r.singular_distance) == len(r.loss) and all(d >= 0 for d in r.singular_distance)
    assert all(0 <= m <= 1 for m in r.rank_margin)


def test_kawaguchi_hessians_at_zero():
    """theta = 0 is critical for every deep linear network.  With one hidden layer the loss has the
    degree-two term -2 <W2 W1, U>, an indefinite form: a strict saddle (negative Hessian
    eigenvalues); with two or more the product has degree >= 3, so the Hessian at 0 vanishes
    identically (Kawaguchi, arXiv 1605.07110)."""
    from neuromanifold.landscape.classify import classify

    u = np.random.default_rng(3).standard_normal(9)
    shallow = classify("linear(widths=[3,2,3])", np.zeros(12), u)
    assert shallow.critical and shallow.hessian_index > 0
    assert shallow.hessian_zeros < 12 and shallow.kind == "spurious"    # dmu(0) = 0: rank drop
    deep = classify("linear(widths=[3,2,2,3])", np.zeros(16), u)
    assert deep.critical and deep.hessian_index == 0 and deep.hessian_zeros == 16
