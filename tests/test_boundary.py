"""The relative boundary of the real neuromanifold: stride-one LCNs by real roots (arXiv
2108.01538), one-layer attention by real rank-one preimages."""

import json
import numpy as np
import pytest
from typer.testing import CliRunner

from neuromanifold.cli import app
from neuromanifold.errors import NeuromanifoldError
from neuromanifold.invariants.membership import contains


def _discriminant_sign(w):
    """Sign of the discriminant of a real quadratic c + b x + a x^2 or cubic (closed formulas)."""
    if len(w) == 3:
        c, b, a = w
        return np.sign(b * b - 4 * a * c)
    d, c, b, a = w
    return np.sign(18 * a * b * c * d - 4 * b ** 3 * d + b * b * c * c - 4 * a * c ** 3 - 27 * a * a * d * d)


def test_real_lcn_quadratics_split_iff_the_discriminant_is_nonnegative():
    """lcn(filters=[2,2]): M(R) = {b^2 - 4ac >= 0}; its boundary is b^2 - 4ac = 0 (a double root)."""
    from neuromanifold.invariants.boundary import on_boundary

    spec = "lcn(filters=[2,2], strides=[1,1])"
    rng = np.random.default_rng(5)
    for w in rng.integers(-4, 5, (60, 3)).astype(float):
        if not np.any(w):
            continue
        disc = _discriminant_sign(w)
        r = on_boundary(spec, w)
        assert r.in_real_neuromanifold == (disc >= 0) or w[2] == 0, w
        assert r.value == (disc == 0 and w[2] != 0) or w[2] == 0, w
        assert contains(spec, w, "real").value == r.in_real_neuromanifold
    assert on_boundary(spec, [1, -2, 1]).value and on_boundary(spec, [1, -2, 1]).certified
    assert not on_boundary(spec, [2, -3, 1]).value
    out = on_boundary(spec, [1, 0, 1])
    assert not out.value and not out.in_real_neuromanifold
    assert on_boundary(spec, [0, 0, 1]).value            # x^2: double root at 0
    assert on_boundary(spec, [1, 0, 0]).value            # y^2: double root at infinity


def test_real_lcn_cubics():
    """Three linear filters: cubics with three real roots (discriminant >= 0); one quadratic and
    one linear filter: every real cubic (a real cubic has a real root), so no boundary."""
    from neuromanifold.invariants.boundary import on_boundary

    rng = np.random.default_rng(6)
    for w in rng.standard_normal((30, 4)):
        three = on_boundary("lcn(filters=[2,2,2], strides=[1,1,1])", w)
        assert three.in_real_neuromanifold == (_discriminant_sign(w) >= 0)
        two = on_boundary("lcn(filters=[3,2], strides=[1,1])", w)
        assert two.in_real_neuromanifold and not two.value
        witness = contains("lcn(filters=[3,2], strides=[1,1])", w, "real")
        assert witness.value and witness.residual < 1e-10
    assert on_boundary("lcn(filters=[2,2,2], strides=[1,1,1])", np.poly([1, 1, 2])[::-1]).value
    with pytest.raises(NeuromanifoldError, match="every stride 1"):
        on_boundary("lcn(filters=[2,2], strides=[2,1])", [1, 0, 0, 1])
    with pytest.raises(NeuromanifoldError, match="V has dimension 3"):
        on_boundary("lcn(filters=[2,2], strides=[1,1])", [1, 0])
    r = CliRunner().invoke(app, ["boundary", "lcn(filters=[2,2], strides=[1,1])", "--point", "[1,-2,1]", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["value"] is True


def test_attention_real_neuromanifold_and_its_boundary():
    """One-layer attention is a projection L of the Segre cone of rank-one tensors V (x) A.  A real
    point with a complex pair of preimages P, conj(P) (built from a kernel vector k of L as
    Im P = k) is in M over C only; a real point whose real preimage P0 has a tangent space of the
    Segre cone meeting ker L (built as k = x0 y^T + x y0^T, P0 = x0 y0^T) is on the boundary; a
    random image point is interior, with its real witness parameters."""
    import neuromanifold as nm
    from neuromanifold.invariants.boundary import attention_tensor_map, on_boundary

    spec = "attention(d=2, a=2, t=2, dout=1)"
    param = nm.parse(spec).parametrization()
    f = np.asarray(param.coefficients(param.random_params(np.random.default_rng(1))))
    inner = on_boundary(spec, f)
    assert inner.in_real_neuromanifold and not inner.value
    w = contains(spec, f, "real")
    assert w.value and w.residual < 1e-8 and len(w.witness) == param.n_params
    tm = attention_tensor_map(nm.parse(spec))
    _, s, Vh = np.linalg.svd(tm.L)
    assert np.sum(s > 1e-9 * s[0]) == 6                          # ker L has dimension 2
    k = Vh[-1].reshape(2, 4)
    u, sk, vk = np.linalg.svd(k)
    a, b, c, d = sk[0] * u[:, 0], vk[0], sk[1] * u[:, 1], vk[1]
    P = np.outer(c + 1j * a, b + 1j * d)                          # Im P = a b^T + c d^T = k
    f_pair = tm.L @ P.real.reshape(-1)
    assert contains(spec, f_pair, "complex").value and not contains(spec, f_pair, "real").value
    pair = on_boundary(spec, f_pair)
    assert not pair.in_real_neuromanifold and not pair.value
    f_edge = tm.L @ np.outer(a, d).reshape(-1)
    edge = on_boundary(spec, f_edge)
    assert edge.in_real_neuromanifold and edge.value and "multiple" in edge.reason
