"""Rules shared by the jaxpr interpreters (residues mod p in :mod:`.modular`, object arrays in
:mod:`.objects`): how a dot_general becomes a batched matrix product, and lax.pad."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
