"""Subnetwork strata of parameter space, declared by each family (a layer-1 capability).

A *subnetwork stratum* is a family of parameters theta = e(s), s in C^m, on which the network
computes what a smaller network computes: a hidden layer with fewer live neurons (the rest zero),
a weight block of lower rank, a convolution filter with a zero tap.  Its image is a smaller
neuromanifold inside M, the first candidate for the singular locus of M and where training can be
attracted (Trager--Kohn--Bruna, ICLR 2020; Kohn--Montúfar--Shahverdi--Trager, arXiv 2304.09871).
``Architecture.subnetworks()`` lists a family's strata with their embeddings e (JAX functions,
polynomial in s); the invariants compute ranks and images from them.

>>> from neuromanifold import parse
>>> [s.label for s in parse("linear(widths=[2,2,2])").subnetworks()]
['linear(widths=[2,1,2]) inside linear(widths=[2,2,2])']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..lazy import lazy

jnp = lazy("jax.numpy")


@dataclass(frozen=True)
class Subnetwork:
    """One stratum: ``embedding`` maps its own parameters s (``n_params`` of them) to theta."""

    label: str                 # what it is, named as a smaller network where it is one
    kind: str                  # "narrower layer", "low-rank block", "zero tap"
    n_params: int
    embedding: Callable
    architecture: object = None   # the smaller network it computes, where it is one of the family
    layer: int | None = None      # the hidden layer made narrower ("narrower layer" strata)


def zero_padding(param, sub_param) -> Callable:
    """s -> theta: the subnetwork's weights in the top-left corners of the blocks of the same name,
    every other weight zero."""
    pieces = []
    subs = {n: (sh, off, size) for n, sh, off, size in sub_param.blocks}
    for name, shape, _, _ in param.blocks:
        pieces.append((shape, subs[name]))

    def emb(sv):
        out = []
        for shape, (sh, off, size) in pieces:
            block = sv[off:off + size].reshape(sh)
            out.append(jnp.pad(block, [(0, a - b) for a, b in zip(shape, sh)]).reshape(-1))
        return jnp.concatenate(out)
    return emb


def low_rank(param, block: str, r: int) -> tuple[Callable, int]:
    """(s -> theta with the weight block ``block`` (a x b) replaced by A B, A (a x r), B (r x b),
    the number of parameters s)."""
    (shape, off, size), = [(sh, o, n) for name, sh, o, n in param.blocks if name == block]
    a, b = shape
    m = param.n_params - size + r * (a + b)

    def emb(sv):
        A = sv[:a * r].reshape(a, r)
        B = sv[a * r:r * (a + b)].reshape(r, b)
        rest = sv[r * (a + b):]
        return jnp.concatenate([rest[:off], (A @ B).reshape(-1), rest[off:]])
    return emb, m


def zero_tap(param, block: str, tap: int) -> tuple[Callable, int]:
    """(s -> theta with entry ``tap`` of the filter ``block`` zero, the number of parameters s)."""
    (shape, off, size), = [(sh, o, n) for name, sh, o, n in param.blocks if name == block]
    where = off + tap

    def emb(sv):
        return jnp.concatenate([sv[:where], jnp.zeros(1, sv.dtype), sv[where:]])
    return emb, param.n_params - 1


def low_rank_blocks(arch, param, blocks, suffix: Callable = lambda name: "") -> list[Subnetwork]:
    """A stratum of each lower rank r of each named matrix block of ``param`` with both sides >= 2."""
    out = []
    for name, shape, _, _ in param.blocks:
        if name in blocks and len(shape) == 2 and min(shape) >= 2:
            for r in range(min(shape) - 1, 0, -1):
                emb, m = low_rank(param, name, r)
                out.append(Subnetwork(f"{arch} with rank {name} = {r}{suffix(name)}", "low-rank block", m, emb))
    return out
