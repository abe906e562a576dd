"""Residual networks (issue: skip connections).  With identity skips f = x + g, g the function of
the MLP of the same widths, so M(resnet) = x + M(mlp): the same dimension, degree and Euclidean ED
degree (a translation is an isometry of V), the same conservation laws (the gradients in theta are
the MLP's).  With a linear activation M = {I + A : rank A <= h}: dim h (2d - h)."""

import pytest

import neuromanifold as nm
from neuromanifold.invariants.conservation import conservation_laws


def test_linear_residual_block_is_a_translated_determinantal_variety():
    r = nm.dimension('resnet(widths=[3,1,3], activation="x")')
    assert r.value == 1 * (2 * 3 - 1) and r.certified
    assert nm.degree('resnet(widths=[3,1,3], activation="x")').value == 6          # Segre P^2 x P^2
    assert nm.ed_degree('resnet(widths=[3,1,3], activation="x")').value == 3       # Eckart--Young


@pytest.mark.parametrize("widths, act", [([2, 2, 2], "x^2"), ([2, 1, 2], "x^3")])
def test_identity_skips_translate_the_mlp(widths, act):
    res, mlp = f'resnet(widths={widths}, activation="{act}")', f'mlp(widths={widths}, activation="{act}")'
    a, b = nm.dimension(res), nm.dimension(mlp)
    assert a.value == b.value and a.certified and b.certified
    assert a.ambient_dimension == b.ambient_dimension + widths[0] * widths[-1]      # V gains the linear part
    assert nm.degree(res).value == nm.degree(mlp).value
    assert conservation_laws(res).value == conservation_laws(mlp).value == widths[1]  # one law per neuron


def test_singular_strata_of_a_residual_block():
    """I + (rank <= 1) inside I + (rank <= 2): dimension 5, singular (as for linear(widths=[3,2,3]))."""
    strata = nm.singular_strata('resnet(widths=[3,2,3], activation="x")').strata
    assert [(s.dimension, s.singular) for s in strata] == [(5, True)]


def test_projection_skip_and_bad_widths():
    arch = nm.parse('resnet(widths=[3,2,2], activation="x^2")')
    assert "P1" in arch.param_shapes and arch.param_shapes["P1"] == (2, 3)
    with pytest.raises(nm.SpecError, match="odd number"):
        nm.parse('resnet(widths=[3,2,3,2], activation="x^2")')
