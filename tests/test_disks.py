"""Krawczyk's test in disk arithmetic (homotopy/disks.py) against ball arithmetic at high precision
(python-flint's acb, a second method) and against boxes whose root count is known."""

import importlib

import jax.numpy as jnp
import numpy as np
import pytest
from flint import acb, ctx

from neuromanifold.homotopy import System, disks, slp, solve

certify_module = importlib.import_module("neuromanifold.homotopy.certify")


def _random(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _cubic_system():
    """Three dense cubics with data coefficients (cancellation in every sum)."""
    def F(z, p, data):
        A, B = data
        q = A @ z
        return q * q * q - B @ z - p
    rng = np.random.default_rng(3)
    return System(F, 3, 3, "dense cubics", (_random(rng, 3, 3), _random(rng, 3, 3)))


def test_disks_enclose_the_values_computed_in_200_bit_balls():
    """Every node's disk holds the exact value: at random points (z as exact centres and as disks of
    radius 1e-6), F and F_z in disk arithmetic contain the 200-bit ball values at those points."""
    S = _cubic_system()
    prog = slp.program(S)
    P = disks.plan(prog)
    rng = np.random.default_rng(0)
    Z = _random(rng, 20, 3) * 10.0 ** rng.uniform(-3, 3, (20, 1))
    p = _random(rng, 3)
    data = slp.data_vector(S.data)
    Fm, Fr, Jm, Jr = disks._evaluate(P, Z, np.zeros(20), p, data)
    old = ctx.prec
    ctx.prec = 200
    try:
        for k in range(20):
            F, J, _ = prog.evaluate(Z[k], p, data, ring=acb)
            for i in range(3):
                ball = F[i]
                gap = abs(complex(ball.real.mid(), ball.imag.mid()) - Fm[k, i])
                assert gap <= Fr[k, i] + 2 * float(ball.real.rad() + ball.imag.rad()) and Fr[k, i] > 0
                for j in range(3):
                    ball = J[i][j]
                    gap = abs(complex(ball.real.mid(), ball.imag.mid()) - Jm[k, i, j])
                    assert gap <= Jr[k, i, j] + 2 * float(ball.real.rad() + ball.imag.rad())
    finally:
        ctx.prec = old


def test_disk_test_certifies_the_roots_the_ball_test_certifies():
    """The 27 roots of the dense cubics (Bezout, total-degree homotopy): the disk test passes on
    boxes where the ball test passes, and the two enclosures of each root overlap (both hold it)."""
    S = _cubic_system()
    p = _random(np.random.default_rng(1), 3)
    roots = solve(S, p=p).solutions
    assert len(roots) == 27
    Z = S.newton(roots, p, 2)
    r = 1e-9 * (1 + np.abs(Z).max(axis=1))
    test = disks.krawczyk(S, Z, p, r)
    ok, K = certify_module._krawczyk(S, Z, p, r)
    assert test.passed.sum() >= 25 and np.all(test.passed | ~ok)
    for k in np.flatnonzero(test.passed & ok):
        for j in range(3):
            ball = K[k][j]
            centre = complex(ball.real.mid(), ball.imag.mid())
            assert abs(centre - Z[k, j]) <= test.enclosure_radius[k, j] + 1.5 * float(
                max(ball.real.rad(), ball.imag.rad()))


def test_disk_test_rejects_boxes_without_a_unique_root():
    """z^2 = 4: a box at 0 holds no root, a box of radius 3 at 0 holds two; a box at 2 passes."""
    S = System(lambda z, p: jnp.stack([z[0] ** 2 - p[0]]), 1, 1, "square root")
    t = disks.krawczyk(S, np.array([[0.0 + 0j], [0.0 + 0j], [2.0 + 1e-12j]]), np.array([4.0]),
                       np.array([1.0, 3.0, 1e-6]))
    assert t.passed.tolist() == [False, False, True]
    assert t.enclosure_radius[2, 0] < 1e-10


def test_rounded_constants_send_the_certificate_to_balls():
    """z / 3 folds a rounded constant 1/3 into the program: the disk test declines the system and
    the ball test certifies its root alone; an integer system keeps the disk test."""
    thirds = System(lambda z, p: jnp.stack([z[0] / 3.0 - p[0]]), 1, 1, "thirds")
    assert slp.program(thirds).tape.inexact and not disks.available(thirds)
    cert = certify_module.certify(thirds, [[3.0]], [1.0])
    assert cert.certified.tolist() == [True]
    assert disks.available(_cubic_system())


@pytest.mark.parametrize("k", [1, 7])
def test_certify_counts_are_the_same_with_the_disk_path_switched_off(monkeypatch, k):
    """The certified count of the dense cubics' roots (k copies of each: one group per root) is 27
    with the disk test and with balls alone."""
    S = _cubic_system()
    p = _random(np.random.default_rng(1), 3)
    roots = solve(S, p=p).solutions
    Z = np.repeat(roots, k, axis=0)
    fast = certify_module.certify(S, Z, p)
    monkeypatch.setattr(disks, "available", lambda system: False)
    slow = certify_module.certify(S, Z, p)
    assert fast.certified_count == slow.certified_count == 27
    assert fast.certified.all() and slow.certified.all()


def test_a_reciprocal_near_its_pole_is_enclosed():
    """1 / b for disks b that nearly reach 0 (|b| - rad b down to 1e-12): the disk holds the true
    reciprocal of every point of b (checked at the point of b nearest 0, where 1/b is largest)."""
    from fractions import Fraction

    S = System(lambda z, p: jnp.stack([1.0 / z[0] - p[0]]), 1, 1, "reciprocal")
    P = disks.plan(slp.program(S))
    for gap in (1e-3, 1e-8, 1e-12):
        centre, rad = 1.0 + 0j, 1.0 - gap
        Fm, Fr, _, _ = disks._evaluate(P, np.array([[centre]]), np.array([rad]), np.array([0.0 + 0j]),
                                       np.zeros(0, complex))
        worst = Fraction(1) / (Fraction(1) - Fraction(rad))        # 1/b at b = 1 - rad, exactly
        assert abs(Fraction(Fm[0, 0].real) - worst) <= Fraction(Fr[0, 0]) and Fm[0, 0].imag == 0
