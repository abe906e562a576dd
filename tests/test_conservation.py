"""Conservation laws of gradient flow (Marcotte--Gribonval--Peyré, arXiv 2307.00144): the count
N - dim Lie(W)(theta) against their theorem for linear networks, and against the sandwich
#declared laws <= #laws <= N - dim M (the fields span the tangent space of M at theta)."""

import json

import pytest
from typer.testing import CliRunner

import neuromanifold as nm
from neuromanifold.architectures.base import Conserved
from neuromanifold.architectures.dense import Linear
from neuromanifold.cli import app
from neuromanifold.invariants.conservation import conservation_laws


@pytest.mark.parametrize("widths", [[2, 3, 2], [3, 2, 3], [2, 2, 2, 2], [3, 1, 3]])
def test_linear_networks_have_exactly_the_balancedness_laws(widths):
    """Theorem (arXiv 2307.00144): balancedness W_(i+1)^T W_(i+1) - W_i W_i^T is complete, so the
    number of laws is sum over hidden layers of d_i (d_i + 1) / 2."""
    r = conservation_laws(f"linear(widths={widths})")
    expected = sum(d * (d + 1) // 2 for d in widths[1:-1])
    assert r.value == expected
    assert r.quadratic_laws == expected and r.declared_laws == expected and r.declared_conserved
    assert r.complete and r.lie_dimension == r.parameters - expected


@pytest.mark.parametrize("spec", ['mlp(widths=[2,2,1], activation="x^2")', "lcn(filters=[2,2], strides=[1,1])"])
def test_count_between_the_known_laws_and_the_fibre_dimension(spec):
    """The declared (rescaling) laws are conserved, so #laws >= their number; the generators span
    the tangent space of M at theta, so #laws <= N - dim M.  For the stride-one lcn both are 1
    (u_1 -> t u_1, u_2 -> u_2 / t; ||u_1||^2 - ||u_2||^2)."""
    r = conservation_laws(spec)
    dim = nm.dimension(spec).value
    low = r.declared_laws if r.declared_laws is not None else r.quadratic_laws
    assert low <= r.value <= r.parameters - dim
    assert r.gap > 1e6                              # the float trace has the same rank, clearly
    if spec.startswith("lcn"):
        assert r.value == 1 == r.parameters - dim
    else:
        assert r.declared_conserved and r.declared_laws == 2       # one per hidden neuron


def test_a_wrong_declared_law_is_caught():
    """||W_1||^2 + ||W_2||^2 is not conserved (gradient flow changes the scale of the weights)."""
    class Wrong(Linear):
        def conserved_quantities(self):
            param = self.parametrization()

            def q(theta):
                import jax.numpy as jnp

                P = param.unflatten(theta)
                return jnp.array([jnp.sum(P["W1"] ** 2) + jnp.sum(P["W2"] ** 2)])
            return Conserved(q, "||W1||^2 + ||W2||^2")

    r = conservation_laws(Wrong([2, 1, 2]), quadratic=False)
    assert r.declared_conserved is False and r.complete is False and r.value == 1


def test_cli_conservation(tmp_path):
    out = CliRunner().invoke(app, ["conservation", "linear(widths=[2,3,2])", "--json", "--atlas",
                                   str(tmp_path / "a.sqlite")])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["value"] == 6 and data["complete"] is True
    table = CliRunner().invoke(app, ["conservation", "linear(widths=[2,3,2])", "--atlas", str(tmp_path / "a.sqlite")])
    assert table.exit_code == 0 and "from the atlas" in table.output


def test_train_watches_every_law_found():
    """The laws found by the algorithm (not written by hand) stay constant along gradient flow, and
    for a linear network they are the declared balancedness laws (same drift, same count)."""
    import numpy as np

    u = np.array([1.0, 2.0, 2.0, 4.5])
    found = nm.train("linear(widths=[2,3,2])", u, steps=100, method="ode", laws="found")
    assert "6 conservation laws of degree <= 2" in found.conserved
    assert max(found.drift) < 1e-7 and found.loss[-1] < found.loss[0]
    both = nm.train("linear(widths=[2,3,2])", u, steps=100, method="ode", laws="all")
    assert "W_{i+1}^T" in both.conserved and max(both.drift) < 1e-7
    gd = nm.train("lcn(filters=[2,2], strides=[1,1])", [1.0, 0.5, -2.0], steps=200, lr=0.01)
    assert "found by the Lie-algebra algorithm" in gd.conserved          # lcn declares none: auto finds one
    assert max(gd.drift) < 0.05                        # gradient descent: a drift of O(lr^2) per step
    with pytest.raises(nm.NeuromanifoldError, match="laws 'some'"):
        nm.train("linear(widths=[2,1,2])", u, laws="some")


@pytest.mark.parametrize("a, expected", [(2, 4), (1, 2)])
def test_one_layer_attention_laws_are_its_symmetries(a, expected):
    """One-layer attention, d = 2: the symmetries GL(a) on (Q, K) and the rescaling (t V, Q / t)
    give the laws Q Q^T - K K^T (a (a + 1) / 2 of them) and ||V||^2 - ||Q||^2 (arXiv 2506.06194); the
    algorithm finds exactly these: a (a + 1) / 2 + 1, and the declared laws are complete."""
    r = conservation_laws(f"attention(d=2, a={a}, t=2, dout=1)")
    assert r.value == expected == a * (a + 1) // 2 + 1
    assert r.declared_laws == expected and r.declared_conserved and r.complete


def test_too_many_fields_are_refused_with_the_estimate():
    with pytest.raises(nm.TooLargeError, match="generating fields"):
        conservation_laws("attention(widths=[2,2,1], a=[1,1], t=2)")
