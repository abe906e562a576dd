"""The public entry points document their Parameters, Returns and an Example, and every example
in the package's docstrings runs (doctest) as part of the suite."""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import neuromanifold as nm
from neuromanifold import registry

#: The public entry points: the registry's invariants, training and classification, the homotopy API.
ENTRY_POINTS = [inv.export for inv in registry.REGISTRY] + ["train", "classify"]
HOMOTOPY = ["track", "solve", "monodromy_solve", "certify", "trace_test"]


def _modules():
    for info in pkgutil.walk_packages(nm.__path__, "neuromanifold."):
        if info.name.endswith("__main__") or ".cli" in info.name:
            continue
        yield info.name


@pytest.mark.parametrize("name", ENTRY_POINTS + HOMOTOPY)
def test_entry_points_document_parameters_returns_and_an_example(name):
    import neuromanifold.homotopy as hom

    fn = getattr(nm, name, None) or getattr(hom, name)
    doc = inspect.getdoc(fn) or ""
    if name in ("track", "trace_test"):
        assert ">>>" in doc, name                   # layer-3 helpers: an example at least
        return
    for section in ("Parameters", "Returns", "Example"):
        assert f"\n{section}\n" in doc, f"{name}: no {section} section"
    assert ">>>" in doc


@pytest.mark.parametrize("module", sorted(_modules()))
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(mod, module) if t.examples]
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {module}"
