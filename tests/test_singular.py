"""Singular points of M: the Jacobian criterion on implicit equations, the subnetwork strata, one-
layer attention; the CLI of contains, singular and train."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError
from neuromanifold.invariants.membership import contains
from neuromanifold.invariants.singular import is_singular, singular_strata
from neuromanifold.landscape.train import train

LIN = "linear(widths=[4,2,3])"
CUBIC = 'mlp(widths=[2,2,1], activation="x^3")'


def test_singular_locus_of_rank_two_matrices():
    """linear(widths=[4,2,3]): rank-1 matrices (dim 3 + 4 - 1 = 6) are singular points, rank-2 not."""
    rng = np.random.default_rng(3)
    one = (rng.standard_normal((3, 1)) @ rng.standard_normal((1, 4))).ravel()
    two = (rng.standard_normal((3, 2)) @ rng.standard_normal((2, 4))).ravel()
    assert is_singular(LIN, one).value is True
    res = is_singular(LIN, two)
    assert res.value is False and res.tangent_rank == res.codimension == 2
    off = is_singular(LIN, rng.standard_normal(12))
    assert off.value is False and not off.on_variety and "not on the closure" in off.reason
    strata = singular_strata(LIN)
    assert [s.subnetwork for s in strata.strata] == ["linear(widths=[4,1,3]) inside linear(widths=[4,2,3])"]
    assert strata.strata[0].dimension == 6 and strata.strata[0].singular is True
    assert strata.singular_locus_dimension == 6 and strata.dimension == 10


def test_strata_of_convolutional_and_attention_networks():
    """A zero filter tap is a smaller filter: lcn(filters=[2,2]) (dim 3) has strata of dimension
    2 = (1 - 1) + (2 - 1) + 1 (stride-one lcn: dim = sum (k_l - 1) + 1).  A rank-one query or key
    matrix is the collapsed head attention(a=1), of dimension dout d + m(2d - m) - 1 with m = 1
    (rank-one K^T Q, arXiv 2408.17221): 1*2 + 3 - 1 = 4 for d = 2, dout = 1; M itself has m = 2: 5."""
    lcn = singular_strata("lcn(filters=[2,2], strides=[1,1])")
    assert lcn.dimension == 3 and len(lcn.strata) == 4
    assert all(s.kind == "zero tap" and s.dimension == 2 for s in lcn.strata)
    att = singular_strata("attention(d=2, a=2, t=2, dout=1)")
    d, dout = 2, 1
    assert att.dimension == dout * d + 2 * (2 * d - 2) - 1
    assert {s.dimension for s in att.strata} == {dout * d + 1 * (2 * d - 1) - 1}
    assert "collapsed head" in att.strata[0].subnetwork


def test_singular_refuses_bad_points_and_families():
    with pytest.raises(NeuromanifoldError, match="V has dimension 12"):
        is_singular(LIN, [1, 2, 3])
    with pytest.raises(NeuromanifoldError, match="either as f"):
        is_singular(LIN)
    assert is_singular(CUBIC, [1, 0, 0, 0]).value is False       # filling: V is smooth


def test_cli_contains_singular_train(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["contains", CUBIC, "--point", "[1,0,-1,0]", "--field", "real", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["value"] is False
    r = runner.invoke(app, ["contains", CUBIC, "--point", "[1,0,0,1]", "--field", "real", "--json"])
    payload = json.loads(r.output)
    assert payload["value"] is True and len(payload["witness"]) == 6
    r = runner.invoke(app, ["singular", LIN, "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["singular_locus_dimension"] == 6
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    Y = X @ rng.standard_normal((3, 3))
    np.savetxt(tmp_path / "d.csv", np.hstack([X, Y]), delimiter=",")
    r = runner.invoke(app, ["train", "linear(widths=[3,2,3])", "--data", str(tmp_path / "d.csv"), "--steps",
                            "200", "--lr", "0.005", "--json", "--plot", str(tmp_path / "t.png")])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["loss"][-1] < out["loss"][0] and (tmp_path / "t.png").exists()
    bad = runner.invoke(app, ["contains", CUBIC, "--point", "[1,0]", "--field", "real"])
    assert bad.exit_code == 2 and "dimension 4" in bad.output


def test_attention_singular_points():
    """A generic image point of one-layer attention is smooth; the image of a point where the
    projection L ramifies (the boundary point built above) and a point with a conjugate pair of
    preimages (two branches) are singular."""
    import neuromanifold as nm
    from neuromanifold.invariants.boundary import attention_tensor_map

    spec = "attention(d=2, a=2, t=2, dout=1)"
    param = nm.parse(spec).parametrization()
    f = np.asarray(param.coefficients(param.random_params(np.random.default_rng(4))))
    smooth = is_singular(spec, f)
    assert smooth.value is False and "smooth" in smooth.reason
    tm = attention_tensor_map(nm.parse(spec))
    k = np.linalg.svd(tm.L)[2][-1].reshape(2, 4)
    u, sk, vk = np.linalg.svd(k)
    a, b, c, d = sk[0] * u[:, 0], vk[0], sk[1] * u[:, 1], vk[1]
    assert is_singular(spec, tm.L @ np.outer(a, d).reshape(-1)).value is True
    pair = tm.L @ np.outer(c + 1j * a, b + 1j * d).real.reshape(-1)
    res = is_singular(spec, pair)
    assert res.value is True and "branches" in res.reason
