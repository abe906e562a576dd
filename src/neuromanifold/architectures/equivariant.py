"""Equivariant linear networks (Kohn--Sattelberger--Shahverdi, arXiv 2309.13736).

A linear network x -> W_h ... W_1 x with bottleneck r = min(d_1, ..., d_{h-1}) whose end-to-end map
commutes with a permutation action of a group G on R^n (input and output) has the function space

    M = {W in Hom_G(R^n, R^n) : rank W <= r}.

By Schur's lemma Hom_G = prod_rho End(C^{m_rho}) over the irreducible representations rho with
multiplicities m_rho, an equivariant W is (W_rho (x) I_{dim rho})_rho and rank W = sum_rho dim(rho)
rank W_rho.  So M is the union over the maximal rank profiles (r_rho), sum_rho dim(rho) r_rho <= r,
of the products of determinantal varieties prod_rho {rank W_rho <= r_rho}: its irreducible
components (KSS, Theorems on equivariance for cyclic groups).  Over C each component has

    dim = sum r (2m - r),   degree = prod deg{m x m of rank <= r}

and, for the Frobenius metric tr(W W'^T) extended bilinearly (as every ED degree is), the ED degree
of :func:`frobenius_ed_degree`: in the isotypic coordinates that form pairs each block with its
complex conjugate's, so a real-type block counts C(m, r) (Eckart--Young) and a conjugate pair
C(m, r) when both have rank r, and nothing when their ranks differ (such a component is isotropic:
the Fourier line of a non-real character of C_3 is one, so the rank-one circulants have ED degree
1, not 3; a generic metric sees the three lines, ED degree 3).  The ED degree of M is the sum over
its components.  Over R the irreducible representations are the real characters (trivial, sign) and
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
    conjugate: str = ""     # over C: the label of the complex conjugate representation ("" = itself)


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
                out.append(Irrep(f"chi_{k}", 1, mult[k], conjugate="" if (2 * k) % N == 0 else f"chi_{(N - k) % N}"))
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
    ed_degree: int | None     # Frobenius (G-invariant) metric, C only (:func:`frobenius_ed_degree`)

    @property
    def ranks(self) -> dict:
        """label -> r_rho of the blocks in the profile (the others have rank 0)."""
        return {ir.label: r for ir, r in self.profile}

    @property
    def label(self) -> str:
        return " + ".join(f"{ir.label}" + (f"^{r}" if r > 1 else "") for ir, r in self.profile) or "zero"

    def to_dict(self) -> dict:
        return {"component": self.label, "field": self.field, "dimension": self.dimension,
                "degree": self.degree, "ed_degree": self.ed_degree,
                "ranks": self.ranks}


def frobenius_ed_degree(reps: list, ranks) -> int:
    """ED degree of the component prod_rho {rank C_rho <= r_rho} (over C) for the Frobenius metric
    tr(W W'^T), extended bilinearly as every ED degree is (Draisma et al., arXiv 1309.0049).

    In the isotypic coordinates the real form pairs each block with its complex conjugate's:
    tr(W W'^T) = sum_rho c_rho tr(C_rho C'_rho-bar^T) (c_rho > 0, rho-bar the conjugate representation).
    A real-type block (rho = rho-bar) is a determinantal variety with its own Frobenius form:
    Eckart--Young, C(m, r).  A conjugate pair (rho, rho-bar) of ranks (r, r') is the product
    {rank X <= r} x {rank Y <= r'} under the pairing 2 tr((X - U)(Y - V)^T): at a critical point
    (X, Y of ranks r, r') Y - V is normal to the rank-r variety at X and X - U to the rank-r' one at
    Y, i.e. X^T (Y - V) = 0, (Y - V) X^T = 0, Y^T (X - U) = 0, (X - U) Y^T = 0.  Then X^T Y = X^T V
    has rank r and X^T Y = U^T Y rank r' (U, V generic, invertible), so r = r' or there is no critical
    point: a pair whose ranks differ leaves the component without one (the loss restricted to it is
    isotropic; e.g. the line of a non-real character, r' = 0).  For r = r' they are the rank-r
    truncations of the eigen-decomposition of U V^T, C(m, r) of them.  So the count is
    prod over real blocks C(m, r) times prod over pairs [r = r'] C(m, r).  (Checked against the
    homotopy count on each component's parametrization in tests/test_equivariant.py.)

    >>> ir = irreps("cyclic", [1, 2, 0], 3, "C")
    >>> frobenius_ed_degree(ir, (1, 0, 0)), frobenius_ed_degree(ir, (0, 1, 0)), frobenius_ed_degree(ir, (1, 1, 1))
    (1, 0, 1)
    """
    rank = {ir.label: k for ir, k in zip(reps, ranks)}
    out = 1
    for ir in reps:
        k = rank[ir.label]
        if not ir.conjugate:
            out *= comb(ir.multiplicity, k)
        elif ir.label < ir.conjugate:                 # each pair once
            out *= comb(ir.multiplicity, k) if rank.get(ir.conjugate, 0) == k else 0
    return out


def _measure(prof) -> tuple[int, int]:
    """(dimension, degree) over C of prod_rho {m x m of rank <= r_rho} for a profile of (Irrep, r)."""
    dim = sum(k * (2 * ir.multiplicity - k) for ir, k in prof)
    deg = int(np.prod([determinantal_degree(ir.multiplicity, ir.multiplicity, k) for ir, k in prof]))
    return dim, deg


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
            dim, deg = _measure(prof)
            edd = frobenius_ed_degree(reps, p)
        else:
            dim = sum((2 if ir.complex_type else 1) * k * (2 * ir.multiplicity - k) for ir, k in prof)
            deg = edd = None
        out.append(Component(field, prof, dim, deg, edd))
    return sorted(out, key=lambda c: (-c.dimension, c.label))


def copies(group: str, n: int, field: str = "C", *, normalized: bool = True) -> dict:
    """For each irreducible representation over C: the orthonormal bases (n x dim) of its copies in
    C^n (cyclic: Fourier vectors of each cycle; S_n: the all-ones line and its complement); for a
    cyclic group with ``normalized=False`` the Fourier vectors' entries are the roots of unity
    themselves (exactly +-1 for a real character)."""
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
                    v[q, 0] = np.exp(-2j * np.pi * k * t / N)
                if normalized:
                    v /= np.sqrt(len(c))
                else:                            # exact zeros where e^{i x} has a zero part
                    v = np.where(np.abs(v.real) < 1e-15, 0, v.real) + 1j * np.where(np.abs(v.imag) < 1e-15, 0, v.imag)
                vecs.append(v)
        if vecs:
            out[f"chi_{k}"] = vecs
    return out


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


def intertwiners(group: str, n: int) -> dict:
    """For each irreducible representation over C with multiplicity m: an array T of shape
    (m, m, n, n), T[j, j'] a nonzero G-map from its j'-th copy in C^n onto its j-th (zero on the other
    isotypic blocks), so that Hom_G(C^n, C^n) = {sum_rho sum_{j, j'} C_rho[j, j'] T_rho[j, j']}.
    Cyclic groups: T[j, j'] = v_j v_j'^* with v_j the Fourier vector of the j-th cycle holding the
    character, entries roots of unity (not normalised: rational where the character is real); S_n:
    the projectors 1 1^T and I - 1 1^T / n (rational)."""
    canon, perm = parse_group(group, n)
    if perm is None:
        ones = np.ones((n, 1))
        return {"trivial": (ones @ ones.T)[None, None].astype(complex),
                "standard": (np.eye(n) - ones @ ones.T / n)[None, None].astype(complex)}
    return {label: np.array([[a @ b.conj().T for b in V] for a in V])
            for label, V in copies(group, n, normalized=False).items()}


#: What a Krawczyk certificate on a component that is not :attr:`ComponentParametrization.exact` means.
ROUNDED_CONSTANTS = ("the components of non-real characters have roots of unity among their constants, rounded "
                     "to double precision: Krawczyk boxes certify the critical points of the rounded systems")


@dataclass(eq=False)
class ComponentParametrization:
    """One irreducible component over C of the equivariant maps of rank <= r, as the image of the
    rank factorisations C_rho = A_rho B_rho (m x r_rho times r_rho x m, complex) of its isotypic
    blocks: W(theta) = sum_rho sum_{j, j'} (A_rho B_rho)[j, j'] T_rho[j, j'] (:func:`intertwiners`).

    It offers what the homotopy invariants read of a :class:`~.base.Parametrization` (``f``,
    ``coefficients``, ``basis``, ``n_params``, ``constants``, ...), with V = the n x n matrices
    (coefficients row-major, as for ``linear(widths=[n, ..., n])``), so that degrees, ED degrees and
    critical points are computed on each component by the same code as for a network.  The
    parameters are complex (a component of a non-real character has no real points but 0).  Its
    generic fibre is prod_rho GL(r_rho) (the rank factorisations of a block are unique up to it), of
    dimension sum_rho r_rho^2 = n_params - dim.

    >>> comp = components("cyclic", 3, 1)[1]
    >>> cp = ComponentParametrization('linear(widths=[3,1,3], group="cyclic")', "cyclic", 3, comp)
    >>> cp.n_params, cp.component.dimension, str(cp.arch)
    (2, 1, 'linear(widths=[3,1,3], group="cyclic")[chi_1]')
    """

    spec: str
    group: str
    n: int
    component: Component

    def __post_init__(self):
        from .. import monomials

        T = intertwiners(self.group, self.n)
        self.blocks = [(ir, k, T[ir.label]) for ir, k in self.component.profile]
        self.n_params = sum(2 * ir.multiplicity * k for ir, k, _ in self.blocks)
        self.n_vars = self.n_outputs = self.n
        self.basis = monomials.MonomialBasis(self.n, (1,))
        self.ambient_dimension = self.n * self.n
        self.x_degrees = (1,)
        self.constants: tuple = ()
        self.arch = f"{self.spec}[{self.component.label}]"
        self.dimension = self.component.dimension

    @property
    def exact(self) -> bool:
        """Whether its constants are exact (real characters: rational intertwiners), so that Krawczyk
        certificates on it are certificates of the component itself."""
        return all(not np.any(np.imag(T)) for _, _, T in self.blocks)

    @property
    def fibre_dimension(self) -> int:
        return self.n_params - self.dimension

    def constants_array(self, dtype=np.float64):
        return np.zeros(0, dtype)

    def matrix(self, theta):
        """W(theta), n x n (jax.numpy: differentiable, and traced into straight-line programs)."""
        import jax.numpy as jnp

        out, off = jnp.zeros((self.n, self.n), complex), 0
        for ir, k, T in self.blocks:
            m = ir.multiplicity
            A = theta[off:off + m * k].reshape(m, k)
            B = theta[off + m * k:off + 2 * m * k].reshape(k, m)
            off += 2 * m * k
            out = out + jnp.einsum("ab,abxy->xy", A @ B, T)
        return out

    def tangent_rank(self, theta) -> int:
        """Numerical rank of dW/dtheta at theta (the dimension of the component where theta is a
        generic point of it; less on a sublocus where the factors lose rank)."""
        import jax
        import jax.numpy as jnp

        J = np.asarray(jax.jacfwd(self.coefficients, holomorphic=True)(jnp.asarray(theta, complex)))
        s = np.linalg.svd(J, compute_uv=False)
        return int(np.sum(s > 1e-9 * s[0])) if s.size and s[0] > 0 else 0

    def embed(self, inner: ComponentParametrization, theta) -> np.ndarray:
        """This parametrization's parameters of the point ``inner.matrix(theta)``, where ``inner`` is a
        sublocus (block ranks at most this one's): each factor padded with zero columns and rows."""
        got, off = {}, 0
        for ir, k, _ in inner.blocks:
            m = ir.multiplicity
            got[ir.label] = (theta[off:off + m * k].reshape(m, k), theta[off + m * k:off + 2 * m * k].reshape(k, m))
            off += 2 * m * k
        parts = []
        for ir, k, _ in self.blocks:
            m = ir.multiplicity
            A, B = np.zeros((m, k), complex), np.zeros((k, m), complex)
            if ir.label in got:
                a, b = got[ir.label]
                A[:, :a.shape[1]], B[:b.shape[0], :] = a, b
            parts += [A.reshape(-1), B.reshape(-1)]
        return np.concatenate(parts)

    def f(self, theta, x, c=None):
        return self.matrix(theta) @ x

    def coefficients(self, theta):
        return self.matrix(theta).reshape(-1)

    def random_params(self, rng: np.random.Generator, dtype=np.complex128) -> np.ndarray:
        return ((rng.standard_normal(self.n_params) + 1j * rng.standard_normal(self.n_params)) / np.sqrt(2)
                ).astype(dtype)


def component_parametrizations(spec: str, group: str, n: int, r: int) -> list[ComponentParametrization]:
    """The components over C of {W in Hom_G : rank W <= r}, each as a :class:`ComponentParametrization`."""
    return [ComponentParametrization(spec, group, n, c) for c in components(group, n, r, "C")]


def isotypic_ranks(group: str, n: int, W, rtol: float = 1e-9) -> dict:
    """The ranks of the blocks C_rho of an equivariant W (over C): rank(P_rho W P_rho) / dim rho with
    P_rho the orthogonal projector onto the isotypic component of rho (numerical ranks, singular
    values below ``rtol`` times the largest entry of W dropped).

    >>> isotypic_ranks("cyclic", 3, np.ones((3, 3)))
    {'chi_0': 1, 'chi_1': 0, 'chi_2': 0}
    """
    W = np.asarray(W, complex)
    scale = max(float(np.abs(W).max()), 1e-300)
    out, basis = {}, copies(group, n)
    for ir in irreps(*parse_group(group, n), n, "C"):
        E = np.hstack(basis[ir.label])                            # orthonormal basis of the component
        P = E @ E.conj().T
        s = np.linalg.svd(P @ W @ P, compute_uv=False)
        out[ir.label] = int(np.sum(s > rtol * scale * n)) // ir.dim
    return out


def equivariant_defect(group: str, n: int, W) -> float:
    """max |P W - W P| over the generators P of G, relative to max |W| (0 for an equivariant W)."""
    W = np.asarray(W)
    scale = max(float(np.abs(W).max()), 1e-300)
    return max(float(np.abs(P @ W - W @ P).max()) for P in permutation_matrices(group, n)) / scale


def lower(comp: Component, ranks: dict) -> Component:
    """The component's sublocus where the block of each representation has rank at most ``ranks``
    (label -> rank; others as in ``comp``), a product of determinantal varieties (over C)."""
    prof = tuple((ir, min(k, ranks.get(ir.label, k))) for ir, k in comp.profile)
    prof = tuple((ir, k) for ir, k in prof if k)
    return Component("C", prof, *_measure(prof), None)
