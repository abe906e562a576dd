"""Exact ReLU networks: regions against Zaslavsky and a brute-force grid, functional dimension
against a float SVD and the rescaling bound, the tropical form against f itself."""

import json
from math import comb

import numpy as np
import pytest
from typer.testing import CliRunner

from neuromanifold import parse
from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError
from neuromanifold.invariants.dimension import dimension
from neuromanifold.invariants.relu import (_cells, functional_dimension, linear_regions, serra_bound,
                                           tropical_bound, tropical_form, zaslavsky)


@pytest.mark.parametrize("d0, d1", [(1, 1), (1, 4), (2, 1), (2, 3), (2, 5), (3, 4)])
def test_one_hidden_layer_attains_zaslavsky_at_random_parameters(d0, d1):
    """d1 affine hyperplanes in general position cut R^d0 into sum_{i <= d0} C(d1, i) regions."""
    expected = sum(comb(d1, i) for i in range(d0 + 1))
    assert zaslavsky(d0, d1) == expected
    r = linear_regions(f"relu(widths=[{d0},{d1},1])", seed=d0 * 10 + d1, samples=200000)
    assert r.bounds["zaslavsky"] == expected
    if d0 <= 2:
        assert r.exact and r.value == expected and r.attains
    else:                                  # sampled: a lower bound, equal here with many samples
        assert not r.exact and r.value <= expected


def test_the_regions_of_2_3_1_are_seven():
    r = linear_regions("relu(widths=[2,3,1])")
    assert r.value == 7 and r.bounds == {"serra": 7, "tropical": 7, "zaslavsky": 7}


@pytest.mark.parametrize("spec, seed", [("relu(widths=[2,3,2,1])", 0), ("relu(widths=[2,4,3,1], leak=0.2)", 3),
                                        ("relu(widths=[1,3,3,1])", 1)])
def test_exact_cells_agree_with_a_brute_force_grid(spec, seed):
    """The cells inside a box, counted by cutting, against the distinct activation patterns on a fine
    grid of the same box (independent of the cutting code)."""
    net = parse(spec)
    theta = np.random.default_rng(seed).standard_normal(net.n_params)
    R = 4.0
    exact = len(_cells(net, theta, R))
    t = np.linspace(-R, R, 1201)
    X = np.stack(np.meshgrid(t, t), -1).reshape(-1, 2) if net.widths[0] == 2 else t[:, None]
    pats = np.concatenate(net.pattern(theta, X), axis=1)
    assert len(np.unique(pats, axis=0)) == exact


def test_deep_bounds():
    """Serra et al. for [2,3,3,1]: sum over j1 <= 2, j2 <= min(2, 3 - j1) of C(3, j1) C(3, j2) = 40;
    the tropical (product) bound 7 * 7 = 49; for one hidden layer both are Zaslavsky's count."""
    assert serra_bound([2, 3, 3, 1]) == 40 and tropical_bound([2, 3, 3, 1]) == 49
    for d0, d1 in [(1, 3), (2, 4), (3, 5)]:
        assert serra_bound([d0, d1, 1]) == tropical_bound([d0, d1, 1]) == zaslavsky(d0, d1)
    r = linear_regions("relu(widths=[2,3,3,1])", seed=2)
    assert r.value <= min(r.bounds.values())


@pytest.mark.parametrize("spec", ["relu(widths=[2,3,1])", "relu(widths=[1,2,2,1])", "relu(widths=[3,4,2])",
                                  "relu(widths=[2,3,1], leak=0.1)"])
def test_functional_dimension_exact_rank_agrees_with_float_svd_and_the_bound(spec):
    """The exact rank over F_p on the activation pattern equals a float SVD of the network's own
    Jacobian at the same theta and inputs, and never exceeds n_params - hidden neurons."""
    net = parse(spec)
    r = functional_dimension(spec, draws=8, seed=1)
    assert r.float_agrees == r.draws
    assert r.bound == net.n_params - sum(net.widths[1:-1])
    assert max(r.frequencies) <= r.bound and sum(r.frequencies.values()) == 8


def test_shallow_functional_dimension_attains_the_rescaling_bound():
    """One hidden layer with inputs in every region: the bound n_params - d1 at generic theta."""
    r = functional_dimension("relu(widths=[2,3,1])", draws=6)
    assert r.frequencies == {10: 6}


@pytest.mark.parametrize("spec", ["relu(widths=[2,3,1])", "relu(widths=[2,2,2,1])", "relu(widths=[1,3,2])",
                                  "relu(widths=[2,2,2,1], leak=0.25)"])
def test_tropical_form_is_f(spec):
    net = parse(spec)
    rng = np.random.default_rng(4)
    theta = rng.standard_normal(net.n_params)
    X = 3 * rng.standard_normal((200, net.widths[0]))
    form = tropical_form(net, theta)
    f = np.array([np.asarray(net.f(theta, x)) for x in X])
    assert np.allclose(form(X), f, atol=1e-9)


def test_the_invariants_of_varieties_say_they_do_not_apply():
    with pytest.raises(NeuromanifoldError, match="piecewise linear"):
        parse("relu(widths=[2,3,1])").parametrization()
    r = dimension("relu(widths=[2,3,1])")
    assert r.value == 10 and r.method.startswith("functional dimension") and not r.certified


def test_bad_specs_and_points():
    with pytest.raises(NeuromanifoldError, match="leak"):
        parse("relu(widths=[2,3,1], leak=2)")
    with pytest.raises(NeuromanifoldError, match="13 finite numbers"):
        linear_regions("relu(widths=[2,3,1])", [1.0, 2.0])
    with pytest.raises(NeuromanifoldError, match="not a ReLU network"):
        linear_regions("linear(widths=[2,3,1])")


def test_cli_regions_and_dim():
    res = CliRunner().invoke(app, ["regions", "relu(widths=[2,3,1])", "--tropical", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["value"] == 7 and out["tropical"].startswith("f1 = F1 - G1")
    res = CliRunner().invoke(app, ["dim", "relu(widths=[2,3,1])"])
    assert res.exit_code == 0 and "functional dimension" in res.output
    res = CliRunner().invoke(app, ["degree", "relu(widths=[2,3,1])"])
    assert res.exit_code == 2 and "piecewise linear" in res.output


def test_training_conserves_the_rescaling_laws_as_the_step_shrinks():
    """Du--Hu--Lee: gradient flow of a ReLU network conserves ||w_in||^2 + b^2 - ||w_out||^2 per
    hidden neuron; gradient descent over a fixed horizon drifts by O(lr)."""
    from neuromanifold.landscape.train import train_piecewise

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 2))
    Y = np.maximum(X @ np.array([[1.0], [-2.0]]), 0) + 0.5
    coarse = train_piecewise("relu(widths=[2,3,1])", X, Y, steps=100, lr=0.01, seed=1)
    fine = train_piecewise("relu(widths=[2,3,1])", X, Y, steps=1000, lr=0.001, seed=1)
    assert fine.loss[-1] < fine.loss[0]
    assert fine.max_drift < coarse.max_drift / 5
    assert fine.total_pattern_changes == sum(fine.pattern_changes) and len(fine.pattern_changes) == len(fine.loss)


def test_cli_train_relu(tmp_path):
    path = tmp_path / "d.csv"
    rng = np.random.default_rng(1)
    np.savetxt(path, np.hstack([rng.standard_normal((12, 2)), rng.standard_normal((12, 1))]), delimiter=",")
    res = CliRunner().invoke(app, ["train", "relu(widths=[2,3,1])", "--data", str(path), "--steps", "50", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["total_pattern_changes"] is not None and len(out["loss"]) >= 2
    res = CliRunner().invoke(app, ["train", "relu(widths=[2,3,1])", "--data", str(path), "--method", "ode"])
    assert res.exit_code == 2 and "gradient descent only" in res.output
