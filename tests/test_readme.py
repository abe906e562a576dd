"""Every command of the README, as written there (with a small data file it creates), in an
80-column console: no traceback, no internal error, no line wider than 80 columns, no table cell
taller than a few lines.  Commands the README shows as refused must give a clean error."""

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

import neuromanifold.cli as cli

README = Path(__file__).resolve().parents[1] / "README.md"
#: placeholders that cannot run here (a Dask scheduler address, an elided pattern)
UNRUNNABLE = ("tcp://HOST", 'sweep "..."')
#: commands the README says are refused (a size estimate), and the error they must give
REFUSED = {"linear(widths=[3000,3000,3000])": "--force"}
#: rows of one table cell, at most
TALLEST_CELL = 8


def readme_commands() -> list[str]:
    text = README.read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("neuromanifold ") and not any(u in line for u in UNRUNNABLE):
                commands.append(line)
    return commands


def _args(line: str) -> list[str]:
    words = shlex.split(line, comments=True)
    assert words[0] == "neuromanifold"
    return words[1:]


def _tallest_cell(output: str) -> int:
    """The most consecutive table lines whose first column is blank (one cell wrapped over them)."""
    tallest = run = 0
    for line in output.splitlines():
        inner = line.strip()
        if inner.startswith("│") and inner.split("│")[1].strip() == "":
            run += 1
            tallest = max(tallest, run + 1)
        else:
            run = 0
    return tallest


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("readme")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    np.savetxt(path / "samples.csv", np.hstack([X, X @ rng.standard_normal((3, 3))]), delimiter=",")
    x = rng.standard_normal((8, 1))
    np.savetxt(path / "relu.csv", np.hstack([x, np.abs(x) + 0.1 * rng.standard_normal((8, 1))]), delimiter=",")
    return path


def test_the_readme_has_commands():
    commands = readme_commands()
    assert len(commands) >= 30 and any(c.startswith("neuromanifold census") for c in commands)


@pytest.mark.slow
@pytest.mark.parametrize("line", readme_commands())
def test_readme_command(line, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("NEUROMANIFOLD_ATLAS", str(workdir / "atlas.sqlite"))
    monkeypatch.setattr(cli, "out", Console(width=80, force_terminal=False, color_system=None))
    monkeypatch.setattr(cli, "err", Console(width=80, stderr=True, force_terminal=False, color_system=None))
    result = CliRunner().invoke(cli.app, _args(line))
    output = result.output
    assert "Traceback" not in output and "internal error" not in output, output
    refused = next((need for spec, need in REFUSED.items() if spec in line), None)
    if refused:
        assert result.exit_code == 2 and refused in output, output
        return
    assert result.exit_code == 0, output
    wide = [l for l in output.splitlines() if len(l) > 80 and not l.lstrip().startswith(("{", "[", '"'))]
    assert not wide, "\n".join(wide)
    if "--json" not in line:
        assert _tallest_cell(output) <= TALLEST_CELL, output
