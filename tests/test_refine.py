"""Newton's method in high precision at ill-conditioned end points: quadratic convergence at a
regular root (even with a condition number of 1e12, where double precision cannot separate the
root from its neighbour), none at a double root."""

import jax.numpy as jnp
import numpy as np

from neuromanifold.homotopy import System
from neuromanifold.homotopy.refine import refine


def test_close_pair_of_roots_is_resolved():
    """(z - 1)(z - 1 - 1e-12): from a start between the roots' neighbourhood each root is reached
    to the last bit; the two results are distinct."""
    eps = 1e-12
    S = System(lambda z, p: jnp.stack([(z[0] - 1) * (z[0] - 1 - eps), z[1] ** 2 - 2.0]), 2, 0, "close pair")
    r = refine(S, [[1 - 2e-13, 1.4], [1 + eps + 3e-13, 1.4]])
    assert r.converged.all()
    assert abs(r.points[0, 0] - 1) < 1e-15 and abs(r.points[1, 0] - (1 + eps)) < 1e-15
    assert np.allclose(r.points[:, 1], np.sqrt(2), rtol=0, atol=1e-15)


def test_double_root_does_not_converge_quadratically():
    S = System(lambda z, p: jnp.stack([(z[0] - p[0]) ** 2]), 1, 1, "double root")
    r = refine(S, [[1.001]], [1.0])
    assert not r.converged[0] and r.points[0, 0] == 1.001          # the point is kept


def test_per_row_parameters():
    S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1, "square roots")
    r = refine(S, [[1.9], [3.1]], [[4.0], [9.0]])
    assert r.converged.all() and np.allclose(r.points[:, 0], [2.0, 3.0], rtol=0, atol=1e-15)
