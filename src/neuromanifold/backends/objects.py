"""Run a JAX function on NumPy object arrays of ring elements (balls, exact numbers).

The same idea as :mod:`.modular`, for element types that XLA does not know:
python-flint's ``acb`` complex balls (rigorous enclosures for the Krawczyk
test), ``fmpq`` rationals, or polynomials.  A function is traced once to a
jaxpr; each primitive is then applied to object arrays with NumPy (whose
object loops call the elements' own ``+`` and ``*``).  Pure data movement
(gathers, dynamic slices, ...) is applied by JAX to an array of *indices*
and the result used to pick elements, so it is exact whatever the elements.
Primitives without a polynomial meaning raise :class:`NotPolynomialError`.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import NotPolynomialError
from .jaxpr_rules import dot_general_operands, move, numpy_integer, pad, sub_jaxpr, walk

_INDEXED = {"gather", "dynamic_slice", "rev", "slice", "transpose", "reshape", "squeeze",
            "expand_dims", "broadcast_in_dim", "copy", "copy_p"}


def _is_value(aval) -> bool:
    return jnp.issubdtype(aval.dtype, jnp.inexact)


def evaluate(closed_jaxpr, args: list, lift: Callable):
    """Outputs of the jaxpr at object-array arguments; ``lift`` turns a float/complex constant
    into an element."""
    consts = [_lift_array(c, lift) if _is_inexact(c) else np.asarray(c) for c in closed_jaxpr.consts]
    return _eval(closed_jaxpr.jaxpr, consts, list(args), lift)


def _is_inexact(c) -> bool:
    return np.issubdtype(np.asarray(c).dtype, np.inexact)


def _lift_array(a, lift):
    a = np.asarray(a)
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(a.reshape(-1).tolist()):
        flat[i] = lift(v)
    return out


def _eval(jaxpr, consts, args, lift):
    def literal(v):
        return _lift_array(v.val, lift) if _is_value(v.aval) else np.asarray(v.val)
    return walk(jaxpr, consts, args, lambda eqn, invals: _apply(eqn, invals, lift), literal)


def _apply(eqn, invals, lift) -> list:
    prim, name, params = eqn.primitive, eqn.primitive.name, eqn.params
    sub = sub_jaxpr(eqn)
    if sub is not None:
        consts = [_lift_array(c, lift) if _is_inexact(c) else np.asarray(c) for c in sub[1]]
        return _eval(sub[0], consts, invals, lift)
    out_avals = [v.aval for v in eqn.outvars]
    if not any(_is_value(a) for a in out_avals):
        if any(_is_value(v.aval) for v in eqn.invars):
            raise NotPolynomialError(f"the function uses '{name}' on values (a comparison or "
                                     f"rounding), which has no polynomial meaning")
        direct = numpy_integer(name, invals, params)
        if direct is not None:
            return [direct]
        outs = prim.bind(*[jnp.asarray(v) for v in invals], **params)
        outs = outs if prim.multiple_results else [outs]
        return [np.asarray(o) for o in outs]
    rule = _RULES.get(name)
    if rule is not None:
        out = rule(invals, params, lift)
        return out if prim.multiple_results else [out]
    if name in _INDEXED or name in ("dynamic_slice",):
        return [_by_index(prim, invals, params)]
    raise NotPolynomialError(f"the function uses '{name}', which the ball/exact interpreter does "
                             f"not support; write it with sums, products and matrix products")


def _obj(x):
    """An object ndarray of x (elements such as polynomials are never unpacked as sequences)."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == object else x.astype(object)
    if isinstance(x, (int, float, complex, bool, np.number, list, tuple)):
        return np.asarray(x).astype(object)
    out = np.empty((), dtype=object)
    out[()] = x
    return out


def _by_index(prim, invals, params):
    """Apply a data-movement primitive to the index array of the first operand."""
    x = _obj(invals[0])
    direct = move(prim.name, x, list(invals[1:]), params)
    if direct is not None:
        return direct
    idx = np.arange(x.size, dtype=np.int64).reshape(x.shape)
    rest = [jnp.asarray(v) for v in invals[1:]]
    moved = np.asarray(prim.bind(jnp.asarray(idx), *rest, **params))
    flat = x.reshape(-1)
    if moved.ndim:
        return flat[moved]          # fancy indexing of an object array keeps the elements whole
    out = np.empty((), dtype=object)
    out[()] = flat[int(moved)]
    return out


def _dot_general(v, params, lift):
    L, R, shape = dot_general_operands(_obj(v[0]), _obj(v[1]), params["dimension_numbers"])
    B, M, K = L.shape
    N = R.shape[2]
    out = np.empty((B, M, N), dtype=object)
    for b in range(B):
        prod = L[b].dot(R[b]) if K else None
        for i in range(M):
            for j in range(N):
                out[b, i, j] = prod[i, j] if K else lift(0.0)
    return out.reshape(shape)


def _power(x, k):
    x = _obj(x)
    out = None
    base = x
    while k:
        if k & 1:
            out = base if out is None else out * base
        k >>= 1
        if k:
            base = base * base
    return out


def _integer_pow(v, params, lift):
    y = int(params["y"])
    if y == 0:
        return np.vectorize(lambda _: lift(1.0), otypes=[object])(_obj(v[0]))
    out = _power(v[0], abs(y))
    return (1 / out) if y < 0 else out


def _reduce_sum(v, params, lift):
    x = _obj(v[0])
    axes = tuple(params["axes"])
    if any(x.shape[a] == 0 for a in axes):
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
        return np.vectorize(lambda _: lift(0.0), otypes=[object])(np.zeros(shape))
    return _obj(np.sum(x, axis=axes))


def _broadcast(v, params, lift):
    x = _obj(v[0])
    shape = tuple(params["shape"])
    dims = tuple(int(d) for d in params["broadcast_dimensions"])
    expanded = [1] * len(shape)
    for src, dst in enumerate(dims):
        expanded[dst] = x.shape[src]
    return np.broadcast_to(x.reshape(expanded), shape).copy()


def _concatenate(v, params, lift):
    return np.concatenate([_obj(a) for a in v], axis=params["dimension"])


def _select(v, params, lift):
    pred = np.asarray(v[0]).astype(np.int64)
    cases = [_obj(c) for c in v[1:]]
    out = cases[0].copy()
    for k in range(1, len(cases)):
        out = np.where(pred == k, cases[k], out)
    return out


def _pad(v, params, lift):
    value = _obj(v[1]).reshape(())[()]

    def full(shape):
        out = np.empty(shape, dtype=object)
        flat = out.reshape(-1)
        for i in range(flat.size):
            flat[i] = value
        return out

    return pad(_obj(v[0]), value, params["padding_config"], full)


def _split(v, params, lift):
    sizes = [int(s) for s in params["sizes"]]
    return np.split(_obj(v[0]), np.cumsum(sizes)[:-1].tolist(), axis=params["axis"])


def _conj(v, params, lift):
    return np.vectorize(lambda e: e.conjugate(), otypes=[object])(_obj(v[0]))


_RULES: dict[str, Callable] = {
    "add": lambda v, p, lift: _obj(v[0]) + _obj(v[1]),
    "add_any": lambda v, p, lift: _obj(v[0]) + _obj(v[1]),
    "sub": lambda v, p, lift: _obj(v[0]) - _obj(v[1]),
    "neg": lambda v, p, lift: -_obj(v[0]),
    "mul": lambda v, p, lift: _obj(v[0]) * _obj(v[1]),
    "div": lambda v, p, lift: _obj(v[0]) / _obj(v[1]),
    "square": lambda v, p, lift: _obj(v[0]) * _obj(v[0]),
    "integer_pow": _integer_pow,
    "reduce_sum": _reduce_sum,
    "dot_general": _dot_general,
    "broadcast_in_dim": _broadcast,
    "concatenate": _concatenate,
    "select_n": _select,
    "pad": _pad,
    "conj": _conj,
    "split": _split,
    "stack": lambda v, p, lift: np.stack([_obj(a) for a in v], axis=int(p["axis"])),
    "convert_element_type": lambda v, p, lift: _obj(v[0]) if np.asarray(v[0]).dtype == object
    else _lift_array(v[0], lift),
}


class ObjectFunction:
    """A JAX function traced once for given shapes, evaluated on object arrays."""

    def __init__(self, fn: Callable, *example_args):
        self.closed_jaxpr = jax.make_jaxpr(fn)(*example_args)

    def __call__(self, *args, lift: Callable):
        outs = evaluate(self.closed_jaxpr, [_obj(a) for a in args], lift)
        return outs[0] if len(outs) == 1 else outs


def expand(fn: Callable, example_args: list, generators, lift: Callable, rest: list = ()) -> np.ndarray:
    """The polynomials a JAX function computes, expanded in a polynomial ring: ``fn(u, *rest)`` is
    traced at ``example_args`` (u first) and run with u = ``generators`` (ring elements) and
    ``rest`` (object arrays of ring elements), every constant read through ``lift``; the flat
    object array of the outputs.  (The one expansion: :func:`neuromanifold.homotopy.export.expand`
    over C, :func:`neuromanifold.backends.msolve.expand` over F_p.)"""
    u = np.empty(len(generators), dtype=object)
    for i, g in enumerate(generators):
        u[i] = g
    out = ObjectFunction(fn, *example_args)(u, *rest, lift=lift)
    return np.asarray(out).reshape(-1)
