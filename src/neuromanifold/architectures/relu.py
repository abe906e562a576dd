"""Exact ReLU networks: x -> W_L s(W_{L-1} ... s(W_1 x + b_1) ... + b_{L-1}) + b_L with
s(t) = max(t, a t) (ReLU for a = 0, leaky ReLU for 0 < a < 1), biases on every layer.

f_theta is piecewise linear, so its function space is not an algebraic variety: degrees and ED
degrees do not apply (``parametrization()`` says so), and the dimension is the functional
dimension of Grigsby--Lindsey--Meyerhoff--Wu (arXiv 2209.04036), computed by
:mod:`neuromanifold.invariants.relu` with the linear regions and the tropical form.  On one
activation pattern (which neurons are on) f is the polynomial map of the masked network
x -> W_L D_{L-1} (W_{L-1} ... D_1 (W_1 x + b_1) ... ) + b_L, D_l = diag(1 or a), given here as
:meth:`ReLU.masked` for the exact ranks over F_p.

>>> net = relu(widths=[2, 3, 1])
>>> str(net), net.n_params, net.rescalings
('relu(widths=[2,3,1])', 13, 3)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import NeuromanifoldError, SpecError
from .base import Architecture, SymmetryGroup, zeros_like_params
from .spec import positive_ints


class ReLU(Architecture):
    """A fully connected (leaky) ReLU network with biases."""

    family = "relu"

    def __init__(self, widths, leak=0):
        self.widths = positive_ints("widths", widths, min_length=2, example="[2,3,1]")
        if isinstance(leak, bool) or not isinstance(leak, (int, float, Fraction)):
            raise SpecError(f"leak must be a number in [0, 1), e.g. leak=0.01; got {leak!r}")
        leak = Fraction(leak).limit_denominator(10**6)
        if not 0 <= leak < 1:
            raise SpecError(f"leak must be in [0, 1) (0: ReLU, e.g. 0.01: leaky ReLU); got {float(leak)}")
        self.leak = leak
        self._freeze()

    def spec_items(self):
        items = [("widths", list(self.widths))]
        if self.leak:
            items.append(("leak", float(self.leak)))
        return items

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    @property
    def param_shapes(self) -> dict:
        from .dense import dense_shapes

        return dense_shapes(self.widths, True)

    @property
    def n_params(self) -> int:
        return sum(int(np.prod(s)) for s in self.param_shapes.values())

    @property
    def hidden(self) -> int:
        """Hidden neurons."""
        return sum(self.widths[1:-1])

    @property
    def rescalings(self) -> int:
        """Dimension of the positive rescalings of hidden neurons (in-weights and bias x t, out-weights
        x 1/t, t > 0): the symmetry bound of the functional dimension is n_params - rescalings."""
        return self.hidden

    @property
    def input_shape(self) -> tuple:
        return (self.widths[0],)

    def unflatten(self, theta) -> dict:
        P, offset = {}, 0
        for name, shape in self.param_shapes.items():
            size = int(np.prod(shape))
            P[name] = theta[offset:offset + size].reshape(shape)
            offset += size
        return P

    def forward(self, P, x, c, ops):
        import jax.numpy as jnp

        h, a = x, float(self.leak)
        for layer in range(1, self.depth + 1):
            h = P[f"W{layer}"] @ h + P[f"b{layer}"]
            if layer < self.depth:
                h = jnp.where(h > 0, h, a * h)
        return h

    def f(self, theta, x):
        """f_theta(x) (JAX, floats)."""
        return self.forward(self.unflatten(theta), x, None, None)

    def preactivations(self, theta, X) -> list[np.ndarray]:
        """The hidden neurons' pre-activations at each input: per hidden layer an array (samples x width)."""
        P = self.unflatten(np.asarray(theta, float))
        H, out = np.asarray(X, float), []
        a = float(self.leak)
        for layer in range(1, self.depth):
            Z = H @ P[f"W{layer}"].T + P[f"b{layer}"]
            out.append(Z)
            H = np.where(Z > 0, Z, a * Z)
        return out

    def pattern(self, theta, X) -> list[np.ndarray]:
        """The activation pattern at each input: per hidden layer a boolean array (samples x width),
        True where the neuron's pre-activation is positive."""
        return [Z > 0 for Z in self.preactivations(theta, X)]

    def masked(self, theta, x, masks):
        """The network with every activation replaced by its slope on a fixed pattern: masks[l] holds
        1 or the leak per neuron of hidden layer l + 1 (a polynomial map of theta)."""
        P = self.unflatten(theta)
        h = x
        for layer in range(1, self.depth + 1):
            h = P[f"W{layer}"] @ h + P[f"b{layer}"]
            if layer < self.depth:
                h = masks[layer - 1] * h
        return h

    # -- symmetries ---------------------------------------------------------------------------
    def symmetry(self) -> SymmetryGroup:
        return SymmetryGroup(self.hidden, "positive rescaling of each hidden neuron (in-weights and bias x t, "
                                          "out-weights x 1/t)", "permutations of hidden neurons")

    def symmetry_action(self, P, xi, c):
        T = zeros_like_params(P)
        off = 0
        for layer in range(1, self.depth):
            w = self.widths[layer]
            s = xi[off:off + w]
            off += w
            T[f"W{layer}"] = T[f"W{layer}"] + s[:, None] * P[f"W{layer}"]
            T[f"b{layer}"] = T[f"b{layer}"] + s * P[f"b{layer}"]
            T[f"W{layer + 1}"] = T[f"W{layer + 1}"] - P[f"W{layer + 1}"] * s[None, :]
        return T

    # -- capabilities -------------------------------------------------------------------------
    def piecewise_linear(self) -> bool:
        return True

    def scales(self) -> bool:
        return False

    def describe(self) -> dict:
        """Parameters, weight blocks, inputs, outputs and symmetries; no ambient space V (f_theta is
        piecewise linear, not a polynomial)."""
        from .. import monomials

        group = self.symmetry()
        return {"spec": str(self), "family": self.family, "parameters": self.n_params,
                "parameter_blocks": {k: list(v) for k, v in self.param_shapes.items()},
                "inputs": self.widths[0], "variables": monomials.variable_names(self.widths[0]),
                "outputs": self.widths[-1], "piecewise_linear": True, "leak": float(self.leak),
                "symmetry": group.to_dict(),
                "notes": [f"activation max(t, {float(self.leak):g} t): f_theta is piecewise linear, so there is no "
                          f"ambient space of polynomials; dim reports the functional dimension, regions the "
                          f"linear regions, critical --data the critical points of the loss in parameter space, "
                          f"train the activation flips"]}

    def parametrization(self):
        raise NeuromanifoldError(
            f"{self} is piecewise linear: its function space is not an algebraic variety, so invariants of "
            f"varieties (degree, ED degree, fibres, singular strata, equations, critical points on M) do not "
            f"apply; use dim (the functional dimension), regions, critical --data (the critical points of the "
            f"loss in parameter space) or train instead")


def relu(widths, leak=0) -> ReLU:
    """ReLU network with biases, widths d0 (input), d1, ..., dL (output); ``leak`` = a in max(t, a t)."""
    return ReLU(widths, leak)
