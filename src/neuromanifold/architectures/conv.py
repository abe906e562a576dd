"""1-D single-channel convolutional networks: ``lcn`` (linear) and ``pcnn`` (polynomial activation).

Layer l convolves (cross-correlates) with the filter u_l of size k_l at stride
s_l: h_l[j] = sum_a u_l[a] h_{l-1}[j s_l + a].  The input length is the
receptive field, so the output is one scalar: n_L = 1 and
n_{l-1} = (n_l - 1) s_l + k_l.  The last stride does not change the function
and is normalised to 1 (L-1 strides are accepted too).

* ``lcn`` (Kohn--Merkh--Montufar--Trager, arXiv 2108.01538): f(x) = <w, x>
  with the end-to-end filter w(x) = u_1(x) u_2(x^{s_1}) u_3(x^{s_1 s_2}) ...,
  so V = filters of size k_1 + sum_{l>=2} (k_l - 1) s_1 ... s_{l-1}; the
  coefficient of x_{i+1} is w_i.
* ``pcnn`` (Shahverdi--Marchetti--Kohn, arXiv 2410.00722): the same
  convolutions with the activation after every layer but the last; V =
  polynomials in the n_0 input entries.

Known symmetries: rescaling the filters, u_l -> t u_l and u_{l+1} -> t^-k
u_{l+1} for a monomial activation c x^k (k = 1 for ``lcn``): dim L - 1.
"""

from __future__ import annotations

from math import prod

import numpy as np

from ..errors import SpecError
from .base import Architecture, FactorForm, SymmetryGroup, zeros_like_params
from .spec import activation as read_activation
from .spec import format_spec, positive_ints
from .subnetworks import Subnetwork, zero_tap


class _Conv(Architecture):
    filters: tuple
    strides: tuple

    def _init_shape(self, filters, strides):
        self.filters = positive_ints("filters", filters, min_length=1, example="[3,2]")
        L = len(self.filters)
        if strides is None or (L == 1 and isinstance(strides, (list, tuple)) and len(strides) == 0):
            strides = [1] * L
        given = positive_ints("strides", strides, min_length=1, example="[2,1]")
        if len(given) == L - 1:
            given = given + (1,)
        elif len(given) != L:
            example = "[" + ",".join(["1"] * L) + "]"
            raise SpecError(
                f"strides needs one entry per layer ({L}) or one per layer but the last ({L - 1}); "
                f"got {len(given)}: e.g. strides={example}", keyword="strides")
        self._given_last_stride = given[-1]
        self.strides = given[:-1] + (1,)

    @property
    def depth(self) -> int:
        return len(self.filters)

    @property
    def layer_sizes(self) -> tuple:
        """(n_0, n_1, ..., n_L) with n_L = 1."""
        sizes = [1]
        for k, s in zip(reversed(self.filters), reversed(self.strides)):
            sizes.append((sizes[-1] - 1) * s + k)
        return tuple(reversed(sizes))

    @property
    def receptive_field(self) -> int:
        return self.layer_sizes[0]

    @property
    def param_shapes(self) -> dict:
        return {f"u{l + 1}": (k,) for l, k in enumerate(self.filters)}

    @property
    def input_shape(self) -> tuple:
        return (self.receptive_field,)

    def forward(self, P, x, c, ops):
        sizes = self.layer_sizes
        h = x
        for l in range(self.depth):
            h = ops.lin(ops.filter_matrix(P[f"u{l + 1}"], sizes[l + 1], self.strides[l]), h)
            if l < self.depth - 1 and self.activation is not None:
                h = ops.act(h, self.activation.powers, c)
        return h

    def _rescaling_power(self) -> int | None:
        act = self.activation
        if act is None:
            return 1
        if act.is_monomial:
            return act.powers[0]
        return None

    def symmetry(self) -> SymmetryGroup:
        k = self._rescaling_power()
        L = self.depth
        if L == 1:
            return SymmetryGroup(0, "trivial (one layer)")
        if k is None:
            return SymmetryGroup(0, "none known (activation is not a monomial)")
        if k == 1:
            return SymmetryGroup(L - 1, "rescaling of filters (u_l -> t_l u_l with t_1 ... t_L = 1)")
        return SymmetryGroup(L - 1, f"rescaling of filters (u_l -> t u_l, u_(l+1) -> t^-{k} u_(l+1))")

    def symmetry_action(self, P, xi, c):
        T = zeros_like_params(P)
        k = self._rescaling_power()
        if k is None:
            return T
        for l in range(1, self.depth):
            T[f"u{l}"] = T[f"u{l}"] + xi[l - 1] * P[f"u{l}"]
            T[f"u{l + 1}"] = T[f"u{l + 1}"] - k * xi[l - 1] * P[f"u{l + 1}"]
        return T

    def subnetworks(self, smallest: int = 1) -> list:
        """A zero last tap and a zero first tap of each filter of size >= 2: the network with that
        filter one shorter (shifted, for the first tap)."""
        param = self.parametrization()
        out = []
        for name, shape, _, _ in param.blocks:
            k = shape[0]
            if k < 2:
                continue
            idx = int(name[1:]) - 1
            smaller = list(self.filters[:idx]) + [k - 1] + list(self.filters[idx + 1:])
            label = format_spec(self.family, [(key, smaller if key == "filters" else v)
                                              for key, v in self.spec_items()])
            emb, m = zero_tap(param, name, k - 1)
            out.append(Subnetwork(f"{label} inside {self} (last tap of {name} zero)", "zero tap", m, emb))
            emb, m = zero_tap(param, name, 0)
            out.append(Subnetwork(f"{label}, shifted, inside {self} (first tap of {name} zero)", "zero tap", m,
                                  emb))
        return out

    def notes(self):
        out = [f"receptive field {self.receptive_field} (layer sizes {list(self.layer_sizes)}); "
               f"the output is one scalar"]
        if self._given_last_stride != 1:
            out.append(f"the last stride ({self._given_last_stride}) does not change the function and is "
                       f"normalised to 1")
        return out


class LCN(_Conv):
    """Linear convolutional network: end-to-end filter w(x) = u_1(x) u_2(x^{s_1}) ..."""

    family = "lcn"

    def __init__(self, filters, strides=None):
        self._init_shape(filters, strides)
        self._freeze()

    def spec_items(self):
        return [("filters", list(self.filters)), ("strides", list(self.strides))]

    def factor_form(self) -> FactorForm | None:
        """Every stride 1: the end-to-end filter is the product u_1 u_2 ... u_L of the filters as
        polynomials (Kohn--Merkh--Montúfar--Trager, arXiv 2108.01538), of degrees k_l - 1; theta is
        the factors' coefficients in order."""
        if any(s != 1 for s in self.strides):
            return None
        return FactorForm(tuple(k - 1 for k in self.filters),
                          lambda factors: np.concatenate([np.asarray(u, float) for u in factors]))

    @property
    def end_to_end_size(self) -> int:
        """k_1 + sum_{l>=2} (k_l - 1) s_1 ... s_{l-1}."""
        k = self.filters
        s = self.strides
        return k[0] + sum((k[l] - 1) * prod(s[:l]) for l in range(1, len(k)))


class PCNN(_Conv):
    """Polynomial convolutional network (one channel, activation between layers)."""

    family = "pcnn"

    def __init__(self, filters, strides=None, activation: str | None = None, degree: int | None = None):
        self._init_shape(filters, strides)
        self._activation = read_activation(
            "pcnn", 'pcnn(filters=[2,2], strides=[1,1], activation="x^2")', activation, degree)
        self.degree = degree
        self._freeze()

    @property
    def activation(self):
        return self._activation

    def spec_items(self):
        items = [("filters", list(self.filters)), ("strides", list(self.strides)),
                 ("activation", self._activation.source)]
        if self.degree is not None:
            items.append(("degree", self.degree))
        return items

    def notes(self):
        note = self._activation.approximation_note
        return super().notes() + ([note] if note else [])


def lcn(filters, strides=None) -> LCN:
    """Linear convolutional network with filter sizes ``filters`` and strides ``strides``."""
    return LCN(filters, strides)


def pcnn(filters, strides=None, activation: str | None = None, degree: int | None = None) -> PCNN:
    """Polynomial convolutional network (activation after every layer but the last)."""
    return PCNN(filters, strides, activation, degree)
