"""Spec strings: round-trips, canonical forms, and clear errors for bad input."""

import pytest

import neuromanifold as nm
from neuromanifold.errors import ActivationError, SpecError

ROUND_TRIP = [
    "linear(widths=[4,2,3])",
    "linear(widths=[4,2,3], bias=True)",
    'mlp(widths=[2,2,1], activation="x^3")',
    'mlp(widths=[2,3,1], activation="x^2 + x", bias=True)',
    'mlp(widths=[3,4,2], activation="tanh", degree=3)',
    "lcn(filters=[3,2], strides=[2,1])",
    'pcnn(filters=[2,2], strides=[1,1], activation="x^2")',
    "attention(d=2, a=2, t=2, dout=1)",
    "attention(widths=[2,3,1], a=[2,1], t=3)",
]


@pytest.mark.parametrize("spec", ROUND_TRIP)
def test_canonical_specs_round_trip(spec):
    arch = nm.parse(spec)
    assert str(arch) == spec
    assert nm.parse(str(arch)) == arch
    assert hash(nm.parse(spec)) == hash(arch)


@pytest.mark.parametrize("written,canonical", [
    ("linear( widths = [4, 2, 3] )", "linear(widths=[4,2,3])"),
    ("linear([4,2,3])", "linear(widths=[4,2,3])"),
    ("linear(widths=[4,2,3], bias=False)", "linear(widths=[4,2,3])"),
    ("mlp(widths=[2,2,1], activation='x**3')", 'mlp(widths=[2,2,1], activation="x^3")'),
    ('mlp(widths=[2,2,1], activation="0.5*x^3 - x")', 'mlp(widths=[2,2,1], activation="x^3/2 - x")'),
    ('mlp(widths=[2,2,1], activation="TANH", degree=3)', 'mlp(widths=[2,2,1], activation="tanh", degree=3)'),
    ("lcn(filters=[3,2], strides=[2])", "lcn(filters=[3,2], strides=[2,1])"),
    ("lcn(filters=[3,2], strides=[2,5])", "lcn(filters=[3,2], strides=[2,1])"),
    ("lcn(filters=[3,2])", "lcn(filters=[3,2], strides=[1,1])"),
    ("attention(widths=[2,1], a=[2], t=2)", "attention(d=2, a=2, t=2, dout=1)"),
    ("attention(widths=[2,3,1], a=2, t=2)", "attention(widths=[2,3,1], a=[2,2], t=2)"),
    ("attention(d=3, a=2, t=2)", "attention(d=3, a=2, t=2, dout=3)"),
])
def test_canonical_form(written, canonical):
    assert str(nm.parse(written)) == canonical


def test_python_constructors_match_specs():
    assert nm.linear([4, 2, 3]) == nm.parse("linear(widths=[4,2,3])")
    assert nm.mlp(widths=[2, 2, 1], activation="x^3") == nm.parse('mlp(widths=[2,2,1], activation="x^3")')
    assert nm.lcn([3, 2], [2, 1]) == nm.parse("lcn(filters=[3,2], strides=[2,1])")
    assert nm.attention(d=2, a=2, t=2, dout=1) == nm.parse("attention(d=2, a=2, t=2, dout=1)")


def error(spec):
    with pytest.raises(SpecError) as info:
        nm.parse(spec)
    return info.value


@pytest.mark.parametrize("spec,words,column", [
    ("mpl(widths=[2,2,1])", ["unknown family 'mpl'", "did you mean 'mlp'"], 0),
    ("lineer(widths=[4,2,3])", ["did you mean 'linear'"], 0),
    ('mlp(widths=[2,2,1], activaton="x^3")', ["unknown keyword 'activaton'", "did you mean 'activation'"], 20),
    ("linear(widths=[4,2,3]))", ["malformed spec"], None),
    ("linear(widths=[4,2,3]", ["malformed spec"], None),
    ("linear(widths=[])", ["widths needs at least 2 entries"], 14),
    ("linear(widths=[4])", ["widths needs at least 2 entries"], 14),
    ("linear(widths=[4,0,3])", ["widths[1] must be a positive integer", "got 0"], 17),
    ("linear(widths=[4,-2,3])", ["widths[1] must be a positive integer"], 17),
    ("linear(widths=[4,2.5,3])", ["widths[1] must be a positive integer"], 17),
    ("linear(widths=4)", ["list of positive integers"], 14),
    ("linear(widths=range(3))", ["not a literal value"], 14),
    ("linear", ["needs its arguments in parentheses"], None),
    ("", ["empty spec"], None),
    ("linear(widths=[4,2,3], widths=[2,2])", ["given twice"], None),
    ("linear(widths=[4,2,3], bias=1)", ["bias must be True or False"], 28),
    ("mlp(widths=[2,2,1])", ["mlp needs an activation"], None),
    ('mlp(widths=[2,2,1], activation="relu")', ["not a polynomial", "degree="], 31),
    ('mlp(widths=[2,2,1], activation="tahn", degree=3)', ["unknown activation 'tahn'", "did you mean 'tanh'"], 31),
    ('mlp(widths=[2,2,1], activation="x^2 + y")', ["'y'"], 31),
    ('mlp(widths=[2,2,1], activation="7")', ["constant"], 31),
    ('mlp(widths=[2,2,1], activation="x^2", degree=3)', ["already a polynomial", "drop degree=3"], 31),
    ('mlp(widths=[2,2,1], activation="tanh", degree=0)', ["degree must be a positive integer"], 46),
    ("lcn(filters=[3,2,2], strides=[1])", ["strides needs one entry per layer (3)"], 29),
    ("lcn(filters=[3,0], strides=[1,1])", ["filters[1] must be a positive integer"], 15),
    ("attention(d=2, a=2, dout=1)", ["number of tokens t"], None),
    ("attention(d=2, a=2, t=0, dout=1)", ["t must be a positive integer"], 22),
    ("attention(d=2, widths=[2,1], a=2, t=2)", ["either d", "not both"], None),
    ("attention(widths=[2,3,1], a=[2,2,2], t=2)", ["a needs one entry per layer (2)"], None),
    ("linear(widths=[4,2,3], foo=1)", ["unknown keyword 'foo'"], None),
    ("linear([4,2,3], True, 5)", ["at most 2 positional"], None),
    ("3 + linear(widths=[4,2,3])", ["one family call"], None),
])
def test_bad_specs_get_clear_errors(spec, words, column):
    err = error(spec)
    text = str(err)
    for word in words:
        assert word in text, text
    if column is not None:
        assert err.position == column, (err.position, text)
    if err.position is not None:
        assert err.pointer().splitlines()[1].index("^") == err.position + 2


def test_activation_errors_are_spec_errors():
    assert issubclass(ActivationError, SpecError)
    err = error('mlp(widths=[2,2,1], activation="sin(x)")')
    assert 'degree=' in str(err)
