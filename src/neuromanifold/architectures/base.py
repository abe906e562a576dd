"""Architectures and their parametrization maps mu: C^N -> V.

Every family subclasses :class:`Architecture` and supplies

* ``param_shapes``: the named weight blocks (theta is their concatenation,
  each flattened row-major, in this order);
* ``input_shape`` and ``forward(P, x, c, ops)``: one forward pass, written
  against :class:`neuromanifold.algebra.Ops`, from the flat vector of input
  variables to the flat vector of outputs (``c`` holds the activation
  coefficients so that exact backends can substitute exact values);
* ``symmetry()`` and ``symmetry_action(P, xi, c)``: the known continuous
  symmetry group (dimension, description) and its infinitesimal action, a
  polynomial vector field theta -> T(theta) xi tangent to the fibres
  (d mu(theta) T(theta) = 0 for every theta).

:class:`Parametrization` turns that into the objects every invariant uses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from math import prod

import numpy as np

from .. import monomials
from ..algebra import DegreeOps, Degrees, GradedPoly, NumericOps, PolyOps
from ..errors import NeuromanifoldError, TooLargeError
from ..lazy import lazy
from .spec import format_spec

jax = lazy("jax")
jnp = lazy("jax.numpy")

#: Largest ambient dimension for which the coefficient form is built.
MAX_COEFFICIENT_DIMENSION = 50_000
#: Most parameters, and most input variables, an architecture may have: a description (``info``)
#: needs neither the weights nor the coefficients, but beyond these not even the array shapes
#: (int64) or the list of variable names can be held.
MAX_PARAMETERS = 10**15
MAX_VARIABLES = 10**6


@dataclass(frozen=True)
class SymmetryGroup:
    """The known continuous symmetry group G acting on parameters with mu(g.theta) = mu(theta).

    ``dimension`` is dim G (its Lie algebra); G need not act freely, so the
    orbit dimension (the rank of the infinitesimal action) can be smaller.
    ``finite`` describes the discrete symmetries that do not count towards it.
    ``fields`` counts further known polynomial vector fields tangent to the
    fibres (not coming from a group, e.g. kernel directions of linear layers),
    described by ``fields_description``; they enter the upper bound of
    ``dimension`` like the group does.
    """

    dimension: int
    description: str
    finite: str = ""
    fields: int = 0
    fields_description: str = ""

    @property
    def generators(self) -> int:
        """Columns of T(theta): dim G plus the extra fibre fields."""
        return self.dimension + self.fields

    def to_dict(self) -> dict:
        out = {"dimension": self.dimension, "description": self.description}
        if self.finite:
            out["finite"] = self.finite
        if self.fields:
            out["fibre_fields"] = {"count": self.fields, "description": self.fields_description}
        return out


@dataclass(frozen=True)
class LastLayers:
    """The output as F o g, for families whose last two layers are a power activation between
    linear maps (Massarenti--Mella, arXiv 2511.19703): g = the ``forms`` (m) activated outputs of
    the layers before, F a tuple of ``outputs`` (q) forms of ``degree`` r in m variables sharing a
    Waring decomposition of length ``terms`` (s) (a point of the s-th secant variety of the
    Segre--Veronese P^(q-1) x nu_r(P^(m-1))).  ``inner_parameters`` are those of the layers that
    make g, ``inner_rescalings`` the one-parameter groups that change no output: the rescalings of
    the neurons before the last hidden layer (g does not change, or F absorbs the change).  With
    ``affine``, F is an inhomogeneous form (a bias inside the last activation: one more variable
    g_0 = 1) plus a constant per output (the output bias)."""

    inner_parameters: int
    inner_rescalings: int
    forms: int
    degree: int
    terms: int
    outputs: int
    affine: bool = False


@dataclass(frozen=True)
class MatrixForm:
    """M = the ``rows`` x ``columns`` matrices of rank <= ``rank`` (coefficients row-major);
    ``parameters(A, B)`` gives weights theta with mu(theta) = A B (A rows x rank, B rank x columns);
    ``real_components(rank of f)``, where a theorem gives it, the number of connected components of
    the real fibre over a real f of that rank (None: unknown)."""

    rows: int
    columns: int
    rank: int
    parameters: object
    real_components: object = None


@dataclass(frozen=True)
class FactorForm:
    """M = the univariate polynomials (coefficient vectors w_0 .. w_{n-1} of the binary form
    sum w_i x^i y^(n-1-i)) that are products of factors of the ``degrees`` d_1 .. d_L;
    ``parameters(factors)`` gives theta from the factors' coefficient vectors (lowest first)."""

    degrees: tuple
    parameters: object


@dataclass(frozen=True)
class TensorForm:
    """One-layer attention: f = L(V (x) A), A = K^T Q (a x d keys and queries, dout x d values);
    ``factors(P) -> (V, A)`` reads them from the weight blocks, ``parameters(V, K, Q)`` writes theta."""

    d: int
    a: int
    dout: int
    factors: object
    parameters: object


@dataclass(frozen=True)
class WaringForm:
    """M = the tuples of ``outputs`` forms of ``degree`` in ``variables`` variables sharing a Waring
    decomposition of length ``width``: f = sum_j a_j (w_j . x)^degree (a shallow monomial network);
    ``parameters(W, A)`` gives theta from the inner weights W (width x variables) and the outer
    weights A (outputs x width)."""

    variables: int
    degree: int
    width: int
    outputs: int
    parameters: object


@dataclass(frozen=True)
class Conserved:
    """theta -> a vector of quantities that gradient flow of any loss of mu(theta) conserves."""

    function: object
    description: str


class Architecture(ABC):
    """Base class of the families; instances are immutable and compare by canonical spec."""

    family: str = ""

    # -- spec ---------------------------------------------------------------
    @abstractmethod
    def spec_items(self) -> list[tuple[str, object]]:
        """(keyword, value) pairs of the canonical spec, defaults omitted."""

    def __str__(self) -> str:
        return format_spec(self.family, self.spec_items())

    def __repr__(self) -> str:
        return f"neuromanifold.parse({str(self)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Architecture) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(f"{type(self).__name__} is immutable; build a new architecture instead")
        object.__setattr__(self, name, value)

    def _freeze(self):
        object.__setattr__(self, "_frozen", True)

    # -- structure ------------------------------------------------------------
    @property
    @abstractmethod
    def param_shapes(self) -> dict[str, tuple]:
        """Named weight blocks, in the order they are concatenated into theta."""

    @property
    @abstractmethod
    def input_shape(self) -> tuple:
        """Shape of one input (its entries are the variables, flattened as documented)."""

    @property
    def activation(self):
        return None

    @abstractmethod
    def forward(self, P: dict, x, c, ops):
        """Flat input variables (n_vars,) -> flat outputs (n_outputs,), in the algebra ``ops``."""

    @abstractmethod
    def symmetry(self) -> SymmetryGroup:
        """The known continuous symmetry group."""

    @abstractmethod
    def symmetry_action(self, P: dict, xi, c) -> dict:
        """Tangent vector (blocks like ``P``) of the action of the Lie algebra element ``xi``
        (coordinates, length dim G, followed by the coefficients of the extra fibre fields)
        at the parameters ``P``; linear in ``xi``."""

    def finite_symmetries(self) -> list:
        """Generators of the known finite symmetries: functions P -> P (dicts of weight arrays)
        with the same f_theta, e.g. permutations of hidden neurons.  Default: none."""
        return []

    def notes(self) -> list[str]:
        """Remarks that ``info`` prints (conventions, normalisations)."""
        return []

    def last_layers(self) -> LastLayers | None:
        """The output as F o g (:class:`LastLayers`), where the family has that form; default:
        none (``dimension`` then uses the symmetry bound alone)."""
        return None

    def scales(self) -> bool:
        """Whether scaling some weight block by t scales f by t (then M is a cone where f is
        homogeneous in x); default True (every family whose last layer is linear)."""
        return True

    # -- capabilities: what layers 4-5 ask of a family; the defaults say it has none ----------
    def subnetworks(self, smallest: int = 1) -> list:
        """The subnetwork strata of parameter space (:class:`~.subnetworks.Subnetwork`), for
        ``singular_strata`` and ``implicit_bias``; ``smallest`` is the least width of a narrower
        layer (0 adds, per hidden layer, the stratum of zero neurons, whose network computes f = 0:
        an entry without embedding or architecture).  Default: none declared."""
        return []

    def conserved_quantities(self) -> Conserved | None:
        """Quantities of the weight blocks that gradient flow conserves for every loss (:class:`Conserved`,
        for ``train``); default None (none declared)."""
        return None

    def matrix_form(self) -> MatrixForm | None:
        """:class:`MatrixForm` where M is a determinantal variety (linear networks); default None."""
        return None

    def components(self, field: str = "C") -> list | None:
        """The irreducible components of M over C or R where M is reducible by construction
        (equivariant linear networks), each a :class:`~.equivariant.Component`; default None."""
        return None

    def component_parametrizations(self) -> list | None:
        """Where M is reducible by construction (:meth:`components`), one parametrization of each
        irreducible component over C (:class:`~.equivariant.ComponentParametrization`: what the
        homotopy invariants read of a Parametrization), so that degrees, ED degrees and critical
        points run component by component; default None."""
        return None

    def ambient(self):
        """What describes V (``basis``, ``n_vars``, ``n_outputs``, ``ambient_dimension``): the
        parametrization, or for a reducible M without one its first component's (they share V)."""
        parts = self.component_parametrizations()
        return parts[0] if parts else self.parametrization()

    def piecewise_linear(self) -> bool:
        """Whether f_theta is piecewise linear (ReLU families): then M is no variety, ``dim`` is the
        functional dimension and the invariants of varieties do not apply; default False."""
        return False

    def layer_widths(self) -> tuple | None:
        """(d_0, ..., d_h) where f_theta = W_h ... W_1 x exactly, a product of h matrices with no
        bias and no activation (deep linear networks: zero-Hessian critical points); default None."""
        return None

    def factor_form(self) -> FactorForm | None:
        """:class:`FactorForm` where M is a set of products of polynomials (stride-one LCNs);
        default None."""
        return None

    def tensor_form(self) -> TensorForm | None:
        """:class:`TensorForm` where f is linear in V (x) K^T Q (one-layer attention); default None."""
        return None

    def waring_form(self) -> WaringForm | None:
        """:class:`WaringForm` where M is a set of Waring decompositions (shallow monomial networks);
        default None."""
        return None

    def describe(self) -> dict:
        """What ``info`` reports (default: :meth:`Parametrization.describe`)."""
        return self.parametrization().describe()

    def parametrization(self) -> Parametrization:
        cached = self.__dict__.get("_parametrization")
        if cached is None:
            cached = Parametrization(self)
            object.__setattr__(self, "_parametrization", cached)
        return cached


def zeros_like_params(P: dict) -> dict:
    return {k: jnp.zeros_like(v) for k, v in P.items()}


@dataclass(eq=False)
class Parametrization:
    """mu: theta -> f_theta for one architecture, in evaluation and coefficient form.

    ``theta`` is a flat vector of ``n_params`` numbers (real, complex or, in
    exact backends, residues); ``x`` a flat vector of ``n_vars`` input
    variables.  The ambient space V is (span of ``basis``)^n_outputs; its
    coordinates are coefficient vectors as in DESIGN.md.
    """

    arch: Architecture
    blocks: list = field(init=False)

    def __post_init__(self):
        blocks, offset = [], 0
        for name, shape in self.arch.param_shapes.items():
            size = int(prod(shape))
            blocks.append((name, tuple(shape), offset, size))
            offset += size
        self.blocks = blocks
        self.n_params = offset
        self.input_shape = tuple(self.arch.input_shape)
        self.n_vars = int(prod(self.input_shape))
        if self.n_params > MAX_PARAMETERS or self.n_vars > MAX_VARIABLES:
            raise NeuromanifoldError(
                f"{self.arch} has {self.n_params:,} parameters and {self.n_vars:,} input variables; this "
                f"library handles at most {MAX_PARAMETERS:,} parameters and {MAX_VARIABLES:,} inputs: give "
                f"smaller widths, filters, strides or token counts")
        act = self.arch.activation
        self.constants: tuple = act.support_coeffs if act is not None else ()
        self.powers: tuple = act.powers if act is not None else ()
        deg = self._degrees()
        self.n_outputs = int(prod(deg.shape))
        self.x_degrees = tuple(sorted(deg.x))
        self.theta_degree = int(deg.theta)
        self.basis = monomials.MonomialBasis(self.n_vars, self.x_degrees)
        self.ambient_dimension = self.n_outputs * len(self.basis)
        self.symmetry = self.arch.symmetry()

    # -- bookkeeping --------------------------------------------------------------
    def _degrees(self) -> Degrees:
        P = {name: np.broadcast_to(0.0, shape) for name, shape, _, _ in self.blocks}
        x = Degrees((self.n_vars,), frozenset({1}), 0)
        return self.arch.forward(P, x, np.zeros(len(self.powers)), DegreeOps())

    @property
    def x_degree(self) -> int:
        """Top degree of f_theta in the input variables."""
        return max(self.x_degrees)

    @property
    def homogeneous(self) -> bool:
        return self.basis.homogeneous

    @property
    def cone(self) -> bool:
        """Whether M is a cone (closed under c -> t c): f homogeneous in x without a constant part,
        and the family's outputs scale with some of its weights (:meth:`Architecture.scales`; a
        translate such as x + g, a residual block, does not)."""
        return self.homogeneous and 0 not in self.x_degrees and self.arch.scales()

    def constants_array(self, dtype=np.float64):
        return np.asarray([float(c) for c in self.constants], dtype=dtype)

    def unflatten(self, theta) -> dict:
        return {name: theta[off:off + size].reshape(shape) for name, shape, off, size in self.blocks}

    def flatten(self, P: dict):
        return jnp.concatenate([jnp.ravel(P[name]) for name, _, _, _ in self.blocks])

    def block_of(self, index: int) -> str:
        """Name of the weight block holding parameter ``index``."""
        for name, _, off, size in self.blocks:
            if off <= index < off + size:
                return name
        raise IndexError(index)

    # -- evaluation form -------------------------------------------------------------
    def f(self, theta, x, c=None):
        """f_theta(x) for one input x (flat, n_vars): the n_outputs values."""
        c = self.constants_array() if c is None else c
        return self.arch.forward(self.unflatten(theta), x, c, NumericOps())

    @cached_property
    def _evaluate(self):
        return jax.jit(jax.vmap(self.f, in_axes=(None, 0, None)))

    def evaluate(self, theta, X):
        """f_theta at a batch of inputs X (m, n_vars): shape (m, n_outputs)."""
        return self._evaluate(np.asarray(theta), np.asarray(X), self.constants_array())

    def jacobian_function(self):
        """(theta, X, c) -> d f_theta(X)/d theta, shape (m, n_outputs, n_params); pure, not jitted."""
        return jax.vmap(jax.jacrev(self.f), in_axes=(None, 0, None))

    @cached_property
    def _jacobian(self):
        return jax.jit(self.jacobian_function())

    def jacobian(self, theta, X):
        """Jacobian of theta -> (f_theta(x_j))_j, shape (m * n_outputs, n_params), sample-major."""
        J = self._jacobian(np.asarray(theta), np.asarray(X), self.constants_array())
        return np.asarray(J).reshape(-1, self.n_params)

    # -- coefficient form ------------------------------------------------------------
    def coefficient_function(self):
        """(theta, c) -> coefficient vector of f_theta in V; pure, not jitted."""
        if self.ambient_dimension > MAX_COEFFICIENT_DIMENSION:
            raise TooLargeError(
                f"{self.arch} has ambient dimension {self.ambient_dimension:,} > "
                f"{MAX_COEFFICIENT_DIMENSION:,}: its coefficient form is not built; use the evaluation "
                f"form (Parametrization.evaluate) instead",
                {"ambient_dimension": self.ambient_dimension})
        degrees = self.x_degrees

        def coefficients(theta, c):
            x = GradedPoly.variables(self.n_vars, dtype=jnp.result_type(theta, jnp.float64))
            out = self.arch.forward(self.unflatten(theta), x, c, PolyOps(self.n_vars))
            return out.dense(degrees).reshape(-1)

        return coefficients

    @cached_property
    def _coefficients(self):
        return jax.jit(self.coefficient_function())

    def coefficients(self, theta):
        """Coefficient vector of f_theta in V (outputs concatenated, output 1 first)."""
        return self._coefficients(jnp.asarray(theta), self.constants_array())

    # -- symmetries ---------------------------------------------------------------------
    def symmetry_function(self):
        """(theta, c) -> T(theta), shape (n_params, generators): the infinitesimal action of a
        basis of the Lie algebra of the known symmetry group, then the extra fibre fields; pure,
        not jitted.  d mu(theta) T(theta) = 0 for every theta."""
        g = self.symmetry.generators

        def tangents(theta, c):
            P = self.unflatten(theta)
            basis = jnp.eye(g, dtype=jnp.result_type(theta))

            def one(xi):
                return self.flatten(self.arch.symmetry_action(P, xi, c))

            return jax.vmap(one)(basis).T

        return tangents

    @cached_property
    def _tangents(self):
        return jax.jit(self.symmetry_function())

    def symmetry_tangents(self, theta):
        """T(theta) in floating point (see ``symmetry_function``)."""
        if self.symmetry.generators == 0:
            return jnp.zeros((self.n_params, 0))
        return self._tangents(jnp.asarray(theta), self.constants_array())

    # -- sampling ---------------------------------------------------------------------------
    def random_params(self, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        """Gaussian weights with variance 1/fan-in per block (values of order one)."""
        parts = []
        for _, shape, _, size in self.blocks:
            fan_in = shape[-1] if len(shape) >= 2 else 1
            scale = 1.0 / np.sqrt(fan_in)
            w = rng.standard_normal(size) * scale
            if np.issubdtype(dtype, np.complexfloating):
                w = w + 1j * rng.standard_normal(size) * scale
            parts.append(w.astype(dtype))
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    def random_inputs(self, rng: np.random.Generator, m: int, dtype=np.float64) -> np.ndarray:
        X = rng.standard_normal((m, self.n_vars))
        if np.issubdtype(dtype, np.complexfloating):
            X = X + 1j * rng.standard_normal((m, self.n_vars))
        return X.astype(dtype)

    def describe(self) -> dict:
        """Everything ``info`` reports."""
        act = self.arch.activation
        info = {
            "spec": str(self.arch),
            "family": self.arch.family,
            "parameters": self.n_params,
            "parameter_blocks": {name: list(shape) for name, shape, _, _ in self.blocks},
            "inputs": self.n_vars,
            "variables": monomials.variable_names(self.n_vars),
            "outputs": self.n_outputs,
            "degrees": list(self.x_degrees),
            "homogeneous": self.homogeneous,
            "ambient_dimension": self.ambient_dimension,
            "basis_size_per_output": len(self.basis),
            "basis_preview": self.basis.labels(limit=12),
            "theta_degree": self.theta_degree,
            "coefficient_form": self.ambient_dimension <= MAX_COEFFICIENT_DIMENSION,
            "symmetry": self.symmetry.to_dict(),
            "notes": self.arch.notes(),
        }
        if act is not None:
            info.update({"activation": act.describe()})
        return info

