"""The ``neuromanifold`` command line.

Every command takes one or more spec strings; ``--json`` prints the result
objects instead of tables.  Bad input gives a one-line error on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from . import registry

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="The algebraic geometry of the functions a network architecture can express.",
)
out = Console()
err = Console(stderr=True)

#: Seconds a command runs before its progress is shown (short ones show nothing).
SHOW_AFTER = 1.0

SPEC_HELP = 'architecture spec, e.g. "mlp(widths=[2,2,1], activation=\\"x^3\\")"'

# the arguments every command shares
Specs = Annotated[list[str], typer.Argument(metavar="SPEC...", help=SPEC_HELP)]
Seed = Annotated[int, typer.Option("--seed", min=0, max=2**63 - 1, help="random seed (part of every result)")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
AtlasPath = Annotated[str | None, typer.Option("--atlas", help="atlas file (default ~/.neuromanifold/atlas.sqlite "
                                               "or NEUROMANIFOLD_ATLAS)")]
Recompute = Annotated[bool, typer.Option("--recompute", help="compute again even if the atlas has the result")]
Force = Annotated[bool, typer.Option("--force", help="run even when the size estimate says it will not finish")]


@app.callback()
def _options(backend: Annotated[str | None, typer.Option(
        "--backend", help="path-tracker kernel: native (compiled, the default on CPU) or jax (the default "
                          "on GPU); the same as NEUROMANIFOLD_BACKEND")] = None):
    """The algebraic geometry of the functions a network architecture can express."""
    if backend is not None:
        name = backend.strip().lower()
        if name not in ("native", "jax"):
            _fail(f"unknown tracker backend {backend!r}: use --backend native or --backend jax")
        os.environ["NEUROMANIFOLD_BACKEND"] = name


def _fail(message: str, hint: str | None = None, code: int = 2):
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    if hint:
        err.print(hint, highlight=False, markup=False)
    raise typer.Exit(code)


@contextmanager
def _errors():
    """Turn the package's errors into one-line messages and exit status 2."""
    from .errors import NeuromanifoldError, SpecError

    try:
        yield
    except NeuromanifoldError as exc:
        # the library says how to override a size guard in Python; here it is the option
        message = str(exc).replace("pass force=True (--force)", "add --force")
        _fail(message, exc.pointer() if isinstance(exc, SpecError) else None)
    except KeyboardInterrupt:
        _fail("interrupted", code=130)
    except MemoryError:
        _fail("out of memory; try a smaller architecture", code=2)
    except typer.Exit:
        raise
    except Exception as exc:
        if os.environ.get("NEUROMANIFOLD_DEBUG"):
            raise
        if "RESOURCE_EXHAUSTED" in str(exc):        # XLA's MemoryError (jax.errors.JaxRuntimeError)
            _fail("out of memory (XLA could not allocate an array); try a smaller architecture", code=2)
        _fail(f"internal error ({type(exc).__name__}: {exc}); set NEUROMANIFOLD_DEBUG=1 for a traceback "
              f"and report it", code=1)


@contextmanager
def _status(enabled: bool):
    """A Rich display on stderr of the current stage (only on a terminal, and only once the work has
    run for SHOW_AFTER seconds: short commands show nothing); yields a progress callback of the
    package's one shape, ``progress(message, done, total)``: a bar with the time remaining when the
    total is known, else the stage, the count so far and the time elapsed."""
    if not enabled or not err.is_terminal:
        yield None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    started = time.perf_counter()
    shown: dict = {}

    def progress(message: str, done: int | None = None, total: int | None = None) -> None:
        if not shown:
            if time.perf_counter() - started < SHOW_AFTER:
                return
            columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeRemainingColumn(), TimeElapsedColumn())
            shown["bar"] = Progress(*columns, console=err, transient=True)
            shown["bar"].start()
            shown["task"] = shown["bar"].add_task(message, total=total)
        shown["bar"].update(shown["task"], description=message, completed=done or 0, total=total)

    try:
        yield progress
    finally:
        if shown:
            shown["bar"].stop()


def _print_json(items):
    payload = items[0] if len(items) == 1 else items
    sys.stdout.write(json.dumps(payload, indent=2) + "\n")


def _emit(results, as_json: bool, table) -> None:
    """Print results as JSON (one object, or a list for several specs) or as one table each."""
    if as_json:
        _print_json([r.to_dict() for r in results])
        return
    for r in results:
        out.print(table(r))


@app.command()
def info(
    specs: Specs,
    as_json: AsJson = False,
):
    """Describe architectures: parameters, ambient space V and its basis, degrees, symmetries."""
    with _errors():
        from . import parse
        from .report.tables import info_table

        infos = [parse(s).describe() for s in specs]
        if as_json:
            _print_json(infos)
            return
        for item in infos:
            out.print(info_table(item))


@app.command()
def dim(
    specs: Specs,
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
    numerical: bool | None = typer.Option(
        None, "--numerical/--no-numerical",
        help="force or skip the float SVD (default: run it when it is cheap)"),
    prime: int | None = typer.Option(None, "--prime", help="prime for the exact ranks (below 2^26)"),
    points: int = typer.Option(3, "--points", min=1,
                               help="extra random points tried when the bounds differ"),
):
    """Dimension of the neuromanifold: exact lower and upper bounds, certified when they meet."""
    with _errors():
        results = []
        for spec in specs:
            with _status(not as_json) as progress:
                results.append(_ask("dimension", spec, {"prime": prime, "points": points, "numerical": numerical},
                                    seed, atlas, recompute, force=force, progress=progress))
        _emit(results, as_json, _table("dimension"))


@app.command()
def degree(
    specs: Specs,
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
    msolve: bool = typer.Option(False, "--msolve", help="also count by exact Groebner bases (msolve)"),
):
    """Degree of the neuromanifold: pseudo-witness set by monodromy, trace test, certified count."""
    with _errors():
        results = []
        for spec in specs:
            with _status(not as_json) as progress:
                results.append(_ask("degree", spec, {"msolve": msolve}, seed, atlas, recompute, force=force,
                                    progress=progress))
        _emit(results, as_json, _table("degree"))


@app.command()
def edd(
    specs: Specs,
    metric: str = typer.Option("euclidean", "--metric",
                               help="euclidean, bombieri-weyl or generic (a random positive definite form)"),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
    msolve: bool = typer.Option(False, "--msolve", help="also count exactly over F_p by msolve (up to "
                                "9 slice unknowns)"),
):
    """ED degree: complex critical points of the distance to a generic point, for a metric on V."""
    with _errors():
        results = []
        for spec in specs:
            with _status(not as_json) as progress:
                results.append(_ask("ed_degree", spec, {"metric": metric, "msolve": msolve}, seed, atlas,
                                    recompute, force=force, progress=progress))
        _emit(results, as_json, _table("ed_degree"))


@app.command()
def critical(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    data: str = typer.Option(..., "--data", help="CSV, .npy or .npz: one sample per row, inputs then outputs"),
    starts: int | None = typer.Option(None, "--starts", min=1,
                                      help="ReLU networks other than relu(widths=[d0,h,1]): random starts of "
                                           "Newton's method (default 64)"),
    seed: Seed = 0,
    as_json: AsJson = False,
    force: Force = False,
):
    """Every complex critical point of the squared-error loss on M for a data set: real or not,
    loss, type on M (local minimum, saddle, maximum), the global minimum.  For a ReLU network: the
    smooth critical points of the loss in parameter space, every one for relu(widths=[d0,h,1]) (as
    critical sets by live neurons and activation patterns), those Newton's method reaches otherwise."""
    with _errors():
        from . import parse
        from .errors import NeuromanifoldError
        from .landscape import critical_points, from_data, load_data
        from .report.tables import critical_table

        if parse(spec).piecewise_linear():
            from .landscape.relu_critical import relu_critical_points

            with _status(not as_json):
                result = relu_critical_points(spec, load_data(data, spec), seed=seed, starts=starts or 64,
                                              force=force)
            _emit([result], as_json, _table("relu_critical_points"))
            return
        if starts is not None:
            raise NeuromanifoldError(f"--starts is for ReLU networks (Newton's method from random starts); "
                                     f"{spec} is polynomial, and its critical points on M are all found: "
                                     f"drop --starts")
        target = from_data(spec, *load_data(data, spec))
        with _status(not as_json):
            result = critical_points(spec, target, seed=seed, force=force)
        result.notes.extend(target.notes)
        if as_json:
            _print_json([dict(result.to_dict(), data=target.to_dict())])
            return
        out.print(critical_table(result, target.constant))


@app.command()
def census(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    samples: int = typer.Option(100, "--samples", min=1, help="number of random instances"),
    metric: str = typer.Option("euclidean", "--metric", help="euclidean, bombieri-weyl or generic (a random "
                               "Q = F^T F each)"),
    targets: str = typer.Option("gaussian", "--targets", help="gaussian (independent N(0,1) coefficients) or "
                                "kostlan (variances binom(d; e), the Bombieri-Weyl Gaussian)"),
    plot: str | None = typer.Option(None, "--plot", help="write the joint table as a heat map (PNG)"),
    save: str | None = typer.Option(None, "--out", help="write the result as JSON to this file"),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="processes sharing the instances (default: one per core for "
                                            "large censuses; 1 = this process only)"),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
):
    """Joint table of (#real critical points) x (#local minima) over random instances."""
    with _errors():
        from . import registry

        _output(plot, "--plot", figure=True)
        _output(save, "--out")
        options = registry.question("census", {"samples": samples, "metric": metric, "targets": targets})
        entry = registry.lookup("census")

        def compute():
            return _with_bar(as_json, lambda progress: entry.call(spec, seed, options, workers=workers, force=force,
                                                                 progress=progress))
        result = _ask("census", spec, options, seed, atlas, recompute, run=compute)
        if save:
            result.save(save)
        if plot:
            _draw(result, plot)
        _emit([result], as_json, _table("census"))


@app.command()
def crossings(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    u0: str | None = typer.Option(None, "--u0", help="start target (coefficients in V); default random"),
    u1: str | None = typer.Option(None, "--u1", help="end target (coefficients in V); default random"),
    metric: str = typer.Option("euclidean", "--metric", help="euclidean, bombieri-weyl or generic"),
    grid: int = typer.Option(64, "--grid", min=2, help="grid points on the segment before bisection"),
    plot: str | None = typer.Option(None, "--plot", help="write the counts along the segment (PNG)"),
    seed: Seed = 0,
    as_json: AsJson = False,
    force: Force = False,
):
    """Where the number of real critical points changes along the segment from u0 to u1."""
    with _errors():
        from .landscape import discriminant_crossings
        from .report.tables import crossings_table

        _output(plot, "--plot", figure=True)
        a = _parse_point(u0, "--u0") if u0 is not None else None
        b = _parse_point(u1, "--u1") if u1 is not None else None
        result = _with_bar(as_json, lambda progress: discriminant_crossings(
            spec, a, b, metric, seed=seed, grid=grid, force=force, progress=progress))
        if plot:
            _draw(result, plot)
        _emit([result], as_json, crossings_table)


@app.command()
def fiber(
    specs: Specs,
    point: str | None = typer.Option(None, "--point",
                                     help='coefficient vector of f, e.g. "[1,0,0,0,1,0,0,0,0]" (linear: '
                                          'the matrix row-major); default mu at random weights'),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
):
    """Generic fibre: dimension, known symmetries, number of symmetry orbits, real components."""
    with _errors():
        vector = _parse_point(point) if point is not None else None
        results = []
        for spec in specs:
            with _status(not as_json):
                results.append(_ask("fiber", spec, {"point": vector}, seed, atlas, recompute, force=force))
        _emit(results, as_json, _table("fiber"))


@app.command()
def singular(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    point: str | None = typer.Option(None, "--point", help="a coefficient vector: is it a singular point of M? "
                                     "(default: the subnetwork strata)"),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
):
    """Singular points of M: the subnetwork strata of a dense network, or one point by the
    Jacobian criterion on the implicit equations."""
    with _errors():
        if point is not None:
            with _status(not as_json):
                result = _ask("is_singular", spec, {"f": _parse_point(point)}, seed, atlas, recompute)
            _emit([result], as_json, _table("is_singular"))
            return
        with _status(not as_json):
            result = _ask("singular_strata", spec, None, seed, atlas, recompute, force=force)
        _emit([result], as_json, _table("singular_strata"))


@app.command()
def contains(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    point: str = typer.Option(..., "--point", help='coefficient vector of f, e.g. "[1,0,-1,0]"'),
    field: str = typer.Option("complex", "--field", help="complex (f in mu(C^N)) or real (f in mu(R^N))"),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
):
    """Is f in the neuromanifold, over C or over R (value true/false, witness parameters when true)?"""
    with _errors():
        vector = _parse_point(point)
        with _status(not as_json):
            result = _ask("contains", spec, {"f": vector, "field": field}, seed, atlas, recompute, force=force)
        _emit([result], as_json, _table("contains"))


@app.command()
def filling(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    field: str = typer.Option("complex", "--field", help="complex (dim M = dim V) or real (is M(R) dense in "
                              "V(R)? with a witness outside and the fraction of V(R) in M(R))"),
    samples: int = typer.Option(40, "--samples", min=0, help="random targets for the real fraction (0: none)"),
    targets: str = typer.Option("gaussian", "--targets", help="gaussian or kostlan coefficients"),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
):
    """Does the network fill its ambient space over C or over R, and how much of V(R) does it hold?"""
    with _errors():
        with _status(not as_json):
            result = _ask("filling", spec, {"field": field, "samples": samples, "targets": targets}, seed, atlas,
                          recompute)
        _emit([result], as_json, _table("filling"))


@app.command()
def conservation(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    prime: int | None = typer.Option(None, "--prime", help="prime for the exact ranks (below 2^26)"),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
):
    """Conservation laws of gradient flow: how many (N - dim of the Lie algebra of the fields
    grad f(x)), the explicit ones of degree <= 2, and whether the family's known laws are complete."""
    with _errors():
        with _status(not as_json):
            result = _ask("conservation_laws", spec, {"prime": prime}, seed, atlas, recompute, force=force)
        if as_json:
            _print_json([result.to_dict()])
            return
        out.print(_table("conservation_laws")(result))


@app.command()
def regions(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="a ReLU network, e.g. relu(widths=[2,3,1])")],
    point: str | None = typer.Option(None, "--point", help="the parameters theta (default: random N(0,1))"),
    samples: int = typer.Option(20000, "--samples", min=1, help="random inputs (input dimension above 2)"),
    tropical: bool = typer.Option(False, "--tropical", help="also print f_theta as F - G, tropical polynomials"),
    seed: Seed = 0,
    as_json: AsJson = False,
    force: Force = False,
):
    """Linear regions of a ReLU network for one theta (exact for 1 or 2 inputs), against the
    Zaslavsky, Serra and tropical bounds; optionally the tropical form F - G of f_theta."""
    with _errors():
        from .invariants.relu import linear_regions, tropical_form

        theta = _parse_point(point) if point is not None else None
        with _status(not as_json):
            result = linear_regions(spec, theta, seed=seed, samples=samples, force=force)
        form = tropical_form(spec, result.theta) if tropical else None
        if as_json:
            _print_json([dict(result.to_dict(), **({"tropical": form.text()} if form else {}))])
            return
        out.print(_table("linear_regions")(result))
        if form is not None:
            out.print(form.text())


@app.command("zero-hessian")
def zero_hessian_command(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="a deep linear network, e.g. linear(widths=[3,2,2,3])")],
    data: str | None = typer.Option(None, "--data", help="CSV, .npy or .npz: one sample per row, inputs then "
                                    "outputs (default: random integer data, d_0 + d_h + 1 samples)"),
    prime: int | None = typer.Option(None, "--prime", help="prime for the exact ranks (below 2^26)"),
    depths: str | None = typer.Option(None, "--depths", help="a table over depths, e.g. 2-8: networks "
                                      "[d_0, d_1, ..., d_1, d_h] with SPEC's first, second and last widths"),
    seed: Seed = 0,
    as_json: AsJson = False,
    force: Force = False,
):
    """Critical points of the squared loss with zero Hessian (deep linear networks): the strata of
    H_{X,Y} by rank conditions, their dimensions, dim delta(H) and dim im delta of the balancedness
    invariant delta (seed 004), each point's Hessian confirmed zero exactly."""
    with _errors():
        from .landscape.zero_hessian import zero_hessian

        if depths is not None:
            from .errors import NeuromanifoldError
            from .landscape.zero_hessian import depth_range, depth_table
            from .report.tables import depth_table_view

            if data is not None:
                raise NeuromanifoldError("--depths uses random data at every depth: drop --data (or give --data without --depths)")
            widths = _linear_widths(spec)
            with _status(not as_json):
                rows = depth_table(widths[1], (widths[0], widths[-1]), depth_range(depths), seed=seed,
                                   prime=prime)
            if as_json:
                _print_json(rows)
            else:
                out.print(depth_table_view(rows))
            return
        loaded = None
        if data is not None:
            from .landscape import load_data

            loaded = load_data(data, spec)
        with _status(not as_json) as progress:
            result = zero_hessian(spec, loaded, seed=seed, prime=prime, force=force, progress=progress)
        _emit([result], as_json, _table("zero_hessian"))


def _linear_widths(spec: str) -> list:
    from . import parse
    from .errors import NeuromanifoldError

    widths = parse(spec).layer_widths()
    if widths is None or len(widths) < 3:
        raise NeuromanifoldError(f"--depths needs a deep linear network with a hidden layer, e.g. "
                                 f"linear(widths=[3,2,3]) (d_0 = 3, hidden width 2, d_h = 3); got {spec}")
    return list(widths)


@app.command("implicit-bias")
def implicit_bias_command(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    samples: int = typer.Option(200, "--samples", min=1, help="random targets (and training runs)"),
    metric: str = typer.Option("euclidean", "--metric", help="euclidean, bombieri-weyl or generic"),
    steps: int = typer.Option(2000, "--steps", min=1, help="gradient-descent steps per run"),
    lr: float = typer.Option(0.01, "--lr"),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
):
    """How often the global minimiser, or the end of gradient descent, is a subnetwork point."""
    with _errors():
        with _status(not as_json):
            result = _ask("implicit_bias", spec, {"samples": samples, "metric": metric, "steps": steps, "lr": lr},
                          seed, atlas, recompute, force=force)
        _emit([result], as_json, _table("implicit_bias"))


@app.command()
def voronoi(
    samples: int = typer.Option(100_000, "--samples", min=1),
    box: float = typer.Option(1.0, "--box", help="half-width of the square of targets"),
    plot: str | None = typer.Option(None, "--plot", help="draw the cell (PNG)"),
    seed: Seed = 0,
    as_json: AsJson = False,
    force: Force = False,
):
    """Voronoi cell of the cusp of y^2 = x^3: the share of targets best approximated by the cusp."""
    with _errors():
        from .landscape.voronoi import cusp_voronoi
        from .report.tables import result_table

        _output(plot, "--plot", figure=True)
        result = cusp_voronoi(samples, box, seed, force=force)
        if plot:
            _draw(result, plot)
        _emit([result], as_json, lambda r: result_table(r, [
            ("95% interval", "interval"), ("area", "area"), ("samples", "samples")]))


@app.command()
def boundary(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    point: str = typer.Option(..., "--point", help="coefficient vector (lcn: the end-to-end filter w_0..w_{n-1}), e.g. \"[1,-2,1]\""),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
):
    """Is f on the relative boundary of the real neuromanifold (stride-one lcn, one-layer attention)?"""
    with _errors():
        result = _ask("on_boundary", spec, {"f": _parse_point(point)}, seed, atlas, recompute)
        _emit([result], as_json, _table("on_boundary"))


@app.command()
def implicit(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    degree: int = typer.Option(2, "--degree", min=1, help="degree bound of the equations"),
    seed: Seed = 0,
    as_json: AsJson = False,
    atlas: AtlasPath = None,
    recompute: Recompute = False,
    force: Force = False,
):
    """Polynomials of degree <= the bound vanishing on M (exact linear algebra over F_p)."""
    with _errors():
        with _status(not as_json):
            result = _ask("implicit_equations", spec, {"degree_bound": degree}, seed, atlas, recompute, force=force)
        _emit([result], as_json, _table("implicit_equations"))


@app.command()
def train(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    data: str = typer.Option(..., "--data", help="CSV, .npy or .npz: one sample per row, inputs then outputs"),
    steps: int = typer.Option(1000, "--steps", min=1),
    lr: float = typer.Option(0.01, "--lr"),
    method: str = typer.Option("gd", "--method", help="gd (gradient descent) or ode (gradient flow, DOP853)"),
    laws: str = typer.Option("auto", "--laws", help="conserved quantities to watch: declared (the family's), "
                             "found (every law of degree <= 2 the Lie-algebra algorithm finds), all, or auto "
                             "(declared, else found)"),
    plot: str | None = typer.Option(None, "--plot", help="loss and conserved-quantity drift (PNG)"),
    seed: Seed = 0,
    as_json: AsJson = False,
    force: Force = False,
):
    """Gradient descent (or flow) on the squared-error loss: loss, Jacobian rank, drift of the
    conserved quantities."""
    with _errors():
        from .errors import NeuromanifoldError
        from .landscape import from_data, load_data
        from .landscape.train import train as run
        from .report.tables import train_table

        from . import parse

        _output(plot, "--plot", figure=True)
        if parse(spec).piecewise_linear():               # ReLU: the loss on the data themselves
            from .landscape.train import train_piecewise

            if method != "gd":
                raise NeuromanifoldError(f"--method {method}: a piecewise-linear network trains by gradient "
                                         f"descent only; use --method gd")
            with _status(not as_json):
                result = train_piecewise(spec, *load_data(data, spec), steps=steps, lr=lr, seed=seed)
        else:
            target = from_data(spec, *load_data(data, spec))
            with _status(not as_json):
                result = run(spec, target, steps=steps, lr=lr, method=method, seed=seed, laws=laws, force=force)
        if plot:
            _draw(result, plot)
        _emit([result], as_json, train_table)


atlas_app = typer.Typer(help="The result atlas (SQLite): list, show and export stored results.",
                        no_args_is_help=True)
app.add_typer(atlas_app, name="atlas")


@app.command()
def sweep(
    pattern: Annotated[str, typer.Argument(metavar="PATTERN", help="a spec with {a..b} ranges and {x,y} lists, e.g. "
                                           "\"mlp(widths=[2,{2..6},1], activation='x^{2..4}')\"")],
    invariants: str = typer.Option("dimension", "--invariants", help="comma-separated, any of: " + ", ".join(
                                   registry.names(sweepable=True)) + " (aliases: dim, edd, fibre, ...)"),
    metric: str | None = typer.Option(None, "--metric", help="metric of edd (euclidean, bombieri-weyl, generic)"),
    workers: int | None = typer.Option(None, "--workers", min=1, help="local worker processes (default: cores)"),
    task_timeout: float | None = typer.Option(None, "--task-timeout", help="seconds before a task is stopped "
                                              "and recorded as failed"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786"),
    recompute: Recompute = False,
    atlas: AtlasPath = None,
    seed: Seed = 0,
    as_json: AsJson = False,
    force: Force = False,
):
    """Compute invariants over a grid of architectures, skipping what the atlas has."""
    with _errors():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from .atlas.compute import invariant_name
        from .atlas.sweep import expand, sweep as run
        from .report.tables import sweep_table

        names = [invariant_name(n) for n in invariants.split(",")]
        options = {"metric": metric} if metric and "ed_degree" in names else None
        total = len(expand(pattern, force)) * len(names)
        kwargs = dict(options=options, seed=seed, atlas=atlas, workers=workers, task_timeout=task_timeout,
                      scheduler=scheduler, recompute=recompute, force=force)
        if as_json or not err.is_terminal:
            result = run(pattern, names, **kwargs)
        else:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=err, transient=True) as bar:
                job = bar.add_task("sweep", total=total)
                result = run(pattern, names, progress=lambda message, done, total: bar.advance(job), **kwargs)
        if as_json:
            _print_json([result.to_dict()])
            return
        out.print(sweep_table(result))


@atlas_app.command("list")
def atlas_list(
    family: str | None = typer.Option(None, "--family", help="only this family (linear, mlp, ...)"),
    invariant: str | None = typer.Option(None, "--invariant", help="only this invariant"),
    atlas: AtlasPath = None,
    as_json: AsJson = False,
):
    """Stored results, one line each."""
    with _errors():
        from .atlas.compute import invariant_name
        from .atlas.store import Atlas
        from .report.tables import atlas_table

        with Atlas(atlas) as store:
            rows = store.rows(family=family, invariant=invariant_name(invariant) if invariant else None)
        if as_json:
            _print_json([{k: v for k, v in r.to_dict().items() if k != "result"} for r in rows])
            return
        out.print(atlas_table(rows, store.path))


@atlas_app.command("show")
def atlas_show(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help=SPEC_HELP)],
    invariant: str | None = typer.Option(None, "--invariant", help="only this invariant"),
    atlas: AtlasPath = None,
):
    """Every stored result of one architecture, in full (JSON)."""
    with _errors():
        from . import parse
        from .atlas.compute import invariant_name
        from .atlas.store import Atlas

        canonical = str(parse(spec))
        with Atlas(atlas) as store:
            rows = [r for r in store.rows(invariant=invariant_name(invariant) if invariant else None)
                    if r.spec == canonical]
        if not rows:
            from .errors import NeuromanifoldError

            raise NeuromanifoldError(f"the atlas has no result for {canonical}: compute one with `neuromanifold "
                                     f"sweep \"{canonical}\"`")
        _print_json([r.to_dict() for r in rows])


@atlas_app.command("export")
def atlas_export(
    csv_path: str | None = typer.Option(None, "--csv", help="write the rows as CSV to this file"),
    family: str | None = typer.Option(None, "--family"),
    invariant: str | None = typer.Option(None, "--invariant"),
    atlas: AtlasPath = None,
    as_json: AsJson = False,
):
    """Export stored results as CSV (--csv FILE) or JSON (--json, to standard output)."""
    with _errors():
        from .atlas.compute import invariant_name
        from .atlas.store import Atlas
        from .errors import NeuromanifoldError

        if not csv_path and not as_json:
            raise NeuromanifoldError("give --csv FILE or --json")
        _output(csv_path, "--csv")
        inv = invariant_name(invariant) if invariant else None
        with Atlas(atlas) as store:
            if csv_path:
                n = store.export_csv(csv_path, family=family, invariant=inv)
                err.print(f"{n} rows written to {csv_path}", markup=False, highlight=False)
            if as_json:
                _print_json([r.to_dict() for r in store.rows(family=family, invariant=inv)])


@app.command()
def report(
    spec: Annotated[str | None, typer.Argument(metavar="SPEC", help=SPEC_HELP)] = None,
    out_dir: str = typer.Option("out", "-o", "--out", help="folder for index.html and the figures"),
    sweep_pattern: str | None = typer.Option(None, "--sweep", help="a sweep pattern instead of one spec: "
                                             "invariants drawn against the swept value"),
    invariants: str = typer.Option("dimension,degree", "--invariants", help="with --sweep: which invariants"),
    census_samples: int = typer.Option(0, "--census", min=0, help="also run a census of this many instances "
                                       "and draw its heat map"),
    timeout: float = typer.Option(60.0, "--task-timeout", help="seconds each invariant may take"),
    atlas: AtlasPath = None,
    seed: Seed = 0,
):
    """An HTML report with figures: one architecture's invariants and what they mean, or a sweep."""
    with _errors():
        from .errors import NeuromanifoldError
        from .report.html import report as one, sweep_report

        if (spec is None) == (sweep_pattern is None):
            raise NeuromanifoldError("give one SPEC or --sweep PATTERN, e.g. neuromanifold report "
                                     "\"linear(widths=[2,1,2])\" -o out")
        _output(out_dir, "--out", folder=True)
        with _status(True):
            if sweep_pattern is not None:
                path = sweep_report(sweep_pattern, invariants, out_dir, seed=seed, atlas=atlas, timeout=timeout)
            else:
                path = one(spec, out_dir, seed=seed, timeout=timeout, census=census_samples, atlas=atlas)
        out.print(os.path.abspath(path), markup=False, highlight=False, soft_wrap=True)


def _output(path: str | None, option: str, *, figure: bool = False, folder: bool = False) -> None:
    """Refuse, before anything is computed, an output path (file, or ``folder``) that cannot be
    written; a ``figure`` needs a format matplotlib writes."""
    from .errors import NeuromanifoldError

    if path is None:
        return
    example = f"{option} out/" if folder else f"{option} {'figure.png' if figure else 'out.json'}"
    if not path.strip():
        raise NeuromanifoldError(f"{option} is empty: give a path, e.g. {example}")
    full = os.path.abspath(path)
    if folder and os.path.exists(full) and not os.path.isdir(full):
        raise NeuromanifoldError(f"{option} {path!r} is a file, not a folder: give a folder, e.g. {example}")
    if not folder and os.path.isdir(full):
        raise NeuromanifoldError(f"{option} {path!r} is a folder: give a file name, e.g. {example}")
    parent = full if folder else os.path.dirname(full)
    while not os.path.exists(parent):                  # a report folder is created with its parents
        if not folder:
            raise NeuromanifoldError(f"{option} {path!r}: the folder {os.path.dirname(full)!r} does not "
                                     f"exist; create it or give a path in an existing folder, e.g. {example}")
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK):
        raise NeuromanifoldError(f"{option} {path!r}: {parent!r} is not a writable folder; give a path you "
                                 f"can write, e.g. {example}")
    if figure:
        from matplotlib.backend_bases import FigureCanvasBase

        kinds = FigureCanvasBase.get_supported_filetypes()
        ext = os.path.splitext(path)[1].lower().lstrip(".")
        if ext and ext not in kinds:
            raise NeuromanifoldError(f"{option} {path!r}: matplotlib cannot write .{ext} figures; use one of "
                                     f"{', '.join('.' + k for k in sorted(kinds))}, e.g. {example}")


def _ask(name: str, spec: str, options: dict | None, seed: int, atlas, recompute: bool, *, run=None, **extra):
    """The registry's invariant through the atlas: stored, or answered from it (without importing the
    engine when it is).  ``extra`` (force, progress) is not part of the question."""
    from .atlas.compute import through_atlas

    return through_atlas(name, spec, options, seed, run, atlas=atlas, recompute=recompute, **extra)


def _with_bar(quiet: bool, run):
    """run(progress) under the progress display of :func:`_status` (unless ``quiet``)."""
    with _status(not quiet) as progress:
        return run(progress)


def _draw(result, path: str) -> None:
    from .report.figures import draw

    draw(result, path)


def _table(name: str):
    """The registry's table of an invariant: a function of the result."""
    from . import registry
    from .report.tables import result_table

    table = registry.lookup(name).table
    if isinstance(table, str):
        return registry.attribute(table)
    return lambda r: result_table(r, list(table))


def _parse_point(text: str, option: str = "--point"):
    import ast
    import math

    from .errors import NeuromanifoldError

    try:
        value = ast.literal_eval(text)
        entries = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in entries):
            raise TypeError("not a number")
        vec = [float(v) for v in entries]
    except (ValueError, SyntaxError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        raise NeuromanifoldError(f"cannot read the point {text[:200]!r}: give a list of numbers, e.g. "
                                 f'{option} "[1, 0, -1, 0]"') from exc
    if not all(math.isfinite(v) for v in vec):
        raise NeuromanifoldError(f"the point {text[:200]!r} has an infinite or NaN coordinate: give finite "
                                 f'numbers, e.g. {option} "[1, 0, -1, 0]"')
    return vec


def main():  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
