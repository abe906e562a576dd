"""Run a JAX function exactly over F_p.

The forward passes (and their derivatives, built by JAX's autodiff) are
traced once to a jaxpr; :func:`evaluate` then interprets that jaxpr on
residues instead of floats.  Additions, products, matrix products and sums
become modular (see :mod:`.primefield`), every floating-point constant is
read as the exact rational it is (so 0.5 is 1/2 and the derivative factor 3
of x^3 is 3), and data movement (reshape, slices, gathers, ...) is exact
anyway.  A primitive with no polynomial meaning (exp, max, comparisons of
values, ...) raises :class:`NotPolynomialError`.

So the same code that gives float Jacobians gives exact Jacobians at integer
points, reduced mod p, with no second implementation of any network.

The rules are written once against an array module: NumPy (eager, no
compilation: best for small problems) or jax.numpy under ``jax.jit`` (XLA
fuses the reductions and runs them on all cores or a GPU: best for large
ones).  Either way every float64 value is an exact integer below 2^53, so the
order XLA sums in cannot change a result.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import NotPolynomialError
from . import primefield as pf
from .jaxpr_rules import dot_general_operands, numpy_integer, pad, sub_jaxpr, walk

# Primitives evaluated with NumPy on residues (pure data movement).
_STRUCTURAL = {
    "reshape", "broadcast_in_dim", "transpose", "squeeze", "expand_dims", "slice", "concatenate",
    "pad", "rev", "copy", "copy_p", "split", "select_n", "convert_element_type", "stack",
}
# Pure data movement delegated to JAX itself (exact: no arithmetic on the values).
_JAX_STRUCTURAL = {"gather", "scatter", "dynamic_slice", "dynamic_update_slice"}


def _is_float(aval) -> bool:
    return jnp.issubdtype(aval.dtype, jnp.floating)


def _is_complex(aval) -> bool:
    return jnp.issubdtype(aval.dtype, jnp.complexfloating)


def _literal(v, p: int):
    val = np.asarray(v.val)
    if _is_complex(v.aval):
        raise NotPolynomialError("complex constants have no residue in F_p")
    if _is_float(v.aval):
        return pf.residues(val, p)
    return val


def evaluate(closed_jaxpr, args, p: int, xp=np):
    """Values of the jaxpr's outputs, over F_p, at the given residue arguments."""
    return _eval(closed_jaxpr.jaxpr, _constants(closed_jaxpr.consts, p), list(args), p, xp)


def _constants(consts, p: int) -> list:
    """A jaxpr's constants: floats as exact residues, integers and booleans as they are."""
    return [pf.residues(np.asarray(c), p) if _is_float_array(c) else np.asarray(c) for c in consts]


def _is_float_array(c) -> bool:
    dtype = np.asarray(c).dtype
    if np.issubdtype(dtype, np.complexfloating):
        raise NotPolynomialError("complex constants have no residue in F_p")
    return np.issubdtype(dtype, np.floating)


def _eval(jaxpr, consts, args, p: int, xp=np):
    return walk(jaxpr, consts, args, lambda eqn, invals: _apply(eqn, invals, p, xp), lambda v: _literal(v, p),
                free=True)


def _bind(prim, invals, params, xp) -> list:
    """Run a primitive as JAX would (exact for data movement and integer work)."""
    if xp is np:
        direct = numpy_integer(prim.name, invals, params)
        if direct is not None:
            return [direct]
    outs = prim.bind(*[jnp.asarray(v) for v in invals], **params)
    outs = outs if prim.multiple_results else [outs]
    return [np.asarray(o) for o in outs] if xp is np else list(outs)


def _apply(eqn, invals, p: int, xp) -> list:
    prim = eqn.primitive
    name = prim.name
    params = eqn.params
    sub = sub_jaxpr(eqn)
    if sub is not None:
        return _eval(sub[0], _constants(sub[1], p), invals, p, xp)
    out_avals = [v.aval for v in eqn.outvars]
    if any(_is_complex(a) for a in out_avals):
        raise NotPolynomialError(f"'{name}' produces complex values, which have no meaning over F_p")
    if not any(_is_float(a) for a in out_avals):
        in_avals = [v.aval for v in eqn.invars]
        if any(_is_float(a) for a in in_avals) and name != "convert_element_type":
            raise NotPolynomialError(
                f"the forward pass uses '{name}' on values (a comparison or rounding), which has no "
                f"polynomial meaning over a prime field")
        if name == "convert_element_type" and any(_is_float(a) for a in in_avals):
            raise NotPolynomialError("the forward pass converts values to integers, which has no "
                                     "meaning over a prime field")
        return _bind(prim, invals, params, xp)
    rule = _ARITHMETIC.get(name)
    if rule is not None:
        out = rule(invals, params, p, xp)
        return out if prim.multiple_results else [out]
    if name in _STRUCTURAL:
        out = _structural(name, invals, params, xp)
        return out if prim.multiple_results else [out]
    if name in _JAX_STRUCTURAL:
        return _bind(prim, invals, params, xp)
    if name in ("scatter-add", "scatter_add"):
        return [_reduce(_bind(prim, invals, params, xp)[0], p, xp)]
    raise NotPolynomialError(
        f"the forward pass uses '{name}', which has no exact polynomial meaning over a prime field; "
        f"write the network with sums, products and matrix products only")


# -- arithmetic -------------------------------------------------------------------------


def _reduce(x, p: int, xp):
    """Symmetric residue of exact integers stored in float64; |result| <= (p+1)/2."""
    if xp is np:
        return pf.reduce(np.asarray(x, dtype=np.float64), p)
    return pf.reduce_fresh(x, p, xp)


def _add(v, params, p, xp):
    return _reduce(v[0] + v[1], p, xp)


def _sub(v, params, p, xp):
    return _reduce(v[0] - v[1], p, xp)


def _neg(v, params, p, xp):
    return -v[0]


def _mul(v, params, p, xp):
    return _reduce(v[0] * v[1], p, xp)


def _square(v, params, p, xp):
    return _reduce(v[0] * v[0], p, xp)


def _power(a, k: int, p: int, xp):
    result = None
    base = a
    while k:
        if k & 1:
            result = base if result is None else _reduce(result * base, p, xp)
        k >>= 1
        if k:
            base = _reduce(base * base, p, xp)
    return xp.ones_like(a) if result is None else result


def _inverse(a, p: int, xp):
    if xp is np and np.any(np.asarray(a) == 0):
        raise NotPolynomialError(f"division by a number divisible by p = {p}; pick another prime or point")
    return _power(a, p - 2, p, xp)


def _integer_pow(v, params, p, xp):
    y = int(params["y"])
    out = _power(v[0], abs(y), p, xp)
    return _inverse(out, p, xp) if y < 0 else out


def _div(v, params, p, xp):
    return _reduce(v[0] * _inverse(v[1], p, xp), p, xp)


def _reduce_sum(v, params, p, xp):
    return _reduce(xp.sum(v[0], axis=tuple(params["axes"])), p, xp)


def _dot_general(v, params, p, xp):
    L, R, shape = dot_general_operands(v[0], v[1], params["dimension_numbers"], xp)
    return pf.matmul(L, R, p, xp).reshape(shape)


_ARITHMETIC: dict[str, Callable] = {
    "add": _add,
    "add_any": _add,
    "sub": _sub,
    "neg": _neg,
    "mul": _mul,
    "square": _square,
    "integer_pow": _integer_pow,
    "div": _div,
    "reduce_sum": _reduce_sum,
    "dot_general": _dot_general,
}


# -- data movement ----------------------------------------------------------------------


def _structural(name, v, params, xp):
    x = v[0]
    if name == "reshape":
        return xp.reshape(x, tuple(params["new_sizes"]))
    if name == "broadcast_in_dim":
        shape = tuple(params["shape"])
        dims = tuple(int(d) for d in params["broadcast_dimensions"])
        expanded = [1] * len(shape)
        for src, dst in enumerate(dims):
            expanded[dst] = np.shape(x)[src]
        return xp.broadcast_to(xp.reshape(x, expanded), shape)
    if name == "transpose":
        return xp.transpose(x, tuple(params["permutation"]))
    if name == "squeeze":
        return xp.squeeze(x, axis=tuple(params["dimensions"]))
    if name == "expand_dims":
        return xp.expand_dims(x, tuple(params["dimensions"]))
    if name == "slice":
        strides = params.get("strides") or (1,) * len(params["start_indices"])
        idx = tuple(slice(int(a), int(b), int(s)) for a, b, s in
                    zip(params["start_indices"], params["limit_indices"], strides))
        return x[idx]
    if name == "concatenate":
        return xp.concatenate(list(v), axis=params["dimension"])
    if name == "stack":
        return xp.stack(list(v), axis=int(params["axis"]))
    if name == "pad":
        if xp is np:
            value = float(np.asarray(v[1]))
            return pad(np.asarray(x), value, params["padding_config"], lambda shape: np.full(shape, value))
        return jax.lax.pad(x, v[1], params["padding_config"])
    if name == "rev":
        return xp.flip(x, axis=tuple(params["dimensions"]))
    if name in ("copy", "copy_p"):
        return x
    if name == "split":
        sizes = [int(s) for s in params["sizes"]]
        return xp.split(x, np.cumsum(sizes)[:-1].tolist(), axis=params["axis"])
    if name == "select_n":
        pred = v[0]
        if pred.dtype == bool:
            pred = pred.astype(np.int64)
        cases = list(v[1:])
        out = cases[0]
        for k in range(1, len(cases)):
            out = xp.where(pred == k, cases[k], out)
        return out
    if name == "convert_element_type":
        return xp.asarray(x, dtype=np.float64)
    raise NotPolynomialError(f"unsupported primitive {name!r}")  # pragma: no cover


# -- convenience -------------------------------------------------------------------------


class ModularFunction:
    """A JAX function traced once for given argument shapes and evaluated over F_p.

    ``compiled=True`` runs the modular rules under ``jax.jit`` (one XLA program
    per prime); otherwise they run eagerly in NumPy.
    """

    def __init__(self, fn: Callable, *example_args, compiled: bool = False):
        self.fn = fn
        self.closed_jaxpr = jax.make_jaxpr(fn)(*example_args)
        self.primitives = sorted(_primitive_names(self.closed_jaxpr.jaxpr))
        self.compiled = compiled
        self._programs: dict[int, Callable] = {}

    def _program(self, p: int) -> Callable:
        if p not in self._programs:
            consts = _constants(self.closed_jaxpr.consts, p)
            jaxpr = self.closed_jaxpr.jaxpr

            def run(*args):
                return _eval(jaxpr, consts, list(args), p, jnp)

            self._programs[p] = jax.jit(run)
        return self._programs[p]

    def __call__(self, *args, p: int):
        if self.compiled:
            outs = [np.asarray(o) for o in self._program(p)(*[jnp.asarray(a) for a in args])]
        else:
            outs = evaluate(self.closed_jaxpr, [np.asarray(a) for a in args], p)
        return outs[0] if len(outs) == 1 else outs


def _primitive_names(jaxpr) -> set:
    names = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.primitive.name)
        sub = sub_jaxpr(eqn)
        if sub is not None:
            names |= _primitive_names(sub[0])
    return names
