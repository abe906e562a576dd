"""Square parametrised polynomial systems F(z; p) = 0, z in C^n, p in C^m.

A system is a JAX function ``F(z, p) -> C^n`` (complex128), the same kind of
forward pass the architectures already have: no symbolic expansion.  Its
Jacobian in z and its derivative along a parameter direction come from JAX
autodiff (``jax.jacfwd``, ``jax.jvp``).  Systems without parameters take
``m = 0`` and ignore ``p``.

Numbers that define one instance of a family of systems (random slices,
coefficients) can be given as ``data`` (a pytree of arrays); F is then called
``F(z, p, data)`` and the data travel as arguments of the compiled kernels,
not as constants baked into them.  So every instance of the family shares one
compiled kernel per shape, and the persistent XLA cache serves it to later
processes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from ..backends.small_dots import small_dots
from ..errors import NeuromanifoldError
from . import small_linalg


def padded_rows(fn: Callable, Z: np.ndarray, *args) -> np.ndarray:
    """fn(Z_padded, *args)[:k] with the k rows of Z padded by zero rows to 8, 64 or a multiple of
    512, so that a jitted, vmapped fn is traced and compiled for few shapes."""
    k = len(Z)
    size = 8 if k <= 8 else 64 if k <= 64 else 512 * -(-k // 512)
    if size > k:
        Z = np.concatenate([Z, np.zeros((size - k,) + Z.shape[1:], Z.dtype)])
    return np.asarray(fn(Z, *args))[:k]


@dataclass(eq=False)
class Map:
    """z -> F(z; p) with any number of outputs (e.g. the image coordinates of a slice): its calling
    convention and caches give it a straight-line program and disk enclosures; a
    :class:`System` is a square one."""

    F: Callable
    n: int
    m: int = 0
    name: str = "map"
    data: object = None
    _cache: dict = field(default_factory=dict, repr=False)

    def plain_call(self, z, p, data):
        """F(z; p) as written (certification and export read this one)."""
        out = self.F(z, p) if data is None else self.F(z, p, data)
        return jnp.asarray(out, jnp.complex128)

    def compiled(self, key: str, make: Callable) -> Callable:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def with_data(self, data) -> Map:
        return Map(self.F, self.n, self.m, self.name, data, self._cache)


@dataclass(eq=False)
class System(Map):
    """F(z; p) = 0 with ``n`` unknowns, ``n`` equations and ``m`` parameters: a :class:`Map` that
    is square.

    ``F`` maps a complex vector z (n,) and parameters p (m,) to n values; it
    must be polynomial in z (the tracker assumes a smooth solution path and the
    certifier evaluates it in ball arithmetic) and is usually polynomial in p.
    """

    name: str = "system"

    def __post_init__(self):
        if self._cache.get("checked"):          # another instance of a family already checked
            return
        z = jax.ShapeDtypeStruct((self.n,), jnp.complex128)
        p = jax.ShapeDtypeStruct((self.m,), jnp.complex128)
        try:
            out = jax.eval_shape(self.plain_call, z, p, self.data)
        except Exception as exc:
            raise NeuromanifoldError(
                f"the system {self.name!r} cannot be evaluated at z in C^{self.n}, p in C^{self.m}: "
                f"{exc}; F must take (z, p) and return an array of {self.n} values") from exc
        if tuple(out.shape) != (self.n,):
            raise NeuromanifoldError(
                f"the system {self.name!r} is not square: F(z, p) has shape {tuple(out.shape)} for "
                f"{self.n} unknowns; give exactly {self.n} equations (randomise an overdetermined "
                f"system: take n random linear combinations of its equations)")
        self._cache["checked"] = True

    def with_data(self, data) -> System:
        """The same family at other data, sharing the compiled kernels."""
        return System(self.F, self.n, self.m, self.name, data, self._cache)

    # -- kernels, single point (vmapped by the tracker); ``data`` is the instance --------
    def call(self, z, p, data):
        """F(z; p) for compiled kernels: the same values, small products unrolled
        (:mod:`neuromanifold.backends.small_dots`)."""
        args = (z, p, data)
        key = ("small_dots", jax.tree_util.tree_structure(args),
               tuple((jnp.shape(a), jnp.result_type(a)) for a in jax.tree_util.tree_leaves(args)))
        fn = self._cache.get(key)
        if fn is None:
            example = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a)),
                                             args)
            fn = self._cache[key] = small_dots(self.plain_call, *example)
        return fn(z, p, data)

    def jac_call(self, z, p, data):
        return jax.jacfwd(self.call, argnums=0, holomorphic=True)(z, p, data)

    def dir_call(self, z, p, dp, data):
        """d/ds F(z, p + s dp) at s = 0."""
        return jax.jvp(lambda q: self.call(z, q, data), (p,), (dp,))[1]

    def value(self, z, p):
        """F(z; p) of this instance (its data closed over), as written."""
        return self.plain_call(z, p, self.data)

    def jac_z(self, z, p):
        return jax.jacfwd(self.plain_call, argnums=0, holomorphic=True)(z, p, self.data)

    # -- batched helpers on the host ------------------------------------------------------
    def _batched(self, key: str, kernel: Callable, Z, p) -> np.ndarray:
        """kernel(z, p, data) at each row of Z, rows padded to a power of two (few compiled shapes);
        p is (m,) for all rows or (k, m), one row each."""
        Z = np.asarray(Z, np.complex128).reshape(-1, self.n)
        p = np.asarray(p, np.complex128)
        if p.ndim == 2 and p.shape[0] == len(Z) and p.shape[1] == self.m and self.m:
            fn = self.compiled(key + "/rows", lambda: jax.jit(jax.vmap(
                lambda zp, data: kernel(zp[:self.n], zp[self.n:], data), in_axes=(0, None))))
            return padded_rows(fn, np.concatenate([Z, p], axis=1), self.data)
        fn = self.compiled(key, lambda: jax.jit(jax.vmap(kernel, in_axes=(0, None, None))))
        return padded_rows(fn, Z, p.reshape(self.m), self.data)

    def evaluate(self, Z, p) -> np.ndarray:
        """F at each row of Z (k, n) at parameters p ((m,), or (k, m): one row per point)."""
        return self._batched("F", self.call, Z, p)

    def jacobians(self, Z, p) -> np.ndarray:
        """dF/dz at each row of Z: shape (k, n, n)."""
        return self._batched("J", self.jac_call, Z, p)

    def newton(self, Z, p, iterations: int = 3) -> np.ndarray:
        """A few Newton steps on each row of Z (no safeguards: for polishing end points)."""
        def polish(z, q, data):
            def body(_, w):
                return w - small_linalg.solve(self.jac_call(w, q, data), self.call(w, q, data))
            return jax.lax.fori_loop(0, iterations, body, z)

        return self._batched(f"newton{iterations}", polish, Z, p)

    def is_real(self, rng: np.random.Generator | None = None) -> bool:
        """True when F has real coefficients: F(conj z; conj p) = conj F(z; p) at a random point."""
        rng = rng or np.random.default_rng(12345)
        z = rng.standard_normal(self.n) + 1j * rng.standard_normal(self.n)
        p = rng.standard_normal(self.m) + 1j * rng.standard_normal(self.m)
        a = self.evaluate(np.conj(z)[None], np.conj(p))[0]
        b = np.conj(self.evaluate(z[None], p)[0])
        return bool(np.allclose(a, b, rtol=1e-10, atol=1e-12 * (1 + np.abs(b).max())))


#: Base members of system families, by a key naming the family (at most FAMILIES kept).
_FAMILIES: OrderedDict = OrderedDict()
FAMILIES = 32


def family_member(key, make: Callable[[], System], data) -> System:
    """The member at ``data`` of the family named by ``key`` (a hashable that fixes F, n and m,
    e.g. the architecture and slice dimension): it shares the compiled kernels of the members
    made before it in this process, so only the first member of a family is traced and compiled.
    ``make()`` builds the first member; its F must read every instance number from ``data``."""
    base = _FAMILIES.get(key)
    if base is None:
        base = _FAMILIES[key] = make()
        while len(_FAMILIES) > FAMILIES:
            _FAMILIES.popitem(last=False)
    _FAMILIES.move_to_end(key)
    return base.with_data(data)


def as_system(F, n: int | None = None, m: int | None = None, name: str = "system") -> System:
    """Accept a System or a function (n and m then required)."""
    if isinstance(F, System):
        return F
    if n is None:
        raise NeuromanifoldError("give the number of unknowns n for a system passed as a function "
                                 "(or wrap it: System(F, n, m))")
    return System(F, int(n), int(m or 0), name)
