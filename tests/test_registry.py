"""The registry of invariants is the one list the CLI, sweeps, the atlas, the report and the
package's exports read: its entries must agree with the functions they name."""

import dataclasses
import inspect
import subprocess
import sys

import pytest

import neuromanifold as nm
from neuromanifold import registry
from neuromanifold.errors import NeuromanifoldError


@pytest.mark.parametrize("entry", registry.REGISTRY, ids=lambda e: e.name)
def test_options_are_the_functions_defaults(entry):
    """The question an entry stores is every argument of its function that changes the answer,
    with the function's own default (so the atlas key is complete without importing it)."""
    params = inspect.signature(entry.resolve()).parameters
    names = list(params)
    assert names[0] == "arch"
    assert list(entry.data) == names[1:1 + len(entry.data)]
    defaults = {p.name: p.default for p in params.values() if p.name not in entry.data and p.name != "arch"
                and p.name not in registry.NOT_QUESTION and p.name not in ("workers",)}
    assert entry.options == defaults
    assert "seed" in params


@pytest.mark.parametrize("entry", registry.REGISTRY, ids=lambda e: e.name)
def test_table_fields_and_results_exist(entry):
    cls = registry.attribute(entry.result)
    fields = {f.name for f in dataclasses.fields(cls)}
    if isinstance(entry.table, str):
        assert callable(registry.attribute(entry.table))
    else:
        missing = [name for _, name in entry.table if name not in fields]
        assert not missing, missing
    if entry.load:
        assert callable(entry.loader())
    # the package exports the function and the result class by their names
    assert getattr(nm, entry.export) is entry.resolve()
    assert getattr(nm, cls.__name__) is cls


def test_names_aliases_and_errors():
    assert registry.lookup("edd").name == "ed_degree"
    assert registry.lookup("dim").name == "dimension"
    assert registry.lookup("implicit-bias").name == "implicit_bias"
    assert "contains" not in registry.names(sweepable=True)
    assert {"dimension", "degree", "ed_degree", "fiber"} <= set(registry.names(sweepable=True))
    with pytest.raises(NeuromanifoldError, match="did you mean 'degree'"):
        registry.lookup("degre")
    with pytest.raises(NeuromanifoldError, match="cannot be swept"):
        from neuromanifold.atlas import sweep

        sweep("linear(widths=[2,1,2])", "contains")


def test_question_fills_defaults_and_drops_other_invariants_options():
    assert registry.question("dimension", {"metric": "generic", "numerical": None}) == \
        {"prime": None, "points": 3, "numerical": "auto"}
    assert registry.question("contains", {"f": [1, 2]})["f"] == [1, 2]
    assert registry.question("contains", {"f": [1, 2]})["field"] == "complex"
    assert registry.question("not-an-invariant", {"a": 1}) == {"a": 1}


def test_importing_the_package_and_parsing_do_not_load_jax():
    """A question the atlas answers needs neither JAX nor SymPy: the package imports them when it
    computes."""
    code = ("import sys, neuromanifold as nm; nm.parse('mlp(widths=[2,2,1], activation=\"x^3 - x\")'); "
            "import neuromanifold.cli, neuromanifold.atlas.compute, neuromanifold.report.tables; "
            "print(sorted(m for m in ('jax', 'sympy', 'scipy', 'flint') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_x64_is_on_when_jax_was_imported_first():
    code = ("import jax; import neuromanifold as nm; import jax.numpy as jnp; "
            "print(jnp.ones(1).dtype, nm.dimension('linear(widths=[2,1,2])').value)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["float64", "3"]
