"""Resource guards: every command whose cost grows with its input estimates it first and refuses,
with the estimate and the way out, unless --force; --force runs it; --task-timeout stops a task."""

import time

import numpy as np
import pytest
from typer.testing import CliRunner

from neuromanifold import guards
from neuromanifold.cli import app
from neuromanifold.errors import TooLargeError
from neuromanifold.landscape import census, critical_points
from neuromanifold.landscape.voronoi import cusp_voronoi

runner = CliRunner()


def _refused(args):
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())
    assert "Traceback" not in text and "add --force" in text, text
    return text


@pytest.mark.parametrize("args, says", [
    (["census", "linear(widths=[3,1,3])", "--samples", "10000000"], "30,000,000 paths) needs about"),
    (["voronoi", "--samples", "10000000000"], "GiB"),
    (["crossings", "linear(widths=[2,1,2])", "--grid", "100000000"], "use a smaller --grid"),
    (["implicit-bias", "linear(widths=[2,1,2])", "--samples", "100000000"], "use fewer --samples"),
    (["sweep", "linear(widths=[{1..200},{1..200},2])"], "40,000 architectures"),
    (["singular", 'mlp(widths=[20,100,100,1], activation="x^2")'], "candidate strata"),
    (["dim", 'mlp(widths=[20,400,400,1], activation="x^2")'], "Jacobian"),
    (["edd", "linear(widths=[10,5,10])"], "unknowns"),
])
def test_commands_refuse_past_their_estimate(args, says, tmp_path):
    stored = args[0] not in ("voronoi", "crossings")           # the commands that use the atlas
    text = _refused(args + ["--atlas", str(tmp_path / "a.sqlite")] if stored else args)
    assert says in text


def test_training_is_timed_and_refused_when_the_rest_would_not_finish(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    data = tmp_path / "d.csv"
    np.savetxt(data, np.hstack([X, X[:, :1] ** 2]), delimiter=",")
    start = time.perf_counter()
    text = _refused(["train", 'mlp(widths=[2,3,1], activation="x^2")', "--data", str(data),
                     "--steps", "100000000000"])
    assert "gradient-descent steps" in text and "use fewer --steps" in text
    assert time.perf_counter() - start < 60          # refused after its first blocks, not at the end


def test_critical_refuses_a_system_with_too_many_unknowns():
    with pytest.raises(TooLargeError, match="75 unknowns"):
        critical_points("linear(widths=[10,5,10])", np.random.default_rng(0).standard_normal(100))


def test_force_runs_what_the_guard_refuses(monkeypatch):
    monkeypatch.setattr(guards, "MAX_SECONDS", 1e-9)
    with pytest.raises(TooLargeError) as exc:
        cusp_voronoi(2000)
    assert exc.value.estimate["seconds"] > 0
    assert cusp_voronoi(2000, force=True).samples == 2000
    with pytest.raises(TooLargeError, match="fewer --samples"):
        census("linear(widths=[2,1,2])", 5, workers=1)
    assert sum(census("linear(widths=[2,1,2])", 5, workers=1, force=True).table.values()) == 5


def test_census_estimate_is_the_right_order_of_magnitude(monkeypatch):
    """The predicted time of a 200-instance census against the measured one (a factor of 30 either
    way: the estimate is an order of magnitude, from the reference machine's rate)."""
    census("linear(widths=[3,1,3])", 5, "euclidean", workers=1)       # compiles the kernels
    monkeypatch.setattr(guards, "MAX_SECONDS", 0.0)
    with pytest.raises(TooLargeError) as exc:
        census("linear(widths=[3,1,3])", 200, "euclidean", workers=1)
    predicted = exc.value.estimate["seconds"]
    start = time.perf_counter()
    census("linear(widths=[3,1,3])", 200, "euclidean", workers=1, force=True)
    measured = time.perf_counter() - start
    assert predicted / 30 < measured < predicted * 30, (predicted, measured)


def test_stopwatch_extrapolates_from_the_first_laps():
    watch = guards.Stopwatch("a loop of 1,000,000 sleeps", 1_000_000, force=False)
    with pytest.raises(TooLargeError, match="a loop of 1,000,000 sleeps needs about"):
        for i in range(1, 100):
            time.sleep(0.03)
            watch.lap(i)
    forced = guards.Stopwatch("the same, forced", 1_000_000, force=True)
    for i in range(1, 5):
        time.sleep(0.03)
        forced.lap(i)


def test_task_timeout_is_respected(tmp_path):
    """A degree task (several seconds) under --task-timeout 1 is stopped at about 1 s and recorded."""
    start = time.perf_counter()
    r = runner.invoke(app, ["sweep", "linear(widths=[4,2,{3,4}])", "--invariants", "degree", "--workers", "1",
                            "--task-timeout", "1", "--atlas", str(tmp_path / "a.sqlite"), "--json"])
    elapsed = time.perf_counter() - start
    assert r.exit_code == 0, r.output
    assert r.output.count("time limit") >= 2
    assert elapsed < 30, elapsed                      # two tasks, each stopped at 1 s, plus worker start-up
