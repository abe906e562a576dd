"""Pseudo-witness sets of a neuromanifold (Hauenstein--Sommese, "Witness sets of projections").

M is the closure of mu(C^N), of dimension k.  Restrict the parameters to a
generic affine k-slice theta = theta_c + S lambda (lambda in C^k): the
restricted map is still dominant onto M.  Coordinates on V: the values of
f at ``len(basis)`` generic points (an isomorphism of V onto its image, as
the evaluation matrix of generic points is invertible).  A generic affine
L = {v : A v = b} of codimension k in these coordinates gives the square
system

    G(lambda; b) = A f_{theta_c + S lambda}(X) - b = 0,      lambda in C^k,

whose solutions map onto the deg M points of M ∩ L, each hit by the same
number e of lambdas (the points of a generic fibre on the slice).  G(.; b)
is the fibre of a dominant map C^k -> C^k, so monodromy in b alone is
transitive on its solutions; the points of M ∩ L move with b in a parallel
pencil, so their sum is affine-linear in b (the trace test).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np

from ..architectures.base import Parametrization
from ..backends import primefield as pf
from ..homotopy.system import System, family_member, padded_rows


def complex_normal(rng, *shape):
    """Standard complex normal entries (E|z|^2 = 1) of the given shape."""
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)


class ParameterSlice:
    """theta(lambda) = theta_c + S lambda, a random affine slice of parameter space of dimension k,
    and the coordinates of f_theta(lambda) in V as its values at points X (z = P c with P =
    I (x) Veronese(X), invertible for generic X).  The slices of the witness systems
    (:class:`ImageSlice`) and of the critical systems (:class:`~.ed_degree.CriticalSlice`) are
    these, each with its own data tuple (:meth:`slice_data` reads theta_c, S, X, c from it) and
    value order (``output_major``: output by output; else point by point)."""

    output_major = False

    def theta(self, lam):
        return self.theta_c + self.S @ lam

    def image_at(self, lam, data):
        """Coordinates of f_theta(lambda) in V (values at the points X, flattened), for slice data."""
        theta_c, S, X, c = self.slice_data(data)
        values = jax.vmap(self.param.f, in_axes=(None, 0, None))(theta_c + S @ lam, X, c)
        return (values.T if self.output_major else values).reshape(-1)

    def image(self, lam):
        """Coordinates of f_theta(lambda) in V for this slice."""
        return self.image_at(lam, self.data)

    def images(self, L: np.ndarray) -> np.ndarray:
        """Image coordinates at the rows of L (compiled once per family of slices)."""
        fn = self.system.compiled("images", lambda: jax.jit(jax.vmap(self.image_at, in_axes=(0, None))))
        return padded_rows(fn, np.asarray(L, complex).reshape(-1, self.k), self.data)

    def jacobians(self, L: np.ndarray) -> np.ndarray:
        """d image / d lambda at the rows of L."""
        fn = self.system.compiled("image-jacobians", lambda: jax.jit(jax.vmap(
            jax.jacfwd(self.image_at, holomorphic=True), in_axes=(0, None))))
        return padded_rows(fn, np.asarray(L, complex).reshape(-1, self.k), self.data)


@dataclass(eq=False)
class ImageSlice(ParameterSlice):
    """The square system G(lambda; b) of a parametrisation cut to dimension k."""

    param: Parametrization
    k: int
    seed: int = 0

    def __post_init__(self):
        rng = np.random.default_rng([self.seed, 31])
        N = self.param.n_params
        self.points = len(self.param.basis)
        self.theta_c = complex_normal(rng, N)
        self.S = complex_normal(rng, N, self.k) / np.sqrt(self.k)
        self.X = complex_normal(rng, self.points, self.param.n_vars)
        rows = self.points * self.param.n_outputs
        A = complex_normal(rng, self.k, rows)
        self.A = A / np.linalg.norm(A, axis=1, keepdims=True)
        self.c = self.param.constants_array(np.complex128)

    @property
    def data(self) -> tuple:
        """(theta_c, S, X, c, A): the random numbers of this slice, passed to compiled kernels."""
        return (self.theta_c, self.S, self.X, self.c, self.A)

    def slice_data(self, data) -> tuple:
        return data[:4]

    def witness_function(self, lam, b, data):
        """G(lambda; b) = A f_theta(lambda)(X) - b."""
        return data[4] @ self.image_at(lam, data) - b

    @cached_property
    def system(self) -> System:
        """G(lambda; b) at this slice's data; all slices of one architecture and k share the
        compiled kernels."""
        return family_member(
            ("pseudo-witness", str(self.param.arch), self.k),
            lambda: System(self.witness_function, self.k, self.k,
                           f"pseudo-witness system of {self.param.arch}", self.data),
            self.data)

    def seed_point(self, rng: np.random.Generator):
        lam0 = complex_normal(rng, self.k)
        return lam0, self.A @ self.images(lam0[None])[0]

    # -- exact version for msolve ------------------------------------------------------
    def modular_systems(self, prime: int, rng: np.random.Generator):
        """(witness polynomials, fibre polynomials, variables) over F_p at random integer data:
        the witness system A f(theta_c + S l)(X) = b and the fibre system f(...)(X) = f(...)(X) at
        l0, with every number a random residue."""
        from ..backends.msolve import expand

        N, k, P = self.param.n_params, self.k, self.points
        thc = rng.integers(0, prime, N)
        S = rng.integers(0, prime, (N, k))
        X = rng.integers(0, prime, (P, self.param.n_vars))
        A = rng.integers(0, prime, (k, P * self.param.n_outputs))
        c = np.array([pf.residue(q, prime) for q in self.param.constants], dtype=np.int64)
        lam0 = rng.integers(0, prime, k)
        f = self.param.f

        def image(lam, thc, S, X, c):
            return jax.vmap(f, in_axes=(None, 0, None))(thc + S @ lam, X, c).reshape(-1)

        ex = [jnp.zeros(k), jnp.zeros(N), jnp.zeros((N, k)), jnp.zeros((P, self.param.n_vars)),
              jnp.zeros(len(c))]
        polys, names = expand(image, ex, [thc, S, X, c], k, prime)
        v0 = np.array([int(poly(*[int(v) for v in lam0])) for poly in polys], dtype=object)
        witness = []
        for i in range(k):
            poly = polys[0] * 0
            for j in range(len(polys)):
                if A[i, j]:
                    poly = poly + int(A[i, j]) * polys[j]
            witness.append(str(poly - int(np.dot(A[i].astype(object), v0) % prime)))
        fibre = [str(polys[j] - int(v0[j])) for j in range(len(polys))]
        return witness, fibre, names
