"""Exact rank of a matrix over F_p.

Two independent methods:

* ``"flint"``: python-flint's ``nmod_mat.rank`` (FLINT's LU), for small and
  medium matrices where converting the entries to Python integers is cheap;
* ``"blas"``: our recursive block elimination on float64 residues, whose
  work is matrix products done exactly by BLAS (see :mod:`.primefield`).
  Writing A = [A_L | A_R], the left half gives pivot rows I, the rest rows N
  and X with A_L[N] = X A_L[I]; then rank A = rank A_L + rank(A_R[N] - X A_R[I])
  (a Schur complement).  Cost O(m n r) in BLAS-3, about 15 s for 8,855 x 8,865
  on two cores, where FLINT needs over a minute plus the conversion.

``rank`` picks by size; tests check that both agree.
"""

from __future__ import annotations

import numpy as np

from ..errors import NeuromanifoldError
from . import primefield as pf

#: Up to this many entries, ``rank`` uses FLINT.
FLINT_MAX_ENTRIES = 250_000
#: Column blocks of at most this width are eliminated directly.
BASE_WIDTH = 32


def rank(A: np.ndarray, p: int, method: str = "auto") -> int:
    """Rank over F_p of a matrix of residues (any integer-valued float or int array)."""
    A = np.asarray(A)
    if A.ndim != 2:
        raise NeuromanifoldError("rank needs a 2-D matrix")
    if A.size == 0:
        return 0
    if method == "auto":
        method = "flint" if A.size <= FLINT_MAX_ENTRIES else "blas"
    if method == "flint":
        return _rank_flint(A, p)
    if method == "blas":
        M = _residue_matrix(A, p)
        if M.shape[0] > M.shape[1]:
            M = M.T
        return _echelon(np.ascontiguousarray(M), p, need_x=False)[0]
    raise NeuromanifoldError(f"unknown rank method {method!r}; use 'auto', 'flint' or 'blas'")


def independent_rows(A: np.ndarray, p: int) -> tuple[int, np.ndarray]:
    """(rank, indices of ``rank`` rows of A that are linearly independent over F_p).

    Computed as the pivot columns of A^T, the orientation in which the
    column-recursive elimination is fastest for the tall matrices it is used on."""
    A = np.asarray(A)
    if A.size == 0:
        return 0, np.zeros(0, dtype=np.int64)
    M = _residue_matrix(A, p)
    r, _, _, _, cols = _echelon(np.ascontiguousarray(M.T), p, need_x=False)
    return int(r), np.sort(np.asarray(cols, dtype=np.int64))


def _residue_matrix(A: np.ndarray, p: int) -> np.ndarray:
    if np.issubdtype(A.dtype, np.floating):
        return pf.reduce(A.astype(np.float64), p)
    return pf.residues(A, p)


def _rank_flint(A: np.ndarray, p: int) -> int:
    import flint

    ints = pf.to_int(A, p)
    return int(flint.nmod_mat(ints.tolist(), p).rank())


# -- block elimination -----------------------------------------------------------------


def _unblocked(A0: np.ndarray, p: int):
    """Gaussian elimination of a small block: (pivot rows, pivot columns, other rows)."""
    A = A0.copy()
    m, n = A.shape
    piv, pcols = [], []
    active = np.ones(m, dtype=bool)
    for j in range(n):
        cand = np.flatnonzero(active & (A[:, j] != 0))
        if cand.size == 0:
            continue
        i = int(cand[0])
        piv.append(i)
        pcols.append(j)
        active[i] = False
        others = cand[1:]
        if others.size and j + 1 < n:
            inv = float(pow(int(A[i, j]) % p, -1, p))
            f = pf.reduce(A[others, j] * inv, p)
            upd = pf.reduce(np.multiply.outer(f, A[i, j + 1:]), p)
            A[others, j + 1:] = pf.reduce(A[others, j + 1:] - upd, p)
        A[others, j] = 0.0
    return np.array(piv, dtype=np.int64), np.array(pcols, dtype=np.int64), np.flatnonzero(active)


def _coefficients(A, P, PC, rows, p):
    """X with A[rows] = X A[P], from the invertible block A[P][:, PC]."""
    if len(P) == 0:
        return np.zeros((len(rows), 0))
    Sinv = pf.inverse_matrix(A[np.ix_(P, PC)], p)
    return pf.matmul(A[np.ix_(rows, PC)], Sinv, p)


def _base(A, p, need_x):
    """Narrow block (at most BASE_WIDTH columns).  A few candidate rows are eliminated
    directly and every other row is expressed through their pivots; if the candidates miss
    some rank (sparse or structured blocks), zero rows are set aside, the candidates are
    widened to cover every column's support and the residual is handled recursively."""
    m, b = A.shape
    if m <= 2 * b + 4:
        return _small(A, p, need_x)
    first = np.arange(2 * b + 4)
    P0, PC0, N0 = _unblocked(A[first], p)
    if len(P0) == b:  # full column rank already: every other row is a combination of the pivots
        if not need_x:
            return b, P0, None, None, PC0
        others = np.concatenate([N0, np.arange(2 * b + 4, m)])
        return b, P0, others, _coefficients(A, P0, PC0, others, p), PC0
    nonzero = np.flatnonzero(np.any(A != 0, axis=1))
    if len(nonzero) < m:
        r, P, N, X, PC = _base_sparse(np.ascontiguousarray(A[nonzero]), p, need_x)
        zero = np.setdiff1d(np.arange(m), nonzero)
        if N is not None:
            N = np.concatenate([nonzero[N], zero])
        if X is not None:
            X = np.concatenate([X, np.zeros((len(zero), r))])
        return r, nonzero[P], N, X, PC
    return _base_sparse(A, p, need_x)


def _candidates(A: np.ndarray, per_column: int = 2) -> np.ndarray:
    """The first 2b + 4 rows and the rows holding the first few nonzeros of every column."""
    picks = set(range(min(A.shape[0], 2 * A.shape[1] + 4)))
    for j in range(A.shape[1]):
        picks.update(np.flatnonzero(A[:, j] != 0)[:per_column].tolist())
    return np.array(sorted(picks), dtype=np.int64)


def _small(A, p, need_x):
    P0, PC0, N0 = _unblocked(A, p)
    X = _coefficients(A, P0, PC0, N0, p) if need_x else None
    return len(P0), P0, N0, X, PC0


def _base_sparse(A, p, need_x):
    m, b = A.shape
    if m <= 2 * b + 4:
        return _small(A, p, need_x)
    cand = _candidates(A)
    rest = np.setdiff1d(np.arange(m), cand)
    Pc, PC0, Nc = _unblocked(A[cand], p)
    P0, N0 = cand[Pc], cand[Nc]
    r0 = len(P0)
    if r0 == b or len(rest) == 0:
        others = np.concatenate([N0, rest])
        X = _coefficients(A, P0, PC0, others, p) if need_x else None
        return r0, P0, (others if need_x else None), X, PC0
    Y = _coefficients(A, P0, PC0, rest, p)
    R = A[rest] if r0 == 0 else pf.submatmul(np.ascontiguousarray(A[rest]), Y, A[P0], p)
    r1, P1, N1, X1, PC1 = _echelon(np.ascontiguousarray(R), p, True)
    piv = np.concatenate([P0, rest[P1]])
    nonpiv = np.concatenate([N0, rest[N1]])
    pcols = np.concatenate([PC0, PC1])
    X = None
    if need_x:
        X0 = _coefficients(A, P0, PC0, N0, p)
        top = np.concatenate([X0, np.zeros((len(N0), r1))], axis=1)
        left = Y[N1]
        if r1 and r0:
            left = pf.submatmul(np.ascontiguousarray(left), X1, Y[P1], p)
        X = np.concatenate([top, np.concatenate([left, X1], axis=1)])
    return r0 + r1, piv, nonpiv, X, pcols


def _echelon(A: np.ndarray, p: int, need_x: bool):
    """(rank, pivot rows I, other rows N, X with A[N] = X A[I], pivot columns); X only when
    ``need_x``.  The pivot columns are linearly independent: after the row operations the
    matrix is block triangular, [[A_L[I], A_R[I]], [0, B]]."""
    m, n = A.shape
    if m == 0 or n == 0:
        return 0, np.zeros(0, np.int64), np.arange(m), np.zeros((m, 0)), np.zeros(0, np.int64)
    if n <= BASE_WIDTH:
        return _base(A, p, need_x)
    n1 = n // 2
    rL, IL, NL, XL, CL = _echelon(A[:, :n1], p, True)
    if len(NL) == 0:
        return rL, IL, NL, (np.zeros((0, rL)) if need_x else None), CL
    B = np.ascontiguousarray(A[NL, n1:])
    if rL:
        B = pf.submatmul(B, XL, A[IL, n1:], p)
    rB, IB, NB, XB, CB = _echelon(B, p, need_x)
    piv = np.concatenate([IL, NL[IB]])
    pcols = np.concatenate([CL, n1 + CB])
    if not need_x:
        return rL + rB, piv, None, None, pcols
    left = XL[NB]
    if rB and rL:
        left = pf.submatmul(np.ascontiguousarray(left), XB, XL[IB], p)
    return rL + rB, piv, NL[NB], np.concatenate([left, XB], axis=1), pcols
