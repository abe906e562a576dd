"""Implicit bias: global minimisers and ends of gradient descent at subnetwork points."""

import pytest

from neuromanifold.errors import NeuromanifoldError


def test_implicit_bias_linear_is_zero_and_mlp_exceeds_pcnn():
    """Eckart--Young: the best rank-1 approximation is never the zero matrix (fraction 0).
    Gradient descent: x^2 MLP runs end on a subnetwork stratum far more often than x^2 CNN runs
    of the same size (seeds' claim), each with a 95% interval."""
    from neuromanifold.landscape.implicit_bias import implicit_bias

    lin = implicit_bias("linear(widths=[3,1,3])", 40, steps=500)
    assert lin.minimiser_fraction == 0.0 and lin.minimiser_counted >= 36 and lin.strata
    mlp = implicit_bias('mlp(widths=[2,2,1], activation="x^2")', 100, steps=2000)
    cnn = implicit_bias('pcnn(filters=[2,2], strides=[1,1], activation="x^2")', 100, steps=2000)
    assert mlp.minimiser_fraction is None and mlp.diverged_runs == 0
    assert mlp.training_fraction >= 0.1 and cnn.training_fraction <= 0.05
    assert mlp.training_interval[0] > cnn.training_interval[1] - 0.05
    with pytest.raises(NeuromanifoldError, match="at least 1"):
        implicit_bias("linear(widths=[3,1,3])", 0)
