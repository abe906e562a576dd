"""Fully connected networks: ``linear`` (W_L ... W_1) and ``mlp`` (alpha_L o s o ... o s o alpha_1).

Parameters are W1 (d1 x d0), [b1 (d1)], W2, [b2], ..., each flattened
row-major.  The input is x in R^{d0}; the outputs are the d_L entries of
f(x), so for ``linear`` V = R^{dL x d0} flattened row-major (with bias the
coefficient vector of output i is (b_i, W[i, :])).

Known symmetries (continuous part; permutations of hidden neurons are finite):

* activation of degree 1, sigma(x) = c1 x + c0 (``linear`` is c1 = 1, c0 = 0):
  GL(d_i) at each hidden layer i, W_i -> g W_i, W_{i+1} -> W_{i+1} g^{-1}; with
  bias the affine group Aff(d_i) (translations compensated in b_{i+1}); with
  c0 != 0 and no bias only the g with g 1 = 1.
* monomial activation sigma(x) = c x^k, k >= 2: rescaling of each hidden
  neuron, incoming weights (and bias) times t, outgoing weights times t^-k;
  for k = 2 with one output, also the orthogonal group of the quadratic form
  sum_i a_i g_i^2 at the last hidden layer (a = the output weights):
  W -> S D W with D = diag(a), S skew, the source of the k = 2 defect
  w n - C(w, 2) (Kileel--Trager--Bruna, arXiv 1905.12207).
* any other activation: none known.
"""

from __future__ import annotations

from math import comb

import numpy as np

from ..lazy import lazy
from .base import (Architecture, Conserved, LastLayers, MatrixForm, SymmetryGroup, WaringForm,
                   zeros_like_params)
from .subnetworks import Subnetwork, low_rank_blocks, zero_padding
from .spec import activation as read_activation
from .spec import boolean, positive_ints
from ..errors import NeuromanifoldError, SpecError

jnp = lazy("jax.numpy")


def _adjugate_and_det(M):
    """(adj M, det M) by Faddeev--LeVerrier: polynomial in the entries (the divisions are by the
    integers 1..n, exact over Q and over F_p for p > n)."""
    n = M.shape[0]
    eye = jnp.eye(n, dtype=M.dtype)
    Mk = eye
    c = -jnp.trace(M)
    for k in range(2, n + 1):
        Mk = M @ Mk + c * eye
        c = -jnp.trace(M @ Mk) / k
    # char poly lambda^n + ... + c_0: det M = (-1)^n c_0 and adj M = (-1)^(n+1) M_n.
    if n % 2 == 0:
        return -Mk, c
    return Mk, -c


def _kernel_projector(A):
    """det(A A^T) I - A^T adj(A A^T) A: a polynomial matrix with A P = 0 whose image is ker A
    when A has full row rank."""
    adj, det = _adjugate_and_det(A @ A.T)
    return det * jnp.eye(A.shape[1], dtype=A.dtype) - A.T @ adj @ A


def _cokernel_projector(B):
    """det(B^T B) I - B adj(B^T B) B^T: a polynomial matrix with Q B = 0 whose rows span the
    left kernel of B when B has full column rank."""
    adj, det = _adjugate_and_det(B.T @ B)
    return det * jnp.eye(B.shape[0], dtype=B.dtype) - B @ adj @ B.T


def _product(P, first: int, last: int):
    """W_last ... W_first (layers numbered from 1)."""
    out = P[f"W{first}"]
    for i in range(first + 1, last + 1):
        out = P[f"W{i}"] @ out
    return out


def _gl_names(dims: list[tuple[int, int]], group: str) -> str:
    if not dims:
        return ""
    parts = [f"{group}({d}) between layers {i} and {i + 1}" for i, d in dims]
    return "; ".join(parts)


def dense_shapes(widths, bias: bool) -> dict:
    """The weight blocks W1, b1, W2, ... of a fully connected network (biases only with ``bias``)."""
    shapes = {}
    for layer in range(1, len(widths)):
        shapes[f"W{layer}"] = (widths[layer], widths[layer - 1])
        if bias:
            shapes[f"b{layer}"] = (widths[layer],)
    return shapes


class _Dense(Architecture):
    """Shared layer loop of ``linear`` and ``mlp``."""

    widths: tuple
    bias: bool

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    @property
    def param_shapes(self) -> dict:
        return dense_shapes(self.widths, self.bias)

    @property
    def input_shape(self) -> tuple:
        return (self.widths[0],)

    # -- capabilities --------------------------------------------------------------------
    def narrower(self, layer: int, width: int) -> Architecture:
        """The same network with ``width`` neurons at hidden layer ``layer``."""
        from . import parse
        from .spec import format_spec

        items = [(k, [width if i == layer else w for i, w in enumerate(v)] if k == "widths" else v)
                 for k, v in self.spec_items()]
        return parse(format_spec(self.family, items))

    def subnetworks(self, smallest: int = 1) -> list[Subnetwork]:
        """Every hidden layer with fewer live neurons (the narrower network's weights in the
        top-left corners, the rest zero), down to ``smallest`` of them."""
        param = self.parametrization()
        out = []
        for layer in range(1, len(self.widths) - 1):
            for width in range(self.widths[layer] - 1, smallest - 1, -1):
                if width == 0:
                    out.append(Subnetwork(f"zero neurons at layer {layer} (f = 0)", "narrower layer", 0, None,
                                          None, layer))
                    continue
                sub = self.narrower(layer, width)
                sp = sub.parametrization()
                out.append(Subnetwork(f"{sub} inside {self}", "narrower layer", sp.n_params,
                                      zero_padding(param, sp), sub, layer))
        return out

    def _rescaling_laws(self, k: int) -> Conserved:
        """||W_i[j,:]||^2 - k ||W_(i+1)[:,j]||^2 per hidden neuron j: conserved by gradient flow when
        each neuron may be rescaled (in-weights x t, out-weights x t^-k) without changing f."""
        param, L = self.parametrization(), self.depth

        def q(theta):
            P = param.unflatten(theta)
            return jnp.concatenate([jnp.sum(P[f"W{i}"] ** 2, axis=1) - k * jnp.sum(P[f"W{i + 1}"] ** 2, axis=0)
                                     for i in range(1, L)] or [jnp.zeros(0)])
        return Conserved(q, f"||W_i[j,:]||^2 - {k} ||W_(i+1)[:,j]||^2 for each hidden neuron j")

    def _sigma(self, h, c, ops):
        act = self.activation
        return h if act is None else ops.act(h, act.powers, c)

    def forward(self, P, x, c, ops):
        h = x
        for layer in range(1, self.depth + 1):
            h = ops.lin(P[f"W{layer}"], h)
            if self.bias:
                h = ops.add(h, P[f"b{layer}"])
            if layer < self.depth:
                h = self._sigma(h, c, ops)
        return h

    # -- symmetries ------------------------------------------------------------------
    def _linear_like(self) -> tuple[float | None, float | None]:
        """(c1, c0) when sigma(x) = c1 x + c0 (identity for ``linear``), else (None, None)."""
        act = self.activation
        if act is None:
            return 1.0, 0.0
        if act.degree == 1:
            return act.coeffs[1], act.coeffs[0]
        return None, None

    def _kernel_fields(self) -> list[tuple[str, int, int]]:
        """Fibre directions of a linear network beyond GL (no bias, sigma(x) = c x).

        ("kernel", i, j): layer i is wider than the narrowest later layer j; with A the
        product W_j ... W_{i+1} (full row rank), dW_i = P(A) Z changes no product.
        ("cokernel", i, k): layer i-1 is wider than the narrowest earlier layer k; with
        B = W_{i-1} ... W_{k+1} (full column rank), dW_i = Z Q(B) changes no product."""
        if self.bias or self._linear_like()[1]:
            return []
        w, L = self.widths, self.depth
        fields = []
        for i in range(1, L + 1):
            if i < L:
                later = w[i + 1:]
                j = i + 1 + later.index(min(later))
                if w[i] > w[j]:
                    fields.append(("kernel", i, j))
            if i > 1:
                earlier = w[:i - 1]
                narrowest = min(earlier)
                k = max(idx for idx, d in enumerate(earlier) if d == narrowest)
                if w[i - 1] > w[k]:
                    fields.append(("cokernel", i, k))
        return fields

    def _fields_group(self, group: SymmetryGroup) -> SymmetryGroup:
        fields = self._kernel_fields()
        if not fields:
            return group
        count = sum(self.widths[i] * self.widths[i - 1] for _, i, _ in fields)
        text = ("moves of W_i inside the kernel (cokernel) of the product of the layers up to the "
                "narrowest one after (before) it, which change no product: "
                + ", ".join(f"{kind} at layer {i}" for kind, i, _ in fields))
        return SymmetryGroup(group.dimension, group.description, group.finite, count, text)

    def _field_action(self, P, xi, T):
        off = 0
        for kind, i, other in self._kernel_fields():
            shape = (self.widths[i], self.widths[i - 1])
            Z = xi[off:off + shape[0] * shape[1]].reshape(shape)
            off += shape[0] * shape[1]
            if kind == "kernel":
                T[f"W{i}"] = T[f"W{i}"] + _kernel_projector(_product(P, i + 1, other)) @ Z
            else:
                T[f"W{i}"] = T[f"W{i}"] + Z @ _cokernel_projector(_product(P, other + 1, i - 1))
        return T

    def _linear_group(self):
        return self._fields_group(self._linear_gl_group())

    def _linear_gl_group(self):
        c1, c0 = self._linear_like()
        hidden = [(i, self.widths[i]) for i in range(1, self.depth)]
        if self.bias:
            dim = sum(d * d + d for _, d in hidden)
            return SymmetryGroup(dim, _gl_names(hidden, "Aff") or "trivial (no hidden layer)")
        if c0:
            dim = sum(d * d - d for _, d in hidden)
            text = "; ".join(f"{{g in GL({d}) : g 1 = 1}} between layers {i} and {i + 1}" for i, d in hidden)
            return SymmetryGroup(dim, text or "trivial (no hidden layer)")
        dim = sum(d * d for _, d in hidden)
        return SymmetryGroup(dim, _gl_names(hidden, "GL") or "trivial (no hidden layer)")

    def _linear_action(self, P, xi, c):
        """Infinitesimal GL/Aff action; sigma(x) = c1 x + c0 with c1, c0 read from ``c``."""
        T = zeros_like_params(P)
        c1, c0 = self._linear_like()
        act = self.activation
        if act is not None:
            coeff = dict(zip(act.powers, [c[j] for j in range(len(act.powers))]))
            c1, c0 = coeff.get(1, 0.0), coeff.get(0, 0.0)
        off = 0
        for i in range(1, self.depth):
            d = self.widths[i]
            W, Wn = P[f"W{i}"], P[f"W{i + 1}"]
            if not self.bias and self._linear_like()[1]:
                Z = xi[off:off + d * (d - 1)].reshape(d, d - 1)
                off += d * (d - 1)
                X = jnp.concatenate([Z, -jnp.sum(Z, axis=1, keepdims=True)], axis=1)
            else:
                X = xi[off:off + d * d].reshape(d, d)
                off += d * d
            T[f"W{i}"] = T[f"W{i}"] + X @ W
            T[f"W{i + 1}"] = T[f"W{i + 1}"] - Wn @ X
            if self.bias:
                eta = xi[off:off + d]
                off += d
                T[f"b{i}"] = T[f"b{i}"] + X @ P[f"b{i}"] + eta
                T[f"b{i + 1}"] = T[f"b{i + 1}"] + Wn @ (c0 * jnp.sum(X, axis=1) - c1 * eta)
        return self._field_action(P, xi[off:], T)


class Linear(_Dense):
    """Linear network x -> W_L ... W_1 x (affine maps with ``bias=True``)."""

    family = "linear"

    def __init__(self, widths, bias: bool = False, group: str | None = None):
        self.widths = positive_ints("widths", widths, min_length=2, example="[4,2,3]")
        self.bias = boolean("bias", bias)
        self.group = None
        if group is not None:
            from .equivariant import parse_group

            if self.bias:
                raise SpecError("an equivariant network here has no bias: drop bias=True, or drop group=")
            if self.widths[0] != self.widths[-1]:
                raise SpecError(f"group= makes the end-to-end map commute with a permutation action on R^n, "
                                f"so the first and last widths must be equal; got {self.widths[0]} and "
                                f"{self.widths[-1]}, e.g. linear(widths=[3,1,3], group=\"cyclic\")")
            self.group = parse_group(group, self.widths[0])[0]
        self._freeze()

    def spec_items(self):
        items = [("widths", list(self.widths))]
        if self.bias:
            items.append(("bias", True))
        if self.group is not None:
            items.append(("group", self.group))
        return items

    def components(self, field: str = "C") -> list | None:
        """With ``group``: the irreducible components of the equivariant maps of rank <= the bottleneck
        (:mod:`.equivariant`, Kohn--Sattelberger--Shahverdi arXiv 2309.13736), over C or R."""
        if self.group is None:
            return None
        from .equivariant import components

        return components(self.group, self.widths[0], self.bottleneck, field)

    @property
    def bottleneck(self) -> int:
        """r = the least hidden width (the input width for one layer): the end-to-end maps have rank <= r."""
        return min(self.widths[1:-1]) if self.depth >= 2 else self.widths[0]

    def describe(self) -> dict:
        """With ``group``: the network without it (weights, V = the n x n matrices), the group and the
        components of M over C and over R."""
        if self.group is None:
            return super().describe()
        info = Linear(self.widths).parametrization().describe()
        over_c, over_r = self.components("C"), self.components("R")
        info.update(spec=str(self), group=self.group,
                    components={"C": [c.label for c in over_c], "R": [c.label for c in over_r]})
        info["notes"] = info.get("notes", []) + [
            f"group {self.group}: M = the end-to-end maps commuting with it, of rank <= the bottleneck; "
            f"{len(over_c)} irreducible components over C ({', '.join(c.label for c in over_c)}), {len(over_r)} "
            f"over R ({', '.join(c.label for c in over_r)}) (Kohn-Sattelberger-Shahverdi, arXiv 2309.13736)"]
        return info

    def component_parametrizations(self) -> list | None:
        """With ``group``: each irreducible component over C parametrized by rank factorisations of its
        isotypic blocks (:class:`~.equivariant.ComponentParametrization`)."""
        if self.group is None:
            return None
        from .equivariant import component_parametrizations

        return component_parametrizations(str(self), self.group, self.widths[0], self.bottleneck)

    def parametrization(self):
        if self.group is not None:
            raise NeuromanifoldError(
                f"{self}: the equivariant maps of bounded rank form several irreducible components, which no "
                f"single network parametrizes (Kohn-Sattelberger-Shahverdi); dim, degree and edd report them "
                f"one by one, other invariants need one parametrization: drop group=")
        return super().parametrization()

    def symmetry(self) -> SymmetryGroup:
        return self._linear_group()

    def symmetry_action(self, P, xi, c):
        return self._linear_action(P, xi, c)

    def layer_widths(self) -> tuple | None:
        return None if self.bias or self.group else tuple(self.widths)

    def matrix_form(self) -> MatrixForm | None:
        """The end-to-end matrix W_L ... W_1 (d_L x d_0, row-major) of rank <= min(widths); a rank
        factorisation A B is realised by W_1 = [B; 0], identity blocks in between, W_L = [A, 0]."""
        if self.bias:
            return None
        w = self.widths
        r = min(w)

        def parameters(A, B):
            A, B = np.asarray(A), np.asarray(B)
            dtype = np.result_type(A, B, float)
            mats = [np.zeros((w[i], w[i - 1]), dtype) for i in range(1, len(w))]
            if len(mats) == 1:
                mats[0][:] = A @ B
            else:
                mats[0][:B.shape[0], :] = B
                for M in mats[1:-1]:
                    M[:r, :r] = np.eye(r)
                mats[-1][:, :A.shape[1]] = A
            return np.concatenate([M.ravel() for M in mats])

        def real_components(rank: int) -> int:
            """Real fibre over a matrix of rank ``rank``: connected when rank < r, else 2^b components for
            the b hidden layers of the least width r (the sign of det of each such square block)."""
            if rank < r:
                return 1
            return 2 ** sum(1 for d in w[1:-1] if d == r)
        return MatrixForm(w[-1], w[0], r, parameters, real_components)

    def conserved_quantities(self) -> Conserved | None:
        """Balancedness W_(i+1)^T W_(i+1) - W_i W_i^T at each hidden layer (Arora--Cohen--Hazan,
        arXiv 1802.06509): conserved by gradient flow of any loss of the end-to-end matrix."""
        if self.bias:
            return None
        param, L = self.parametrization(), self.depth

        def q(theta):
            P = param.unflatten(theta)
            return jnp.concatenate([(P[f"W{i + 1}"].T @ P[f"W{i + 1}"] - P[f"W{i}"] @ P[f"W{i}"].T).ravel()
                                     for i in range(1, L)] or [jnp.zeros(0)])
        return Conserved(q, "W_{i+1}^T W_{i+1} - W_i W_i^T at each hidden layer")


class MLP(_Dense):
    """Polynomial MLP alpha_L o s o ... o s o alpha_1 with activation s applied entrywise."""

    family = "mlp"

    def __init__(self, widths, activation: str | None = None, bias: bool = False, degree: int | None = None):
        self.widths = positive_ints("widths", widths, min_length=2, example="[2,2,1]")
        self._activation = read_activation("mlp", 'mlp(widths=[2,2,1], activation="x^3")', activation, degree)
        self.degree = degree
        self.bias = boolean("bias", bias)
        self._freeze()

    @property
    def activation(self):
        return self._activation

    def spec_items(self):
        items = [("widths", list(self.widths)), ("activation", self._activation.source)]
        if self.degree is not None:
            items.append(("degree", self.degree))
        if self.bias:
            items.append(("bias", True))
        return items

    def notes(self):
        note = self._activation.approximation_note
        out = [note] if note else []
        if self.depth == 1:
            out.append("no hidden layer: the activation is never applied (a linear map)")
        return out

    def last_layers(self) -> LastLayers | None:
        """f = W_L s(W_(L-1) g) with g the activated outputs of layer L-2 (the inputs themselves
        for one hidden layer) and s(t) = c t^r: F(y) = sum_j W_L[:, j] c (W_(L-1)[j] . y)^r.  The
        rescaling of a neuron of layers 1 .. L-2 changes no output of g (layers before L-2) or is
        absorbed by F (layer L-2: g_i -> t^r g_i, W_(L-1)[:, i] -> t^-r W_(L-1)[:, i])."""
        act = self._activation
        if self.depth < 2 or not act.is_monomial or act.powers[0] < 2:
            return None
        w = self.widths
        inner = sum(w[i] * w[i - 1] + (w[i] if self.bias else 0) for i in range(1, self.depth - 1))
        return LastLayers(inner_parameters=inner, inner_rescalings=sum(w[1:self.depth - 1]),
                          forms=w[self.depth - 2], degree=act.powers[0], terms=w[self.depth - 1],
                          outputs=w[self.depth], affine=self.bias)

    def subnetworks(self, smallest: int = 1) -> list[Subnetwork]:
        """Narrower hidden layers, and every weight matrix of lower rank."""
        names = [n for n in self.param_shapes if n.startswith("W")]
        return super().subnetworks(smallest) + low_rank_blocks(self, self.parametrization(), names)

    def conserved_quantities(self) -> Conserved | None:
        """The rescaling laws of a monomial activation c x^k without biases."""
        act = self._activation
        if self.bias or len(act.powers) != 1:
            return None
        return self._rescaling_laws(int(act.powers[0]))

    def waring_form(self) -> WaringForm | None:
        """One hidden layer, activation c x^k (k >= 2), no bias: f = sum_j W2[:, j] c (W1[j] . x)^k."""
        act = self._activation
        if self.bias or self.depth != 2 or not act.is_monomial or act.powers[0] < 2:
            return None
        d0, h, dL = self.widths

        def parameters(W, A):
            return jnp.concatenate([jnp.ravel(W), jnp.ravel(A)])
        return WaringForm(d0, int(act.powers[0]), h, dL, parameters)

    def _quadratic_form_layer(self) -> bool:
        act = self._activation
        return (act.is_monomial and act.powers[0] == 2 and self.widths[-1] == 1 and self.depth >= 2)

    def symmetry(self) -> SymmetryGroup:
        act = self._activation
        hidden = [(i, self.widths[i]) for i in range(1, self.depth)]
        if not hidden:
            return SymmetryGroup(0, "trivial (no hidden layer)")
        if act.degree == 1:
            return self._linear_group()
        if act.is_monomial:
            k = act.powers[0]
            dim = sum(d for _, d in hidden)
            text = f"rescaling of each hidden neuron (in-weights x t, out-weights x t^-{k})"
            finite = "permutations of hidden neurons"
            if self._quadratic_form_layer():
                w = self.widths[-2]
                dim += comb(w, 2)
                text += (f"; O({w}) of the quadratic form diag(out-weights) at the last hidden layer "
                         f"(W -> S D W, S skew)")
            return SymmetryGroup(dim, text, finite)
        odd = all(k % 2 == 1 for k in act.powers)
        finite = "permutations of hidden neurons" + (" and sign flips (odd activation)" if odd else "")
        return SymmetryGroup(0, "none known (activation is not a monomial)", finite)

    def finite_symmetries(self) -> list:
        """Adjacent transpositions of the neurons of each hidden layer, and sign flips of one
        neuron when the activation is odd."""
        act = self._activation
        gens = []
        odd = all(k % 2 == 1 for k in act.powers)
        for layer in range(1, self.depth):
            w = self.widths[layer]

            def swap(P, layer=layer, j=0):
                Q = dict(P)
                perm = list(range(self.widths[layer]))
                perm[j], perm[j + 1] = perm[j + 1], perm[j]
                Q[f"W{layer}"] = P[f"W{layer}"][perm, :]
                if self.bias:
                    Q[f"b{layer}"] = P[f"b{layer}"][perm]
                Q[f"W{layer + 1}"] = P[f"W{layer + 1}"][:, perm]
                return Q

            for j in range(w - 1):
                gens.append(lambda P, layer=layer, j=j: swap(P, layer, j))
            if odd:
                def flip(P, layer=layer):
                    Q = dict(P)
                    Q[f"W{layer}"] = P[f"W{layer}"].at[0].multiply(-1)
                    if self.bias:
                        Q[f"b{layer}"] = P[f"b{layer}"].at[0].multiply(-1)
                    Q[f"W{layer + 1}"] = P[f"W{layer + 1}"].at[:, 0].multiply(-1)
                    return Q
                gens.append(flip)
        return gens

    def symmetry_action(self, P, xi, c):
        act = self._activation
        if act.degree == 1:
            return self._linear_action(P, xi, c)
        T = zeros_like_params(P)
        if not act.is_monomial:
            return T
        k = act.powers[0]
        off = 0
        for i in range(1, self.depth):
            d = self.widths[i]
            s = xi[off:off + d]
            off += d
            T[f"W{i}"] = T[f"W{i}"] + s[:, None] * P[f"W{i}"]
            if self.bias:
                T[f"b{i}"] = T[f"b{i}"] + s * P[f"b{i}"]
            T[f"W{i + 1}"] = T[f"W{i + 1}"] - k * P[f"W{i + 1}"] * s[None, :]
        if self._quadratic_form_layer():
            L, w = self.depth, self.widths[-2]
            rows, cols = np.triu_indices(w, 1)
            U = jnp.zeros((w, w), dtype=xi.dtype).at[rows, cols].set(xi[off:off + len(rows)])
            S = U - U.T
            a = P[f"W{L}"][0]
            T[f"W{L - 1}"] = T[f"W{L - 1}"] + (S * a[None, :]) @ P[f"W{L - 1}"]
            if self.bias:
                T[f"b{L - 1}"] = T[f"b{L - 1}"] + (S * a[None, :]) @ P[f"b{L - 1}"]
        return T


def linear(widths, bias: bool = False, *, group: str | None = None) -> Linear:
    """Linear network with layer widths d0 (input), d1, ..., dL (output); ``group`` ("cyclic",
    "symmetric" or a permutation in cycle notation) makes the end-to-end map equivariant."""
    return Linear(widths, bias, group)


def mlp(widths, activation: str | None = None, bias: bool = False, degree: int | None = None) -> MLP:
    """MLP with a polynomial activation (or a named one approximated with ``degree=k``)."""
    return MLP(widths, activation, bias, degree)
