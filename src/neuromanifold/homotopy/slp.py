"""Straight-line programs (SLPs) of a system F(z; p, data), made from its own JAX function.

The jaxpr of F is run by the object-array interpreter of :mod:`neuromanifold.backends.objects` on
symbolic scalars (:class:`Sym`): every elementwise operation becomes one node per element, a
``dot_general`` sums of products, data movement no node at all.  Identical nodes are shared
(hash-consing, i.e. common-subexpression elimination), constants are folded, and nodes that depend
only on the instance's ``data`` are marked so that they are computed once per call, not once per
step (hoisting).

Derivatives by forward mode on the program (as HomotopyContinuation.jl's ModelKit does over its
instruction lists): every node gets a sparse map seed -> derivative, with seeds z_0, ..., z_{n-1}
(the columns of F_z) and one more for the parameter direction v, d/ds F(z, p + s v) = F_p v.

Example:
    >>> import jax.numpy as jnp
    >>> from neuromanifold.homotopy.system import System
    >>> prog = build(System(lambda z, p: jnp.stack([z[0] ** 2 - p[0], z[0] * z[1] - 1.0]), 2, 1))
    >>> len(prog.F), len(prog.J), len(prog.J[0])
    (2, 2, 2)
    >>> prog.evaluate([2.0, 0.5], [4.0], [])[0].tolist()
    [0j, 0j]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np

from ..backends.objects import ObjectFunction
from ..errors import NotPolynomialError

#: dependency bits of a node: the unknowns, the parameters (or their direction), the data
DEP_Z, DEP_P, DEP_D = 1, 2, 4

#: operations of a program; inputs are ("z", j), ("p", j), ("v", j), ("d", j)
BINARY = ("add", "sub", "mul", "div")
UNARY = ("neg",)


class Sym:
    """A scalar node of a :class:`Tape`: arithmetic on it records new nodes."""

    __slots__ = ("tape", "i")

    def __init__(self, tape: Tape, i: int):
        self.tape, self.i = tape, i

    def __add__(self, other):
        return self.tape.add(self, other)

    __radd__ = __add__

    def __sub__(self, other):
        return self.tape.sub(self, other)

    def __rsub__(self, other):
        return self.tape.sub(other, self)

    def __mul__(self, other):
        return self.tape.mul(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self.tape.div(self, other)

    def __rtruediv__(self, other):
        return self.tape.div(other, self)

    def __neg__(self):
        return self.tape.neg(self)

    def __pos__(self):
        return self

    def __pow__(self, k):
        if not isinstance(k, (int, np.integer)):
            raise NotPolynomialError(f"a power with exponent {k!r}: only integer powers have a "
                                     f"straight-line program")
        return self.tape.power(self, int(k))

    def conjugate(self):
        raise NotPolynomialError("complex conjugation is not holomorphic: a tracked system must be "
                                 "polynomial in z and p")

    def __repr__(self):
        return f"t{self.i}"


def _is_num(x) -> bool:
    return type(x) is not Sym


def _key(x):
    return ("r", x.i) if type(x) is Sym else ("c", complex(x))


class Tape:
    """The node list of a program: ``ops[i] = (op, a, b)`` with a, b node indices (int) or
    constants (complex); inputs are ``(kind, j, None)``.  Node indices are a topological order."""

    def __init__(self):
        self.ops: list[tuple] = []
        self.dep: list[int] = []
        self._memo: dict = {}
        self.inexact = False        # some folded constant was rounded (see :meth:`fold`)

    def fold(self, op: str, a, b=None) -> complex:
        """A constant operation, done now; notes when its floating-point result is not the exact
        one (then the program's constants are the system's only up to rounding, and certificates
        that take the program for the system decline it)."""
        x, y = complex(a), None if b is None else complex(b)
        out = apply_op(op, x, y)
        if not self.inexact and not _exact(op, x, y, out):
            self.inexact = True
        return out

    def input(self, kind: str, j: int, dep: int) -> Sym:
        self.ops.append((kind, j, None))
        self.dep.append(dep)
        return Sym(self, len(self.ops) - 1)

    def _node(self, op, a, b=None) -> Sym:
        if op in ("add", "mul") and _key(a) > _key(b):
            a, b = b, a
        k = (op, _key(a), None if b is None else _key(b))
        i = self._memo.get(k)
        if i is None:
            dep = 0
            for x in (a, b):
                if type(x) is Sym:
                    dep |= self.dep[x.i]
            self.ops.append((op, a.i if type(a) is Sym else complex(a),
                             None if b is None else (b.i if type(b) is Sym else complex(b))))
            self.dep.append(dep)
            i = self._memo[k] = len(self.ops) - 1
        return Sym(self, i)

    def add(self, a, b):
        if _is_num(a) and _is_num(b):
            return self.fold("add", a, b)
        if _is_num(a) and a == 0:
            return b
        if _is_num(b) and b == 0:
            return a
        return self._node("add", a, b)

    def sub(self, a, b):
        if _is_num(a) and _is_num(b):
            return self.fold("sub", a, b)
        if _is_num(b) and b == 0:
            return a
        if _is_num(a) and a == 0:
            return self.neg(b)
        if type(a) is Sym and type(b) is Sym and a.i == b.i:
            return 0j
        return self._node("sub", a, b)

    def neg(self, a):
        if _is_num(a):
            return -complex(a)                      # exact
        op = self.ops[a.i]
        if op[0] == "neg":
            return Sym(self, op[1])
        return self._node("neg", a)

    def mul(self, a, b):
        if _is_num(a) and _is_num(b):
            return self.fold("mul", a, b)
        if _is_num(a):
            a, b = b, a
        if _is_num(b):
            if b == 0:
                return 0j
            if b == 1:
                return a
            if b == -1:
                return self.neg(a)
        return self._node("mul", a, b)

    def div(self, a, b):
        if _is_num(a) and _is_num(b):
            return self.fold("div", a, b)
        if _is_num(a) and a == 0:
            return 0j
        if _is_num(b):
            return self.mul(a, self.fold("div", 1.0, b))
        return self._node("div", a, b)

    def power(self, a, k: int):
        if k == 0:
            return 1 + 0j
        if k < 0:
            return self.div(1.0, self.power(a, -k))
        out, base = None, a
        while k:
            if k & 1:
                out = base if out is None else self.mul(out, base)
            k >>= 1
            if k:
                base = self.mul(base, base)
        return out

    # -- forward mode -----------------------------------------------------------------------------
    def derivatives(self, outputs: list, seeds: dict) -> list[dict]:
        """{seed: derivative} of each output; ``seeds`` maps an input node index to its own map
        (e.g. z_j -> {j: 1}, p_j -> {n: v_j})."""
        deriv: dict[int, dict] = dict(seeds)
        moving = DEP_Z | DEP_P
        need, stack = set(), [o.i for o in outputs if type(o) is Sym]
        while stack:
            i = stack.pop()
            if i in need or i in deriv or not self.dep[i] & moving:
                continue
            need.add(i)
            op, a, b = self.ops[i]
            stack.extend(x for x in (a, b) if type(x) is int)

        def d(x):
            if type(x) is not int or not self.dep[x] & moving:
                return {}
            return deriv.get(x, {})

        for i in sorted(need):
            op, a, b = self.ops[i]
            da, db = d(a), d(b)
            A = Sym(self, a) if type(a) is int else a
            B = Sym(self, b) if type(b) is int else b
            keys = set(da) | set(db)
            if op == "add":
                out = {s: self.add(da.get(s, 0j), db.get(s, 0j)) for s in keys}
            elif op == "sub":
                out = {s: self.sub(da.get(s, 0j), db.get(s, 0j)) for s in keys}
            elif op == "neg":
                out = {s: self.neg(x) for s, x in da.items()}
            elif op == "mul":
                out = {s: self.add(self.mul(A, db.get(s, 0j)), self.mul(da.get(s, 0j), B)) for s in keys}
            elif op == "div":
                quotient = Sym(self, i)
                out = {s: self.div(self.sub(da.get(s, 0j), self.mul(quotient, db.get(s, 0j))), B)
                       for s in keys}
            else:                                          # pragma: no cover - inputs are seeded
                raise AssertionError(op)
            deriv[i] = {s: x for s, x in out.items() if not (_is_num(x) and x == 0)}
        return [d(o.i) if type(o) is Sym else {} for o in outputs]


@dataclass
class Program:
    """F, F_z and F_p v of a system as nodes of one tape.

    ``F[i]``, ``J[i][j]`` = dF_i/dz_j and ``Fv[i]`` = (F_p v)_i are node references (Sym) or
    constants; ``data`` is the flattened, inexact data of the instance the program was made at
    (other instances of the family pass theirs), ``fixed`` the digest of the integer data baked in.
    """

    tape: Tape
    n: int
    m: int
    ndata: int
    F: list
    J: list
    Fv: list
    fixed: str = ""

    @property
    def nodes(self) -> int:
        return len(self.tape.ops)

    def hoisted(self, i: int) -> bool:
        """Nodes computed once per call: they depend on the data and constants only."""
        return not self.tape.dep[i] & (DEP_Z | DEP_P)

    def digest(self) -> str:
        """A hash of the program (its structure and constants): equal programs share compiled code."""
        h = hashlib.sha256()
        h.update(f"{self.n},{self.m},{self.ndata},{self.fixed}".encode())
        for op in self.tape.ops:
            h.update(repr(op).encode())
        for row in (self.F, self.Fv, *self.J):
            h.update(repr([_key(x) for x in row]).encode())
        return h.hexdigest()

    def kernel_nodes(self, outputs: list) -> list[int]:
        """The nodes a kernel computing ``outputs`` evaluates, in topological order: the outputs'
        ancestors that are neither inputs nor data-only (hoisted)."""
        need, stack = set(), [x.i for x in outputs if type(x) is Sym]
        while stack:
            i = stack.pop()
            if i in need:
                continue
            op = self.tape.ops[i]
            if op[0] in ("z", "p", "v", "d") or self.hoisted(i):
                continue
            need.add(i)
            stack.extend(y for y in op[1:] if type(y) is int)
        return sorted(need)

    def hoisted_values(self, data, nodes: list[int]) -> np.ndarray:
        """The values of data-only nodes at an instance's data (flattened, :func:`data_vector`)."""
        data = np.asarray(data, complex).reshape(-1)
        need, stack = set(), list(nodes)
        while stack:
            i = stack.pop()
            if i in need:
                continue
            need.add(i)
            op = self.tape.ops[i]
            if op[0] not in ("z", "p", "v", "d"):
                stack.extend(y for y in op[1:] if type(y) is int)
        val: dict[int, complex] = {}
        for i in sorted(need):
            op, a, b = self.tape.ops[i]
            if op == "d":
                val[i] = complex(data[a])
                continue
            val[i] = apply_op(op, val[a] if type(a) is int else a,
                              None if b is None else (val[b] if type(b) is int else b))
        return np.array([val[i] for i in nodes], np.complex128)

    def evaluate(self, z, p, data, v=None, ring=None):
        """(F, F_z, F_p v) at one point by interpreting the tape: in complex128 (arrays), or in the
        number type ``ring`` (e.g. python-flint's ``acb``; lists, constants lifted by ``ring``)."""
        lift = complex if ring is None else ring
        z, p, data = ([lift(x) for x in np.asarray(a, dtype=object).reshape(-1)] for a in (z, p, data))
        v = [lift(0j)] * self.m if v is None else [lift(x) for x in np.asarray(v, dtype=object).reshape(-1)]
        inputs = {"z": z, "p": p, "v": v, "d": data}
        consts: dict = {}

        def const(c):
            if c not in consts:
                consts[c] = lift(c)
            return consts[c]

        val = [None] * len(self.tape.ops)
        for i, (op, a, b) in enumerate(self.tape.ops):
            if op in inputs:
                val[i] = inputs[op][a]
                continue
            val[i] = apply_op(op, val[a] if type(a) is int else const(a),
                              None if b is None else (val[b] if type(b) is int else const(b)))

        def get(x):
            return val[x.i] if type(x) is Sym else const(complex(x))
        F = [get(x) for x in self.F]
        J = [[get(x) for x in row] for row in self.J]
        Fv = [get(x) for x in self.Fv]
        if ring is None:
            return np.array(F, complex), np.array(J, complex).reshape(self.n, self.n), np.array(Fv, complex)
        return F, J, Fv


def _exact(op: str, x: complex, y, out: complex) -> bool:
    """Whether ``out`` is exactly x op y (rational arithmetic on the binary64 parts)."""
    if not all(np.isfinite([x.real, x.imag, out.real, out.imag])):
        return False
    xr, xi, orr, oi = Fraction(x.real), Fraction(x.imag), Fraction(out.real), Fraction(out.imag)
    if op == "neg":
        return True
    yr, yi = Fraction(y.real), Fraction(y.imag)
    if op == "add":
        re, im = xr + yr, xi + yi
    elif op == "sub":
        re, im = xr - yr, xi - yi
    elif op == "mul":
        re, im = xr * yr - xi * yi, xr * yi + xi * yr
    else:
        den = yr * yr + yi * yi
        if den == 0:
            return False
        re, im = (xr * yr + xi * yi) / den, (xi * yr - xr * yi) / den
    return re == orr and im == oi


def apply_op(op: str, x, y=None):
    """One node's operation on values of any number type (``y`` None for ``neg``)."""
    if op == "neg":
        return -x
    return x + y if op == "add" else x - y if op == "sub" else x * y if op == "mul" else x / y


def data_leaves(data) -> tuple[list, list]:
    """(inexact leaves, integer leaves) of a data pytree, in tree order."""
    leaves = jax.tree_util.tree_leaves(data)
    inexact = [a for a in leaves if np.issubdtype(np.asarray(a).dtype, np.inexact)]
    exact = [a for a in leaves if not np.issubdtype(np.asarray(a).dtype, np.inexact)]
    return inexact, exact


def data_vector(data) -> np.ndarray:
    """The inexact data of an instance, flattened in tree order (the program's ``d`` inputs)."""
    inexact, _ = data_leaves(data)
    if not inexact:
        return np.zeros(0, np.complex128)
    return np.concatenate([np.asarray(a, np.complex128).reshape(-1) for a in inexact])


def program(system) -> Program:
    """The program of a system's family, built once (kept in the system's cache)."""
    return system.compiled("slp-program", lambda: build(system))


def build(system) -> Program:
    """The straight-line program of a :class:`~neuromanifold.homotopy.system.System`: F, its
    Jacobian in z and its derivative along a parameter direction, with the instance data as inputs.

    Raises :class:`~neuromanifold.errors.NotPolynomialError` when F uses an operation without a
    polynomial meaning (the JAX backend then tracks it)."""
    n, m = system.n, system.m
    leaves, tree = jax.tree_util.tree_flatten(system.data)
    tape = Tape()
    z = [tape.input("z", j, DEP_Z) for j in range(n)]
    p = [tape.input("p", j, DEP_P) for j in range(m)]
    v = [tape.input("v", j, DEP_P) for j in range(m)]
    args, offset, fixed = [], 0, hashlib.sha256()
    for a in leaves:
        a = np.asarray(a)
        if np.issubdtype(a.dtype, np.inexact):
            cells = np.empty(a.size, dtype=object)
            for j in range(a.size):
                cells[j] = tape.input("d", offset + j, DEP_D)
            offset += a.size
            args.append(cells.reshape(a.shape))
        else:                                      # integer data (indices) are part of the program
            fixed.update(repr((a.shape, a.dtype.str, a.tobytes())).encode())
            args.append(a)

    def flat_call(zz, pp, *flat):
        return system.plain_call(zz, pp, jax.tree_util.tree_unflatten(tree, flat))

    examples = [jax.ShapeDtypeStruct((n,), jnp.complex128), jax.ShapeDtypeStruct((m,), jnp.complex128)]
    examples += [jax.ShapeDtypeStruct(np.shape(a), np.asarray(a).dtype) for a in leaves]
    fn = ObjectFunction(flat_call, *examples)
    zs, ps = np.empty(n, dtype=object), np.empty(m, dtype=object)
    zs[:], ps[:] = z, p
    out = fn(zs, ps, *args, lift=complex)
    F = [x if type(x) is Sym else complex(x) for x in np.asarray(out, dtype=object).reshape(-1)]
    seeds = {s.i: {j: 1 + 0j} for j, s in enumerate(z)}
    seeds.update({s.i: {n: v[j]} for j, s in enumerate(p)})
    ders = tape.derivatives(F, seeds)
    J = [[dd.get(j, 0j) for j in range(n)] for dd in ders]
    Fv = [dd.get(n, 0j) for dd in ders]
    return Program(tape, n, m, offset, F, J, Fv, fixed.hexdigest()[:16] if leaves else "")
