"""The ``neuromanifold`` command line.

Every command takes one or more spec strings; ``--json`` prints the result
objects instead of tables.  Bad input gives a one-line error on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager

import typer
from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="The algebraic geometry of the functions a network architecture can express.",
)
out = Console()
err = Console(stderr=True)

SPEC_HELP = 'architecture spec, e.g. "mlp(widths=[2,2,1], activation=\\"x^3\\")"'


def _fail(message: str, hint: str | None = None, code: int = 2):
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
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
        _fail(str(exc), exc.pointer() if isinstance(exc, SpecError) else None)
    except KeyboardInterrupt:
        _fail("interrupted", code=130)
    except MemoryError:
        _fail("out of memory; try a smaller architecture", code=2)
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - never show a traceback to a user
        if os.environ.get("NEUROMANIFOLD_DEBUG"):
            raise
        _fail(f"internal error ({type(exc).__name__}: {exc}); set NEUROMANIFOLD_DEBUG=1 for a traceback "
              f"and report it", code=1)


@contextmanager
def _status(enabled: bool):
    """A Rich spinner on stderr showing the current stage (only on a terminal)."""
    if not enabled or not err.is_terminal:
        yield None
        return
    with err.status("starting") as status:
        yield lambda message: status.update(message)


def _print_json(items):
    payload = items[0] if len(items) == 1 else items
    sys.stdout.write(json.dumps(payload, indent=2) + "\n")


@app.command()
def info(
    specs: list[str] = typer.Argument(..., metavar="SPEC...", help=SPEC_HELP),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
):
    """Describe architectures: parameters, ambient space V and its basis, degrees, symmetries."""
    with _errors():
        from . import parse
        from .report.tables import info_table

        infos = [parse(s).parametrization().describe() for s in specs]
        if as_json:
            _print_json(infos)
            return
        for item in infos:
            out.print(info_table(item))


@app.command()
def dim(
    specs: list[str] = typer.Argument(..., metavar="SPEC...", help=SPEC_HELP),
    seed: int = typer.Option(0, "--seed", help="random seed (part of every result)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
    force: bool = typer.Option(False, "--force", help="run even when the size estimate says it will not finish"),
    numerical: bool | None = typer.Option(
        None, "--numerical/--no-numerical",
        help="force or skip the float SVD (default: run it when it is cheap)"),
    prime: int | None = typer.Option(None, "--prime", help="prime for the exact ranks (below 2^26)"),
    points: int = typer.Option(3, "--points", min=1,
                               help="extra random points tried when the bounds differ"),
):
    """Dimension of the neuromanifold: exact lower and upper bounds, certified when they meet."""
    with _errors():
        from . import dimension
        from .report.tables import dimension_table

        results = []
        for spec in specs:
            with _status(not as_json) as progress:
                results.append(dimension(spec, seed=seed, prime=prime, points=points,
                                         numerical="auto" if numerical is None else numerical,
                                         force=force, progress=progress))
        if as_json:
            _print_json([r.to_dict() for r in results])
            return
        for r in results:
            out.print(dimension_table(r))


def main():  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
