"""Residual networks: blocks x -> S x + W_(2i) s(W_(2i-1) x) with a skip connection.

``resnet(widths=[d0, h1, d1, h2, d2, ...], activation="x^2")``: block i maps R^(d_(i-1)) to R^(d_i)
through a hidden layer of width h_i, activation s, and adds the skip S_i x: the identity when
d_i = d_(i-1), else a learned projection ``P{i}`` (d_i x d_(i-1)).  The same widths as
``mlp(widths=[d0, h1, d1])`` read side by side: with identity skips, f = x + g with g the MLP's
function, so M is the MLP's neuromanifold translated by the identity (the same dimension, degree
and Euclidean ED degree; the skip changes where training goes, not the set of functions).

Symmetries: for s(t) = c t^k, the rescaling of each hidden neuron (in-weights x t, out-weights
x t^-k); for s(t) = c t, GL(h_i) inside each block; permutations of hidden neurons.

>>> str(resnet([3, 2, 3], "x^2"))
'resnet(widths=[3,2,3], activation="x^2")'
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from ..lazy import lazy
from .base import Architecture, Conserved, SymmetryGroup, zeros_like_params
from .spec import activation as read_activation
from .spec import positive_ints
from .subnetworks import Subnetwork, zero_padding

jnp = lazy("jax.numpy")


class ResNet(Architecture):
    """Residual blocks with polynomial activations (module docstring)."""

    family = "resnet"

    def __init__(self, widths, activation: str | None = None, degree: int | None = None):
        self.widths = positive_ints("widths", widths, min_length=3, example="[3,2,3]")
        if len(self.widths) % 2 != 1:
            raise SpecError(f"widths {list(self.widths)}: give [d0, h1, d1, h2, d2, ...] (an odd number of "
                            f"entries: block widths and hidden widths alternating), e.g. widths=[3,2,3]",
                            keyword="widths")
        self._activation = read_activation("resnet", 'resnet(widths=[3,2,3], activation="x^2")', activation, degree)
        self.degree = degree
        self._freeze()

    # -- spec and shapes ----------------------------------------------------------------------
    @property
    def activation(self):
        return self._activation

    @property
    def blocks(self) -> int:
        return len(self.widths) // 2

    def _dims(self, i: int) -> tuple[int, int, int]:
        """(d_(i-1), h_i, d_i) of block i (from 1)."""
        return self.widths[2 * i - 2], self.widths[2 * i - 1], self.widths[2 * i]

    def spec_items(self):
        items = [("widths", list(self.widths)), ("activation", self._activation.source)]
        if self.degree is not None:
            items.append(("degree", self.degree))
        return items

    @property
    def param_shapes(self) -> dict:
        shapes = {}
        for i in range(1, self.blocks + 1):
            a, h, b = self._dims(i)
            shapes[f"W{2 * i - 1}"] = (h, a)
            shapes[f"W{2 * i}"] = (b, h)
            if a != b:
                shapes[f"P{i}"] = (b, a)
        return shapes

    @property
    def input_shape(self) -> tuple:
        return (self.widths[0],)

    def forward(self, P, x, c, ops):
        act = self._activation
        h = x
        for i in range(1, self.blocks + 1):
            a, _, b = self._dims(i)
            inner = ops.lin(P[f"W{2 * i}"], ops.act(ops.lin(P[f"W{2 * i - 1}"], h), act.powers, c))
            skip = h if a == b else ops.lin(P[f"P{i}"], h)
            h = ops.add_values(skip, inner)
        return h

    def notes(self):
        note = self._activation.approximation_note
        skips = ", ".join("identity" if self._dims(i)[0] == self._dims(i)[2] else f"projection P{i}"
                          for i in range(1, self.blocks + 1))
        return ([note] if note else []) + [f"skip connections: {skips}"]

    # -- symmetries ---------------------------------------------------------------------------
    def _power(self) -> int | None:
        act = self._activation
        return int(act.powers[0]) if act.is_monomial else None

    def symmetry(self) -> SymmetryGroup:
        k = self._power()
        hidden = [self._dims(i)[1] for i in range(1, self.blocks + 1)]
        if k == 1:
            return SymmetryGroup(sum(h * h for h in hidden), "GL(h_i) inside each residual block",
                                 "permutations of hidden neurons")
        if k is not None:
            return SymmetryGroup(sum(hidden), f"rescaling of each hidden neuron (in-weights x t, out-weights x "
                                              f"t^-{k})", "permutations of hidden neurons")
        return SymmetryGroup(0, "none known (activation is not a monomial)", "permutations of hidden neurons")

    def symmetry_action(self, P, xi, c):
        T = zeros_like_params(P)
        k = self._power()
        off = 0
        for i in range(1, self.blocks + 1):
            h = self._dims(i)[1]
            W1, W2 = P[f"W{2 * i - 1}"], P[f"W{2 * i}"]
            if k == 1:
                G = xi[off:off + h * h].reshape(h, h)
                off += h * h
                T[f"W{2 * i - 1}"] = T[f"W{2 * i - 1}"] + G @ W1
                T[f"W{2 * i}"] = T[f"W{2 * i}"] - W2 @ G
            elif k is not None:
                s = xi[off:off + h]
                off += h
                T[f"W{2 * i - 1}"] = T[f"W{2 * i - 1}"] + s[:, None] * W1
                T[f"W{2 * i}"] = T[f"W{2 * i}"] - k * W2 * s[None, :]
        return T

    # -- capabilities -------------------------------------------------------------------------
    def scales(self) -> bool:
        """An identity skip adds x itself: no weight scales f (M is a translate, not a cone); with
        projection skips only, scaling the last block's P and W2 by t scales f."""
        return self._dims(self.blocks)[0] != self._dims(self.blocks)[2]

    def narrower(self, block: int, width: int) -> ResNet:
        widths = list(self.widths)
        widths[2 * block - 1] = width
        return ResNet(widths, self._activation.source, self.degree)

    def subnetworks(self, smallest: int = 1) -> list:
        """Every residual block with fewer live hidden neurons (down to ``smallest``; 0: the block
        is its skip connection alone)."""
        param = self.parametrization()
        out = []
        for i in range(1, self.blocks + 1):
            h = self._dims(i)[1]
            for width in range(h - 1, max(smallest, 1) - 1, -1):
                sub = self.narrower(i, width)
                sp = sub.parametrization()
                out.append(Subnetwork(f"{sub} inside {self}", "narrower layer", sp.n_params,
                                      zero_padding(param, sp), sub, 2 * i - 1))
        return out

    def conserved_quantities(self) -> Conserved | None:
        """The laws of the hidden-neuron symmetries (the skip carries no hidden neuron): per block
        W_(2i)^T W_(2i) - W_(2i-1) W_(2i-1)^T for a linear activation, ||W_(2i-1)[j,:]||^2 -
        k ||W_(2i)[:,j]||^2 per hidden neuron for c t^k."""
        k = self._power()
        if k is None:
            return None
        param = self.parametrization()

        def q(theta):
            P = param.unflatten(theta)
            parts = []
            for i in range(1, self.blocks + 1):
                W1, W2 = P[f"W{2 * i - 1}"], P[f"W{2 * i}"]
                if k == 1:
                    G = W2.T @ W2 - W1 @ W1.T
                    rows, cols = np.triu_indices(G.shape[0])
                    parts.append(G[rows, cols])
                else:
                    parts.append(jnp.sum(W1 ** 2, axis=1) - k * jnp.sum(W2 ** 2, axis=0))
            return jnp.concatenate(parts)
        what = ("W_(2i)^T W_(2i) - W_(2i-1) W_(2i-1)^T in each block" if k == 1 else
                f"||W_(2i-1)[j,:]||^2 - {k} ||W_(2i)[:,j]||^2 for each hidden neuron j")
        return Conserved(q, what)


def resnet(widths, activation: str | None = None, degree: int | None = None) -> ResNet:
    """Residual network with blocks x -> S x + W2 s(W1 x) (module docstring)."""
    return ResNet(widths, activation, degree)
