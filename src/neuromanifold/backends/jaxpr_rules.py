"""The one jaxpr walker, and the rules its interpreters share.

:func:`walk` runs a jaxpr equation by equation with a pluggable ``apply(eqn, invals) -> outvals``:
residues mod p (:mod:`.modular`), object arrays such as balls, disks or straight-line-program
nodes (:mod:`.objects`), and JAX itself with small products unrolled (:mod:`.small_dots`).
:func:`sub_jaxpr` finds the sub-program an equation calls.  The shared rules: how a dot_general
becomes a batched matrix product, lax.pad, and data movement and index arithmetic done by NumPy
(eager JAX would compile a small program for every shape).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from jax.extend import core as jcore

#: Parameters under which an equation carries the sub-program it calls (pjit, custom_jvp_call, ...).
CALL_KEYS = ("jaxpr", "call_jaxpr", "fun_jaxpr")


def sub_jaxpr(eqn, keys=CALL_KEYS):
    """(jaxpr, consts) of the sub-program the equation calls, or None."""
    for key in keys:
        sub = eqn.params.get(key)
        if sub is not None and (hasattr(sub, "jaxpr") or isinstance(sub, jcore.Jaxpr)):
            if hasattr(sub, "jaxpr"):
                return sub.jaxpr, list(getattr(sub, "consts", []))
            return sub, []
    return None


def walk(jaxpr, consts, args, apply: Callable, literal: Callable = lambda v: v.val, *, free: bool = False) -> list:
    """The outputs of ``jaxpr`` at ``args``: every equation's inputs read from the environment
    (literals through ``literal``), its outputs ``apply(eqn, invals)``; with ``free``, a value is
    dropped after its last use (large object arrays)."""
    env = {}
    last_use = {}
    if free:
        for i, eqn in enumerate(jaxpr.eqns):
            for v in eqn.invars:
                if not isinstance(v, jcore.Literal):
                    last_use[v] = i
    keep = {v for v in jaxpr.outvars if not isinstance(v, jcore.Literal)}

    def read(v):
        return literal(v) if isinstance(v, jcore.Literal) else env[v]

    for v, c in zip(jaxpr.constvars, consts):
        env[v] = c
    for v, a in zip(jaxpr.invars, args):
        env[v] = a
    for i, eqn in enumerate(jaxpr.eqns):
        outs = apply(eqn, [read(v) for v in eqn.invars])
        for v, val in zip(eqn.outvars, outs):
            if not isinstance(v, jcore.DropVar):
                env[v] = val
        if free:
            for v in eqn.invars:
                if not isinstance(v, jcore.Literal) and last_use.get(v) == i and v not in keep:
                    env.pop(v, None)
    return [read(v) for v in jaxpr.outvars]


def dot_general_operands(lhs, rhs, dimension_numbers, xp=np):
    """(L, R, out_shape): lhs and rhs of a ``dot_general`` as a batch of matrices L (B, M, K) and
    R (B, K, N), so that the result is (L @ R).reshape(out_shape)."""
    (lc, rc), (lb, rb) = dimension_numbers
    lc, rc, lb, rb = (tuple(int(i) for i in t) for t in (lc, rc, lb, rb))
    lf = tuple(i for i in range(lhs.ndim) if i not in lc and i not in lb)
    rf = tuple(i for i in range(rhs.ndim) if i not in rc and i not in rb)
    batch = tuple(lhs.shape[i] for i in lb)
    lshape = tuple(lhs.shape[i] for i in lf)
    rshape = tuple(rhs.shape[i] for i in rf)
    B = int(np.prod(batch)) if batch else 1
    M = int(np.prod(lshape)) if lshape else 1
    N = int(np.prod(rshape)) if rshape else 1
    K = int(np.prod([lhs.shape[i] for i in lc])) if lc else 1
    L = xp.transpose(lhs, lb + lf + lc).reshape(B, M, K)
    R = xp.transpose(rhs, rb + rc + rf).reshape(B, K, N)
    return L, R, batch + lshape + rshape


def pad(x: np.ndarray, value, config, full: Callable) -> np.ndarray:
    """lax.pad on a NumPy array: per axis (low, high, interior) padding, negative low/high crop.
    ``full(shape)`` makes an array of the padding value (of the right element type)."""
    for axis, (lo, hi, interior) in enumerate(config):
        lo, hi, interior = int(lo), int(hi), int(interior)
        n = x.shape[axis]
        size = n + max(n - 1, 0) * interior
        shape = list(x.shape)
        shape[axis] = size
        spread = full(tuple(shape))
        idx = [slice(None)] * x.ndim
        idx[axis] = slice(0, size, interior + 1)
        spread[tuple(idx)] = x
        parts = []
        if lo > 0:
            s = list(spread.shape)
            s[axis] = lo
            parts.append(full(tuple(s)))
        parts.append(spread)
        if hi > 0:
            s = list(spread.shape)
            s[axis] = hi
            parts.append(full(tuple(s)))
        spread = np.concatenate(parts, axis=axis) if len(parts) > 1 else spread
        crop = [slice(None)] * x.ndim
        crop[axis] = slice(max(-lo, 0), spread.shape[axis] - max(-hi, 0))
        x = spread[tuple(crop)]
    return x


def move(name: str, x: np.ndarray, rest: list, params) -> np.ndarray | None:
    """Data-movement primitives done by NumPy on any array (None: not one of them).  Eager JAX
    would compile a small program for every shape."""
    if name in ("copy", "copy_p"):
        return x
    if name == "transpose":
        return np.transpose(x, params["permutation"])
    if name == "reshape" and params.get("dimensions") is None:
        return x.reshape(params["new_sizes"])
    if name == "squeeze":
        return np.squeeze(x, axis=tuple(params["dimensions"]))
    if name == "expand_dims":
        return np.expand_dims(x, tuple(params["dimensions"]))
    if name == "broadcast_in_dim":
        shape = tuple(params["shape"])
        inter = [1] * len(shape)
        for i, d in enumerate(params["broadcast_dimensions"]):
            inter[d] = x.shape[i]
        return np.broadcast_to(x.reshape(inter), shape).copy()
    if name == "slice":
        strides = params.get("strides") or (1,) * x.ndim
        return x[tuple(slice(a, b, c) for a, b, c in
                       zip(params["start_indices"], params["limit_indices"], strides))]
    if name == "rev":
        return np.flip(x, axis=tuple(params["dimensions"])).copy()
    if name == "dynamic_slice" and all(np.ndim(r) == 0 for r in rest):
        sizes = params["slice_sizes"]
        starts = [min(max(int(r), 0), n - k) for r, n, k in zip(rest, x.shape, sizes)]
        return x[tuple(slice(a, a + k) for a, k in zip(starts, sizes))]
    return None


_INT_OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "eq": np.equal, "ne": np.not_equal,
            "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
            "and": np.logical_and, "or": np.logical_or, "not": np.logical_not, "neg": np.negative,
            "max": np.maximum, "min": np.minimum}


def numpy_integer(name: str, invals: list, params) -> np.ndarray | None:
    """Integer/boolean index arithmetic by NumPy (None when not handled here)."""
    vals = [np.asarray(v) for v in invals]
    if name == "iota":
        shape, dim = tuple(params["shape"]), params["dimension"]
        ar = np.arange(shape[dim], dtype=params["dtype"])
        return np.broadcast_to(ar.reshape([-1 if i == dim else 1 for i in range(len(shape))]), shape).copy()
    if name == "convert_element_type":
        return vals[0].astype(params["new_dtype"])
    if name == "select_n":
        return np.choose(vals[0].astype(np.int64), vals[1:])
    if name in _INT_OPS:
        out = _INT_OPS[name](*vals)
        return np.asarray(out).astype(vals[0].dtype if name in ("add", "sub", "mul", "neg", "max", "min")
                                      else bool)
    return move(name, vals[0], vals[1:], params) if vals else None
