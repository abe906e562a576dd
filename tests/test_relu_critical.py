"""Smooth critical points of a one-hidden-layer ReLU network's squared loss, against a hand
computation, Cover's count, autodiff of the network itself and gradient descent."""

import json
from math import comb

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.linalg import orth
from typer.testing import CliRunner

from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError, TooLargeError
from neuromanifold.landscape.relu_critical import relu_critical_points
from neuromanifold.landscape.train import train_piecewise


def _net(theta, X, h, leak=0.0):
    """The network written out here (not the family's forward): c + sum_i a_i s(w_i . x + b_i)."""
    d0 = X.shape[1]
    W, b, a, c = theta[:h * d0].reshape(h, d0), theta[h * d0:h * d0 + h], theta[h * d0 + h:h * d0 + 2 * h], theta[-1]
    Z = X @ W.T + b
    return c + jnp.where(Z > 0, Z, leak * Z) @ a, Z


def _loss(theta, X, y, h, leak=0.0):
    return jnp.sum((_net(theta, X, h, leak)[0] - y) ** 2)


def test_one_neuron_on_three_points_by_hand():
    """relu(widths=[1,1,1]) on x = (-1, 0, 1), y = (1, 0, 1).  The neuron's patterns on the samples are
    the 6 cells of 3 lines through 0 in R^2 (+++, ---, -++, --+, +--, ++-).  Constant f: the mean 2/3,
    loss 2/3; an idle neuron sits with g = U^T r = 0 in the dead cell and in +++ (r = (-1, 2, -1)/3 is
    orthogonal to 1 and x), nowhere else with g . w = 0 strictly inside: a local minimum.  Live +++:
    linear regression, slope 0, loss 2/3, both output signs.  Live --+ : f = (1/2, 1/2, 1), loss 1/2,
    a > 0 only; +-- the mirror image.  -++ and ++- would fit y exactly but need a pattern their
    weights do not have.  So 4 critical sets, all local minima, losses 1/2, 1/2, 2/3, 2/3."""
    r = relu_critical_points("relu(widths=[1,1,1])", ([[-1.0], [0.0], [1.0]], [[1.0], [0.0], [1.0]]))
    assert r.neuron_cells == 6 and r.value == 4 and r.minima == 4 and r.saddles == 0
    got = sorted((round(s.loss, 12), tuple(s.patterns), tuple(s.signs)) for s in r.sets)
    assert got == [(0.5, ("+--",), ("+",)), (0.5, ("--+",), ("+",)),
                   (round(2 / 3, 12), (), ("",)), (round(2 / 3, 12), ("+++",), ("+", "-"))]
    k0 = next(s for s in r.sets if s.live == 0)
    assert k0.idle_cells == 2
    assert r.spurious_minima == 2 and r.sets[r.global_minimum].loss == pytest.approx(0.5)


@pytest.mark.parametrize("n,d0", [(5, 1), (7, 1), (6, 2), (5, 3)])
def test_neuron_patterns_are_covers_count(n, d0):
    """Cover (1965): an affine function has 2 sum_{k <= d0} C(n - 1, k) sign patterns on n points in
    general position in R^{d0}; a repeated sample counts once."""
    X = np.random.default_rng(n + d0).standard_normal((n, d0))
    Y = np.zeros((n, 1))
    r = relu_critical_points(f"relu(widths=[{d0},1,1])", (X, Y))
    assert r.neuron_cells == 2 * sum(comb(n - 1, k) for k in range(d0 + 1)) == r.cover_count
    r = relu_critical_points(f"relu(widths=[{d0},1,1])", (np.vstack([X, X[:1]]), np.zeros((n + 1, 1))))
    assert r.neuron_cells == 2 * sum(comb(n - 1, k) for k in range(d0 + 1))


@pytest.mark.parametrize("spec,h,leak,d0,seed", [("relu(widths=[1,2,1])", 2, 0.0, 1, 1),
                                                  ("relu(widths=[2,2,1])", 2, 0.0, 2, 2),
                                                  ("relu(widths=[1,2,1], leak=0.1)", 2, 0.1, 1, 3)])
def test_every_witness_is_a_critical_point_of_its_type(spec, h, leak, d0, seed):
    """At each set's witness theta, the network written out in this test has the set's loss, zero
    gradient, the live neurons' patterns, and a Hessian that is positive semidefinite for a local
    minimum and indefinite for a saddle."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((6, d0)), rng.standard_normal((6, 1))
    r = relu_critical_points(spec, (X, Y))
    assert r.minima and r.saddles
    y = Y[:, 0]
    grad = jax.jit(jax.grad(lambda t: _loss(t, X, y, h, leak)))
    hess = jax.jit(jax.hessian(lambda t: _loss(t, X, y, h, leak)))
    for s in r.sets:
        theta = np.array(s.theta)
        f, Z = _net(theta, X, h, leak)
        Z = np.asarray(Z)
        assert float(jnp.sum((f - y) ** 2)) == pytest.approx(s.loss, abs=1e-9)
        scale = 1 + np.abs(theta).max() ** 2
        assert np.linalg.norm(np.asarray(grad(theta))) < 1e-8 * scale
        assert np.abs(Z).min() > 0                                   # a smooth point of L
        for i, pattern in enumerate(s.patterns):
            assert "".join("+" if z > 0 else "-" for z in Z[:, i]) == pattern
        H = np.asarray(hess(theta))
        low = np.linalg.eigvalsh((H + H.T) / 2)[0]
        if s.kind == "local minimum":
            assert low > -1e-8 * scale
        else:
            assert low < -1e-6


def test_gradient_descent_ends_at_a_listed_local_minimum():
    """Gradient descent (a second method) from random starts: every run that ends at a smooth point
    with vanishing gradient ends at the loss of one of the enumerated local-minimum sets."""
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((6, 1)), rng.standard_normal((6, 1))
    r = relu_critical_points("relu(widths=[1,2,1])", (X, Y))
    minima = np.array([s.loss for s in r.sets if s.kind == "local minimum"])
    grad = jax.jit(jax.grad(lambda t: _loss(t, X, Y[:, 0], 2)))
    converged = 0
    for seed in range(10):
        run = train_piecewise("relu(widths=[1,2,1])", X, Y, steps=20000, lr=0.01, seed=seed, record=2)
        theta = np.array(run.theta)
        Z = np.asarray(_net(theta, X, 2)[1])
        if np.linalg.norm(np.asarray(grad(theta))) < 1e-9 and np.abs(Z).min() > 1e-3:
            converged += 1
            assert np.abs(minima - run.loss[-1]).min() < 1e-9
    assert converged >= 4


def test_data_of_a_relu_network_give_a_zero_loss_minimum():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((7, 2))
    y = np.maximum(X @ [1.0, -1.0] + 0.3, 0) - 2 * np.maximum(X @ [0.5, 1.0] - 0.2, 0) + 0.7
    r = relu_critical_points("relu(widths=[2,2,1])", (X, y[:, None]))
    best = r.sets[r.global_minimum]
    assert best.loss < 1e-18 and best.live == 2 and best.kind == "local minimum"


def test_sampled_critical_points_are_among_the_enumerated_ones():
    """Newton from random starts (a second method) on relu(widths=[1,2,1]) and its leaky variant:
    every point it reaches has the loss of an enumerated set of the same type (Hessian PSD: a local
    minimum; a negative eigenvalue: a saddle)."""
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((6, 1)), rng.standard_normal((6, 1))
    for spec in ("relu(widths=[1,2,1])", "relu(widths=[1,2,1], leak=0.1)"):
        exact = relu_critical_points(spec, (X, Y))
        sampled = relu_critical_points(spec, (X, Y), method="sampled", starts=48, seed=3)
        assert exact.complete and not sampled.complete and sampled.value is None and sampled.lower >= 3
        known = {(round(s.loss, 7), s.kind) for s in exact.sets}
        for s in sampled.sets:
            assert (round(s.loss, 7), "saddle" if s.kind == "saddle" else "local minimum") in known


def _cells_1d(x):
    """The patterns of w x + b on sorted-distinct points x: all on, all off, and a threshold in each
    gap, either way round."""
    xs = np.sort(x)
    cuts = [-np.inf] + [(a + b) / 2 for a, b in zip(xs[:-1], xs[1:])]
    return [x > t for t in cuts] + [x < t for t in cuts]


def test_one_neuron_with_two_outputs_against_reduced_rank_regression():
    """relu(widths=[1,1,2]): on a cell with active mask m, f = 1 b^T + v a^T with v in S = span(m x, m);
    centring (C = I - 11^T/n) leaves the rank-one fit t a^T of Z = C Y with t in T = C S, whose
    critical values are |Z|^2 - sigma_k^2 over the singular values of Pi_T Z (and |Z|^2 for a = 0).
    Every point Newton's method reaches has one of these losses."""
    rng = np.random.default_rng(5)
    x, Y = rng.standard_normal(7), rng.standard_normal((7, 2))
    n = len(x)
    C = np.eye(n) - np.ones((n, n)) / n
    Z = C @ Y
    values = [np.sum(Z ** 2)]
    for on in _cells_1d(x):
        basis = orth(C @ (on[:, None] * np.c_[x, np.ones(n)]))        # an orthonormal basis of T
        values += [np.sum(Z ** 2) - sv ** 2 for sv in np.linalg.svd(basis.T @ Z, compute_uv=False)]
    r = relu_critical_points("relu(widths=[1,1,2])", (x[:, None], Y), starts=48)
    assert r.lower >= 2 and not r.complete
    for s in r.sets:
        assert np.abs(np.array(values) - s.loss).min() < 1e-8


def _deep_loss(theta, X, Y, widths):
    out, at = X, 0
    for layer in range(1, len(widths)):
        W = theta[at:at + widths[layer] * widths[layer - 1]].reshape(widths[layer], widths[layer - 1])
        at += W.size
        b = theta[at:at + widths[layer]]
        at += widths[layer]
        out = out @ W.T + b
        if layer < len(widths) - 1:
            out = jnp.maximum(out, 0)
    return jnp.sum((out - Y) ** 2)


@pytest.mark.parametrize("widths", [[1, 2, 2, 1], [2, 2, 2, 2]])
def test_sampled_points_of_deep_networks_are_critical_of_their_type(widths):
    rng = np.random.default_rng(7)
    X, Y = rng.standard_normal((6, widths[0])), rng.standard_normal((6, widths[-1]))
    spec = f"relu(widths=[{','.join(map(str, widths))}])"
    r = relu_critical_points(spec, (X, Y), starts=32)
    assert r.sets and not r.complete
    grad = jax.jit(jax.grad(lambda t: _deep_loss(t, X, Y, widths)))
    hess = jax.jit(jax.hessian(lambda t: _deep_loss(t, X, Y, widths)))
    for s in r.sets:
        theta = np.array(s.theta)
        assert float(_deep_loss(theta, X, Y, widths)) == pytest.approx(s.loss, abs=1e-9)
        H = np.asarray(hess(theta))
        norm = np.linalg.norm(H, 2)
        assert np.linalg.norm(np.asarray(grad(theta))) < 1e-7 * (1 + norm)
        low = np.linalg.eigvalsh((H + H.T) / 2)[0]
        assert low < -1e-9 * norm if s.kind == "saddle" else low > -1e-7 * norm


def test_bad_networks_data_and_sizes():
    data = (np.zeros((4, 1)), np.zeros((4, 1)))
    with pytest.raises(NeuromanifoldError, match=r"one hidden layer and one output.*relu\(widths=\[1,2,1\]\)"):
        relu_critical_points("relu(widths=[1,2,2,1])", data, method="exact")
    with pytest.raises(NeuromanifoldError, match="one output"):
        relu_critical_points("relu(widths=[1,2,2])", (np.zeros((4, 1)), np.zeros((4, 2))), method="exact")
    with pytest.raises(NeuromanifoldError, match="unknown method 'newton'.*sampled"):
        relu_critical_points("relu(widths=[1,2,1])", data, method="newton")
    with pytest.raises(NeuromanifoldError, match="starts"):
        relu_critical_points("relu(widths=[1,2,2,1])", data, starts=0)
    with pytest.raises(TooLargeError, match="--force"):
        relu_critical_points("relu(widths=[1,2,2,1])", data, starts=10**12)
    with pytest.raises(NeuromanifoldError, match="not a ReLU network"):
        relu_critical_points("linear(widths=[1,2,1])", data)
    with pytest.raises(NeuromanifoldError, match="rows"):
        relu_critical_points("relu(widths=[1,2,1])", (np.zeros((4, 1)), np.zeros((3, 1))))
    with pytest.raises(TooLargeError, match="--force"):
        relu_critical_points("relu(widths=[1,3,1])", (np.arange(12.0)[:, None], np.zeros((12, 1))),
                             max_configurations=100)


def test_cli_critical_on_a_relu_network(tmp_path):
    path = tmp_path / "d.csv"
    np.savetxt(path, [[-1, 1], [0, 0], [1, 1]], delimiter=",")
    res = CliRunner().invoke(app, ["critical", "relu(widths=[1,1,1])", "--data", str(path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["value"] == 4 and out["neuron_cells"] == 6 and len(out["sets"]) == 4 and out["complete"]
    res = CliRunner().invoke(app, ["critical", "relu(widths=[1,1,1])", "--data", str(path)])
    assert res.exit_code == 0 and "4 critical sets" in res.output
    res = CliRunner().invoke(app, ["critical", "relu(widths=[1,1,1,1])", "--data", str(path), "--starts", "8"])
    assert res.exit_code == 0 and "INCOMPLETE" in res.output
    res = CliRunner().invoke(app, ["critical", "linear(widths=[1,1])", "--data", str(path), "--starts", "8"])
    assert res.exit_code == 2 and "drop --starts" in res.output
