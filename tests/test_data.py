"""Data as a target and a metric on V (squared error = distance to u in Q; Hankel metrics of one
input; data files)."""

import numpy as np
import pytest

import neuromanifold as nm

from neuromanifold.errors import NeuromanifoldError
from neuromanifold.landscape import from_data, load_data


@pytest.mark.parametrize("spec, samples", [('mlp(widths=[2,2,2], activation="x^2+x")', 40),
                                           ("linear(widths=[3,2,2])", 7),
                                           ('mlp(widths=[2,1,1], activation="x^3")', 3)])
def test_squared_error_is_the_distance_to_u_in_Q(spec, samples):
    """sum_j ||f(a_j) - b_j||^2, evaluated by the network's forward pass, equals
    ||c_f - u||_Q^2 + const with c_f the coefficient vector of f (the other form of mu), for
    random f; also with fewer samples than monomials (a pseudometric)."""
    rng = np.random.default_rng(3)
    param = nm.parse(spec).parametrization()
    X = rng.standard_normal((samples, param.n_vars))
    Y = rng.standard_normal((samples, param.n_outputs))
    data = from_data(spec, X, Y)
    for _ in range(3):
        theta = param.random_params(rng)
        direct = float(np.sum((np.asarray(param.evaluate(theta, X)) - Y) ** 2))
        c = np.asarray(param.coefficients(theta))
        assert data.loss(c) == pytest.approx(direct, rel=1e-9, abs=1e-9)
    assert data.pseudometric == (samples < len(param.basis))
    assert bool(data.notes) == data.pseudometric
    assert np.linalg.matrix_rank(data.Q) == param.n_outputs * min(samples, len(param.basis))


def test_one_input_gives_a_hankel_metric():
    """d0 = 1: (A^T A)_{kl} = sum_j a_j^(k+l) for the basis 1, x, x^2 depends on k + l only."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(9)
    data = from_data('mlp(widths=[1,2,1], activation="x^2", bias=True)', a, rng.standard_normal(9))
    moments = [np.sum(a ** s) for s in range(5)]
    hankel = np.array([[moments[k + l] for l in range(3)] for k in range(3)])
    assert np.allclose(data.Q, hankel, rtol=1e-12)
    assert not data.pseudometric


def test_exact_data_give_zero_constant_and_their_own_target():
    """Outputs of a network in V: the target is its coefficient vector and nothing is left over."""
    rng = np.random.default_rng(1)
    spec = "linear(widths=[3,2,2])"
    param = nm.parse(spec).parametrization()
    theta = param.random_params(rng)
    X = rng.standard_normal((10, 3))
    data = from_data(spec, X, np.asarray(param.evaluate(theta, X)))
    assert np.allclose(data.u, np.asarray(param.coefficients(theta)), atol=1e-10)
    assert abs(data.constant) < 1e-18 + 1e-12


@pytest.mark.parametrize("inputs, outputs, message", [
    (np.zeros((5, 2)), np.zeros((5, 1)), "samples x 3"),
    (np.zeros((5, 3)), np.zeros((4, 2)), "one output row per input row"),
    (np.zeros((5, 3)), np.zeros((5, 3)), "samples x 2"),
    (np.array([[0, 1, np.nan]] * 4), np.zeros((4, 2)), "NaN or infinite"),
    (np.zeros((4, 3)), np.full((4, 2), np.inf), "NaN or infinite"),
    (np.zeros((0, 3)), np.zeros((0, 2)), "no samples"),
    (np.zeros((4, 3)) + 1j, np.zeros((4, 2)), "real numbers"),
])
def test_bad_data_are_refused_with_what_to_give(inputs, outputs, message):
    with pytest.raises(NeuromanifoldError, match=message):
        from_data("linear(widths=[3,2,2])", inputs, outputs)


def test_data_files_csv_npy_npz(tmp_path):
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    spec = "linear(widths=[3,2,2])"
    csv = tmp_path / "d.csv"
    csv.write_text("x,y,z,out1,out2\n" + "\n".join(",".join(f"{v:.17g}" for v in row)
                                                   for row in np.hstack([X, Y])) + "\n")
    np.save(tmp_path / "d.npy", np.hstack([X, Y]))
    np.savez(tmp_path / "d.npz", inputs=X, outputs=Y)
    for name in ("d.csv", "d.npy", "d.npz"):
        Xi, Yi = load_data(str(tmp_path / name), spec)
        assert np.allclose(Xi, X, rtol=1e-15) and np.allclose(Yi, Y, rtol=1e-15)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3,4\n5,6,7,8\n")
    with pytest.raises(NeuromanifoldError, match="needs 5 columns"):
        load_data(str(bad), spec)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("1,2,3,4,5\n5,6,7,8\n")
    with pytest.raises(NeuromanifoldError, match="different numbers of columns"):
        load_data(str(ragged), spec)
    word = tmp_path / "word.csv"
    word.write_text("1,2,3,4,5\n5,6,seven,8,9\n")
    with pytest.raises(NeuromanifoldError, match="line 2 is not a number"):
        load_data(str(word), spec)
    (tmp_path / "d.xlsx").write_text("")
    with pytest.raises(NeuromanifoldError, match="unknown data file type"):
        load_data(str(tmp_path / "d.xlsx"), spec)
    with pytest.raises(NeuromanifoldError, match="no data file"):
        load_data(str(tmp_path / "missing.csv"), spec)
    np.savez(tmp_path / "wrong.npz", X=X, Y=Y)
    with pytest.raises(NeuromanifoldError, match="np.savez"):
        load_data(str(tmp_path / "wrong.npz"), spec)


