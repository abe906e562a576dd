"""Property tests of every CLI command: malformed specs and options (bad metric names, bad --point
vectors, non-numeric or negative sizes, missing or damaged data, atlas and output files) give a
one-line ``error:`` message that names the problem and says what to type instead, with exit
status 2 (or Click's usage error, also status 2), never a traceback or exit status 1; valid input
still succeeds.  The commands are enumerated from the Typer app: one without a case here fails
``test_every_command_has_a_robustness_case``.  (Spec strategies: tests/spec_strategies.py.)"""

from __future__ import annotations

import atexit
import io
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from spec_strategies import FAST, HINTS, bad_specs, parses, time_limit, valid_specs
from typer.testing import CliRunner

import neuromanifold as nm
from neuromanifold.cli import app

runner = CliRunner()

# -- files the cases use ----------------------------------------------------------------------------

WORK = Path(tempfile.mkdtemp(prefix="nm-robust-"))
atexit.register(shutil.rmtree, WORK, True)
ATLAS = str(WORK / "atlas.sqlite")
DATA_SPEC = "linear(widths=[2,1])"                  # 2 inputs, 1 output: data files have 3 columns
GOOD_CSV = str(WORK / "good.csv")
np.savetxt(GOOD_CSV, np.random.default_rng(0).standard_normal((8, 3)), delimiter=",", header="a,b,y",
           comments="")
A_FILE = str(WORK / "plain.txt")
Path(A_FILE).write_text("not a folder\n")
_names = itertools.count()


def _fresh(suffix: str = "") -> str:
    return str(WORK / f"f{next(_names)}{suffix}")


def _write(payload: tuple[str, bytes]) -> str:
    suffix, data = payload
    path = _fresh(suffix)
    Path(path).write_bytes(data)
    return path


def _npy(array, pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=pickle)
    return buf.getvalue()


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


# -- strategies for bad option values ---------------------------------------------------------------

_finite = st.floats(-1e3, 1e3, allow_nan=False)


def _reads_as(kind, text: str) -> bool:
    """Does ``kind(text)`` (int or float) accept the text?"""
    try:
        kind(text)
    except ValueError:
        return False
    return True


def not_int():
    return st.one_of(st.sampled_from(["abc", "1.5", "", " ", "1e3", "10**9", "0x10", "½", "二", "NaN",
                                      "3 4"]),
                     st.text(max_size=8)).filter(lambda t: not _reads_as(int, t))


def below(minimum: int):
    """Integers (as text) below ``minimum``, huge negative ones too, or text that is no integer."""
    return st.one_of(st.integers(-10**30, minimum - 1).map(str), not_int())


def huge():
    """Sizes far beyond what finishes: refused by the size guards (--force would run them)."""
    return st.sampled_from([str(10**30), str(10**12), str(2**63)])


def bad_positive_float(inf_ok: bool = False):
    """Texts that are not a finite positive number (``inf_ok``: infinity means no limit)."""
    return st.one_of(st.sampled_from(["nan", "-inf", "0", "-1", "-1e-9", "-0"] + ([] if inf_ok else ["inf"])),
                     st.floats(max_value=0).map(repr),
                     st.text(max_size=8).filter(lambda t: not _reads_as(float, t)))


METRIC_NAMES = {"euclidean", "euclid", "frobenius", "bombieri-weyl", "bombieri", "bw", "generic"}


def bad_metric(empty_is_default: bool = False):
    """Metric names that do not exist (``empty_is_default``: "" means the default metric)."""
    return st.one_of(st.sampled_from(["foo", "", " ", "l2", "euclidean2", "bombieri weyl x", "генерик",
                                      "None", "[1,0;0,1]", "[bold]x[/]"]),
                     st.text(max_size=12)).filter(
        lambda t: t.strip().lower().replace("_", "-").replace(" ", "-") not in METRIC_NAMES
        and not (empty_is_default and t == ""))


def bad_choice(choices):
    return st.one_of(st.sampled_from(["", " ", "x", "GD", "Complex", "[red]r[/]"]),
                     st.text(max_size=8)).filter(lambda t: t not in choices)


def _point_ok(text: str, dim: int) -> bool:
    import ast
    import math

    try:
        v = ast.literal_eval(text)
    except Exception:  # noqa: BLE001 - anything unreadable is a bad point
        return False
    v = v if isinstance(v, (list, tuple)) else [v]
    return (len(v) == dim and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
            and all(math.isfinite(float(x)) for x in v))


def bad_point(dim: int):
    """--point texts that are not ``dim`` finite numbers: unreadable, of the wrong length, or not finite."""
    unreadable = st.sampled_from(["abc", "[1,", "[1 2]", "[nan]", "[inf]", "{1:2}", "[[1]]", "['a']", "[1j]",
                                  "None", "", "[True]", "1e999", "[1e999]", "[" * 200 + "]" * 200, "9" * 5000,
                                  "[1]*3", "[" + "9" * 400 + "]", "[x]", "[bold]", "(1,)",
                                  "__import__('os')"])
    wrong_length = st.lists(_finite, max_size=7).filter(lambda v: len(v) != dim).map(str)
    not_finite = st.lists(st.one_of(_finite, st.sampled_from([float("inf"), float("-inf")])),
                          min_size=dim, max_size=dim).filter(lambda v: not all(np.isfinite(v))).map(
        lambda v: "[" + ", ".join({float("inf"): "1e999", -float("inf"): "-1e999"}.get(x, repr(x))
                                  for x in v) + "]")
    return st.one_of(unreadable, wrong_length, not_finite, st.text(max_size=12)).filter(
        lambda t: not _point_ok(t, dim))


def bad_data():
    """Data files (for DATA_SPEC: 3 columns) that cannot be used, and paths that are no data file."""
    cell = st.one_of(_finite.map(repr), st.sampled_from(["nan", "inf", "abc", "", "1,5", "--"]))
    # after a row of numbers: a first line that is not all numbers would be read as a header
    bad_cells = st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=4).filter(
        lambda rows: any(not _reads_as(float, c) or not np.isfinite(float(c)) for r in rows for c in r)).map(
        lambda rows: [["1", "2", "3"], *rows])
    wrong_widths = st.lists(st.lists(_finite.map(repr), min_size=1, max_size=5), min_size=1,
                            max_size=4).filter(lambda rows: any(len(r) != 3 for r in rows))
    csv_text = st.one_of(bad_cells, wrong_widths).map(lambda rows: "\n".join(",".join(r) for r in rows))
    csv = st.one_of(csv_text, st.sampled_from(["", "a,b,y\n", "# only a comment\n", "\n\n"])).map(
        lambda t: (".csv", t.encode()))
    not_utf8 = st.binary(max_size=40).map(lambda b: (".csv", b"\xff\xfe" + b))
    shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).filter(
        lambda s: not (len(s) == 2 and s[0] >= 1 and s[1] == 3))
    npy = st.one_of(
        shapes.map(lambda s: (".npy", _npy(np.zeros(s)))),
        st.just((".npy", _npy(np.array([[1, 2, 3]], dtype=object), pickle=True))),
        st.just((".npy", _npy(np.array([[1, 2, 3j]])))),
        st.just((".npy", _npy(np.array([["a", "b", "c"]])))),
        st.just((".npy", _npy(np.array([[1.0, np.nan, 2.0]])))),
        st.just((".npy", _npz(inputs=np.zeros((2, 2)), outputs=np.zeros((2, 1))))),
        st.binary(max_size=60).map(lambda b: (".npy", b"\x93NUMPY" + b)),
    )
    npz = st.one_of(
        st.just((".npz", _npz(a=np.zeros((2, 3))))),
        st.just((".npz", _npz(inputs=np.zeros((3, 2)), outputs=np.zeros((4, 1))))),
        st.just((".npz", _npz(inputs=np.zeros((3, 5)), outputs=np.zeros((3, 1))))),
        st.just((".npz", _npz(inputs=np.array([[1, 2]], dtype=object), outputs=np.zeros((1, 1))))),
        st.just((".npz", _npy(np.zeros((2, 3))))),
        st.binary(max_size=60).map(lambda b: (".npz", b"PK" + b)),
    )
    other = st.sampled_from([".json", ".xlsx", "", ".CSV.gz"]).map(lambda s: (s, b"1,2,3\n"))
    files = st.one_of(csv, not_utf8, npy, npz, other).map(_write)
    places = st.sampled_from(["missing", "folder", "folder.csv", "under-file"]).map(_place)
    return st.one_of(files, places)


def _place(kind: str) -> str:
    if kind == "missing":
        return _fresh(".csv")
    if kind == "under-file":
        return os.path.join(A_FILE, "x.csv")
    path = _fresh(".csv" if kind == "folder.csv" else "")
    os.mkdir(path)
    return path


def bad_atlas():
    garbage = st.binary(min_size=1, max_size=200).filter(lambda b: not b.startswith(b"SQLite format 3")).map(
        lambda b: _write((".sqlite", b)))
    return st.one_of(garbage, st.sampled_from(["folder", "under-file", "foreign"]).map(_atlas_place))


def _atlas_place(kind: str) -> str:
    if kind == "folder":
        path = _fresh()
        os.mkdir(path)
        return path
    if kind == "under-file":
        return os.path.join(A_FILE, "atlas.sqlite")
    path = _fresh(".sqlite")                      # an SQLite file, but not an atlas
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE results (x INTEGER)")
    return path


def bad_output(figure: bool = False, folder: bool = False):
    # a report folder is made with its parents: a missing parent is fine there
    kinds = ["under-file", "empty"] + (["file"] if folder else ["folder", "missing-parent"])
    if figure:
        kinds += ["bad-extension"]
    return st.sampled_from(kinds).map(lambda k: _output_place(k, figure))


def _output_place(kind: str, figure: bool) -> str:
    name = "fig.png" if figure else "out.json"
    if kind == "under-file":
        return os.path.join(A_FILE, name)
    if kind == "missing-parent":
        return os.path.join(_fresh(), "missing", name)
    if kind == "empty":
        return ""
    if kind == "file":
        return A_FILE
    if kind == "folder":
        path = _fresh()
        os.mkdir(path)
        return path
    return _fresh(".notaformat")


def bad_pattern():
    """Sweep patterns none of whose architectures is valid, or braces that cannot be read or are too many."""
    braces = st.sampled_from(["linear(widths=[{a},1])", "linear(widths=[{3..1},1])",
                              "linear(widths=[{1..2..3},1])",
                              "linear(widths=[{1.." + "9" * 30 + "},1])", "linear(widths=[{},1])",
                              "linear(widths=[{1..100000},{1..100000}])", "linear(widths=[{0,-1},2])",
                              "linear(widths=[{2,3},{0..0}])", "", "{1..3}", "linear(widths=[{1..3}"])
    return st.one_of(braces, bad_specs())


def bad_invariants(empty_is_none: bool = False):
    """Invariant names that do not exist (for a filter, ``empty_is_none``: "" means no filter)."""
    from neuromanifold import registry

    return st.one_of(st.sampled_from(["", "foo", "dimension,", ",", "dim,foo", "DIM", " "]),
                     st.text(max_size=10)).filter(lambda t: not all(registry.known(n) for n in t.split(","))
                                                  and not (empty_is_none and t == ""))


def bad_prime():
    from sympy import isprime

    return st.one_of(st.integers(-10**30, 10**30).filter(lambda p: not (3 <= p < 2**26 and isprime(p)))
                     .map(str),
                     st.sampled_from(["2", "4", "67108879", "1", "0", "-7"]), not_int())


def bad_seed():
    return st.one_of(st.integers(-10**30, -1), st.integers(2**63, 10**30)).map(str) | not_int()


# -- the cases --------------------------------------------------------------------------------------

@dataclass
class Case:
    """``valid``: argument lists (after the command's name) that must succeed; ``bad``: a strategy
    of argument lists that must each give a clean error with exit status 2."""

    valid: list
    bad: st.SearchStrategy
    examples: int = 50


def _specs(tiny: str):
    """Spec lists with at least one that does not parse (for the SPEC... commands); after ``--``, so
    that a spec that starts with a dash is still read as a spec."""
    return st.lists(st.one_of(bad_specs(), st.just(tiny)), min_size=1, max_size=3).filter(
        lambda specs: any(not parses(s) for s in specs)).map(lambda specs: ["--", *specs])


def _opt(name: str, values, *rest: str):
    """Argument lists with the option ``name`` set to each of ``values`` (``--name=value``, so that a
    value that starts with a dash is still its value)."""
    return values.map(lambda v: [*rest, f"{name}={v}" if name.startswith("--") else name, *([] if
                                 name.startswith("--") else [v])])


def _with(strategy, *rest: str):
    """``rest`` (options), then each spec (or pattern) of ``strategy`` as the argument."""
    return strategy.map(lambda v: [*rest, "--", v])


LIN = "linear(widths=[2,1,2])"              # not filling: has strata, equations, a census
ONE = "linear(widths=[1,1])"
LCN = "lcn(filters=[2,2])"                   # stride one: has a real boundary
QUAD = 'mlp(widths=[2,1,1], activation="x^2")'
SMALL = 'mlp(widths=[1,2,1], activation="x^2+x")'


def _dim(spec: str) -> int:
    return nm.parse(spec).parametrization().ambient_dimension


CASES: dict[tuple[str, ...], Case] = {
    ("info",): Case(
        valid=[["info", LIN, QUAD], ["info", "--json", LCN]],
        bad=_specs(LIN)),
    ("dim",): Case(
        valid=[["dim", LIN, "--json", "--atlas", ATLAS]],
        bad=st.one_of(_specs(LIN),
                      _opt("--prime", bad_prime(), LIN), _opt("--points", below(1), LIN),
                      _opt("--seed", bad_seed(), LIN), _opt("--atlas", bad_atlas(), LIN))),
    ("degree",): Case(
        valid=[["degree", ONE, "--atlas", ATLAS]],
        bad=st.one_of(_specs(ONE), _opt("--seed", bad_seed(), ONE), _opt("--atlas", bad_atlas(), ONE))),
    ("edd",): Case(
        valid=[["edd", LCN, "--metric", m, "--atlas", ATLAS]
               for m in ("euclidean", "bombieri-weyl", "generic")],
        bad=st.one_of(_specs(LCN), _opt("--metric", bad_metric(), LCN, "--atlas", ATLAS),
                      _opt("--atlas", bad_atlas(), LCN))),
    ("fiber",): Case(
        valid=[["fiber", SMALL, "--atlas", ATLAS]],
        bad=st.one_of(_specs(SMALL), _opt("--point", bad_point(_dim(SMALL)), SMALL, "--atlas", ATLAS))),
    ("singular",): Case(
        valid=[["singular", LIN, "--atlas", ATLAS],
               ["singular", LIN, "--point", "[0,0,0,0]", "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs()), _opt("--point", bad_point(_dim(LIN)), LIN, "--atlas", ATLAS))),
    ("contains",): Case(
        valid=[["contains", LIN, "--point", "[1,0,0,0]", "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs(), "--point", "[1,0,0,0]"),
                      _opt("--point", bad_point(_dim(LIN)), LIN, "--atlas", ATLAS),
                      _opt("--field", bad_choice({"complex", "real"}), LIN, "--point", "[1,0,0,0]"))),
    ("filling",): Case(
        valid=[["filling", QUAD, "--field", "real", "--samples", "0", "--atlas", ATLAS],
               ["filling", LIN, "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs()), _opt("--field", bad_choice({"complex", "real"}), QUAD),
                      _opt("--samples", below(0), QUAD),
                      _opt("--targets", bad_choice({"gaussian", "kostlan"}), QUAD, "--field", "real"),
                      _opt("--atlas", bad_atlas(), QUAD))),
    ("boundary",): Case(
        valid=[["boundary", LCN, "--point", "[1,2,1]", "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs(), "--point", "[1,2,1]"),
                      _opt("--point", bad_point(_dim(LCN)), LCN, "--atlas", ATLAS),
                      st.just([LIN, "--point", "[1,0,0,0]"]))),           # not a family with a boundary
    ("conservation",): Case(
        valid=[["conservation", LIN, "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs()), _opt("--prime", st.sampled_from(["4", "1", "-7", "x", "99999999999"]), LIN)),
        examples=20),
    ("regions",): Case(
        valid=[["regions", "relu(widths=[2,3,1])", "--tropical"], ["regions", "relu(widths=[3,2,1])", "--samples", "50"]],
        bad=st.one_of(_with(bad_specs()), _opt("--point", bad_point(13), "relu(widths=[2,3,1])"),
                      _opt("--samples", below(1) | huge(), "relu(widths=[3,2,1])"),
                      st.just([LIN]), st.just(["relu(widths=[2,3,1], leak=1.5)"])),
        examples=20),
    ("zero-hessian",): Case(
        valid=[["zero-hessian", LIN], ["zero-hessian", DATA_SPEC, "--data", GOOD_CSV],
               ["zero-hessian", LIN, "--depths", "2-4"]],
        bad=st.one_of(_with(bad_specs()), _opt("--data", bad_data(), DATA_SPEC),
                      _opt("--depths", st.sampled_from(["x", "9-2", "0-3", "2-99", "-", "3-x"]), LIN),
                      st.just([DATA_SPEC, "--depths", "2-3"]), st.just([LIN, "--depths", "2-3", "--data", GOOD_CSV]),
                      _opt("--prime", st.sampled_from(["4", "1", "-7", "x", "99999999999"]), LIN),
                      st.just([QUAD]), st.just(["linear(widths=[2,1,2], bias=True)"])),
        examples=20),
    ("implicit",): Case(
        valid=[["implicit", LIN, "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs()), _opt("--degree", below(1), LIN),
                      _opt("--degree", huge() | st.just("100000"), LIN))),
    ("census",): Case(
        valid=[["census", LIN, "--samples", "2", "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs(), "--samples", "2"), _opt("--samples", below(1) | huge(), LIN),
                      _opt("--metric", bad_metric(), LIN, "--samples", "2"),
                      _opt("--targets", bad_choice({"gaussian", "kostlan"}), LIN, "--samples", "2"),
                      _opt("--workers", below(1), LIN, "--samples", "2"),
                      _opt("--plot", bad_output(figure=True), LIN, "--samples", "2"),
                      _opt("--out", bad_output(), LIN, "--samples", "2"))),
    ("crossings",): Case(
        valid=[["crossings", QUAD, "--grid", "4"]],
        bad=st.one_of(_with(bad_specs()), _opt("--u0", bad_point(_dim(QUAD)), QUAD),
                      _opt("--u1", bad_point(_dim(QUAD)), QUAD), _opt("--metric", bad_metric(), QUAD),
                      _opt("--grid", below(2) | huge(), QUAD),
                      _opt("--plot", bad_output(figure=True), QUAD))),
    ("implicit-bias",): Case(
        valid=[["implicit-bias", ONE, "--samples", "2", "--steps", "2", "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs(), "--samples", "2", "--steps", "2"),
                      _opt("--samples", below(1) | huge(), ONE),
                      _opt("--steps", below(1) | huge(), ONE, "--samples", "2"),
                      _opt("--lr", bad_positive_float(), ONE, "--samples", "2", "--steps", "2"),
                      _opt("--metric", bad_metric(), ONE, "--samples", "2", "--steps", "2"))),
    ("voronoi",): Case(
        valid=[["voronoi", "--samples", "200", "--json"]],
        bad=st.one_of(_opt("--samples", below(1) | huge()),
                      _opt("--box", bad_positive_float(), "--samples", "10"),
                      _opt("--plot", bad_output(figure=True), "--samples", "10"))),
    ("critical",): Case(
        valid=[["critical", DATA_SPEC, "--data", GOOD_CSV], ["critical", "relu(widths=[2,1,1])", "--data", GOOD_CSV],
               ["critical", "relu(widths=[2,2,2,1])", "--data", GOOD_CSV, "--starts", "4"]],
        bad=st.one_of(_with(bad_specs(), "--data", GOOD_CSV), _opt("--data", bad_data(), DATA_SPEC),
                      _opt("--data", bad_data(), "relu(widths=[2,1,1])"),
                      _opt("--starts", below(1) | huge(), "relu(widths=[2,2,2,1])", "--data", GOOD_CSV),
                      st.just([DATA_SPEC, "--data", GOOD_CSV, "--starts", "4"]))),
    ("train",): Case(
        valid=[["train", DATA_SPEC, "--data", GOOD_CSV, "--steps", "3"]],
        bad=st.one_of(_with(bad_specs(), "--data", GOOD_CSV), _opt("--data", bad_data(), DATA_SPEC),
                      _opt("--steps", below(1) | huge(), DATA_SPEC, "--data", GOOD_CSV),
                      _opt("--lr", bad_positive_float(), DATA_SPEC, "--data", GOOD_CSV, "--steps", "3"),
                      _opt("--method", bad_choice({"gd", "ode"}), DATA_SPEC, "--data", GOOD_CSV,
                           "--steps", "3"))),
    ("sweep",): Case(
        valid=[["sweep", "linear(widths=[{1..2},1])", "--workers", "1", "--atlas", ATLAS, "--json"]],
        bad=st.one_of(_with(bad_pattern(), "--atlas", ATLAS),
                      _opt("--invariants", bad_invariants(), "linear(widths=[{1..2},1])", "--atlas", ATLAS),
                      _opt("--task-timeout", bad_positive_float(inf_ok=True), "linear(widths=[{1..2},1])",
                           "--atlas", ATLAS),
                      _opt("--workers", below(1), "linear(widths=[{1..2},1])", "--atlas", ATLAS),
                      _opt("--metric", bad_metric(True), "linear(widths=[{1..2},1])", "--invariants", "edd",
                           "--atlas", ATLAS),
                      _opt("--atlas", bad_atlas(), "linear(widths=[{1..2},1])"))),
    ("report",): Case(
        valid=[["report", ONE, "-o", str(WORK / "report"), "--atlas", ATLAS]],
        bad=st.one_of(_with(bad_specs(), "-o", str(WORK / "r")), _opt("--out", bad_output(folder=True), ONE),
                      _opt("--sweep", bad_pattern(), "-o", str(WORK / "r")),
                      _opt("--invariants", bad_invariants(), "--sweep", "linear(widths=[{1..2},1])"),
                      _opt("--census", below(0), ONE, "-o", str(WORK / "r")),
                      _opt("--task-timeout", bad_positive_float(inf_ok=True), ONE, "-o", str(WORK / "r")),
                      st.sampled_from([[], [ONE, "--sweep", "linear(widths=[{1..2},1])"]]))),
    ("atlas", "list"): Case(
        valid=[["atlas", "list", "--atlas", ATLAS],
               ["atlas", "list", "--json", "--family", "é", "--atlas", ATLAS]],
        bad=st.one_of(_opt("--invariant", bad_invariants(True), "--atlas", ATLAS),
                      _opt("--atlas", bad_atlas()))),
    ("atlas", "show"): Case(
        valid=[["atlas", "show", ONE, "--atlas", ATLAS]],          # dim ONE is stored first (test below)
        bad=st.one_of(_with(bad_specs(), "--atlas", ATLAS),
                      st.just(["linear(widths=[4,4])", "--atlas", ATLAS]),      # valid, never computed
                      _opt("--invariant", bad_invariants(True), ONE, "--atlas", ATLAS),
                      _opt("--atlas", bad_atlas(), ONE))),
    ("atlas", "export"): Case(
        valid=[["atlas", "export", "--json", "--atlas", ATLAS],
               ["atlas", "export", "--csv", str(WORK / "a.csv"), "--atlas", ATLAS]],
        bad=st.one_of(st.just(["--atlas", ATLAS]), _opt("--csv", bad_output(), "--atlas", ATLAS),
                      _opt("--invariant", bad_invariants(True), "--json", "--atlas", ATLAS),
                      _opt("--atlas", bad_atlas(), "--json"))),
}


def command_paths(group=None, prefix: tuple = ()):
    """Every command of the app, as its path of names (``("atlas", "show")``); groups are told by
    their ``commands`` (Typer may bring its own copy of Click, so no isinstance)."""
    group = group or typer.main.get_command(app)
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):
            yield from command_paths(cmd, prefix + (name,))
        else:
            yield prefix + (name,)


COMMANDS = list(command_paths())


# -- running and judging ----------------------------------------------------------------------------

def invoke(argv: list[str]):
    with time_limit(90, f"neuromanifold {' '.join(map(repr, argv))[:200]}"):
        return runner.invoke(app, argv)


def _described(argv, res) -> str:
    tb = "".join(traceback.format_exception(res.exception)) if res.exception and \
        not isinstance(res.exception, SystemExit) else ""
    return f"neuromanifold {argv!r}\n-> exit {res.exit_code}\n{res.output}\n{tb}"


def assert_clean_error(argv: list[str], res) -> None:
    """Exit status 2 and one clear message on stderr: ours (``error: ...`` with a hint) or Click's."""
    text = _described(argv, res)
    assert res.exception is None or isinstance(res.exception, SystemExit), text
    assert res.exit_code == 2, text
    assert "Traceback" not in res.output, text
    stderr = res.stderr.strip()
    assert stderr, text
    if stderr.startswith("error:"):
        message = " ".join(stderr.split())
        assert "internal error" not in message, text
        assert len(message) > len("error: ") + 10, text
        assert any(h in message for h in HINTS), "the message says nothing to type instead:\n" + text
    else:                                                   # Click's usage error, also status 2
        assert "Usage:" in stderr and ("Error" in stderr or "error" in stderr), text


def assert_success(argv: list[str], res) -> None:
    text = _described(argv, res)
    assert res.exception is None or isinstance(res.exception, SystemExit), text
    assert res.exit_code == 0, text


def test_every_command_has_a_robustness_case():
    missing = sorted(" ".join(p) for p in set(COMMANDS) - set(CASES))
    stale = sorted(" ".join(p) for p in set(CASES) - set(COMMANDS))
    assert not missing, f"commands without a robustness case in {__file__}: {missing}"
    assert not stale, f"cases for commands that no longer exist: {stale}"
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_valid_input_succeeds(path):
    if path == ("atlas", "show"):
        assert_success(["dim", ONE], invoke(["dim", ONE, "--atlas", ATLAS]))
    for argv in CASES[path].valid:
        assert_success(argv, invoke(argv))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_unknown_options_are_usage_errors(path):
    argv = [*path, "--definitely-not-an-option"]
    assert_clean_error(argv, invoke(argv))


def _bad_input(path, examples):
    @settings(FAST, max_examples=examples)
    @given(args=CASES[path].bad)
    def run(args):
        argv = [*path, *args]
        assert_clean_error(argv, invoke(argv))

    run()


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_bad_input_gives_a_clean_error(path):
    _bad_input(path, CASES[path].examples)


@pytest.mark.slow
@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_bad_input_gives_a_clean_error_many(path):
    _bad_input(path, 5 * CASES[path].examples)


@settings(FAST, max_examples=40)
@given(spec=valid_specs())
def test_info_describes_every_valid_spec(spec):
    argv = ["info", "--json", spec]
    assert_success(argv, invoke(argv))


@settings(FAST, max_examples=12)
@given(spec=valid_specs(families=("linear", "lcn", "attention")))
def test_dim_then_atlas_show_on_small_valid_specs(spec):
    res = invoke(["dim", spec, "--atlas", ATLAS, "--json"])
    assert_success(["dim", spec], res)
    show = invoke(["atlas", "show", spec, "--atlas", ATLAS])
    assert_success(["atlas", "show", spec], show)
    shown = json.loads(show.stdout)                       # one row: an object; several: a list
    assert {row["spec"] for row in (shown if isinstance(shown, list) else [shown])} == {str(nm.parse(spec))}
