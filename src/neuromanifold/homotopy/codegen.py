"""C source of a system's kernels, from its straight-line program (:mod:`.slp`).

Two functions over W lanes (one path a lane, structure of arrays, GCC vector extensions): ``kF``
(F) and ``kJV`` (F_z and F_p v); they read the data-only nodes from an array H computed once per
call (:meth:`~neuromanifold.homotopy.slp.Program.hoisted_values`).
Complex numbers are split into real and imaginary vectors; a constant with zero imaginary part
costs two real multiplications, not a complex one.  Long programs are cut into functions of at most
``CHUNK`` nodes (values that cross a cut go through a scratch array): the optimiser's time grows
faster than linearly in the size of one function, so cutting keeps the compile time linear.

Constants are written as hexadecimal floats (exact).  No fast-math: the tracker's status tests
rely on IEEE NaN and infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import NeuromanifoldError
from .slp import Program, Sym

#: Most nodes in one generated C function.
CHUNK = 600


def _lit(x: float) -> str:
    if not math.isfinite(x):
        raise NeuromanifoldError(f"the system has a non-finite constant {x!r}")
    return f"({float(x).hex()})"


class _Emitter:
    def __init__(self, prog: Program, lanes: int):
        self.prog, self.lanes = prog, lanes
        self.tape = prog.tape
        self.hslot: dict[int, int] = {}
        self.units: list[str] = []          # the chunk functions, compiled as separate units
        self.declarations: list[str] = []

    # -- references ----------------------------------------------------------------------------
    def ref(self, x, local: set[int], scratch: dict[int, int]) -> tuple[str, str | None]:
        """(re, im) C expressions of an operand (im None: known zero)."""
        if type(x) is Sym:
            x = x.i
        if type(x) is not int:
            c = complex(x)
            return _lit(c.real), (_lit(c.imag) if c.imag != 0 else None)
        op = self.tape.ops[x]
        if op[0] in ("z", "p", "v"):
            return f"{op[0]}R[{op[1]}]", f"{op[0]}I[{op[1]}]"
        if self.prog.hoisted(x):
            s = self.hslot.setdefault(x, len(self.hslot))
            return f"H[{2 * s}]", f"H[{2 * s + 1}]"
        if x in local:
            return f"r{x}", f"i{x}"
        s = scratch[x]
        return f"S[{2 * s}]", f"S[{2 * s + 1}]"

    @staticmethod
    def arith(op: str, a, b) -> tuple[str, str | None]:
        """(re, im) expressions of a op b from operand expressions (im None = 0)."""
        ar, ai = a
        if op == "neg":
            return (f"-{ar}", f"-{ai}" if ai else None)
        br, bi = b
        if op in ("add", "sub"):
            s = "+" if op == "add" else "-"
            if ai and bi:
                im = f"{ai} {s} {bi}"
            elif ai:
                im = ai
            elif bi:
                im = bi if s == "+" else f"-{bi}"
            else:
                im = None
            return (f"{ar} {s} {br}", im)
        if op == "mul":
            if ai is None and bi is None:
                return (f"{ar} * {br}", None)
            if bi is None:
                return (f"{ar} * {br}", f"{ai} * {br}")
            if ai is None:
                return (f"{ar} * {br}", f"{ar} * {bi}")
            return (f"{ar} * {br} - {ai} * {bi}", f"{ar} * {bi} + {ai} * {br}")
        if op == "div":
            ai_, bi_ = ai or "0.0", bi or "0.0"
            den = f"({br} * {br} + {bi_} * {bi_})"
            return (f"({ar} * {br} + {ai_} * {bi_}) / {den}", f"({ai_} * {br} - {ar} * {bi_}) / {den}")
        raise AssertionError(op)

    def kernel(self, name: str, args: str, outputs: list[tuple[str, int, object]]) -> str:
        """C functions computing ``outputs`` (array name, index, node) over lanes."""
        order = self.prog.kernel_nodes([x for _, _, x in outputs])
        chunks = [order[a:a + CHUNK] for a in range(0, len(order), CHUNK)] or [[]]
        where = {i: c for c, part in enumerate(chunks) for i in part}
        crossing: set[int] = set()
        for c, part in enumerate(chunks):
            for i in part:
                for y in self.tape.ops[i][1:]:
                    if type(y) is int and y in where and where[y] != c:
                        crossing.add(y)
        for _, _, x in outputs:
            if type(x) is Sym and x.i in where and len(chunks) > 1:
                crossing.add(x.i)
        scratch = {i: s for s, i in enumerate(sorted(crossing))}
        args = args.replace(", const void *prog", "")     # the entry point takes it, the chunks do not
        call_args = args.replace("const vd *restrict ", "").replace("vd *restrict ", "") \
            .replace("const double *restrict ", "")
        src, calls = [], []
        for c, part in enumerate(chunks):
            local: set[int] = set()
            lines = [f"__attribute__((noinline)) void {name}_{c}({args}, vd *restrict S) {{"]
            for i in part:
                op, a, b = self.tape.ops[i]
                ea = self.ref(a, local, scratch)
                eb = self.ref(b, local, scratch) if b is not None else None
                re, im = self.arith(op, ea, eb)
                im = im or "0.0"
                lines.append(f"  const vd r{i} = (vd){{0}} + ({re}), i{i} = (vd){{0}} + ({im});")
                local.add(i)
                if i in scratch:
                    s = scratch[i]
                    lines.append(f"  S[{2 * s}] = r{i}; S[{2 * s + 1}] = i{i};")
            if c == len(chunks) - 1:
                for arr, k, x in outputs:
                    xr, xi = self.ref(x, local, scratch)
                    lines.append(f"  {arr}R[{k}] = (vd){{0}} + ({xr}); {arr}I[{k}] = (vd){{0}} + ({xi or '0.0'});")
            lines.append("}")
            self.units.append("\n".join(lines))
            self.declarations.append(f"void {name}_{c}({args}, vd *restrict S);")
            calls.append(f"  {name}_{c}({call_args}, S);")
        size = max(2 * len(scratch), 1)
        entry = args.replace("const double *restrict H,", "const double *restrict H, const void *prog,")
        return f"static void {name}({entry}) {{\n  (void)prog;\n  vd S[{size}];\n" + "\n".join(calls) + "\n}"


@dataclass
class KernelSource:
    """The C of one system: ``main`` (header, prelude, the kernels' entry points; the tracker
    runtime is appended to it) and ``units``, the chunk functions in ``parts`` translation units
    that compile in parallel; each unit starts with ``header``."""

    header: str
    main: str
    units: list[str]
    hoisted: list[int]          # the data-only nodes the kernels read, in the order of H


def kernel_source(prog: Program, lanes: int = 8, parts: int = 1) -> KernelSource:
    """The C source of a system's kernels for ``lanes`` paths at a time, its chunk functions
    spread over ``parts`` translation units."""
    em = _Emitter(prog, lanes)
    n = prog.n
    common = ("const vd *restrict zR, const vd *restrict zI, const vd *restrict pR, "
              "const vd *restrict pI")
    kF = em.kernel("kF", common + ", const double *restrict H, const void *prog, vd *restrict FR, vd *restrict FI",
                   [("F", i, x) for i, x in enumerate(prog.F)])
    outs = [("J", i * n + j, prog.J[i][j]) for i in range(n) for j in range(n)]
    outs += [("Fv", i, x) for i, x in enumerate(prog.Fv)]
    kJV = em.kernel("kJV", common + ", const vd *restrict vR, const vd *restrict vI, const double *restrict H, "
                    "const void *prog, vd *restrict JR, vd *restrict JI, vd *restrict FvR, vd *restrict FvI", outs)
    nh = len(em.hslot)
    head = (f"#define NZ {n}\n#define NP {max(prog.m, 1)}\n#define NH {nh}\n#define W {lanes}\n"
            f"typedef double vd __attribute__((vector_size({8 * lanes})));\n")
    parts = max(1, min(parts, len(em.units)))
    units = ["\n".join(em.units[i::parts]) for i in range(parts)]
    main = head + "\n".join(em.declarations) + "\n" + kF + "\n" + kJV + "\n"
    return KernelSource(head, main, units, sorted(em.hslot, key=em.hslot.get))
