"""Hypothesis strategies for spec strings: valid specs built from the grammar's pieces (DESIGN.md),
the same specs mutated (characters deleted, inserted or repeated, keywords swapped, numbers out of
range, huge or of the wrong type, odd activations, unicode), and random text.

Shared by tests/test_robustness_spec.py and tests/test_robustness_cli.py (not a test module).
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import neuromanifold as nm
from neuromanifold.errors import SpecError

#: every property test is seeded (derandomize) and keeps no example database: CI is reproducible
FAST = settings(deadline=None, derandomize=True, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])

#: words by which an error message tells what to type instead
HINTS = ("e.g.", "give", "use ", "write", "add ", "drop", "did you mean", "must be", "needs", "name them",
         "known families", "given twice", "not allowed", "one of", "positive integer", "is one line",
         "such as", "narrow", "lower", "create", "remove", "save it", "pass ", "try ", "takes", "compute one")

FAMILIES = ["linear", "mlp", "lcn", "pcnn", "attention", "relu", "resnet"]
KEYWORDS = ["widths", "bias", "activation", "degree", "filters", "strides", "d", "a", "t", "dout", "leak", "group"]
#: groups of an equivariant linear network on R^n (n = the first and last width, at most 3 here)
GROUPS = {1: ["cyclic"], 2: ["cyclic", "symmetric", "(1 2)", "(2 1)"],
          3: ["cyclic", "symmetric", "(1 2 3)", "(1 3 2)", "(1 2)", "(1 3)(2)", "(1,2,3)"]}
POLYNOMIALS = ["x^2", "x^3", "x**2", "x^2 + x", "0.5*x^3 - x", "x", "2*x^2 - 1", "x^2/3", "-x^3", "(x+1)^2",
               "x^3 - x", "1/2*x^2"]
NAMED = ["tanh", "relu", "sigmoid", "gelu", "softplus", "sin", "elu"]
#: what a mutation may put where a number was
ODD_NUMBERS = ["0", "-1", "-0", "10**30", "1" + "0" * 30, "9" * 25, "1e30", "1e400", "2.5", "-2.5", "True",
               "False", "None", "'2'", "[]", "[1]", "nan", "1_0", "0x10", "2j", "(2)", "+3", "~1", "1/2",
               "9" * 5000]
#: what a mutation may put where an activation was
ODD_ACTIVATIONS = ["", " ", "é", "x^1000000", "x^(10^10)", "10^10^10*x", "(x+1)^100000", "tanh", "foo",
                   "x^2 + y", "(x", "x^-1", "1/x", "exit()", "input()", "__import__", "zoo", "pi*x", "x.real",
                   "().__class__", "\x00", "𝑥^2", "x^2\n", "0*x", "7", "X^2", "sqrt(x)", "x^0.5", "Max(x, 0)",
                   "sin(10^5)*x", "gamma(9)*x", "x" * 300, "x^2" + "+x" * 200, "1e5000*x", "x,x", "lambda",
                   "True", "x if x else x", "Symbol", "9" * 2000 + "*x", "x^101"]
#: characters a mutation may insert: the grammar's own, whitespace, control and non-ASCII ones
CHARACTERS = list("()[],=\"'x^*+-./0123456789 _{}#:;\\") + ["\n", "\t", "\x00", "é", "∞", "①", "\u200b",
                                                            "ß", "🙂", "٣", "\ufeff", "Ｌ"]


@contextmanager
def time_limit(seconds: float, what: str):
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def alarm(signum, frame):
        raise AssertionError(f"{what} took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parses(text: str) -> bool:
    """Whether ``text`` is a valid spec (any other exception than SpecError propagates)."""
    try:
        nm.parse(text)
    except SpecError:
        return False
    return True


# -- valid specs ------------------------------------------------------------------------------

def _sep():
    return st.sampled_from([",", ", ", " , "])


@st.composite
def _list(draw, values, min_size=1, max_size=3):
    items = draw(st.lists(values, min_size=min_size, max_size=max_size))
    text = draw(_sep()).join(str(v) for v in items)
    if len(items) > 0 and draw(st.booleans()) and draw(st.booleans()):
        return "(" + text + ("," if len(items) == 1 else "") + ")"     # a tuple reads like a list
    return "[" + text + "]"


def _quoted(text: str):
    return st.sampled_from(['"', "'"]).map(lambda q: q + text.replace("\\", "\\\\").replace(q, "\\" + q) + q)


_small = st.integers(1, 3)


@st.composite
def _activation_args(draw) -> list[tuple[str, str]]:
    if draw(st.booleans()):
        return [("activation", draw(st.sampled_from(POLYNOMIALS).flatmap(_quoted)))]
    name = draw(st.sampled_from(NAMED))
    return [("activation", draw(_quoted(name))), ("degree", str(draw(st.integers(2, 4))))]


@st.composite
def _family_args(draw, family: str) -> list[tuple[str, str]]:
    if family == "linear" and draw(st.integers(0, 3)) == 0:
        # an equivariant linear network: the end-to-end map commutes with a permutation group of R^n
        n = draw(_small)
        inner = draw(st.lists(_small, min_size=0, max_size=2))
        args = [("widths", "[" + ",".join(str(v) for v in [n] + inner + [n]) + "]"),
                ("group", draw(st.sampled_from(GROUPS[n]).flatmap(_quoted)))]
        if draw(st.booleans()):
            args.append(("bias", "False"))
        return args
    if family in ("linear", "mlp"):
        args = [("widths", draw(_list(_small, 2, 4)))]
        if family == "mlp":
            args += draw(_activation_args())
        if draw(st.booleans()):
            args.append(("bias", draw(st.sampled_from(["True", "False"]))))
        return args
    if family == "relu":
        args = [("widths", draw(_list(_small, 2, 4)))]
        if draw(st.booleans()):
            args.append(("leak", draw(st.sampled_from(["0", "0.01", "0.5", "0.25", "0.0"]))))
        return args
    if family == "resnet":
        blocks = draw(st.integers(1, 2))
        widths = [draw(_small) for _ in range(2 * blocks + 1)]
        args = [("widths", "[" + draw(_sep()).join(str(v) for v in widths) + "]")]
        return args + [("activation", draw(st.sampled_from(POLYNOMIALS).flatmap(_quoted)))]
    if family in ("lcn", "pcnn"):
        layers = draw(st.integers(1, 3))
        args = [("filters", draw(_list(_small, layers, layers)))]
        if draw(st.booleans()):
            n = draw(st.sampled_from([layers, max(layers - 1, 0)]))
            args.append(("strides", draw(_list(_small, n, n))))
        if family == "pcnn":
            args.append(("activation", draw(st.sampled_from(POLYNOMIALS).flatmap(_quoted))))
        return args
    # attention: one layer (d, a, t, dout) or deep (widths, a, t)
    if draw(st.booleans()):
        args = [("d", str(draw(_small))), ("a", str(draw(_small))), ("t", str(draw(_small)))]
        if draw(st.booleans()):
            args.append(("dout", str(draw(_small))))
        return args
    layers = draw(st.integers(1, 2))
    a = draw(st.one_of(_small.map(str), _list(_small, layers, layers)))
    return [("widths", draw(_list(_small, layers + 1, layers + 1))), ("a", a), ("t", str(draw(_small)))]


#: the constructors' parameters in order (a leading run of them may be given positionally)
POSITIONAL = {"linear": ["widths", "bias", "group"], "mlp": ["widths", "activation", "bias", "degree"],
              "relu": ["widths", "leak"], "resnet": ["widths", "activation", "degree"],
              "lcn": ["filters", "strides"], "pcnn": ["filters", "strides", "activation", "degree"],
              "attention": ["d", "a", "t", "dout", "widths"]}


@st.composite
def valid_specs(draw, families=tuple(FAMILIES)) -> str:
    """A valid spec of one of ``families``, small (every size <= 3), in varied but legal spelling."""
    family = draw(st.sampled_from(list(families)))
    args = draw(_family_args(family))
    args = draw(st.permutations(args))
    # the longest leading run that matches the constructor's order may drop its keywords
    order = POSITIONAL[family]
    run = 0
    while run < len(args) and args[run][0] == order[run]:
        run += 1
    bare = draw(st.integers(0, run))
    parts = [value if i < bare else f"{key}{draw(st.sampled_from(['=', ' = ']))}{value}"
             for i, (key, value) in enumerate(args)]
    trailing = draw(st.sampled_from(["", "", ",", " "]))
    space = draw(st.sampled_from(["", " ", "  "]))
    return f"{space}{family}({draw(_sep()).join(parts)}{trailing}){space}"


# -- mutations --------------------------------------------------------------------------------

def _splice(text: str, i: int, j: int, new: str) -> str:
    return text[:i] + new + text[j:]


@st.composite
def _mutate_once(draw, text: str) -> str:
    import re

    n = len(text)
    i = draw(st.integers(0, n))
    kind = draw(st.sampled_from(["delete", "insert", "repeat", "keyword", "number", "activation", "family",
                                 "truncate", "wrap", "swap"]))
    if kind == "delete" and n:
        j = draw(st.integers(i, min(n, i + 3)))
        return _splice(text, i, j, "")
    if kind == "insert":
        return _splice(text, i, i, draw(st.sampled_from(CHARACTERS)))
    if kind == "repeat" and n:
        j = draw(st.integers(i, min(n, i + 8)))
        return _splice(text, i, i, text[i:j] * draw(st.integers(1, 3)))
    if kind == "keyword":
        found = [m for m in re.finditer(r"[A-Za-z_]+(?=\s*=)", text)]
        if found:
            m = draw(st.sampled_from(found))
            new = draw(st.one_of(st.sampled_from(KEYWORDS),
                                 st.sampled_from(KEYWORDS).map(lambda k: k[:-1] or "k"),
                                 st.sampled_from(["widht", "activaton", "Widths", "w", "_", "lambda", "é"])))
            return _splice(text, m.start(), m.end(), new)
    if kind == "number":
        found = [m for m in re.finditer(r"\d+", text)]
        if found:
            m = draw(st.sampled_from(found))
            return _splice(text, m.start(), m.end(), draw(st.sampled_from(ODD_NUMBERS)))
    if kind == "activation":
        found = [m for m in re.finditer(r"([\"'])(.*?)\1", text)]
        if found:
            m = draw(st.sampled_from(found))
            new = draw(st.one_of(st.sampled_from(ODD_ACTIVATIONS), st.text(max_size=12)))
            return _splice(text, m.start(2), m.end(2), new.replace(m.group(1), ""))
    if kind == "family":
        m = re.match(r"\s*[A-Za-z_]+", text)
        if m:
            new = draw(st.one_of(st.sampled_from(FAMILIES),
                                 st.sampled_from(["mpl", "Linear", "cnn", "lin", "",
                                                                             "attn", "linear.x", "1linear"])))
            return _splice(text, m.start(), m.end(), new)
    if kind == "truncate":
        return text[:i]
    if kind == "wrap":
        left, right = draw(st.sampled_from([("", ")"), ("(", ""), ("[", "]"), ("", "(3)"), ("", ";x"),
                                            ("linear", ""), ("\n", ""), ("", "\n"), ("'", "'"), ("", "# c"),
                                            ("", ".widths")]))
        return left + text + right
    if kind == "swap" and n >= 2:
        j = draw(st.integers(0, n - 1))
        i = min(i, n - 1)
        chars = list(text)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)
    return text + draw(st.sampled_from(CHARACTERS))


@st.composite
def mutated_specs(draw) -> str:
    text = draw(valid_specs())
    for _ in range(draw(st.integers(1, 3))):
        text = draw(_mutate_once(text))
    return text


def spec_texts():
    """Valid, mutated and random spec strings."""
    grammar = "".join(sorted(set("".join(FAMILIES + KEYWORDS) + "()[],=\"' x^*+-.0123456789TrueFalse")))
    return st.one_of(
        valid_specs(),
        mutated_specs(),
        mutated_specs(),
        st.text(alphabet=grammar, max_size=50),
        st.text(max_size=40),
        st.sampled_from(["", " ", "\n", "linear", "linear()", "mlp()", "lcn()", "pcnn()", "attention()", "()",
                         "linear(widths=[2,2]", "linear(**{})", "linear(*[2])", "linear(widths=[2,2])(3)",
                         "__import__('os')", "linear(widths=[2,2], widths=[2,2])", "linear([2,2],[2])",
                         "mlp(widths=[2,2,1], activation='x^2', degree=2)", "(" * 300 + ")" * 300, "relu()", "resnet()",
                         "relu(widths=[2,3,1], leak=1)", "linear(widths=[3,1,2], group='cyclic')",
                         "linear(widths=[3,1,3], group='(1 4)')", "resnet(widths=[3,2], activation='x^2')"]),
    )


def bad_specs():
    """Spec strings that do not parse."""
    return st.one_of(mutated_specs(), st.text(max_size=30),
                     st.sampled_from(["", "linear()", "mpl(widths=[2,2,1])", "linear(widths=[2,0])",
                                      "mlp(widths=[2,2,1])", 'mlp(widths=[2,2,1], activation="relu")',
                                      "linear(widths=[10**30, 2])", "linear(widths=[2.5, 2])",
                                      "relu(widths=[2,3,1], leak=2)", "linear(widths=[3,1,2], group='cyclic')",
                                      "linear(widths=[3,1,3], group='(1 2)(2 3)')", "linear(widths=[3,1,3], "
                                      "group='dihedral')", "linear(widths=[2,1,2], group='cyclic', bias=True)",
                                      "resnet(widths=[3,2,3,1], activation='x^2')"])
                     ).filter(lambda s: not parses(s))
