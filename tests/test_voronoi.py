"""The Voronoi cell of the cusp."""

import numpy as np

from neuromanifold.report.figures import draw


def test_cusp_voronoi_cell_has_positive_area(tmp_path):
    """The nearest point of y^2 = x^3 by the quartic agrees with a dense search over t, the
    negative x-axis lies in the cusp's cell, and the cell covers a positive share of the box."""
    from neuromanifold.landscape.voronoi import cusp_voronoi, nearest_is_cusp

    rng = np.random.default_rng(7)
    U = rng.uniform(-1, 1, (300, 2))
    t = np.concatenate([np.linspace(-2, 2, 40001)])
    d = (t[None] ** 2 - U[:, :1]) ** 2 + (t[None] ** 3 - U[:, 1:]) ** 2
    brute = d.min(axis=1)
    cusp = np.sum(U ** 2, axis=1)
    clear = np.abs(cusp - brute) > 1e-6 + 1e-9            # not on the cell's boundary
    assert np.array_equal(nearest_is_cusp(U)[clear], (cusp <= brute + 1e-12)[clear])
    assert nearest_is_cusp(np.column_stack([-np.linspace(0.01, 1, 20), np.zeros(20)])).all()
    r = cusp_voronoi(20000, seed=1)
    assert 0.3 < r.fraction < 0.6 and r.interval[0] < r.fraction < r.interval[1]
    draw(r, str(tmp_path / "v.png"))
    assert (tmp_path / "v.png").read_bytes()[:4] == b"\x89PNG"
