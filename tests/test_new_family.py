"""A family defined only in this file gets every invariant: the layers above 1-2 ask capabilities,
never family names (issue: family knowledge in layer 1).

The family: x -> W3 W2 C(c) x with C(c) the d x d circulant matrix of c (C[i, j] = c[(i - j) mod d]),
W2 (h x d), W3 (out x h).  For generic c, C(c) is invertible, so M is the set of out x d matrices
of rank <= h: dimension h (d + out - h), and for d = out = 3, h = 2 the determinant hypersurface,
of degree 3, whose singular locus is the rank-one matrices (dimension 5).  The symmetries: the
invertible circulants (c -> c * g, W2 -> W2 C(g)^-1; circulants commute) and GL(h) between W2 and
W3, of dimension d + h^2 = the fibre dimension; the generic fibre is connected (c ranges over the
complement of the hypersurface det C(c) = 0, then W3 W2 is a rank factorisation: one GL(h)-orbit).
"""

import numpy as np
import pytest

import neuromanifold as nm
from neuromanifold.architectures import FAMILIES, Architecture, Conserved, SymmetryGroup
from neuromanifold.architectures.base import zeros_like_params
from neuromanifold.architectures.spec import positive_int
from neuromanifold.architectures.subnetworks import Subnetwork, zero_padding
from neuromanifold.lazy import lazy

jnp = lazy("jax.numpy")


def _pattern(d: int) -> np.ndarray:
    """E[k, i, j] = 1 when (i - j) mod d = k: C(c) = sum_k c_k E[k]."""
    E = np.zeros((d, d, d))
    for i in range(d):
        for j in range(d):
            E[(i - j) % d, i, j] = 1.0
    return E


class Circulant(Architecture):
    family = "circulant"

    def __init__(self, d, h, out):
        self.d, self.h, self.out = positive_int("d", d), positive_int("h", h), positive_int("out", out)
        self._freeze()

    def spec_items(self):
        return [("d", self.d), ("h", self.h), ("out", self.out)]

    @property
    def param_shapes(self):
        return {"c": (self.d,), "W2": (self.h, self.d), "W3": (self.out, self.h)}

    @property
    def input_shape(self):
        return (self.d,)

    def forward(self, P, x, c, ops):
        C = jnp.tensordot(P["c"], _pattern(self.d), axes=1)
        return ops.lin(P["W3"], ops.lin(P["W2"], ops.lin(C, x)))

    def symmetry(self):
        return SymmetryGroup(self.d + self.h ** 2, "invertible circulants on (c, W2); GL(h) between W2 and W3")

    def symmetry_action(self, P, xi, c):
        T = zeros_like_params(P)
        E = _pattern(self.d)
        eta, G = xi[:self.d], xi[self.d:].reshape(self.h, self.h)
        Cc, Ce = jnp.tensordot(P["c"], E, axes=1), jnp.tensordot(eta, E, axes=1)
        T["c"] = (Cc @ Ce)[:, 0]                      # C(c) C(eta) is the circulant of this vector
        T["W2"] = -P["W2"] @ Ce + G @ P["W2"]
        T["W3"] = -P["W3"] @ G
        return T

    def subnetworks(self, smallest=1):
        param = self.parametrization()
        out = []
        for width in range(self.h - 1, max(smallest, 1) - 1, -1):
            sub = Circulant(self.d, width, self.out)
            sp = sub.parametrization()
            out.append(Subnetwork(f"{sub} inside {self}", "narrower layer", sp.n_params, zero_padding(param, sp),
                                  sub, 2))
        return out

    def conserved_quantities(self):
        param = self.parametrization()

        def q(theta):
            P = param.unflatten(theta)
            return (P["W3"].T @ P["W3"] - P["W2"] @ P["W2"].T).ravel()
        return Conserved(q, "W3^T W3 - W2 W2^T (the GL(h) symmetry)")


@pytest.fixture(scope="module")
def family():
    FAMILIES["circulant"] = Circulant
    yield "circulant(d=3, h=2, out=3)"
    FAMILIES.pop("circulant")


def test_dimension_degree_and_fibre(family):
    dim = nm.dimension(family)
    assert dim.value == 2 * (3 + 3 - 2) and dim.certified           # h (d + out - h) = 8
    assert nm.degree(family).value == 3                              # the determinant
    fib = nm.fiber(family)
    assert fib.fiber_dimension == 3 + 2 ** 2 and fib.value == 1      # d + h^2, one orbit


def test_singular_strata_come_from_the_family(family):
    res = nm.singular_strata(family)
    assert len(res.strata) == 1
    stratum = res.strata[0]
    assert stratum.dimension == 1 * (3 + 3 - 1) and stratum.singular is True   # rank <= 1 in det = 0


def test_membership_over_c(family):
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((3, 2)), rng.standard_normal((2, 3))
    inside = nm.contains(family, (A @ B).ravel())
    assert inside.value is True and inside.residual < 1e-6
    assert nm.contains(family, rng.standard_normal(9)).value is False     # rank 3: not on det = 0


def test_train_watches_the_declared_conserved_quantities(family):
    rng = np.random.default_rng(1)
    target = (rng.standard_normal((3, 2)) @ rng.standard_normal((2, 3))).ravel()
    run = nm.train(family, target, steps=400, lr=0.01, method="ode")
    assert "W3^T W3" in run.conserved
    assert max(run.drift) < 1e-6 * (1 + max(abs(v) for v in target))
    assert run.loss[-1] < run.loss[0]
