"""Lightning self-attention (Henry--Marchetti--Kohn, arXiv 2408.17221).

One layer maps X (d x t) to V X X^T K^T Q X (dout x t), with Q, K in
R^{a x d} and V in R^{dout x d}: un-normalised attention, cubic in X and
trilinear in the weights.  The deep form ``attention(widths=[d0,...,dL],
a=[a1,...,aL], t)`` composes L such layers, layer i mapping d_{i-1} x t to
d_i x t.  The input variables are the entries of X column-major (token by
token: x_{j d + c} = X[c, j]); the outputs are flattened the same way.

Known symmetries (continuous): in each layer GL(a_i) acting on (Q_i, K_i) by
(g Q, g^-T K) and the rescaling (t V_i, Q_i / t); between layers GL(d_i):
V_i -> g V_i and (V, K, Q)_{i+1} -> (V g^-1, K g^-1, Q g^-1).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .base import Architecture, Conserved, SymmetryGroup, TensorForm, zeros_like_params
from .spec import positive_int, positive_ints
from .subnetworks import low_rank_blocks


class Attention(Architecture):
    """Single or deep lightning self-attention network."""

    family = "attention"

    def __init__(self, d=None, a=None, t=None, dout=None, widths=None):
        if widths is not None and d is not None:
            raise SpecError("give either d (one layer) or widths=[d0,...,dL] (deep), not both",
                            keyword="widths")
        if t is None:
            raise SpecError("attention needs the number of tokens t, e.g. attention(d=2, a=2, t=2, dout=1)")
        self.t = positive_int("t", t)
        if a is None:
            raise SpecError("attention needs the attention width a, e.g. attention(d=2, a=2, t=2, dout=1)")
        if widths is not None:
            if dout is not None:
                raise SpecError("dout belongs to the one-layer form; in the deep form the last entry of "
                                "widths is the output width", keyword="dout")
            self.widths = positive_ints("widths", widths, min_length=2, example="[2,2,1]")
        else:
            if d is None:
                raise SpecError("attention needs d (input width), e.g. attention(d=2, a=2, t=2, dout=1), "
                                "or widths=[d0,...,dL] for the deep form")
            d = positive_int("d", d)
            dout = d if dout is None else positive_int("dout", dout)
            self.widths = (d, dout)
        L = len(self.widths) - 1
        if isinstance(a, (list, tuple)):
            self.a = positive_ints("a", a, min_length=1, example="[2,2]")
            if len(self.a) != L:
                raise SpecError(f"a needs one entry per layer ({L}), got {len(self.a)}", keyword="a")
        else:
            self.a = (positive_int("a", a),) * L
        self._freeze()

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    def spec_items(self):
        if self.depth == 1:
            return [("d", self.widths[0]), ("a", self.a[0]), ("t", self.t), ("dout", self.widths[1])]
        return [("widths", list(self.widths)), ("a", list(self.a)), ("t", self.t)]

    @property
    def param_shapes(self) -> dict:
        shapes = {}
        for i in range(1, self.depth + 1):
            shapes[f"Q{i}"] = (self.a[i - 1], self.widths[i - 1])
            shapes[f"K{i}"] = (self.a[i - 1], self.widths[i - 1])
            shapes[f"V{i}"] = (self.widths[i], self.widths[i - 1])
        return shapes

    @property
    def input_shape(self) -> tuple:
        return (self.t, self.widths[0])  # flat order token by token: x_{j d + c} = X[c, j]

    def forward(self, P, x, c, ops):
        X = ops.transpose(ops.reshape(x, (self.t, self.widths[0])), (1, 0))
        for i in range(1, self.depth + 1):
            QX = ops.lin(P[f"Q{i}"], X)
            KX = ops.lin(P[f"K{i}"], X)
            S = ops.sum(ops.mul(ops.expand(KX, 2), ops.expand(QX, 1)), 0)  # X^T K^T Q X, t x t
            XS = ops.sum(ops.mul(ops.expand(X, 2), ops.expand(S, 0)), 1)  # X S, d x t
            X = ops.lin(P[f"V{i}"], XS)
        return ops.reshape(ops.transpose(X, (1, 0)), (self.t * self.widths[-1],))

    def symmetry(self) -> SymmetryGroup:
        layer = sum(a * a + 1 for a in self.a)
        between = sum(d * d for d in self.widths[1:-1])
        parts = ["GL(a) on (Q, K) and the rescaling (t V, Q / t) in each layer"]
        if self.depth > 1:
            parts.append("GL(d_i) between layers " + ", ".join(
                f"{i} and {i + 1} (d={self.widths[i]})" for i in range(1, self.depth)))
        return SymmetryGroup(layer + between, "; ".join(parts))

    def symmetry_action(self, P, xi, c):
        T = zeros_like_params(P)
        off = 0
        for i in range(1, self.depth + 1):
            a = self.a[i - 1]
            G = xi[off:off + a * a].reshape(a, a)
            off += a * a
            z = xi[off]
            off += 1
            T[f"Q{i}"] = T[f"Q{i}"] + G @ P[f"Q{i}"] - z * P[f"Q{i}"]
            T[f"K{i}"] = T[f"K{i}"] - G.T @ P[f"K{i}"]
            T[f"V{i}"] = T[f"V{i}"] + z * P[f"V{i}"]
        for i in range(1, self.depth):
            d = self.widths[i]
            H = xi[off:off + d * d].reshape(d, d)
            off += d * d
            T[f"V{i}"] = T[f"V{i}"] + H @ P[f"V{i}"]
            for name in ("V", "K", "Q"):
                T[f"{name}{i + 1}"] = T[f"{name}{i + 1}"] - P[f"{name}{i + 1}"] @ H
        return T

    # -- capabilities --------------------------------------------------------------------
    def subnetworks(self, smallest: int = 1) -> list:
        """Every weight block of lower rank (a rank-deficient Q or K: a collapsed head)."""
        return low_rank_blocks(self, self.parametrization(), list(self.param_shapes),
                               lambda name: " (a collapsed head)" if name[0] in "QK" else "")

    def conserved_quantities(self) -> Conserved:
        """The laws of the symmetries (Noether for gradient flow: theta^T A theta / 2 for each symmetric
        generator A; arXiv 2506.06194): per layer Q Q^T - K K^T (GL(a) on (Q, K)) and ||V||^2 - ||Q||^2
        (the rescaling (t V, Q / t)); between layers i and i + 1, V_i V_i^T - V_(i+1)^T V_(i+1) -
        K_(i+1)^T K_(i+1) - Q_(i+1)^T Q_(i+1) (GL(d_i))."""
        from ..lazy import lazy

        jnp = lazy("jax.numpy")
        param = self.parametrization()
        L = self.depth

        def q(theta):
            P = param.unflatten(theta)
            parts = []
            for i in range(1, L + 1):
                Q, K, V = P[f"Q{i}"], P[f"K{i}"], P[f"V{i}"]
                G = Q @ Q.T - K @ K.T
                rows, cols = np.triu_indices(G.shape[0])
                parts += [G[rows, cols], jnp.reshape(jnp.sum(V ** 2) - jnp.sum(Q ** 2), (1,))]
            for i in range(1, L):
                V, nxt = P[f"V{i}"], [P[f"{n}{i + 1}"] for n in "VKQ"]
                G = V @ V.T - sum(X.T @ X for X in nxt)
                rows, cols = np.triu_indices(G.shape[0])
                parts.append(G[rows, cols])
            return jnp.concatenate(parts)
        return Conserved(q, "Q Q^T - K K^T and ||V||^2 - ||Q||^2 per layer; V_i V_i^T - (V, K, Q)_(i+1)^T (V, K, "
                            "Q)_(i+1) between layers")

    def tensor_form(self) -> TensorForm | None:
        """One layer: f(X) = V X X^T K^T Q X is linear in V (x) A with A = K^T Q."""
        if self.depth != 1:
            return None
        param = self.parametrization()

        def factors(P):
            return P["V1"], P["K1"].T @ P["Q1"]

        def parameters(V, K, Q):
            blocks = {"Q1": Q, "K1": K, "V1": V}
            return np.concatenate([np.asarray(blocks[name]).reshape(-1) for name, _, _, _ in param.blocks])
        return TensorForm(self.widths[0], self.a[0], self.widths[1], factors, parameters)

    def notes(self):
        return [f"inputs are the {self.widths[0]} x {self.t} entries of X, column-major (token by token); "
                f"outputs likewise ({self.widths[-1]} x {self.t})"]


def attention(d=None, a=None, t=None, dout=None, widths=None) -> Attention:
    """Lightning self-attention: one layer (d, a, t, dout) or deep (widths, a, t)."""
    return Attention(d=d, a=a, t=t, dout=dout, widths=widths)
