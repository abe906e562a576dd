"""The command line: tables, JSON fields from DESIGN.md, and one-line errors with status 2."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from neuromanifold.cli import app

runner = CliRunner()

LINEAR = "linear(widths=[4,2,3])"
CUBIC = 'mlp(widths=[2,2,1], activation="x^3")'


def run(*args):
    return runner.invoke(app, list(args))


def test_info_table():
    res = run("info", LINEAR, CUBIC)
    assert res.exit_code == 0, res.output
    for word in ["linear", "GL(2) between layers 1 and 2", "x^3, x^2*y, x*y^2, y^3", "ambient dim V"]:
        assert word in res.stdout


def test_info_json():
    res = run("info", "--json", 'mlp(widths=[2,3,1], activation="tanh", degree=3)')
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["spec"] == 'mlp(widths=[2,3,1], activation="tanh", degree=3)'
    assert data["parameters"] == 9 and data["ambient_dimension"] == 6
    assert data["activation"]["approximation"]["sup_error"] > 0


def test_dim_json_has_the_design_fields():
    res = run("dim", LINEAR, "--json", "--seed", "5")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in ["spec", "invariant", "value", "certified", "lower", "upper", "ambient_dimension", "parameters",
                "filling", "method", "seconds", "seed"]:
        assert key in data
    assert (data["value"], data["certified"], data["seed"], data["spec"]) == (10, True, 5, LINEAR)


def test_dim_table_and_several_specs():
    res = run("dim", LINEAR, CUBIC)
    assert res.exit_code == 0, res.output
    assert "certified" in res.stdout and "10" in res.stdout
    both = json.loads(run("dim", LINEAR, CUBIC, "--json").stdout)
    assert [d["value"] for d in both] == [10, 4]


def test_uncertified_is_shown():
    res = run("dim", 'mlp(widths=[2,3,2,1], activation="x^2", bias=True)')     # 12 <= dim <= 14
    assert "not certified" in res.stdout and "probability" in res.stdout


def test_secant_bound_is_named():
    res = run("dim", 'mlp(widths=[3,5,1], activation="x^4")')                  # AH: 14, not 15
    assert res.exit_code == 0 and "certified" in res.stdout and "not certified" not in res.stdout
    assert "Massarenti" in res.stdout


@pytest.mark.parametrize("args,words", [
    (["dim", "mpl(widths=[2,2,1])"], ["unknown family", "did you mean 'mlp'"]),
    (["dim", "linear(widths=[4,2,3]"], ["malformed spec"]),
    (["info", "linear(widths=[])"], ["widths needs at least 2 entries"]),
    (["info", "linear(widths=[4,0,3])"], ["widths[1] must be a positive integer"]),
    (["dim", 'mlp(widths=[2,2,1], activation="relu")'], ["not a polynomial", "degree="]),
    (["dim", 'mlp(widths=[2,2,1], activaton="x^2")'], ["did you mean 'activation'"]),
    (["dim", "linear(widths=[3000,3000,3000])"], ["--force", "GiB"]),
    (["dim", LINEAR, "--prime", "100"], ["not a prime"]),
])
def test_bad_input_gives_one_line_errors(args, words):
    res = run(*args)
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    first = res.stderr.strip().splitlines()[0]
    assert first.startswith("error:")
    for word in words:
        assert word in res.stderr.replace("\n", " ")


def test_spec_errors_point_at_the_character():
    res = run("info", "linear(widths=[4,-2,3])")
    lines = res.stderr.splitlines()
    assert lines[1].strip() == "linear(widths=[4,-2,3])"
    assert lines[2].index("^") - lines[1].index("l") == len("linear(widths=[4,")


def test_installed_command_runs():
    exe = shutil.which("neuromanifold", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the neuromanifold console script is not installed next to this Python")
    ok = subprocess.run([exe, "dim", "lcn(filters=[3,2], strides=[2,1])", "--json"], capture_output=True,
                        text=True, timeout=300)
    assert ok.returncode == 0 and json.loads(ok.stdout)["value"] == 4
    bad = subprocess.run([exe, "info", "lcn(filters=[3,2], strides=[2,1,1])"], capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.startswith("error:")


PCNN = 'pcnn(filters=[2,2], strides=[1,1], activation="x^2")'


def test_degree_json_fields():
    res = run("degree", PCNN, "--json", "--seed", "1")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["value"] == 4 and data["invariant"] == "degree" and data["seed"] == 1
    for key in ["spec", "certified", "lower", "method", "seconds", "paths", "failed_paths",
                "certified_count", "trace_test"]:
        assert key in data
    assert data["trace_test"]["passed"] is True


def test_degree_table_and_filling():
    res = run("degree", CUBIC)
    assert res.exit_code == 0, res.output
    assert "degree" in res.stdout and "filling" in res.stdout


def test_fiber_json_fields():
    res = run("fiber", CUBIC, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["value"] == data["orbits"] == 1
    for key in ["fiber_dimension", "symmetry_dimension", "orbits", "paths", "failed_paths"]:
        assert key in data


@pytest.mark.parametrize("args, words", [
    (["degree", "linear(widths=[4,2"], "never closed"),
    (["fiber", CUBIC, "--point", "[1,0"], "cannot read the point"),
    (["fiber", CUBIC, "--point", "[1,0,-1,0]"], "linear networks only"),
    (["fiber", "linear(widths=[3,2,3])", "--point", "[1,2,3]"], "coordinates"),
])
def test_degree_and_fiber_errors(args, words):
    res = run(*args)
    assert res.exit_code == 2
    assert words in res.output
