"""neuromanifold and the reference tools side by side on the same problems (issue 7).

    python benchmarks/compare.py [--quick] [--timeout S] [--out BENCHMARKS.md] [--figure PNG]

For each problem: our time and answer, then every reference tool's time and answer and the ratio
tool time / our time (> 1: we are faster).  The reference formulations (benchmarks/reference.py)
are written from the formulas, independently of the code under test.  Answers must agree: a
disagreement is printed on stderr as ``!!! DISAGREE`` and marked **DISAGREE** in the table.

Problems: dimension (Jacobian rank) of mid-size MLPs; degree of determinantal (linear) and pcnn
neuromanifolds; ED degree and generic ED degree of rank-one 3x3 and 3x4 matrices; the
2,000-instance real census of rank-one 3x3 matrices (the tools on its first instances,
extrapolated); a large certified dimension the tools cannot finish (where they give up).  Tools
that are not installed are skipped with a message.  ``--quick``: small problems, a minute or two.
Writes a markdown report (``--out``, default BENCHMARKS.md at the repository root; with
``--quick`` out/bench-quick/) and a bar chart of the ratios (``--figure``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402
from reference import Run  # noqa: E402

import neuromanifold as nm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Problem:
    group: str
    label: str          # the table's problem cell
    short: str          # the figure's label
    ours: Run
    theirs: list[Run] = field(default_factory=list)
    diagnosis: list[tuple[str, str]] = field(default_factory=list)   # (tool, why its answer differs)


def _ours(fn, *args, note=lambda r: "", answer=lambda r: r.value, **kw) -> tuple[Run, object]:
    t0 = time.perf_counter()
    try:
        r = fn(*args, **kw)
    except nm.NeuromanifoldError as e:
        return Run("neuromanifold", time.perf_counter() - t0, status="error", note=str(e)[:160]), None
    seconds = time.perf_counter() - t0
    return Run("neuromanifold", seconds, answer(r), note=note(r)), r


def _certified(r) -> str:
    return "certified" if r.certified else "not certified"


def say(*parts):
    print(*parts, flush=True)


# -- the problems -------------------------------------------------------------------------------


def _ints(values) -> str:
    return "[" + ",".join(str(v) for v in values) + "]"


def mlp_spec(widths, power) -> str:
    return f'mlp(widths={_ints(widths)}, activation="x^{power}")'


def pcnn_spec(filters, strides, power) -> str:
    return f'pcnn(filters={_ints(filters)}, strides={_ints(strides)}, activation="x^{power}")'


def linear_spec(widths) -> str:
    return f"linear(widths={_ints(widths)})"


def dimension_problems(cases, timeout, group="dimension") -> list[Problem]:
    out = []
    for widths, power in cases:
        spec = mlp_spec(widths, power)
        ours, r = _ours(nm.dimension, spec, note=_certified)
        net = ref.mlp_network(widths, power)
        extra = f" (N = {r.parameters:,}, dim V = {r.ambient_dimension:,})" if r is not None else ""
        say(f"dim {spec}: {ours.answer} ({ours.note}) in {ours.seconds:.2f} s")
        p = Problem(group, f"dim `{spec}`{extra}", f"dim mlp{_ints(widths)} x^{power}", ours)
        p.theirs = [ref.dimension_singular(net, timeout), ref.dimension_m2(net, timeout)]
        out.append(p)
    return out


def degree_problems(linear_cases, pcnn_cases, timeout) -> list[Problem]:
    out = []
    for widths in linear_cases:
        spec = linear_spec(widths)
        ours, _ = _ours(nm.degree, spec, note=_certified)
        say(f"degree {spec}: {ours.answer} ({ours.note}) in {ours.seconds:.2f} s")
        rows, cols, r = widths[-1], widths[0], min(widths[1:-1])
        net = ref.linear_network(widths)
        formula = Run("determinantal formula (Harris 19.10)", answer=ref.determinantal_degree(rows, cols, r),
                      status="formula")
        p = Problem("degree", f"degree `{spec}` ({rows} x {cols} matrices of rank <= {r})",
                    f"deg {rows}x{cols} rank<={r}", ours)
        p.theirs = [formula, ref.degree_singular(net, timeout), ref.degree_m2(net, timeout)]
        out.append(p)
    for filters, strides, power in pcnn_cases:
        spec = pcnn_spec(filters, strides, power)
        ours, _ = _ours(nm.degree, spec, note=_certified)
        say(f"degree {spec}: {ours.answer} ({ours.note}) in {ours.seconds:.2f} s")
        net = ref.pcnn_network(filters, strides, power)
        formula = Run("Segre-Veronese formula (arXiv 2410.00722)", answer=ref.pcnn_degree(filters, power),
                      status="formula")
        p = Problem("degree", f"degree `{spec}`",
                    f"deg pcnn{_ints(filters)}/{_ints(strides)} x^{power}", ours)
        p.theirs = [formula, ref.degree_singular(net, timeout), ref.degree_m2(net, timeout)]
        out.append(p)
    return out


def ed_problems(shapes, timeout) -> list[Problem]:
    out = []
    for m, n in shapes:
        spec = linear_spec([n, 1, m])      # V = R^{m x n}: rows = output width, columns = input width
        for metric in ("euclidean", "generic"):
            ours, r = _ours(nm.ed_degree, spec, metric,
                            note=lambda r: f"{r.lower} certified distinct" if r.lower is not None else "")
            say(f"ED degree {spec} {metric}: {ours.answer} ({ours.note}) in {ours.seconds:.2f} s")
            Qi, ui = ref.integer_instance(m, n, metric, seed=0)
            polys, unknowns = ref.rank_one_critical_equations(m, n, Qi, ui, "integer")
            Qf, uf = ref.float_instance(m, n, metric, seed=0)
            fpolys, _ = ref.rank_one_critical_equations(m, n, Qf, uf, "float")
            small = ref.modular(polys, unknowns, ref.PRIME)
            phc = ref.run_phc_full(ref.phc_text(fpolys), timeout)
            if phc.status == "ok":
                phc.note, phc.answer = f"regular solutions; {phc.answer.real} real", phc.answer.regular
            theirs = [ref.ed_count_singular(small, unknowns, timeout), ref.ed_count_m2(small, unknowns, timeout),
                      ref.run_msolve(ref.modular(polys, unknowns, ref.MSOLVE_PRIME), unknowns, timeout), phc]
            for t in theirs[:3]:
                t.note = t.note if t.status != "ok" else "Groebner count over F_p"
            if metric == "euclidean":
                theirs.insert(0, Run("Eckart-Young: min(m, n)", answer=min(m, n), status="formula"))
                label = f"ED degree `{spec}` ({m} x {n} rank one, Euclidean)"
            else:
                label = f"generic ED degree `{spec}` ({m} x {n} rank one; a random Q for each)"
            p = Problem("ED degree", label, f"{'ED' if metric == 'euclidean' else 'gen. ED'} {m}x{n} rank 1", ours)
            p.theirs = theirs
            out.append(p)
    return out


def census_problem(samples: int, checked: int, timeout: float) -> Problem:
    """Our census of rank-one 3x3 matrices (generic metric) against PHCpack's real solutions and
    msolve's real root isolation of the same instances' critical equations, the first ``checked``
    instances, their time extrapolated to all ``samples``."""
    from neuromanifold.landscape import census
    from neuromanifold.landscape.census import instances

    spec, m, n = "linear(widths=[3,1,3])", 3, 3
    census(spec, 20, "generic", seed=99)             # compiles the tracker's kernels (or loads them)
    ours, r = _ours(census, spec, samples, "generic", seed=0, answer=lambda r: r.real_counts[:checked],
                    note=lambda r: f"{r.failed_instances} of {r.samples} instances left out of the table")
    say(f"census {spec} generic, {samples} instances: {ours.seconds:.1f} s, real counts of the first {checked}: "
        f"{ours.answer}; {ours.note}")
    U, Q = instances(m * n, samples, "generic", seed=0)
    phc, ms = [], []
    for i in range(checked):
        fpolys, _ = ref.rank_one_critical_equations(m, n, Q[i], U[i], "float")
        phc.append(ref.run_phc_full(ref.phc_text(fpolys), timeout))
        rpolys, unknowns = ref.rank_one_critical_equations(m, n, Q[i], U[i], "rational")
        ms.append(ref.run_msolve(rpolys, unknowns, timeout, real=True))
    theirs = []
    for name, runs in (("PHCpack phc -b", phc), ("msolve real roots over QQ", ms)):
        if any(x.status == "missing" for x in runs):
            theirs.append(Run(name, status="missing"))
            continue
        bad = [x for x in runs if x.status != "ok"]
        if bad:
            theirs.append(Run(name, bad[0].seconds, status=bad[0].status, note=bad[0].note))
            continue
        total = sum(x.seconds for x in runs)
        answer = [x.answer.real if isinstance(x.answer, ref.PhcAnswer) else x.answer for x in runs]
        note = (f"{checked} instances in {total:.1f} s, x {samples / checked:g} = the time shown")
        if name.startswith("PHCpack"):
            note += "; regular solutions " + ", ".join(str(x.answer.regular) for x in runs)
        theirs.append(Run(name, total * samples / checked, answer, note=note))
    E = r.ed_degree if r is not None else "?"
    label = (f"real census `{spec}`, generic metric, {samples:,} instances x {E} critical points; answer: "
             f"real critical points of instances 1-{checked}")
    p = Problem("census", label, f"census {samples} (extrap.)", ours, theirs)
    if ours.ok:     # per instance: who differs from us, and whether the solver found every critical point
        for i in range(checked):
            got = {"PHCpack": phc[i].answer.real if phc[i].status == "ok" else None,
                   "msolve": ms[i].answer if ms[i].status == "ok" else None}
            for tool, value in got.items():
                if value is None or value == ours.answer[i]:
                    continue
                why = f"instance {i + 1}: ours {ours.answer[i]} real, {tool} {value}"
                if tool == "PHCpack" and phc[i].answer.regular != E:
                    why += (f"; PHCpack found {phc[i].answer.regular} of the {E} critical points (lost "
                            f"paths), so its real count is a lower bound")
                other = got["msolve" if tool == "PHCpack" else "PHCpack"]
                if other is not None:
                    why += f"; {'msolve' if tool == 'PHCpack' else 'PHCpack'} says {other}"
                p.diagnosis.append((tool, why))
    return p


# -- the report ---------------------------------------------------------------------------------


def machine() -> dict:
    info = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/meminfo") as fh:
            kb = next(int(ln.split()[1]) for ln in fh if ln.startswith("MemTotal:"))
        info["memory"] = f"{kb / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        info["memory"] = "?"
    info["system"] = f"{platform.system()} {platform.release()}"
    info["python"] = platform.python_version()
    return info


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def table(problems: list[Problem]) -> tuple[list[str], list[str]]:
    lines = ["| problem | ours | our answer | tool | tool time | tool answer | ratio (tool / ours) |",
             "|---|---|---|---|---|---|---|"]
    disagreements = []
    for p in problems:
        for j, t in enumerate(p.theirs):
            text, bad = ref.row(p.label, p.ours, t)
            if j:   # the problem and our columns once per problem
                cells = text.split(" | ")
                cells[0], cells[1], cells[2] = "|", "", ""
                text = " | ".join(cells)
            lines.append(text)
            if bad:
                disagreements.append(f"- {p.label}: ours {ref._text(p.ours.answer)}, {t.tool} "
                                     f"{ref._text(t.answer)}")
                disagreements += [f"  - {why}" for tool, why in p.diagnosis if t.tool.startswith(tool)]
        if not p.theirs:
            lines.append(ref.row(p.label, p.ours, Run("(no reference)", status="missing"))[0])
    return lines, disagreements


def figure(problems: list[Problem], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = []
    for p in problems:
        for t in p.theirs:
            if t.status in ("ok", "timeout", "error") and t.seconds and p.ours.seconds:
                bars.append((f"{p.short} - {t.tool.split(' (')[0]}", t.seconds / p.ours.seconds,
                             t.status, t.tool.split()[0], t.seconds))
    if not bars:
        return
    colours = {"Singular": "tab:blue", "Macaulay2": "tab:orange", "PHCpack": "tab:green", "msolve": "tab:red"}
    fig, ax = plt.subplots(figsize=(8.5, 0.28 * len(bars) + 1.6))
    y = np.arange(len(bars))[::-1]
    lo = min(b[1] for b in bars if b[2] != "error") if any(b[2] != "error" for b in bars) else 1.0
    hi = max(b[1] for b in bars if b[2] != "error") if any(b[2] != "error" for b in bars) else 1.0
    left = min(0.5, lo / 2)
    for yi, (label, ratio, status, tool, seconds) in zip(y, bars):
        if status == "error":       # no answer at all: not a ratio
            ax.text(left * 1.2, yi, f"failed after {seconds:.0f} s, no answer (see the table)", va="center",
                    fontsize=7, color=colours.get(tool, "tab:gray"))
            continue
        ax.barh(yi, ratio, color=colours.get(tool, "tab:gray"), hatch="//" if status == "timeout" else None,
                edgecolor="k" if status == "timeout" else None, linewidth=0.5)
        text = ">= {}x (gave up)" if status == "timeout" else "{}x"
        ax.text(ratio * 1.08, yi, text.format(f"{ratio:.3g}"), va="center", fontsize=7)
    ax.set_yticks(y, [b[0] for b in bars], fontsize=7)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", linewidth=0.8)
    ax.set_xlabel("tool time / our time (log scale; > 1: neuromanifold is faster)\n"
                  "hatched: the tool gave up at the time limit, a lower bound", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_xlim(left, hi * 6)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


METHODS = """\
## How each answer is computed

- **ours**: the public API (`nm.dimension`, `nm.degree`, `nm.ed_degree`,
  `nm.landscape.census`), one call per problem, wall clock; JAX is imported and initialised first,
  compiled tracker kernels come from the persistent XLA cache when an earlier run left them there.
- **tool times** are wall clock of one subprocess each, start-up included (Macaulay2 about
  0.3 s, Singular and PHCpack a few ms). Every tool runs under an 8 GiB address-space limit
  (`prlimit --as`) and is killed past the time limit (`--timeout`).
- The reference formulations (`benchmarks/reference.py`) are written from the formulas, not from
  our code: each network is written out as polynomials in the inputs with the parameters as
  variables, one statement per neuron.
  - dimension: rank of the Jacobian of the coefficient map at a random point over F_32003
    (Singular `jacob`, `subst`, `coeffs`, `rank`; Macaulay2 `jacobian`, `coefficients`, `rank`);
  - degree: degree of the kernel of the coefficient ring map over QQ (Singular `eliminate`, then
    `mult` of a standard basis; Macaulay2 `degree ker`), and the closed formulas: Harris,
    *Algebraic Geometry*, Ex. 19.10, for matrices of rank <= r; arXiv 2410.00722 for pcnn;
  - ED degrees of m x n rank-one matrices: the critical equations of (z - u)^T Q (z - u) on
    z = a b^T, one entry of the shorter factor set to 1, expanded with SymPy; Q = I (Euclidean) or
    a random symmetric Q, u random: Groebner counts over F_p (Singular `vdim`, Macaulay2
    `degree`, msolve), PHCpack's regular solutions over C; Eckart-Young: min(m, n);
  - census: the same critical equations at exactly the census's instances
    (`neuromanifold.landscape.census.instances`), solved by PHCpack (real regular solutions) and
    by msolve's real root isolation over QQ (the instance rounded to 12 decimals), the first
    instances only, their time multiplied by samples / checked.
"""


def write_report(path: str, fig_path: str, problems, lines, disagreements, header: dict) -> None:
    rel_fig = os.path.relpath(fig_path, os.path.dirname(os.path.abspath(path)))
    out = ["# Benchmarks: neuromanifold and the reference tools", "",
           "Generated by `benchmarks/compare.py`; do not edit by hand.", "",
           f"- command: `{header['command']}`",
           f"- date: {header['date']}",
           f"- machine: {header['machine']['cpu']}, {header['machine']['cores']} cores, "
           f"{header['machine']['memory']} memory, {header['machine']['system']}, Python "
           f"{header['machine']['python']}, no GPU used",
           f"- load average (1, 5, 15 min) at start: {header['load_start']}; at the end: {header['load_end']} "
           f"(other work on the machine makes every time noisy)",
           f"- neuromanifold {nm.__version__}"]
    for tool, version in header["versions"].items():
        out.append(f"- {tool}: {version}")
    out += [f"- time limit per reference-tool call: {header['timeout']:g} s",
            f"- total wall time of the comparison: {header['wall']:.0f} s", "",
            "Ratio = tool time / our time (> 1: neuromanifold is faster). Every tool answers the same "
            "question as we do; answers that differ are marked **DISAGREE**.", ""]
    out += lines
    out += ["", "## Disagreements", ""]
    out += disagreements or ["None: every answer a tool gave equals ours."]
    out += ["", f"![ratio of tool time to our time]({rel_fig})", "", METHODS]
    # the sections other scripts wrote (benchmarks/backends.py, ...) stay
    keep = ref.other_sections(path, {"Disagreements", "How each answer is computed"})
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("\n".join(out).rstrip() + "\n\n" + "\n".join(keep))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small problems (a minute or two)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds per reference-tool call (default 100, --quick 20)")
    ap.add_argument("--out", default=None, help="markdown report (default BENCHMARKS.md; --quick: "
                                                "out/bench-quick/BENCHMARKS.md)")
    ap.add_argument("--figure", default=None, help="ratio bar chart PNG (default benchmarks/figures/"
                                                   "ratios.png; --quick: out/bench-quick/ratios.png)")
    ap.add_argument("--census-checked", type=int, default=5, help="census instances the tools solve")
    args = ap.parse_args()
    quick = args.quick
    timeout = args.timeout if args.timeout is not None else (20.0 if quick else 100.0)
    out = args.out or os.path.join(ROOT, "out/bench-quick/BENCHMARKS.md" if quick else "BENCHMARKS.md")
    fig = args.figure or os.path.join(ROOT, "out/bench-quick/ratios.png" if quick else
                                      "benchmarks/figures/ratios.png")
    command = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable, ROOT)
                                                if sys.executable.startswith(ROOT) else sys.executable,
                                                os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)]
                       + sys.argv[1:])
    if os.environ.get("MAKELEVEL"):
        command = f"make bench  # runs: {command}"
    t_start = time.perf_counter()
    header = dict(command=command, date=time.strftime("%Y-%m-%d %H:%M %Z"), machine=machine(),
                  load_start=load(), versions=ref.versions(), timeout=timeout)
    m = header["machine"]
    say(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; load {header['load_start']}")
    for tool, version in header["versions"].items():
        say(f"{tool}: {version}")
        if version == "not installed":
            say(f"  {tool} is not installed: its comparisons are skipped")
    nm.dimension("linear(widths=[2,2,2])")           # imports, JAX initialisation

    problems: list[Problem] = []
    if quick:
        problems += dimension_problems([([5, 5, 5, 1], 2), ([8, 8, 1], 3)], timeout)
        problems += degree_problems([[3, 1, 3], [4, 2, 3]], [([2, 2], [1, 1], 2)], timeout)
        problems += ed_problems([(3, 3)], timeout)
        problems.append(census_problem(100, args.census_checked, timeout))
        large = [([20, 25, 25, 1], 2)]
    else:
        problems += dimension_problems([([5, 5, 5, 1], 2), ([6, 6, 6, 1], 2), ([8, 8, 1], 3), ([6, 10, 1], 4)],
                                       timeout)
        problems += degree_problems([[3, 1, 3], [4, 2, 3], [4, 2, 4]],
                                    [([2, 2], [1, 1], 2), ([2, 2], [2, 1], 3), ([3, 3], [1, 1], 2),
                                     ([2, 2, 2], [1, 1, 1], 2)], timeout)
        problems += ed_problems([(3, 3), (3, 4)], timeout)
        problems.append(census_problem(2000, args.census_checked, timeout))
        large = [([20, 100, 100, 1], 2)]
    problems += dimension_problems(large, timeout, group="large")
    for p in problems[-len(large):]:
        p.label = "large: certified " + p.label

    header["wall"] = time.perf_counter() - t_start
    header["load_end"] = load()
    lines, disagreements = table(problems)
    say()
    say("\n".join(lines))
    if disagreements:
        print(f"!!! {len(disagreements)} DISAGREEMENT(S):\n" + "\n".join(disagreements), file=sys.stderr,
              flush=True)
    figure(problems, fig, f"neuromanifold vs reference tools ({m['cores']} cores, {header['date']})")
    write_report(out, fig, problems, lines, disagreements, header)
    say(f"\nwrote {os.path.relpath(out, ROOT)} and {os.path.relpath(fig, ROOT)} "
        f"({header['wall']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
