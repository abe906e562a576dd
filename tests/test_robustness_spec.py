"""Property tests of the spec parser: any text either parses to an architecture whose canonical
string parses back to the same architecture, or raises a SpecError with a message that says what
to write instead; never another exception, never a hang.  (Strategies: tests/spec_strategies.py.)"""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from spec_strategies import FAST, HINTS, spec_texts, time_limit, valid_specs

import neuromanifold as nm
from neuromanifold.errors import SpecError


def check(text):
    with time_limit(20, f"parse({text[:80]!r})"):
        try:
            arch = nm.parse(text)
        except SpecError as err:
            assert err.message.strip() and str(err).strip(), f"empty message for {text!r}"
            assert any(h in err.message for h in HINTS), f"{text!r}: the message says no fix: {err.message}"
            if err.position is not None:
                assert err.spec is not None and 0 <= err.position <= len(err.spec), (text, err.position)
                assert err.pointer().count("\n") == 1
            return None
        canonical = str(arch)
        again = nm.parse(canonical)
    assert "\n" not in canonical
    assert again == arch and str(again) == canonical, (text, canonical, str(again))
    return arch


@settings(FAST, max_examples=200)
@given(valid_specs())
def test_valid_specs_parse_and_round_trip(text):
    assert check(text) is not None, f"{text!r} is valid but did not parse"


@settings(FAST, max_examples=400)
@given(spec_texts())
@example("mlp(widths=[2,2,1], activation='x^100000000')")  # hung (list of 10^8 coefficients)
@example("mlp(widths=[2,2,1], activation='(x+1)^100000')")  # hung (SymPy expansion)
@example("mlp(widths=[2,2,1], activation='10^10^10*x')")    # hung (a 10^10-digit integer)
@example("mlp(widths=[2,2,1], activation='tanh', degree=1000000000)")
@example("linear()")                                         # TypeError: missing widths
@example("mlp(widths=[2,2,1], activation='pi*x')")           # AttributeError: 'Pi' has no .p
@example("mlp(widths=[2,2,1], activation='zoo')")
@example("mlp(widths=[2,2,1], activation='x,x')")            # AttributeError: tuple
@example("mlp(widths=[2,2,1], activation='__import__')")     # a Python builtin, evaluated
@example("mlp(widths=[2,2,1], activation='input()')")        # read standard input
@example("mlp(widths=[2,2,1], activation='x^' + '9' * 5000)")
@example("mlp(widths=[2,2,1], activation='elu', degree=3)")  # the named formula was refused
def test_parse_returns_an_architecture_or_a_spec_error(text):
    check(text)


@pytest.mark.slow
@settings(FAST, max_examples=5000)
@given(spec_texts())
def test_parse_many_texts(text):
    check(text)


@pytest.mark.parametrize("value", [None, 3, 2.5, b"linear(widths=[2,2])", ["linear(widths=[2,2])"], object()])
def test_non_strings_are_spec_errors(value):
    with pytest.raises(SpecError, match="a spec must be a string"):
        nm.parse(value)


@FAST
@given(st.sampled_from(["linear", "mlp", "lcn", "pcnn"]))
def test_a_missing_required_argument_says_which(family):
    with pytest.raises(SpecError, match=r"needs (widths|filters).*e\.g\."):
        nm.parse(f"{family}()")


@pytest.mark.parametrize("activation,words", [
    ("x^1000000", "above 100"),
    ("pi*x", "not a rational number"),
    ("zoo", "not a finite real number"),
    ("exit()", "cannot read"),
    ("x.real", "attribute access"),
])
def test_activation_errors_name_the_problem(activation, words):
    with pytest.raises(SpecError, match=words):
        nm.parse(f'mlp(widths=[2,2,1], activation="{activation}")')


def test_named_piecewise_activation_is_usable():
    arch = nm.parse('mlp(widths=[2,2,1], activation="elu", degree=3)')
    assert arch.activation.degree == 3
