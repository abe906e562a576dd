"""The result atlas and sweeps (issue 6): storage, resume after a kill, failures, Dask."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from neuromanifold.atlas import Atlas, expand, sweep
from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError

GRID40 = "linear(widths=[{2..5},{1..5},{2,3}])"          # 4 x 5 x 2 = 40 architectures


def test_brace_patterns_expand_to_the_grid():
    specs = expand("mlp(widths=[2,{2..6},1], activation='x^{2..4}')")
    assert len(specs) == 15 and specs[0] == "mlp(widths=[2,2,1], activation='x^2')"
    assert specs[-1] == "mlp(widths=[2,6,1], activation='x^4')"
    assert expand("linear(widths=[{2,4},3])") == ["linear(widths=[2,3])", "linear(widths=[4,3])"]
    with pytest.raises(NeuromanifoldError, match="empty range"):
        expand("linear(widths=[{5..2},3])")
    with pytest.raises(NeuromanifoldError, match="range {2..6} or a list"):
        expand("linear(widths=[{x},3])")


def test_store_round_trip_and_failures(tmp_path):
    from neuromanifold import dimension

    with Atlas(str(tmp_path / "a.sqlite")) as store:
        res = dimension("linear(widths=[4,2,3])")
        store.put(res)
        row = store.get("linear(widths=[4,2,3])", "dimension")
        assert row.value == 10 and row.certified and row.result["upper"] == 10 and row.family == "linear"
        store.put_failure("mlp(widths=[2,0,1])", "dimension", None, 0, "bad spec")
        assert [r.status for r in store.rows()] == ["ok", "failed"]
        assert store.rows(status="failed")[0].reason == "bad spec"


def test_sweep_of_40_architectures_then_instantly_from_the_atlas(tmp_path):
    """dim of linear(widths=[d0, r, d2]) = r (d0 + d2 - r) for r <= min(d0, d2), else d0 d2."""
    path = str(tmp_path / "a.sqlite")
    ticks = []
    first = sweep(GRID40, "dimension", atlas=path, workers=2, progress=lambda m, done, total: ticks.append((done, total)))
    assert len(first.rows) == 40 and first.computed == 40 and first.failed == 0 and len(ticks) == 40
    assert sorted(ticks) == [(i, 40) for i in range(1, 41)]        # the package's one progress shape
    for row in first.rows:
        d0, r, d2 = json.loads(row["spec"].split("=")[1].rstrip(")"))
        rr = min(r, d0, d2)
        assert row["value"] == rr * (d0 + d2 - rr) and row["certified"]
    t0 = time.perf_counter()
    again = sweep(GRID40, "dimension", atlas=path)
    assert again.cached == 40 and again.computed == 0 and time.perf_counter() - t0 < 2.0
    assert [r["value"] for r in again.rows] == [r["value"] for r in first.rows]


def test_failures_are_recorded_and_the_sweep_goes_on(tmp_path):
    path = str(tmp_path / "a.sqlite")
    r = sweep("linear(widths=[3,{0,1},3])", "dimension", atlas=path, workers=1)
    bad = [x for x in r.rows if x["status"] == "failed"]
    assert len(bad) == 1 and "bad spec" in bad[0]["reason"] and r.computed == 1
    slow = sweep("linear(widths=[4,2,{3,4}])", "degree", atlas=path, workers=1, task_timeout=0.5)
    assert slow.failed == 2 and all("time limit" in x["reason"] for x in slow.rows)
    with Atlas(path) as store:
        assert {x.reason.split(":")[0] for x in store.rows(status="failed")} >= {"time limit"}


def _rows(path):
    with Atlas(path) as store:
        return {(r.spec, r.invariant): (r.value, r.date, r.status) for r in store.rows()}


def test_killed_sweep_resumes_with_nothing_lost_or_computed_twice(tmp_path):
    """Kill the CLI sweep mid-run (SIGKILL: no clean-up), run it again, compare with an
    uninterrupted run: the same results, and the rows stored before the kill are not recomputed."""
    grid = "linear(widths=[{3,4},{1,2},{3,4}])"
    killed, clean = str(tmp_path / "killed.sqlite"), str(tmp_path / "clean.sqlite")
    cmd = [sys.executable, "-m", "neuromanifold.cli", "sweep", grid, "--invariants", "degree,dimension",
           "--workers", "1", "--json"]
    proc = subprocess.Popen(cmd + ["--atlas", killed], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        time.sleep(0.5)
        if os.path.exists(killed) and len(_rows(killed)) >= 3:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = _rows(killed)
    assert 3 <= len(before) < 16, "the sweep should have been killed mid-run"
    con = sqlite3.connect(killed)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    rerun = sweep(grid, "degree,dimension", atlas=killed, workers=2)
    assert rerun.cached == len(before) and rerun.computed == 16 - len(before)
    after = _rows(killed)
    assert all(after[k] == v for k, v in before.items())            # same date: not computed twice
    sweep(grid, "degree,dimension", atlas=clean, workers=2)
    reference = _rows(clean)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in reference.items()}
    assert len(after) == 16


def test_concurrent_writers_do_not_corrupt_the_file(tmp_path):
    path = str(tmp_path / "a.sqlite")
    code = ("import sys; from neuromanifold.atlas import Atlas\n"
            "a = Atlas(sys.argv[1])\n"
            "for i in range(40): a.put_failure(f'linear(widths=[{i},' + sys.argv[2] + '])', 'dimension', None, 0, 'x')\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, path, str(w)]) for w in (1, 2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with Atlas(path) as store:
        assert len(store.rows()) == 80
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_sweep_on_a_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = str(tmp_path / "a.sqlite")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        r = sweep("linear(widths=[{2,3},1,{2,3}])", "dimension", atlas=path, scheduler=cluster.scheduler_address)
    assert r.computed == 4 and [x["value"] for x in r.rows] == [3, 4, 4, 5]
    with Atlas(path) as store:
        assert len(store.rows(status="ok")) == 4
    with pytest.raises(NeuromanifoldError, match="cannot reach the Dask scheduler"):
        sweep("linear(widths=[5,1,5])", "dimension", atlas=path, scheduler="tcp://127.0.0.1:9")


def test_cli_sweep_and_atlas_commands(tmp_path):
    path = str(tmp_path / "a.sqlite")
    runner = CliRunner()
    r = runner.invoke(app, ["sweep", "linear(widths=[{2,3},1,2])", "--atlas", path, "--json", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["computed"] == 2
    r = runner.invoke(app, ["atlas", "list", "--atlas", path, "--json", "--family", "linear"])
    assert r.exit_code == 0 and len(json.loads(r.output)) == 2
    r = runner.invoke(app, ["atlas", "show", "linear(widths=[3,1,2])", "--atlas", path])
    assert r.exit_code == 0 and json.loads(r.output)["value"] == 4
    r = runner.invoke(app, ["atlas", "export", "--csv", str(tmp_path / "x.csv"), "--atlas", path])
    assert r.exit_code == 0 and (tmp_path / "x.csv").read_text().count("\n") == 3
    bad = runner.invoke(app, ["sweep", "linear(widths=[2,2])", "--invariants", "volume", "--atlas", path])
    assert bad.exit_code == 2 and "unknown invariant" in bad.output


def test_cli_commands_reuse_stored_results(tmp_path):
    """Asking again returns the stored result (said in its notes) unless --recompute."""
    path = str(tmp_path / "a.sqlite")
    runner = CliRunner()
    cases = [["dim", "linear(widths=[4,2,3])"], ["singular", "linear(widths=[4,2,3])"],
             ["census", "linear(widths=[3,1,3])", "--samples", "4"],
             ["boundary", "lcn(filters=[2,2], strides=[1,1])", "--point", "[1,-2,1]"]]
    for args in cases:
        first = json.loads(runner.invoke(app, args + ["--atlas", path, "--json"]).output)
        again = runner.invoke(app, args + ["--atlas", path, "--json"])
        assert again.exit_code == 0, again.output
        second = json.loads(again.output)
        assert second["value"] == first["value"] and "from the atlas" in second["notes"][-1], args
        fresh = json.loads(runner.invoke(app, args + ["--atlas", path, "--json", "--recompute"]).output)
        assert not any("from the atlas" in n for n in fresh["notes"])
    r = runner.invoke(app, ["census", "linear(widths=[3,1,3])", "--samples", "4", "--atlas", path])
    assert r.exit_code == 0 and "(computed" in r.output and "recompute" in r.output   # drawn from the stored result


def test_sweep_and_commands_ask_the_same_question(tmp_path):
    """A sweep stores each invariant under its complete option set (defaults filled in), so `dim`,
    `degree` and `edd` of the same architecture afterwards answer from the atlas: one row each."""
    path = str(tmp_path / "a.sqlite")
    runner = CliRunner()
    done = sweep("linear(widths=[3,{1,2},3])", "dimension,degree,ed_degree", options={"metric": "euclidean"},
                 atlas=path, workers=1)
    assert done.computed == 6 and done.failed == 0
    for args in (["dim"], ["degree"], ["edd", "--metric", "euclidean"]):
        out = runner.invoke(app, [*args, "linear(widths=[3,1,3])", "--atlas", path, "--json"])
        assert out.exit_code == 0, out.output
        assert "from the atlas" in json.loads(out.output)["notes"][-1], args
    with Atlas(path) as store:
        rows = store.rows()
        assert len(rows) == 6 and all(r.revision is not None for r in rows)
        keys = {(r.spec, r.invariant) for r in rows}
        assert len(keys) == 6                           # no second row for any question


def test_rows_of_an_older_revision_are_recomputed(tmp_path):
    """A row computed by another revision of its invariant (or before revisions existed: an atlas
    without the column) is stale: the command computes it again, says so, and replaces it."""
    path = str(tmp_path / "a.sqlite")
    runner = CliRunner()
    spec = "linear(widths=[4,2,3])"
    assert runner.invoke(app, ["dim", spec, "--atlas", path]).exit_code == 0
    con = sqlite3.connect(path)
    con.execute("UPDATE results SET revision = 1, result = json_set(result, '$.value', 99)")
    con.commit()
    con.close()
    out = json.loads(runner.invoke(app, ["dim", spec, "--atlas", path, "--json"]).output)
    assert out["value"] == 10 and any("stale row (revision 1" in n for n in out["notes"])
    again = json.loads(runner.invoke(app, ["dim", spec, "--atlas", path, "--json"]).output)
    assert again["value"] == 10 and "from the atlas" in again["notes"][-1]
    # an atlas written before revisions: the column is added, its rows are stale
    old = str(tmp_path / "old.sqlite")
    con = sqlite3.connect(old)
    con.executescript(
        "CREATE TABLE results (spec TEXT NOT NULL, family TEXT NOT NULL, invariant TEXT NOT NULL, options TEXT "
        "NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL, value TEXT, certified INTEGER, lower TEXT, "
        "upper TEXT, method TEXT, reason TEXT, version TEXT, seconds REAL, date TEXT, result TEXT, "
        "PRIMARY KEY (spec, invariant, options, seed));")
    con.commit()
    con.close()
    with Atlas(old) as store:
        assert store.rows() == []
    assert runner.invoke(app, ["dim", spec, "--atlas", old]).exit_code == 0
    from neuromanifold.atlas.compute import revision

    with Atlas(old) as store:
        assert [r.revision for r in store.rows()] == [revision("dimension")]


def test_atlas_list_fits_80_columns(tmp_path):
    """`atlas list` in an 80-column terminal: no line wider, one line per stored row, options shown
    only where they differ from the invariant's defaults."""
    import os
    import subprocess
    import sys

    path = str(tmp_path / "a.sqlite")
    sweep("linear(widths=[3,{1,2},3])", "dimension,ed_degree,fiber", atlas=path, workers=1)
    runner = CliRunner()
    assert runner.invoke(app, ["edd", "linear(widths=[3,1,3])", "--metric", "generic", "--atlas", path]).exit_code == 0
    env = dict(os.environ, COLUMNS="80")
    out = subprocess.run([sys.executable, "-m", "neuromanifold.cli", "atlas", "list", "--atlas", path],
                         capture_output=True, text=True, env=env, check=True).stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if line.lstrip().startswith("linear(")]
    assert len(rows) == 7                                    # one line each: nothing wrapped
    generic = [line for line in rows if "metric=generic" in line]
    assert len(generic) == 1 and "39" in generic[0]          # the 3 x 3 rank-one generic ED degree
    assert sum("metric=" in line for line in rows) == 1      # the default euclidean is not repeated
