"""Zero-Hessian critical points of deep linear networks (seed 004): strata against quiver theory and
brute force, Hessians by autodiff over F_p, dim im delta against the balancedness count."""

import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError
from neuromanifold.landscape import zero_hessian as zh

P = zh.pf.P26


def test_h2_is_empty_and_h3_is_the_origin():
    """Kawaguchi (arXiv 1605.07110): for one hidden layer every critical point has a nonzero Hessian
    (theta = 0 is a strict saddle); with two hidden layers theta = 0 has a zero Hessian, and for
    d_0 = d_3 (C = Y X^T invertible) it is the only such point."""
    r2 = zh.zero_hessian("linear(widths=[3,2,3])")
    assert r2.value is None and r2.strata == [] and r2.holds is None
    r3 = zh.zero_hessian("linear(widths=[3,2,2,3])")
    assert r3.dimension == 0 and r3.value == 0 and r3.holds
    assert r3.strata[0]["hessian_zero"] and r3.strata[0]["conditions"].startswith("rk W1 = 0, rk W2 = 0, rk W3 = 0")


@pytest.mark.parametrize("widths", [[2, 1, 1, 2], [3, 2, 2, 3], [2, 2, 2, 2, 2], [1, 2, 3, 2, 1], [2, 3, 1, 2]])
def test_image_of_delta_is_the_balancedness_count(widths):
    """delta = (W_{i+1}^T W_{i+1} - W_i W_i^T)_i is a submersion at generic W (its d_i (d_i + 1) / 2
    entries per hidden layer are the independent conservation laws of Marcotte et al., arXiv 2307.00144)."""
    r = zh.zero_hessian(f"linear(widths={widths})")
    assert r.image_dimension == sum(d * (d + 1) // 2 for d in widths[1:-1])


def _brute_types(widths, split):
    """Every multiset of intervals with dimension vector ``widths`` and no interval through [0, split]
    or [split, h], by brute force over multiplicities."""
    h = len(widths) - 1
    ivs = zh.intervals(h)
    out = set()
    for mult in itertools.product(*[range(min(widths[a:b + 1]) + 1) for a, b in ivs]):
        m = {I: k for I, k in zip(ivs, mult) if k}
        if any(sum(k for (a, b), k in m.items() if a <= v <= b) != widths[v] for v in range(h + 1)):
            continue
        if any(a == 0 and b >= split for a, b in m) or any(a <= split and b == h for a, b in m):
            continue
        out.add(tuple(sorted(m.items())))
    return out


@pytest.mark.parametrize("widths", [[2, 2, 2, 2], [1, 2, 2, 1], [2, 1, 2, 1, 2]])
def test_types_agree_with_brute_force(widths):
    for split in range(1, len(widths) - 1):
        got = {tuple(sorted(m.items())) for m in zh.types(widths, split)}
        assert got == _brute_types(widths, split)


def test_rank_of_products_in_a_type_and_orbit_dimension():
    """Rank of V_a -> V_b is the number of intervals through [a, b]; the orbit dimension is
    sum d_v^2 - dim End, checked on the open orbit (generic tuples: dimension = number of entries)."""
    widths = [2, 3, 2]
    generic = {(0, 2): 2, (1, 1): 1}           # W_2 W_1 of rank 2 = min, W_1 injective, W_2 surjective
    assert zh.rank_between(generic, 0, 2) == 2 and zh.rank_between(generic, 0, 1) == 2
    assert zh.orbit_dimension(generic, widths) == 2 * 3 + 3 * 2
    assert zh.orbit_dimension({(0, 0): 2, (1, 1): 3, (2, 2): 2}, widths) == 0     # the zero tuple


@pytest.mark.parametrize("widths", [[2, 2, 2, 2, 2], [1, 2, 2, 2, 1], [2, 2, 1, 2, 3]])
def test_stratum_dimensions_from_tangent_ranks_match_quiver_theory(widths):
    """The tangent rank at the sampled point equals dim O_m - |Z| (orbit dimension from the interval
    modules' Hom spaces, minus one equation per zero of C' = g_h^T C g_0^{-T})."""
    h = len(widths) - 1
    rng = np.random.default_rng(3)
    X, Y = rng.integers(0, P, (widths[0], 6)), rng.integers(0, P, (widths[-1], 6))
    C = zh._mul(Y, X.T, p=P)
    seen = 0
    for st in zh.strata(widths):
        Ws = zh._point(st, widths, C, rng, P)
        if Ws is None:
            continue
        T = zh._tangent(Ws, widths, st.pairs, C, P)
        assert zh._rank(T, P) == zh.orbit_dimension(st.type, widths) - st.zeros, st.describe(widths)
        # the point has the type's ranks
        for (a, b), r in st.ranks(widths).items():
            assert zh._rank(zh._product(Ws, a, b, P, widths[a]), P) == r
        seen += 1
    assert seen > 3


def test_the_data_condition_is_needed():
    """A point of a type whose stratum needs A_j^T C B_i^T = 0, but with a generic C' (the condition
    broken), is critical with a nonzero Hessian; with the condition its exact Hessian is zero."""
    widths = [2, 2, 2, 2, 2]
    rng = np.random.default_rng(5)
    X, Y = rng.integers(0, P, (2, 5)), rng.integers(0, P, (2, 5))
    C = zh._mul(Y, X.T, p=P)
    exact = zh._Exact(widths, 5)
    tested = 0
    for st in zh.strata(widths):
        if not st.pairs:
            continue
        good = zh._point(st, widths, C, rng, P)
        if good is None:
            continue
        broken = zh.Stratum(st.type, frozenset())
        bad = zh._point(broken, widths, C, rng, P)
        flat = [np.concatenate([W.reshape(-1) for W in Ws]) for Ws in (good, bad)]
        assert not np.any(exact.hessian_at(flat[0], X, Y, P) % P)
        assert np.any(exact.hessian_at(flat[1], X, Y, P) % P)
        tested += 1
    assert tested >= 1


def test_delta_differential_agrees_with_autodiff():
    rng = np.random.default_rng(1)
    for widths in ([2, 3, 2, 2], [3, 1, 2, 3, 1]):
        exact = zh._Exact(widths, 3)
        Ws = [rng.integers(0, P, (widths[i], widths[i - 1])) for i in range(1, len(widths))]
        w = np.concatenate([W.reshape(-1) for W in Ws])
        T = rng.integers(0, P, (len(w), 5))
        assert np.array_equal(zh.delta_differential(Ws, T, P), zh._mul(exact.delta_jacobian(w, P), T, p=P))


def test_every_maximal_stratum_has_a_zero_hessian_and_the_seed_holds_for_small_depth():
    """Seed 004 says dim delta(H) < dim im delta for h <= 5."""
    for h in (3, 4, 5):
        r = zh.zero_hessian(f"linear(widths={[2] * (h + 1)})")
        assert r.holds, (h, r.value, r.image_dimension)
        assert r.strata and all(st["hessian_zero"] for st in r.strata)
        assert r.hessian_checked == len(r.strata)
        assert r.value <= r.dimension


def test_given_data_agree_with_random_data():
    """Generic data give the same dimensions whether random residues or a float data set."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((7, 2)), rng.standard_normal((7, 2))
    a = zh.zero_hessian("linear(widths=[2,2,2,2,2])", (X, Y))
    b = zh.zero_hessian("linear(widths=[2,2,2,2,2])")
    assert (a.value, a.dimension, a.image_dimension) == (b.value, b.dimension, b.image_dimension)
    assert a.data == "7 samples"


def test_bad_inputs_say_what_to_give():
    with pytest.raises(NeuromanifoldError, match="deep linear network"):
        zh.zero_hessian('mlp(widths=[2,1,1], activation="x^2")')
    with pytest.raises(NeuromanifoldError, match="deep linear network"):
        zh.zero_hessian("linear(widths=[2,1,2], bias=True)")
    with pytest.raises(NeuromanifoldError, match="at least 3 samples"):
        zh.zero_hessian("linear(widths=[3,2,2,3])", (np.ones((2, 3)), np.ones((2, 3))))
    with pytest.raises(NeuromanifoldError, match="give a samples x 3 array"):
        zh.zero_hessian("linear(widths=[3,2,2,3])", (np.ones((5, 2)), np.ones((5, 3))))


def test_cli_json():
    res = CliRunner().invoke(app, ["zero-hessian", "linear(widths=[2,2,2,2,2])", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["invariant"] == "zero_hessian" and out["image_dimension"] == 9 and out["holds"] is True
    assert out["strata"][0]["hessian_zero"] is True


def test_depth_table_cli():
    """Over depths, the seed's statement for h <= 5 is checked row by row."""
    res = CliRunner().invoke(app, ["zero-hessian", "linear(widths=[2,2,2])", "--depths", "2-5", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["h"] for r in rows] == [2, 3, 4, 5]
    assert rows[0]["dim_H"] is None and rows[0]["agrees"] is None
    assert all(r["holds"] and r["seed_says"] and r["agrees"] for r in rows[1:])
    assert [r["dim_im_delta"] for r in rows] == [3, 6, 9, 12]


@pytest.mark.slow
def test_width_two_holds_through_depth_six_and_fails_at_seven():
    """The finding of this module: with all widths 2 the inequality holds for h <= 6 and fails at
    h = 7 (dim delta(H) = dim im delta = 18)."""
    rows = zh.depth_table(2, (2, 2), range(6, 8))
    assert [(r["h"], r["dim_delta_H"], r["dim_im_delta"], r["holds"]) for r in rows] == \
        [(6, 14, 15, True), (7, 18, 18, False)]
