"""Bytecode of a straight-line program for the native interpreter (``native_interp.c``).

The interpreter runs the same arithmetic as the compiled kernels of :mod:`.codegen`, instruction by
instruction, so a system can be tracked natively at once while its compiled kernels are built.
Vector slots are allocated by a linear scan (a slot is reused after its node's last use), so the
working set stays small; scalars (data-only nodes, then constants) are read from the array H.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .slp import Program, Sym

OPS = {"add": 0, "sub": 1, "mul": 2, "div": 3, "neg": 4}
ADDS, SUBVS, SUBSV, MULS, DIVVS, DIVSV = 5, 6, 7, 8, 9, 10


@dataclass
class Bytecode:
    """Instructions and output maps of kF and kJV; ``scalars`` lists the H entries: node indices
    (data-only nodes) or complex constants, in order."""

    nslots: int
    F: np.ndarray
    JV: np.ndarray
    outF: np.ndarray
    outJV: np.ndarray
    scalars: list


class _Assembler:
    def __init__(self, prog: Program):
        self.prog = prog
        self.tape = prog.tape
        self.scalars: list = []
        self.index: dict = {}
        self.base = prog.n + 2 * max(prog.m, 1)
        self.nslots = self.base

    def scalar(self, x) -> int:
        key = ("node", x) if type(x) is int else ("const", complex(x))
        if key not in self.index:
            self.index[key] = len(self.scalars)
            self.scalars.append(x if type(x) is int else complex(x))
        return self.index[key]

    def is_vector(self, x) -> bool:
        return type(x) is int and not self.prog.hoisted(x)

    def input_slot(self, x: int) -> int | None:
        op = self.tape.ops[x]
        n, m = self.prog.n, max(self.prog.m, 1)
        return {"z": 0, "p": n, "v": n + m}.get(op[0], -1) + op[1] if op[0] in ("z", "p", "v") else None

    def program(self, outputs: list) -> tuple[np.ndarray, np.ndarray]:
        order = self.prog.kernel_nodes(outputs)
        need = set(order)
        last: dict[int, int] = {}
        for k, i in enumerate(order):
            for y in self.tape.ops[i][1:]:
                if type(y) is int and y in need:
                    last[y] = k
        for x in outputs:
            if type(x) is Sym and x.i in need:
                last[x.i] = len(order)
        slot: dict[int, int] = {}
        free: list[int] = []
        top = self.base
        code = []

        def operand(x):
            if type(x) is int:
                s = self.input_slot(x)
                if s is not None:
                    return "v", s
                if x in slot:
                    return "v", slot[x]
            return "s", self.scalar(x)

        for k, i in enumerate(order):
            op, a, b = self.tape.ops[i]
            ka, va = operand(a)
            kb, vb = operand(b) if b is not None else ("v", 0)
            # operands dying here free their slots before the result is placed (it may reuse one)
            for y in {a, b}:
                if type(y) is int and y in need and last.get(y) == k:
                    free.append(slot[y])
            if free:
                d = free.pop()
            else:
                d, top = top, top + 1
            slot[i] = d
            if op == "neg":
                code.append((OPS["neg"], d, va, 0))
            elif ka == "v" and kb == "v":
                code.append((OPS[op], d, va, vb))
            elif ka == "v":
                code.append(({"add": ADDS, "sub": SUBVS, "mul": MULS, "div": DIVVS}[op], d, va, vb))
            else:                   # scalar op vector
                if op in ("add", "mul"):
                    code.append(({"add": ADDS, "mul": MULS}[op], d, vb, va))
                else:
                    code.append(({"sub": SUBSV, "div": DIVSV}[op], d, va, vb))
        self.nslots = max(self.nslots, top)
        outs = []
        for x in outputs:
            if type(x) is Sym and x.i in slot:
                outs.append((0, slot[x.i]))
            elif type(x) is Sym and self.input_slot(x.i) is not None:
                outs.append((0, self.input_slot(x.i)))
            elif type(x) is Sym or complex(x) != 0:
                outs.append((1, self.scalar(x.i if type(x) is Sym else x)))
            else:
                outs.append((2, 0))
        return (np.ascontiguousarray(np.array(code, np.int32).reshape(-1, 4)),
                np.ascontiguousarray(np.array(outs, np.int32).reshape(-1, 2)))


def assemble(prog: Program) -> Bytecode:
    """The interpreter's bytecode of F (kF) and of F_z with F_p v (kJV)."""
    asm = _Assembler(prog)
    F, outF = asm.program(prog.F)
    n = prog.n
    JV, outJV = asm.program([prog.J[i][j] for i in range(n) for j in range(n)] + list(prog.Fv))
    return Bytecode(asm.nslots, F, JV, outF, outJV, asm.scalars)
