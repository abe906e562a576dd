"""The package's structure, read from its source: no module imports another's private names, and
the family knowledge stays in layer 1 (no invariant compares an architecture's family name)."""

import ast
import pathlib

import neuromanifold

ROOT = pathlib.Path(neuromanifold.__file__).parent


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        yield path.relative_to(ROOT), ast.parse(path.read_text())


def test_no_module_imports_private_names_of_another():
    found = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                found += [f"{name}:{node.lineno} imports {a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert not found, "\n".join(found)


def test_layers_4_to_7_ask_capabilities_not_family_names():
    """Invariants, landscapes, the atlas, the report and the CLI never compare ``arch.family``: they
    ask the family's capabilities (subnetworks, matrix_form, tensor_form, ...), so a new family
    needs code in layers 1-2 only."""
    found = []
    for name, tree in _modules():
        if name.parts[0] not in ("invariants", "landscape", "report", "atlas", "cli.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if isinstance(side, ast.Attribute) and side.attr == "family":
                        found.append(f"{name}:{node.lineno}")
    assert not found, found


def test_one_progress_shape():
    """track, monodromy, census and dimension report progress(message, done, total)."""
    import jax.numpy as jnp
    import numpy as np

    import neuromanifold as nm
    from neuromanifold.homotopy import System, monodromy_solve, track

    seen = []
    log = lambda message, done=None, total=None: seen.append((message, done, total))   # noqa: E731
    sq = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1)
    track(sq, [[1.0], [-1.0]], [1.0], [4.0], progress=log)
    assert seen and seen[-1] == ("paths", 2, 2)
    seen.clear()
    monodromy_solve(sq, np.array([1.0 + 0j]), np.array([1.0 + 0j]), stall_loops=3, progress=log)
    assert seen and all(m.startswith("monodromy loop") and d in (1, 2) for m, d, _ in seen)
    seen.clear()
    nm.dimension("linear(widths=[2,1,2])", progress=log)
    assert seen and all(isinstance(m, str) for m, _, _ in seen)
    seen.clear()
    nm.census("linear(widths=[2,1,2])", 3, progress=log)
    assert seen[-1][0] == "paths" and seen[-1][1] == seen[-1][2] == 3 * 2          # ED degree 2, 3 instances
