"""Small matrix products as broadcast products and sums, for the path tracker's kernels.

XLA on CPU calls a library routine for every ``dot_general``; under ``vmap``
over a batch of paths each of the forward pass's tiny products (a 2 x 3 weight
times a 3-vector) becomes such a call per batch, and these calls, not
arithmetic, took most of a tracker step (F of a 3-unknown witness system: 10
us for 8 paths; as products and sums: 1.8 us).  :func:`small_dots` re-traces
a function and writes each ``dot_general`` whose per-example work M*K*N is at
most ``max_work`` as ``sum(L[..., :, None, :] * R[..., None, :, :], -1)``, which
XLA fuses into one loop with its neighbours.  The value is the same up to
rounding; larger products keep the library call.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import numpy as np
from jax import lax

from ..errors import NeuromanifoldError
from .jaxpr_rules import walk

#: Largest M*K*N (per example) written as a broadcast product and sum.
MAX_WORK = 4096

_CALLS = ("pjit", "jit", "closed_call", "core_call")


def _dot(lhs, rhs, dimension_numbers, dtype):
    """dot_general as a broadcast product and a sum, in lax primitives (jnp wrappers would add
    a nested jit per call, which makes tracing under vmap slow)."""
    (lc, rc), (lb, rb) = dimension_numbers
    lf = tuple(i for i in range(lhs.ndim) if i not in lc and i not in lb)
    rf = tuple(i for i in range(rhs.ndim) if i not in rc and i not in rb)

    def size(x, axes):
        return math.prod(x.shape[i] for i in axes)

    B, M, N, K = size(lhs, lb), size(lhs, lf), size(rhs, rf), size(lhs, lc)
    L = lax.reshape(lax.transpose(lax.convert_element_type(lhs, dtype), tuple(lb) + lf + tuple(lc)),
                    (B, M, K))
    R = lax.reshape(lax.transpose(lax.convert_element_type(rhs, dtype), tuple(rb) + rf + tuple(rc)),
                    (B, N, K))
    prod = lax.mul(lax.broadcast_in_dim(L, (B, M, N, K), (0, 1, 3)),
                   lax.broadcast_in_dim(R, (B, M, N, K), (0, 2, 3)))
    out = lax.reduce(prod, np.zeros((), dtype), lax.add, (3,))
    shape = tuple(lhs.shape[i] for i in lb) + tuple(lhs.shape[i] for i in lf) + tuple(rhs.shape[i] for i in rf)
    return lax.reshape(out, shape)


def _work(eqn) -> int:
    """M*K*N of a dot_general equation (batch dimensions included)."""
    (lc, _), _ = eqn.params["dimension_numbers"]
    lhs = eqn.invars[0].aval
    return math.prod(eqn.outvars[0].aval.shape) * math.prod(lhs.shape[i] for i in lc)


def _eval(jaxpr, consts, args, max_work):
    def apply(eqn, ins):
        name = eqn.primitive.name
        if name == "dot_general" and _work(eqn) <= max_work:
            return [_dot(ins[0], ins[1], eqn.params["dimension_numbers"], eqn.outvars[0].aval.dtype)]
        if name in _CALLS and "jaxpr" in eqn.params:
            inner = eqn.params["jaxpr"]
            return _eval(inner.jaxpr, inner.consts, ins, max_work)
        out = eqn.primitive.bind(*ins, **eqn.params)
        return out if eqn.primitive.multiple_results else [out]
    return walk(jaxpr, consts, args, apply)


def small_dots(fn: Callable, *example_args, max_work: int = MAX_WORK) -> Callable:
    """``fn`` (arrays or pytrees of arrays -> one array) with its small products unrolled.

    The result accepts arguments of the shapes and structure of ``example_args`` (arrays or
    ``jax.ShapeDtypeStruct``) and is differentiable like any JAX function."""
    closed = jax.make_jaxpr(fn)(*example_args)
    treedef = jax.tree_util.tree_structure(example_args)
    if not any(_has_small_dot(closed.jaxpr, max_work)):
        return fn

    def rewritten(*args):
        if jax.tree_util.tree_structure(args) != treedef:
            raise NeuromanifoldError("small_dots: arguments do not have the structure of the example")
        out, = _eval(closed.jaxpr, closed.consts, jax.tree_util.tree_leaves(args), max_work)
        return out

    return rewritten


def _has_small_dot(jaxpr, max_work):
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == "dot_general":
            yield _work(eqn) <= max_work
        elif eqn.primitive.name in _CALLS and "jaxpr" in eqn.params:
            yield any(_has_small_dot(eqn.params["jaxpr"].jaxpr, max_work))
