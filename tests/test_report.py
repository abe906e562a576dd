"""HTML reports (issue 6): one architecture and a sweep; a real headless browser when present."""

import os
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from neuromanifold.cli import app
from neuromanifold.report.html import covering_bound, report, sweep_report


@pytest.fixture(scope="module")
def cone_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return report("linear(widths=[2,1,2])", str(out)), out


def test_report_of_the_rank_one_cone(cone_report):
    """2 x 2 matrices of rank <= 1: dim 3, one fibre orbit (the fibre {(t a, b / t)} is one orbit of
    GL_1), degree 2 (a quadric), ED degree 2 (Eckart-Young, C(2, 1)); the plane slice through the
    apex is drawn; nothing is loaded from the network."""
    path, out = cone_report
    page = open(path).read()
    cells = dict(re.findall(r"<tr><td>(\w+)</td><td><b>([^<]*)</b>", page))
    assert cells == {"dimension": "3", "fiber": "1", "degree": "2", "ed_degree": "2"}
    assert "What the numbers say" in page and "Covering numbers" in page
    assert "apex" in page and (out / "slice.png").read_bytes()[:4] == b"\x89PNG"
    assert not re.search(r"(src|href)=['\"]?https?:", page)
    for img in re.findall(r"<img [^>]*src='([^']+)'", page):
        assert (out / img).exists()
    # the discriminant picture for a default segment; its crossings change the real count by two
    assert (out / "crossings.png").read_bytes()[:4] == b"\x89PNG" and "each time by two" in page


def test_covering_bound_formula():
    """dim * log(deg / eps)."""
    rows = covering_bound(3, 2, (0.1,))
    assert abs(rows[0]["log_covering"] - 3 * 2.995732273553991) < 1e-12


def test_sweep_report_draws_each_invariant(tmp_path):
    path = sweep_report("linear(widths=[3,{1..3},3])", "dimension", str(tmp_path))
    page = open(path).read()
    assert "3 architectures" in page and (tmp_path / "sweep-dimension.png").exists()
    assert page.count("<tr><td>linear(widths=[3,") == 3


def test_report_in_a_headless_browser(cone_report):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian chromium is not installed (apt-get install chromium): browser check skipped")
    path, out = cone_report
    shot = str(out / "shot.png")
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                           "--window-size=1200,2000", "file://" + os.path.abspath(path)],
                          capture_output=True, text=True, timeout=120)
    assert os.path.exists(shot), proc.stderr[-500:]
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          "file://" + os.path.abspath(path)], capture_output=True, text=True, timeout=120).stdout
    assert "Invariants" in dom and "slice.png" in dom and "crossings.png" in dom
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.std() > 0.05                          # text and figures were drawn, not a blank page
    assert (pixels.mean(axis=2) < 0.5).mean() > 0.005   # some dark ink: the tables and the curves


def test_cli_report_needs_one_target(tmp_path):
    r = CliRunner().invoke(app, ["report"])
    assert r.exit_code == 2 and "give one SPEC or --sweep" in r.output


def test_attention_slice_shows_where_branches_cross(tmp_path):
    """The attention neuromanifold is a quartic hypersurface of its 6-dimensional span; an affine
    plane meets its double locus (where two branches of the projection cross) in nodes of the slice
    curve, which the figure marks after is_singular confirms each one."""
    import neuromanifold as nm
    from neuromanifold.report.html import _slice_figure

    caption = _slice_figure(nm.parse("attention(d=2, a=2, t=2, dout=1)"), str(tmp_path / "s.png"), 0)
    assert "6-dimensional linear span" in caption and "degree 4" in caption
    assert "two branches cross" in caption and (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
