"""Value algebras that one forward pass per family runs on.

A family writes its forward pass once against the small interface of
:class:`Ops`: ``lin`` (contract a parameter matrix with the leading value
axis), ``add`` (add a parameter vector), ``mul`` (elementwise product with
broadcasting), ``sum``/``expand``/``reshape``/``transpose`` (value axes) and
``act`` (a polynomial activation).  Three algebras implement it:

* :class:`NumericOps` -- values are JAX arrays of numbers: the evaluation
  form f_theta(x) (float or complex; differentiable, jit/vmap-able).
* :class:`PolyOps` -- values are :class:`GradedPoly` arrays of polynomials in
  the input variables: the coefficient form of mu, in the monomial basis of
  :mod:`neuromanifold.monomials` (also differentiable).
* :class:`DegreeOps` -- values only carry shapes and degree bounds: which
  degrees in x occur (this fixes the ambient basis) and the degree in theta
  (used in Schwartz--Zippel bounds).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import numpy as np

from . import monomials
from .lazy import lazy

jax = lazy("jax")
jnp = lazy("jax.numpy")


class Ops:
    """Interface of a value algebra; ``act`` is shared and built from ``mul``/``scale``/``add``."""

    def filter_matrix(self, u, n_out: int, stride: int):
        """The n_out x n_in matrix of cross-correlation with filter u at the given stride:
        row j holds u at columns j*stride, ..., j*stride + k - 1 (k = len(u))."""
        k = jnp.shape(u)[0]
        n_in = (n_out - 1) * stride + k
        pattern = np.zeros((k, n_out, n_in))
        for a in range(k):
            pattern[a, np.arange(n_out), np.arange(n_out) * stride + a] = 1.0
        return jnp.tensordot(u, pattern, axes=1)

    def act(self, h, powers, coeffs):
        """sigma(h) = sum_j coeffs[j] * h^powers[j] (powers static, coefficients traced)."""
        cache = {1: h}

        def power(k):
            if k not in cache:
                half = power(k // 2)
                sq = self.mul(half, half)
                cache[k] = sq if k % 2 == 0 else self.mul(sq, h)
            return cache[k]

        out = None
        const = None
        for j, k in enumerate(powers):
            if k == 0:
                const = coeffs[j]
                continue
            term = self.scale(power(k), coeffs[j])
            out = term if out is None else self.add_values(out, term)
        if const is not None:
            out = self.add(out, const * jnp.ones(self.shape(h)))
        return out


# ---------------------------------------------------------------------------
# numbers


class NumericOps(Ops):
    """Values are arrays of numbers; every operation is the obvious jax.numpy one."""

    def lin(self, W, H):
        return jnp.tensordot(W, H, axes=1)

    def add(self, H, b):
        return H + b

    def add_values(self, A, B):
        return A + B

    def scale(self, H, c):
        return H * c

    def mul(self, A, B):
        return A * B

    def sum(self, H, axis):
        return jnp.sum(H, axis=axis)

    def expand(self, H, axis):
        return jnp.expand_dims(H, axis)

    def reshape(self, H, shape):
        return jnp.reshape(H, shape)

    def transpose(self, H, perm):
        return jnp.transpose(H, perm)

    def shape(self, H):
        return jnp.shape(H)


# ---------------------------------------------------------------------------
# polynomials


@dataclass
class GradedPoly:
    """An array of polynomials: ``terms[d]`` has shape ``shape + (count(n, d),)``, the
    coefficients of the degree-d part in the order of :func:`monomials.exponents`."""

    n_vars: int
    shape: tuple
    terms: dict

    def __post_init__(self):
        _register_pytree()

    def tree_flatten(self):
        degs = tuple(sorted(self.terms))
        return tuple(self.terms[d] for d in degs), (self.n_vars, tuple(self.shape), degs)

    @classmethod
    def tree_unflatten(cls, aux, children):
        n, shape, degs = aux
        return cls(n, shape, dict(zip(degs, children)))

    @property
    def degrees(self) -> tuple:
        return tuple(sorted(self.terms))

    @classmethod
    def variables(cls, n: int, dtype=np.float64) -> GradedPoly:
        """The vector (x_1, ..., x_n) of input variables."""
        return cls(n, (n,), {1: jnp.eye(n, dtype=dtype)})

    def dense(self, degrees) -> jnp.ndarray:
        """Coefficients over the basis of ``degrees``: shape ``shape + (size,)``."""
        parts = []
        for d in sorted(degrees):
            if d in self.terms:
                parts.append(self.terms[d])
            else:
                parts.append(jnp.zeros(tuple(self.shape) + (monomials.count(self.n_vars, d),)))
        return jnp.concatenate(parts, axis=-1)


_REGISTERED = []


def _register_pytree() -> None:
    """Make GradedPoly a JAX pytree (its terms are the leaves) the first time one is built: the
    registration imports JAX, which a command answered from the atlas never needs."""
    if not _REGISTERED:
        _REGISTERED.append(True)
        jax.tree_util.register_pytree_node(GradedPoly, GradedPoly.tree_flatten, GradedPoly.tree_unflatten)


def _axis(axis: int, ndim: int) -> int:
    return axis + ndim if axis < 0 else axis


class PolyOps(Ops):
    """Values are :class:`GradedPoly`; products use the monomial multiplication tables."""

    def __init__(self, n_vars: int):
        self.n_vars = n_vars

    def _map(self, H, fn, shape):
        return GradedPoly(H.n_vars, tuple(shape), {d: fn(a) for d, a in H.terms.items()})

    def lin(self, W, H):
        shape = (W.shape[0],) + tuple(H.shape[1:])
        return self._map(H, lambda a: jnp.tensordot(W, a, axes=1), shape)

    def add(self, H, b):
        shape = tuple(jnp.broadcast_shapes(tuple(H.shape), jnp.shape(b)))
        terms = {d: jnp.broadcast_to(a, shape + a.shape[-1:]) for d, a in H.terms.items()}
        const = jnp.broadcast_to(jnp.asarray(b), shape)[..., None]
        terms[0] = terms[0] + const if 0 in terms else const
        return GradedPoly(H.n_vars, shape, terms)

    def add_values(self, A, B):
        shape = tuple(jnp.broadcast_shapes(tuple(A.shape), tuple(B.shape)))
        terms = {}
        for d in set(A.terms) | set(B.terms):
            parts = [P.terms[d] for P in (A, B) if d in P.terms]
            total = reduce(lambda u, v: u + v, parts)
            terms[d] = jnp.broadcast_to(total, shape + total.shape[-1:])
        return GradedPoly(A.n_vars, shape, terms)

    def scale(self, H, c):
        return self._map(H, lambda a: a * c, H.shape)

    def mul(self, A, B):
        shape = tuple(jnp.broadcast_shapes(tuple(A.shape), tuple(B.shape)))
        terms = {}
        for d1, a in A.terms.items():
            for d2, b in B.terms.items():
                prod = self._product(a, b, d1, d2, shape)
                d = d1 + d2
                terms[d] = terms[d] + prod if d in terms else prod
        return GradedPoly(A.n_vars, shape, terms)

    def _product(self, a, b, d1, d2, shape):
        n = self.n_vars
        if d1 == 0:
            return jnp.broadcast_to(a * b, shape + b.shape[-1:])
        if d2 == 0:
            return jnp.broadcast_to(a * b, shape + a.shape[-1:])
        table = monomials.product_table(n, d1, d2)
        size = monomials.count(n, d1 + d2)
        outer = a[..., :, None] * b[..., None, :]
        outer = jnp.broadcast_to(outer, shape + outer.shape[-2:]).reshape(shape + (-1,))
        out = jnp.zeros(shape + (size,), dtype=outer.dtype)
        return out.at[..., jnp.asarray(table.reshape(-1))].add(outer)

    def sum(self, H, axis):
        nd = len(H.shape)
        ax = _axis(axis, nd)
        shape = tuple(s for i, s in enumerate(H.shape) if i != ax)
        return self._map(H, lambda a: jnp.sum(a, axis=ax), shape)

    def expand(self, H, axis):
        nd = len(H.shape) + 1
        ax = _axis(axis, nd)
        shape = list(H.shape)
        shape.insert(ax, 1)
        return self._map(H, lambda a: jnp.expand_dims(a, ax), shape)

    def reshape(self, H, shape):
        shape = tuple(shape)
        return self._map(H, lambda a: jnp.reshape(a, shape + a.shape[-1:]), shape)

    def transpose(self, H, perm):
        perm = tuple(perm)
        shape = tuple(H.shape[i] for i in perm)
        return self._map(H, lambda a: jnp.transpose(a, perm + (len(perm),)), shape)

    def shape(self, H):
        return tuple(H.shape)


# ---------------------------------------------------------------------------
# degrees


@dataclass(frozen=True)
class Degrees:
    """Shape of a value array, the set of degrees in x its entries may have, and a bound on
    their degree in the parameters."""

    shape: tuple
    x: frozenset
    theta: int


def _sumset(a: frozenset, b: frozenset) -> frozenset:
    return frozenset(i + j for i in a for j in b)


class DegreeOps(Ops):
    """Propagates degree sets in x and degree bounds in theta through a forward pass.

    Parameters are only looked at for their shapes, so they may be zero-stride
    stand-ins (``np.broadcast_to(0.0, shape)``) of any size."""

    def filter_matrix(self, u, n_out: int, stride: int):
        k = np.shape(u)[0]
        return np.broadcast_to(0.0, (n_out, (n_out - 1) * stride + k))

    def lin(self, W, H):
        return Degrees((np.shape(W)[0],) + tuple(H.shape[1:]), H.x, H.theta + 1)

    def add(self, H, b):
        shape = tuple(np.broadcast_shapes(tuple(H.shape), np.shape(b)))
        return Degrees(shape, H.x | {0}, max(H.theta, 1))

    def add_values(self, A, B):
        shape = tuple(np.broadcast_shapes(tuple(A.shape), tuple(B.shape)))
        return Degrees(shape, A.x | B.x, max(A.theta, B.theta))

    def scale(self, H, c):
        return H

    def mul(self, A, B):
        shape = tuple(np.broadcast_shapes(tuple(A.shape), tuple(B.shape)))
        return Degrees(shape, _sumset(A.x, B.x), A.theta + B.theta)

    def act(self, h, powers, coeffs):
        xs, theta = set(), 0
        for k in powers:
            if k == 0:
                xs.add(0)
                continue
            s = frozenset({0})
            for _ in range(k):
                s = _sumset(s, h.x)
            xs |= s
            theta = max(theta, k * h.theta)
        return Degrees(tuple(h.shape), frozenset(xs), theta)

    def sum(self, H, axis):
        ax = _axis(axis, len(H.shape))
        return Degrees(tuple(s for i, s in enumerate(H.shape) if i != ax), H.x, H.theta)

    def expand(self, H, axis):
        shape = list(H.shape)
        shape.insert(_axis(axis, len(H.shape) + 1), 1)
        return Degrees(tuple(shape), H.x, H.theta)

    def reshape(self, H, shape):
        return Degrees(tuple(shape), H.x, H.theta)

    def transpose(self, H, perm):
        return Degrees(tuple(H.shape[i] for i in perm), H.x, H.theta)

    def shape(self, H):
        return tuple(H.shape)
