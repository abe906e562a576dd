"""Metrics on V: Bombieri-Weyl weights, generic metrics (seeded, definite), matrices checked."""

import numpy as np
import pytest

from neuromanifold.errors import NeuromanifoldError
from neuromanifold.landscape import metric


def test_bombieri_weyl_weights_of_binary_cubics():
    """V = binary cubics x^3, x^2 y, x y^2, y^3: weights 1 / binom(3; e) = 1, 1/3, 1/3, 1."""
    M = metric('mlp(widths=[2,1,1], activation="x^3")', "bombieri-weyl")
    assert np.allclose(np.diag(M.Q), [1, 1 / 3, 1 / 3, 1])
    # orthogonal invariance: ||(a x + b y)^3||_BW = (a^2 + b^2)^(3/2), the same for every unit (a, b)
    for angle in (0.0, 0.4, 1.3):
        a, b = np.cos(angle), np.sin(angle)
        c = np.array([a ** 3, 3 * a * a * b, 3 * a * b * b, b ** 3])
        assert M.norm2(c) == pytest.approx(1.0, rel=1e-12)
    assert np.allclose(metric("linear(widths=[3,2,2])", "euclidean").Q, np.eye(6))


def test_generic_metric_is_seeded_and_definite_and_matrices_are_checked():
    spec = "linear(widths=[3,1,3])"
    G1, G2, G3 = (metric(spec, "generic", seed=s) for s in (5, 5, 6))
    assert np.array_equal(G1.Q, G2.Q) and not np.array_equal(G1.Q, G3.Q)
    assert G1.definite and G1.seed == 5 and np.allclose(G1.Q, G1.Q.T)
    with pytest.raises(NeuromanifoldError, match="unknown metric 'manhattan'"):
        metric(spec, "manhattan")
    with pytest.raises(NeuromanifoldError, match="give a 9 x 9 matrix"):
        metric(spec, np.eye(4))
    with pytest.raises(NeuromanifoldError, match="not symmetric"):
        metric(spec, np.triu(np.ones((9, 9))))
    with pytest.raises(NeuromanifoldError, match="not positive semidefinite"):
        metric(spec, -np.eye(9))
    singular = metric(spec, np.diag([1.0] * 8 + [0.0]))
    assert singular.name == "matrix" and not singular.definite and singular.rank == 8
