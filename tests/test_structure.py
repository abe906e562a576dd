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
