"""Equivariant linear networks (Kohn--Sattelberger--Shahverdi, arXiv 2309.13736).

A linear network x -> W_h ... W_1 x with bottleneck r = min(d_1, ..., d_{h-1}) whose end-to-end map
commutes with a permutation action of a group G on R^n (input and output) has the function space

    M = {W in Hom_G(R^n, R^n) : rank W <= r}.

By Schur's lemma Hom_G = prod_rho End(C^{m_rho}) over the irreducible representations rho with
multiplicities m_rho, an equivariant W is (W_rho (x) I_{dim rho})_rho and rank W = sum_rho dim(rho)
rank W_rho.  So M is the union over the maximal rank profiles (r_rho), sum_rho dim(rho) r_rho <= r,
of the products of determinantal varieties prod_rho {rank W_rho <= r_rho}: its irreducible
components (KSS, Theorems on equivariance for cyclic groups).  Over C each component has

    dim = sum r (2m - r),   degree = prod deg{m x m of rank <= r},   EDdeg = prod C(m, r)

(the Frobenius norm, invariant under G and under the unitary Fourier transform, splits over the
isotypic blocks, so Eckart--Young applies block by block; the ED degree of M is the sum over its
components).  Over R the irreducible representations are the real characters (trivial, sign) and
pairs {chi, conj chi} of complex type, whose block is End(C^m) acting on R^{2m}: real rank 2 rank_C.

Groups: ``"cyclic"`` (the n-cycle (1 2 ... n)), ``"symmetric"`` (S_n), or one permutation in cycle
notation, e.g. ``"(1 2 3)(4 5)"``, generating a cyclic group (its cycles of lengths l_j are regular
representations of C_{l_j}; the character chi_k of C_N, N the order, appears in the cycle of
length l iff N / gcd(N, k) divides l).

>>> [c.label for c in components("cyclic", 3, 1, "C")]
['chi_0', 'chi_1', 'chi_2']
>>> [c.label for c in components("cyclic", 3, 1, "R")]
['trivial']
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from math import comb, factorial, gcd

import numpy as np

from ..errors import SpecError


def determinantal_degree(m: int, n: int, r: int) -> int:
    """Degree of {m x n matrices of rank <= r}: prod_{i=0}^{n-r-1} (m+i)! i! / ((r+i)! (m-r+i)!)
    (n <= m; e.g. 3 x 3 of rank <= 1: 6; any size of rank <= min: 1; rank 0: 1)."""
    m, n = max(m, n), min(m, n)
    if r >= n:
        return 1
    out_num, out_den = 1, 1
    for i in range(n - r):
        out_num *= factorial(m + i) * factorial(i)
        out_den *= factorial(r + i) * factorial(m - r + i)
    return out_num // out_den


def parse_group(text, n: int) -> tuple[str, list[int] | None]:
    """(canonical text, the generating permutation as a list of images 0..n-1, or None for S_n)."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError('group must be "cyclic", "symmetric" or a permutation in cycle notation such as '
                        '"(1 2 3)"')
    t = text.strip().lower()
    if t == "cyclic":
        return "cyclic", [(i + 1) % n for i in range(n)]
    if t == "symmetric":
        if n < 2:
            raise SpecError("the symmetric group needs n >= 2 coordinates; give widths that start and end with 2 or more")
        return "symmetric", None
    cycles = re.findall(r"\(([^()]*)\)", t)
    if not cycles or re.sub(r"\(([^()]*)\)", "", t).strip(" ,"):
        raise SpecError(f'cannot read the group {text!r}: give "cyclic", "symmetric" or cycle notation on the '
                        f'points 1..{n}, e.g. "(1 2 3)(4 5)"')
    perm, seen = list(range(n)), set()
    for cyc in cycles:
        try:
            pts = [int(v) - 1 for v in re.split(r"[\s,]+", cyc.strip()) if v]
        except ValueError:
            raise SpecError(f"cycle ({cyc}) must list points 1..{n}, e.g. (1 2 3)") from None
        if any(not 0 <= q < n for q in pts) or seen & set(pts) or len(set(pts)) != len(pts):
            raise SpecError(f"cycle ({cyc}): the points must be distinct, in 1..{n}, and in one cycle only")
        seen |= set(pts)
        for a, b in zip(pts, pts[1:] + pts[:1]):
            perm[a] = b
    canon = "".join("(" + " ".join(str(q + 1) for q in c) + ")" for c in _cycles(perm) if len(c) > 1)
    return canon or "()", perm


def _cycles(perm: list[int]) -> list[list[int]]:
    out, seen = [], set()
    for s in range(len(perm)):
        if s in seen:
            continue
        c, q = [], s
        while q not in seen:
            seen.add(q)
            c.append(q)
            q = perm[q]
        out.append(c)
    return out


@dataclass(frozen=True)
class Irrep:
    label: str
    dim: int                # dimension over the field (C, or R for the real form): a rank-k block has rank dim k
    multiplicity: int       # m: copies in R^n
    complex_type: bool = False   # over R, End = C (a pair chi, conj chi): real dimensions double


def irreps(group: str, perm, n: int, field: str) -> list[Irrep]:
    """The irreducible representations in R^n with multiplicity > 0, over C or R."""
    if perm is None:                                  # S_n on R^n = trivial + standard (n - 1)
        return [Irrep("trivial", 1, 1), Irrep("standard", n - 1, 1)]
    lengths = [len(c) for c in _cycles(perm)]
    N = 1
    for ell in lengths:
        N = N * ell // gcd(N, ell)
    mult = {k: sum(1 for ell in lengths if ell % (N // gcd(N, k)) == 0) for k in range(N)}
    out = []
    if field == "C":
        for k in range(N):
            if mult[k]:
                out.append(Irrep(f"chi_{k}", 1, mult[k]))
        return out
    for k in range(N):
        if not mult[k] or (N - k) % N < k:
            continue
        if (2 * k) % N == 0:
            out.append(Irrep("trivial" if k == 0 else "sign", 1, mult[k]))
        else:
            out.append(Irrep(f"rot_{k}", 2, mult[k], complex_type=True))
    return out


@dataclass(frozen=True)
class Component:
    """One irreducible component: a rank r_rho for each irreducible representation."""

    field: str
    profile: tuple            # (Irrep, r) pairs with r > 0
    dimension: int            # over the field's numbers: complex dimension (C) or real dimension (R)
    degree: int | None        # of the complex component (C only)
    ed_degree: int | None     # Frobenius (G-invariant) metric, C only

    @property
    def label(self) -> str:
        return " + ".join(f"{ir.label}" + (f"^{r}" if r > 1 else "") for ir, r in self.profile) or "zero"

    def to_dict(self) -> dict:
        return {"component": self.label, "field": self.field, "dimension": self.dimension,
                "degree": self.degree, "ed_degree": self.ed_degree,
                "ranks": {ir.label: r for ir, r in self.profile}}


def components(group: str, n: int, r: int, field: str = "C") -> list[Component]:
    """The irreducible components of {W in Hom_G(R^n, R^n): rank W <= r} over C or over R."""
    canon, perm = parse_group(group, n)
    reps = irreps(canon, perm, n, field)
    profiles = []
    for ranks in itertools.product(*[range(ir.multiplicity + 1) for ir in reps]):
        if sum(ir.dim * k for ir, k in zip(reps, ranks)) <= r:
            profiles.append(ranks)
    maximal = [p for p in profiles if not any(q != p and all(a <= b for a, b in zip(p, q)) for q in profiles)]
    out = []
    for p in maximal:
        prof = tuple((ir, k) for ir, k in zip(reps, p) if k)
        if field == "C":
            dim = sum(k * (2 * ir.multiplicity - k) for ir, k in prof)
            deg = int(np.prod([determinantal_degree(ir.multiplicity, ir.multiplicity, k) for ir, k in prof]))
            edd = int(np.prod([comb(ir.multiplicity, k) for ir, k in prof]))
        else:
            dim = sum((2 if ir.complex_type else 1) * k * (2 * ir.multiplicity - k) for ir, k in prof)
            deg = edd = None
        out.append(Component(field, prof, dim, deg, edd))
    return sorted(out, key=lambda c: (-c.dimension, c.label))


def copies(group: str, n: int, field: str = "C") -> dict:
    """For each irreducible representation over C: the orthonormal bases (n x dim) of its copies in
    C^n (cyclic: Fourier vectors of each cycle; S_n: the all-ones line and its complement)."""
    canon, perm = parse_group(group, n)
    if perm is None:
        ones = np.ones((n, 1)) / np.sqrt(n)
        Q, _ = np.linalg.qr(np.hstack([ones, np.eye(n)[:, :n - 1]]))
        return {"trivial": [ones.astype(complex)], "standard": [Q[:, 1:].astype(complex)]}
    cycles = _cycles(perm)
    N = 1
    for c in cycles:
        N = N * len(c) // gcd(N, len(c))
    out = {}
    for k in range(N):
        vecs = []
        for c in cycles:
            if len(c) % (N // gcd(N, k)) == 0:
                v = np.zeros((n, 1), complex)
                for t, q in enumerate(c):        # P e_{c[t]} = e_{c[t+1]}: eigenvalue e^{2 pi i k / N}
                    v[q, 0] = np.exp(-2j * np.pi * k * t / N) / np.sqrt(len(c))
                vecs.append(v)
        if vecs:
            out[f"chi_{k}"] = vecs
    return out


def component_map(group: str, n: int, comp: Component):
    """(sizes, W(params)): the component as the image of rank factorisations A_rho B_rho of its
    blocks, W = sum_rho sum_{j, j'} (A_rho B_rho)_{j j'} E_{rho, j} E_{rho, j'}^* (C only)."""
    basis = copies(group, n)
    blocks = [(basis[ir.label], k) for ir, k in comp.profile]
    sizes = [2 * len(E) * k for E, k in blocks]

    def W(params):
        out, off = np.zeros((n, n), complex), 0
        for (E, k), size in zip(blocks, sizes):
            m = len(E)
            A = params[off:off + m * k].reshape(m, k)
            B = params[off + m * k:off + size].reshape(k, m)
            off += size
            C = A @ B
            for j in range(m):
                for jj in range(m):
                    out += C[j, jj] * E[j] @ E[jj].conj().T
        return out
    return sum(sizes), W


def permutation_matrices(group: str, n: int) -> list[np.ndarray]:
    """The generators as n x n permutation matrices (P e_i = e_{perm(i)})."""
    canon, perm = parse_group(group, n)
    gens = [perm] if perm is not None else [[(i + 1) % n for i in range(n)], [1, 0] + list(range(2, n))]
    out = []
    for g in gens:
        P = np.zeros((n, n))
        for i, j in enumerate(g):
            P[j, i] = 1.0
        out.append(P)
    return out
