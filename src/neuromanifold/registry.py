"""The one list of invariants: what each computes, its options, its table and its reading.

Every question the tool answers about an architecture is an :class:`Invariant` entry here.  The
command line (which option set is stored, which fields its table shows), ``sweep``, the atlas (the
complete question and the revision of each stored row), the HTML report (the plain-language
reading) and the package's top-level exports all read this module.  Nothing here imports the
engine: an entry names its function as ``"module:attribute"`` and it is imported when called, so
the command line answers a stored question without loading JAX.

Adding an invariant is one module (its function and result) plus one entry in :data:`REGISTRY`;
``tests/test_registry.py`` checks every entry's options against its function's signature.

>>> lookup("edd").name
'ed_degree'
>>> question("dimension", {"points": 3, "metric": "generic"})
{'prime': None, 'points': 3, 'numerical': 'auto'}
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from .errors import NeuromanifoldError

#: Keyword arguments that never change an answer (they are not part of the question).
NOT_QUESTION = frozenset({"seed", "progress", "force", "dimension_result"})


@dataclass(frozen=True)
class Invariant:
    """One invariant of an architecture.

    name: the stored name (atlas rows, ``sweep --invariants``); aliases: other names accepted.
    function: ``"module:attribute"`` under the package, called as ``function(arch, *data, seed=...,
    **options)``.  data: names of the inputs that must be given (a point, a data set), part of the
    question.  options: every other argument that changes the answer, with the function's default
    (the complete question: the atlas key fills in what was not given).  table: the rows of its
    result table as (label, field), or ``"module:attribute"`` of a table function.  reading: the
    report's plain-language sentence (``{value}`` and the result's fields are filled in).
    cached: whether results are stored in the atlas.  revision: raised whenever the code answers
    the question differently, so that older rows are computed again.  result: the result class,
    exported at the top level; load: ``"module:attribute"`` rebuilding a result from its stored dict.
    """

    name: str
    function: str
    summary: str
    options: dict = field(default_factory=dict)
    data: tuple = ()
    aliases: tuple = ()
    table: tuple | str = ()
    reading: str | None = None
    cached: bool = True
    revision: int = 1
    result: str | None = None
    load: str | None = None

    @property
    def export(self) -> str:
        """The name of the function at the top level of the package."""
        return self.function.rsplit(":", 1)[1]

    def resolve(self):
        """The function itself (importing its module)."""
        return attribute(self.function)

    def call(self, arch, seed: int = 0, options: dict | None = None, **extra):
        """Compute the invariant: ``options`` as stored in a question (data included), ``extra``
        not part of it (``force``, ``progress``; dropped where the function does not take them)."""
        import inspect

        function = self.resolve()
        options = dict(options or {})
        data = [options.pop(name) for name in self.data]
        takes = inspect.signature(function).parameters
        extra = {k: v for k, v in extra.items() if k in takes}
        return function(arch, *data, seed=seed, **options, **extra)

    def loader(self):
        """dict -> result object, for a row read back from the atlas."""
        return attribute(self.load) if self.load else None

    @property
    def sweepable(self) -> bool:
        """Whether ``sweep`` can ask it of a spec alone (it needs no point or data)."""
        return self.cached and not self.data


def attribute(path: str):
    """The object named ``"module:attribute"``: a module of the package (``invariants.degree``), or
    any importable one (``time:sleep``); dotted attributes are followed."""
    module, attr = path.split(":")
    try:
        found = importlib.import_module("." + module, __package__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.{module}":
            raise
        found = importlib.import_module(module)
    for part in attr.split("."):
        found = getattr(found, part)
    return found


_DIMENSION = (
    "Expressivity: the functions the network can express form a {value}-dimensional family inside the "
    "{ambient}-dimensional space V{filling}. A generic data set with more than {value} independent "
    "constraints cannot be fitted exactly.")
_FIBER = (
    "Identifiability: a generic function is expressed by a {fdim}-dimensional family of parameters (the "
    "generic fibre), made of {value} orbit(s) of the known symmetry group (of dimension {symmetry}); one "
    "orbit means the network is identifiable up to its symmetries.")
_DEGREE = (
    "Complexity: a generic affine subspace of complementary dimension meets the closure of M in {value} "
    "points; this bounds, e.g., the number of networks interpolating generic data at dim M points.")
_ED_DEGREE = (
    "Optimisation: for generic data the squared-error loss has {value} complex critical points on the "
    "smooth part of M (Euclidean metric on coefficients); the real ones are the candidate local minima and "
    "saddles of training in function space.")

#: Every invariant, in the order tables and reports show them.
REGISTRY: tuple[Invariant, ...] = (
    Invariant(
        "dimension", "invariants.dimension:dimension",
        "dimension of M: exact lower and upper bounds, certified when they meet",
        options={"prime": None, "points": 3, "numerical": "auto"}, aliases=("dim",),
        table="report.tables:dimension_table", reading=_DIMENSION, revision=2,
        result="invariants.dimension:DimensionResult"),
    Invariant(
        "fiber", "invariants.fiber:fiber",
        "generic fibre: dimension, known symmetries, symmetry orbits, real components",
        options={"point": None, "real_samples": 16}, aliases=("fibre",),
        table=(("fibre dimension", "fiber_dimension"), ("symmetry dimension", "symmetry_dimension"),
               ("orbit dimension", "orbit_dimension"), ("components", "components"),
               ("points on slice", "slice_points"), ("real components", "real_components"),
               ("theorem says", "real_components_expected"), ("paths", "paths"),
               ("failed paths", "failed_paths")),
        reading=_FIBER, revision=2, result="invariants.fiber:FiberResult"),
    Invariant(
        "degree", "invariants.degree:degree",
        "degree of M: pseudo-witness set by monodromy, trace test, certified count",
        options={"stall_loops": 5, "rtol": 1e-6, "certify": True, "msolve": False},
        table=(("dimension", "dimension"), ("ambient dim V", "ambient_dimension"),
               ("certified count", "certified_count"), ("trace test", "trace_test"), ("paths", "paths"),
               ("failed paths", "failed_paths"), ("loops", "loops"), ("msolve", "msolve")),
        reading=_DEGREE, revision=3, result="invariants.degree:DegreeResult"),
    Invariant(
        "ed_degree", "invariants.ed_degree:ed_degree",
        "ED degree: complex critical points of the distance to a generic point, for a metric on V",
        options={"metric": "euclidean", "stall_loops": 16, "rtol": 1e-6, "certify": True, "msolve": False},
        aliases=("edd",),
        table=(("metric", "metric"), ("dimension", "dimension"), ("ambient dim V", "ambient_dimension"),
               ("certified count", "certified_count"), ("paths", "paths"), ("failed paths", "failed_paths"),
               ("loops", "loops"), ("msolve", "msolve"), ("two methods agree", "confirmed")),
        reading=_ED_DEGREE, revision=4, result="invariants.ed_degree:EDDegreeResult"),
    Invariant(
        "singular_strata", "invariants.singular:singular_strata",
        "singular points of M: the subnetwork strata, each with its dimension and a certificate",
        options={"prime": None}, aliases=("singular",), table="report.tables:strata_table",
        result="invariants.singular:StrataResult", load="invariants.singular:StrataResult.from_dict"),
    Invariant(
        "is_singular", "invariants.singular:is_singular",
        "is a point of M singular (Jacobian criterion on the implicit equations)?",
        data=("f",), options={"theta": None, "tol": 1e-8},
        table=(("reason", "reason"), ("on the closure of M", "on_variety"), ("tangent rank", "tangent_rank"),
               ("codim M", "codimension"), ("equations", "equations"), ("degree bound", "degree_bound")),
        revision=2, result="invariants.singular:SingularityResult"),
    Invariant(
        "contains", "invariants.membership:contains",
        "is f in the neuromanifold over C or over R (with witness parameters)?",
        data=("f",), options={"field": "complex", "rtol": 1e-8}, aliases=("membership",),
        table=(("field", "field"), ("fibre points over C", "solutions"), ("real ones", "real_solutions"),
               ("witness", "witness"), ("residual", "residual")),
        result="invariants.membership:MembershipResult"),
    Invariant(
        "filling", "invariants.filling:filling",
        "does M fill V over C or over R, and how much of V(R) does it hold?",
        options={"field": "complex", "samples": 40, "targets": "gaussian", "max_seconds": 120.0},
        table=(("field", "field"), ("dimension", "dimension"), ("ambient dim V", "ambient_dimension"),
               ("proof", "proof"), ("witness outside M(R)", "witness"), ("fraction in M(R)", "fraction"),
               ("95% interval", "fraction_interval"), ("decided samples", "decided")),
        result="invariants.filling:FillingResult"),
    Invariant(
        "on_boundary", "invariants.boundary:on_boundary",
        "is f on the relative boundary of the real neuromanifold?",
        data=("f",), aliases=("boundary",),
        table=(("reason", "reason"), ("in M(R)", "in_real_neuromanifold"), ("real roots", "real_roots"),
               ("multiplicities", "multiplicities"), ("needed", "odd_factors")),
        result="invariants.boundary:BoundaryResult"),
    Invariant(
        "implicit_equations", "invariants.implicit:implicit_equations",
        "polynomials of bounded degree vanishing on M (exact linear algebra over F_p)",
        options={"degree_bound": 2, "prime": None}, aliases=("implicit",),
        table=(("by degree", "by_degree"), ("equations", "equations"), ("verified on real points", "verified_real")),
        result="invariants.implicit:ImplicitEquationsResult"),
    Invariant(
        "conservation_laws", "invariants.conservation:conservation_laws",
        "conservation laws of gradient flow: N - dim Lie(grad f(x))(theta), the explicit laws of degree <= 2",
        options={"prime": None, "quadratic": True}, aliases=("conservation",),
        table=(("parameters N", "parameters"), ("dim Lie(W)(theta)", "lie_dimension"),
               ("trace by bracket level", "levels"), ("float gap", "gap"), ("laws of degree <= 2", "quadratic_laws"),
               ("declared", "declared"), ("declared, independent", "declared_laws"),
               ("declared are conserved", "declared_conserved"), ("complete", "complete")),
        result="invariants.conservation:ConservationResult"),
    Invariant(
        "zero_hessian", "landscape.zero_hessian:zero_hessian",
        "critical points of a deep linear network's squared loss with zero Hessian, by strata, and "
        "seed 004's test dim delta(H) < dim im delta",
        data=("data",), options={"prime": None}, aliases=("zero-hessian",), cached=False,
        table="report.tables:zero_hessian_table", result="landscape.zero_hessian:ZeroHessianResult"),
    Invariant(
        "functional_dimension", "invariants.relu:functional_dimension",
        "functional dimension of a ReLU network (GLMW): the values over random theta, with frequencies",
        options={"draws": 20, "points": None, "prime": None}, cached=False,
        table=(("parameters N", "parameters"), ("rescaling bound", "bound"), ("frequencies", "frequencies"),
               ("inputs per draw", "points"), ("float SVD agrees", "float_agrees")),
        result="invariants.relu:FunctionalDimensionResult"),
    Invariant(
        "linear_regions", "invariants.relu:linear_regions",
        "linear regions of a ReLU network on its input space, against the Zaslavsky, Serra and tropical bounds",
        data=("theta",), options={"samples": 20000}, aliases=("regions",), cached=False,
        table=(("input dimension", "input_dimension"), ("exact", "exact"), ("bounds", "bounds"),
               ("attains Zaslavsky", "attains"), ("box radius", "box"), ("samples", "samples")),
        result="invariants.relu:RegionsResult"),
    Invariant(
        "implicit_bias", "landscape.implicit_bias:implicit_bias",
        "how often the global minimiser, or the end of gradient descent, is a subnetwork point",
        options={"samples": 200, "metric": "euclidean", "runs": None, "steps": 2000, "lr": 0.01,
                 "rank_tol": 1e-4, "minimiser": None}, aliases=("implicit-bias",),
        table=(("minimiser fraction", "minimiser_fraction"), ("95% interval", "minimiser_interval"),
               ("training fraction", "training_fraction"), ("95% interval ", "training_interval"),
               ("diverged runs", "diverged_runs"), ("strata", "strata")),
        result="landscape.implicit_bias:ImplicitBiasResult"),
    Invariant(
        "census", "landscape.census:census",
        "joint table of (#real critical points) x (#local minima) over random instances",
        options={"samples": 100, "metric": "euclidean", "targets": "gaussian", "arcs": 8},
        table="report.tables:census_table", result="landscape.census:CensusResult",
        load="landscape.census:CensusResult.from_dict"),
    Invariant(
        "critical_points", "landscape.critical:critical_points",
        "every complex critical point of the squared-error loss on M for one target",
        data=("u",), options={"metric": "euclidean", "stall_loops": 16, "real_tol": 1e-8}, cached=False,
        aliases=("critical",), result="landscape.critical:CriticalPointsResult"),
    Invariant(
        "relu_critical_points", "landscape.relu_critical:relu_critical_points",
        "smooth critical points of a ReLU network's squared loss on data with their type: every one for "
        "one hidden layer and one output, those Newton's method reaches otherwise",
        data=("data",), options={"method": "auto", "starts": 64, "max_configurations": 20000}, cached=False,
        aliases=("relu-critical",), table="report.tables:relu_critical_table",
        result="landscape.relu_critical:ReluCriticalResult"),
    Invariant(
        "discriminant_crossings", "landscape.crossings:discriminant_crossings",
        "where the number of real critical points changes along a segment of targets",
        options={"u0": None, "u1": None, "metric": "euclidean", "grid": 64, "tol": 1e-6}, cached=False,
        aliases=("crossings",), table="report.tables:crossings_table",
        result="landscape.crossings:CrossingsResult"),
)

_BY_NAME = {inv.name: inv for inv in REGISTRY}
_BY_ALIAS = {alias: inv for inv in REGISTRY for alias in inv.aliases}


def names(*, sweepable: bool = False) -> list[str]:
    """The stored names, in order (``sweepable``: only those a sweep can ask of a spec alone)."""
    return [inv.name for inv in REGISTRY if inv.sweepable or not sweepable]


def lookup(name: str) -> Invariant:
    """The entry of a name or alias (``edd``, ``dim``, ``fibre``, ...); a clear error otherwise."""
    key = str(name).strip()
    found = _BY_NAME.get(key) or _BY_ALIAS.get(key) or _BY_ALIAS.get(key.replace("_", "-"))
    if found is None:
        import difflib

        every = list(_BY_NAME) + list(_BY_ALIAS)
        close = difflib.get_close_matches(key, every, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise NeuromanifoldError(f"unknown invariant {name!r}: {hint}use one of {', '.join(_BY_NAME)} "
                                 f"(or {', '.join(_BY_ALIAS)})")
    return found


def known(name: str) -> bool:
    """Whether :func:`lookup` knows the name (or alias)."""
    key = str(name).strip()
    return key in _BY_NAME or key in _BY_ALIAS or key.replace("_", "-") in _BY_ALIAS


def revision(name: str) -> int:
    """The current revision of a stored name (1 for names that are not invariants)."""
    return _BY_NAME[name].revision if name in _BY_NAME else 1


def question(name: str, options: dict | None) -> dict:
    """The complete option set of a question: the invariant's data and every option that changes its
    answer, with its default where not given (``None`` also means the default; options of other
    invariants, such as a sweep's metric for ``dimension``, are dropped), so that ``dim`` and ``sweep``
    ask the same question.  Names that are not invariants keep their options.

    >>> question("edd", {"metric": "generic"})["metric"]
    'generic'
    """
    given = dict(options or {})
    if not known(name):
        return given
    inv = lookup(name)
    full = {key: None for key in inv.data}
    full.update(inv.options)
    for key, value in given.items():
        if key in full and value is not None:
            full[key] = value
    return full


def reading(name: str) -> str | None:
    return lookup(name).reading
