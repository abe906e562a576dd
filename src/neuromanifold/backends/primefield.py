"""Exact arithmetic in F_p on float64 arrays, fast through BLAS.

Residues are stored as float64 in the symmetric range |r| <= (p+1)/2 with
p < 2^26, so a product of two residues (< 2^50) and sums of up to 2^27
residues are exact in double precision.  A matrix product is exact when
K * ((p-1)/2)^2 < 2^53; otherwise the right factor is split into two 13-bit
limbs (and the inner dimension into chunks), each limb product being exact.
This is the delayed-reduction idea of FFLAS-FFPACK (Dumas--Giorgi--Pernet,
arXiv cs/0601133), written with NumPy.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import NeuromanifoldError

EXACT = float(2**53)

#: Largest prime below 2^26: products of two residues stay exact in float64.
P26 = 67_108_859
#: Largest prime below 2^21: matrix products with inner dimension <= 8,191 need one BLAS call.
P21 = 2_097_143
MAX_PRIME = 2**26


def check_prime(p: int) -> int:
    p = int(p)
    if not 2 < p < MAX_PRIME:
        raise NeuromanifoldError(f"prime must be an odd prime below 2^26 = {MAX_PRIME:,}, got {p:,}; "
                                 f"e.g. prime={P26}")
    if any(p % q == 0 for q in range(2, int(p**0.5) + 1)):
        raise NeuromanifoldError(f"{p:,} is not a prime; e.g. prime={P26}")
    return p


def reduce(x: np.ndarray, p: int, out: np.ndarray | None = None) -> np.ndarray:
    """Symmetric residue of exact integers stored in float64 (|x| < 2^53)."""
    if np.ndim(x) == 0:
        x = float(x)
        return np.float64(x - np.rint(x / p) * p)
    q = np.multiply(x, 1.0 / p)
    np.rint(q, out=q)
    q *= p
    return np.subtract(x, q, out=out)


def residue(value, p: int) -> float:
    """Symmetric residue of an int, Fraction or binary float (exactly)."""
    frac = value if isinstance(value, Fraction) else Fraction(value)
    den = frac.denominator % p
    if den == 0:
        raise NeuromanifoldError(f"the number {value} has a denominator divisible by p = {p}; pick another prime")
    r = (frac.numerator % p) * pow(den, -1, p) % p
    return float(r - p if r > p // 2 else r)


def residues(values, p: int) -> np.ndarray:
    """Elementwise exact residues of an array of numbers (floats are read exactly)."""
    arr = np.asarray(values)
    if arr.dtype == object:
        return np.vectorize(lambda v: residue(v, p), otypes=[np.float64])(arr)
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise NeuromanifoldError("complex numbers have no residue in F_p")
    if np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.bool_):
        return reduce(np.mod(arr.astype(np.int64), p).astype(np.float64), p)
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise NeuromanifoldError("a constant is not finite; it has no residue in F_p")
    if np.all(arr == np.rint(arr)) and np.all(np.abs(arr) < EXACT):
        return reduce(np.fmod(arr, p), p)
    uniq, inverse = np.unique(arr, return_inverse=True)
    mapped = np.array([residue(float(v), p) for v in uniq], dtype=np.float64)
    return mapped[inverse].reshape(arr.shape)


def random_residues(rng: np.random.Generator, shape, p: int) -> np.ndarray:
    """Uniformly random elements of F_p (symmetric representatives)."""
    return rng.integers(-(p // 2), p // 2 + 1, size=shape).astype(np.float64)


def to_int(x: np.ndarray, p: int) -> np.ndarray:
    """Residues as int64 in [0, p)."""
    return np.mod(np.asarray(x).astype(np.int64), p)


def reduce_fresh(x, p: int, xp=np):
    """``reduce`` of a freshly computed array: in place for NumPy, functional for jax.numpy
    (which is traced under ``jax.jit`` and fused by XLA)."""
    if xp is np:
        return reduce(np.asarray(x, dtype=np.float64), p, out=x if isinstance(x, np.ndarray) else None)
    return x - xp.round(x * (1.0 / p)) * p


def matmul(A, B, p: int, xp=np):
    """A @ B mod p for residue arrays (..., M, K) and (..., K, N); broadcasting batch axes.

    One product when K ((p+1)/2)^2 < 2^53; otherwise the right factor is split into two
    limbs of s bits and the inner dimension into chunks, so that every product is exact."""
    K = A.shape[-1]
    h = (p + 1) // 2
    if K == 0:
        shape = np.broadcast_shapes(A.shape[:-2], B.shape[:-2]) + (A.shape[-2], B.shape[-1])
        return xp.zeros(shape)
    if K == 1:
        return reduce_fresh(A * B, p, xp)
    if K * h * h < EXACT:
        return reduce_fresh(xp.matmul(A, B), p, xp)
    s = max(1, (int(h).bit_length() + 1) // 2)
    limb = float(1 << s)
    B1 = xp.floor(B / limb)
    B0 = B - B1 * limb
    bound = h * max(limb, h / limb + 1)  # |B0| < 2^s, |B1| <= h / 2^s + 1
    chunk = max(1, int((EXACT - 1) // bound))
    scale = float((1 << s) % p)
    out = None
    for c0 in range(0, K, chunk):
        a = A[..., c0:c0 + chunk]
        lo = reduce_fresh(xp.matmul(a, B0[..., c0:c0 + chunk, :]), p, xp)
        hi = reduce_fresh(xp.matmul(a, B1[..., c0:c0 + chunk, :]), p, xp)
        part = reduce_fresh(lo + reduce_fresh(hi * scale, p, xp), p, xp)
        out = part if out is None else reduce_fresh(out + part, p, xp)
    return out


def submatmul(C: np.ndarray, A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """C - A @ B mod p for residue arrays."""
    K = A.shape[-1]
    h = (p + 1) // 2
    if C.size == 0 or K == 0:
        return reduce(np.asarray(C, dtype=np.float64), p)
    if K > 1 and K * h * h + h < EXACT:
        out = C - A @ B
        return reduce(out, p, out=out)
    out = C - matmul(A, B, p)
    return reduce(out, p, out=out)


def power(a: np.ndarray, k: int, p: int) -> np.ndarray:
    """a^k mod p elementwise (k >= 0)."""
    result = np.ones_like(a)
    base = a.copy()
    while k:
        if k & 1:
            result = reduce(result * base, p)
        k >>= 1
        if k:
            base = reduce(base * base, p)
    return result


def inverse(a: np.ndarray, p: int) -> np.ndarray:
    """Elementwise inverse mod p (Fermat); every entry must be nonzero mod p."""
    if np.any(a == 0):
        raise NeuromanifoldError(f"division by a number divisible by p = {p}; pick another prime or point")
    return power(a, p - 2, p)


def inverse_matrix(S: np.ndarray, p: int) -> np.ndarray:
    """Inverse of a square residue matrix by Gauss--Jordan (must be invertible mod p)."""
    r = S.shape[0]
    M = np.concatenate([S, np.eye(r)], axis=1)
    for c in range(r):
        nz = np.flatnonzero(M[c:, c] != 0)
        if nz.size == 0:
            raise NeuromanifoldError("singular matrix mod p")
        k = c + int(nz[0])
        if k != c:
            M[[c, k]] = M[[k, c]]
        inv = float(pow(int(M[c, c]) % p, -1, p))
        row = reduce(M[c] * inv, p)
        M[c] = row
        f = M[:, c].copy()
        f[c] = 0.0
        M -= reduce(np.multiply.outer(f, row), p)
        reduce(M, p, out=M)
    return M[:, r:].copy()


def monomial(x, e, p: int) -> int:
    """prod_i x_i^e_i mod p for integers x_i (Python ints: exact for any p)."""
    out = 1
    for xi, ei in zip(x, e):
        out = out * pow(int(xi), int(ei), p) % p
    return out
