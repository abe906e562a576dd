"""Critical points of the loss on M against closed forms (Eckart--Young, reduced-rank regression)
and a numerical minimisation."""

import json

import numpy as np
import pytest
from scipy.optimize import minimize
from typer.testing import CliRunner

from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError
from neuromanifold.invariants.metrics import metric
from neuromanifold.landscape import critical_points, from_data

SPEC = "linear(widths=[3,1,3])"


def test_eckart_young_critical_points_and_their_types():
    """Euclidean: the critical points of rank-one approximation are sigma_i u_i v_i^T, losses
    |sigma|^2 - sigma_i^2, all real, exactly one local minimum (the best approximation)."""
    rng = np.random.default_rng(0)
    U = rng.standard_normal((3, 3))
    r = critical_points(SPEC, U.reshape(-1))
    s = np.linalg.svd(U, compute_uv=False)
    assert r.value == 3 and r.real_count == 3 and r.minima == 1
    assert np.allclose([p.loss for p in r.points], np.sum(s ** 2) - s ** 2, rtol=1e-8)
    assert r.points[r.global_minimum].kind == "local minimum"
    best = r.points[r.global_minimum].coefficients.reshape(3, 3)
    W, S, Vt = np.linalg.svd(U)
    assert np.allclose(best, S[0] * np.outer(W[:, 0], Vt[0]), atol=1e-8)
    assert [p.kind for p in r.points] == ["local minimum", "saddle", "saddle"]


def test_generic_metric_global_minimum_matches_numerical_minimisation():
    rng = np.random.default_rng(0)
    u = rng.standard_normal(9)
    Q = metric(SPEC, "generic", seed=3).Q
    r = critical_points(SPEC, u, Q, seed=3)
    assert r.value == 39 and r.real_count % 2 == 1 and r.minima >= 1

    def loss(x):
        z = np.outer(x[:3], x[3:]).reshape(-1) - u
        return z @ Q @ z

    numerical = min(minimize(loss, rng.standard_normal(6), method="BFGS").fun for _ in range(40))
    assert r.points[r.global_minimum].loss == pytest.approx(numerical, rel=1e-6, abs=1e-9)
    for p in r.points:
        if p.kind == "local minimum":           # a local minimum: no nearby rank-one matrix does better
            assert p.loss <= numerical + 1e-9 or _is_local_min(loss, p.coefficients.reshape(3, 3))


def _is_local_min(loss, Z):
    W, S, Vt = np.linalg.svd(Z)
    x0 = np.concatenate([S[0] * W[:, 0], Vt[0]])
    res = minimize(loss, x0, method="BFGS")
    return np.linalg.norm(np.outer(res.x[:3], res.x[3:]) - Z) < 1e-4


def test_data_target_reduced_rank_regression():
    """With data, the global minimum of sum ||W x_j - y_j||^2 over rank-one W is the reduced-rank
    regression optimum: ||Y - Yhat||^2 + sum_{i > 1} sigma_i(Yhat)^2, Yhat the least-squares fit."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((25, 3))
    Y = X @ rng.standard_normal((3, 3)) + 0.3 * rng.standard_normal((25, 3))
    data = from_data(SPEC, X, Y)
    r = critical_points(SPEC, data)
    Yhat = X @ np.linalg.lstsq(X, Y, rcond=None)[0]
    s = np.linalg.svd(Yhat, compute_uv=False)
    expected = np.sum((Y - Yhat) ** 2) + np.sum(s[1:] ** 2)
    assert r.points[r.global_minimum].loss + data.constant == pytest.approx(expected, rel=1e-8)
    assert r.value == 3 and r.minima == 1          # a full-rank data metric is Eckart--Young in disguise


def test_bad_targets_are_refused():
    with pytest.raises(NeuromanifoldError, match="V has dimension 9"):
        critical_points(SPEC, np.zeros(4))
    with pytest.raises(NeuromanifoldError, match="pseudometric"):
        critical_points(SPEC, from_data(SPEC, np.eye(3)[:2], np.ones((2, 3))))


def test_cli_critical_with_a_data_file(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((12, 3))
    Y = X @ rng.standard_normal((3, 3))
    path = tmp_path / "d.csv"
    np.savetxt(path, np.hstack([X, Y]), delimiter=",")
    r = CliRunner().invoke(app, ["critical", SPEC, "--data", str(path), "--json"])
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["value"] == 3 and payload["minima"] == 1 and payload["data"]["samples"] == 12
    bad = CliRunner().invoke(app, ["critical", SPEC, "--data", str(tmp_path / "none.csv")])
    assert bad.exit_code == 2 and "no data file" in bad.output


def test_pure_and_spurious_on_a_linear_network():
    """linear(widths=[3,2,3]), Euclidean: theta = 0 (both layers zero) is critical but mu(0) = 0 is
    not critical on M (u is not orthogonal to the rank <= 2 matrices): spurious, a saddle.  The
    best rank-2 approximation W2 W1 = U_2 is pure, a minimum whose zero Hessian directions are
    the 4 of GL(2).  A random point is not critical."""
    from neuromanifold import parse
    from neuromanifold.landscape import classify

    spec = "linear(widths=[3,2,3])"
    n = parse(spec).parametrization().n_params
    rng = np.random.default_rng(0)
    U = rng.standard_normal((3, 3))
    zero = classify(spec, np.zeros(n), U.reshape(-1))
    assert zero.critical and zero.kind == "spurious" and zero.jacobian_rank == 0 and zero.hessian_index > 0
    W, S, Vt = np.linalg.svd(U)
    theta = np.concatenate([(np.diag(S[:2]) @ Vt[:2]).reshape(-1), W[:, :2].reshape(-1)])   # W1 then W2
    best = classify(spec, theta, U.reshape(-1))
    assert best.kind == "pure" and best.hessian_index == 0 and best.hessian_zeros == 4
    assert best.loss == pytest.approx(S[2] ** 2, rel=1e-10)
    assert classify(spec, rng.standard_normal(n), U.reshape(-1)).kind == "not critical"
    with pytest.raises(NeuromanifoldError, match="12 parameters"):
        classify(spec, np.zeros(5), U.reshape(-1))
