"""The tracker's two backends side by side (issue 16), and msolve / PHCpack where the problem is theirs.

    python benchmarks/backends.py [--quick] [--timeout S] [--out FILE]

Sections (each printed as it is measured, then written as markdown into the section "Tracker
backends" of ``--out``, by default BENCHMARKS.md, in place of the previous run's):
1. kernel speed: the census's paths (rank-one 3 x 3, generic metric) by the native backend
   (compiled and interpreted) and the JAX backend, microseconds per path-step, end points compared;
2. readiness of a new system: program, interpreter and compiled kernels, cold (empty cache) and cached;
3. small problems at interactive speed: degree and ED degrees of linear(widths=[3,1,3]) warm in this
   process, per backend;
4. the census of 2,000 instances end to end;
5. counts at scale: generic ED degrees of rank-one 4 x 4, 5 x 4, 5 x 5 and rank <= 2 4 x 4 matrices,
   with msolve's exact count of the same kind of instance side by side.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402

import neuromanifold as nm  # noqa: E402
from neuromanifold.homotopy import native, tracker  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = "linear(widths=[3,1,3])"


def say(*parts):
    print(*parts, flush=True)


def census_problem(samples: int, seed: int = 0):
    """The census's moving-metric critical system, its start points and the paths to ``samples``
    instances (one row of parameters a path)."""
    from neuromanifold.invariants.ed_degree import generic_critical_points
    from neuromanifold.invariants.metrics import metric as make_metric
    from neuromanifold.landscape.census import _instances, _moving_metric_system

    arch = nm.parse(SPEC)
    param = arch.parametrization()
    k = int(nm.dimension(arch, seed=seed).value)
    search = generic_critical_points(param, k, make_metric(param, "generic", seed=seed).Q, seed)
    cs, reps, w0 = search.slice, search.points, search.target
    system = _moving_metric_system(cs)
    W, Qz = _instances(cs, samples, "generic", seed)
    p0 = np.concatenate([w0, cs.Qz.reshape(-1)])
    P1 = np.concatenate([W, Qz.reshape(samples, -1)], axis=1)
    E = len(reps)
    return system, np.tile(reps, (samples, 1)), p0, np.repeat(P1, E, axis=0)


def kernel_speed(samples: int, jax_samples: int) -> list[str]:
    system, starts, p0, P1 = census_problem(samples)
    rows = ["| kernel | paths | seconds | us per path-step | mean steps | statuses |", "|---|---|---|---|---|---|"]
    results = {}
    for label, backend, mode, k in (("native, compiled (2 threads)", "native", "compiled", len(starts)),
                                    ("native, interpreted (2 threads)", "native", "interpreted", len(starts)),
                                    ("jax (XLA, vmap)", "jax", None, jax_samples * (len(starts) // samples))):
        if mode:
            os.environ["NEUROMANIFOLD_NATIVE"] = mode
            system._cache.pop("native", None)
        track = lambda: tracker.track(system, starts[:k], p0, P1[:k], seed=0, check_injective=False,
                                      retrack=False, backend=backend)
        track() if backend == "jax" else tracker.track(system, starts[:64], p0, P1[:64], backend=backend)
        t0 = time.perf_counter()
        r = track()
        dt = time.perf_counter() - t0
        results[label] = r
        per = dt / max(int(r.steps.sum()), 1) * 1e6
        counts = ", ".join(f"{v} {key}" for key, v in r.counts().items())
        say(f"census paths, {label}: {k} paths in {dt:.2f} s, {per:.2f} us per path-step, {counts}")
        rows.append(f"| {label} | {k:,} | {dt:.2f} | {per:.2f} | {r.steps.mean():.1f} | {counts} |")
    os.environ.pop("NEUROMANIFOLD_NATIVE", None)
    system._cache.pop("native", None)
    a, b = results["native, compiled (2 threads)"], results["jax (XLA, vmap)"]
    k = b.paths
    ok = a.success[:k] & b.success
    diff = np.abs(a.solutions[:k][ok] - b.solutions[ok]).max(axis=1) / (1 + np.abs(b.solutions[ok]).max(axis=1))
    same = np.mean(a.status[:k] == b.status)
    c = results["native, interpreted (2 threads)"]
    rows.append("")
    rows.append(f"Native against JAX on the first {k:,} paths: statuses equal on {100 * same:.2f} %, end points "
                f"within {diff.max():.1e} (relative), step counts equal on "
                f"{100 * np.mean(a.steps[:k] == b.steps):.1f} %. Interpreted against compiled: end points "
                f"{'bit for bit equal' if np.array_equal(a.solutions, c.solutions) else 'DIFFERENT'}. "
                f"Speed-up of the compiled kernels over JAX: "
                f"{(b.seconds / b.steps.sum()) / (a.seconds / a.steps.sum()):.1f}x per path-step.")
    return rows


def readiness() -> list[str]:
    """Seconds until a new system tracks natively: cold (empty cache) and cached."""
    from neuromanifold.homotopy import System
    from neuromanifold.invariants.witness import ImageSlice

    rows = ["| system | unknowns | program nodes | program (s) | interpreter ready (s) | compiled ready (s) | "
            "cached (s) |", "|---|---|---|---|---|---|---|"]
    census_system = census_problem(2)[0]
    witness = []
    for spec in ("linear(widths=[4,2,4])", "linear(widths=[5,2,5])", "linear(widths=[5,3,6])"):
        param = nm.parse(spec).parametrization()
        k = int(nm.dimension(spec).value)
        witness.append((f"witness system of {spec}", ImageSlice(param, k, 0).system))
    with tempfile.TemporaryDirectory() as cache:
        os.environ["NEUROMANIFOLD_NATIVE_CACHE"] = cache
        for name, system in [("census system (ED critical, moving metric)", census_system)] + witness:
            fresh = System(system.F, system.n, system.m, system.name, system.data)
            t0 = time.perf_counter()
            kern = native.NativeKernel(fresh)
            ready = time.perf_counter() - t0
            compiled = kern.wait_compiled()
            total = time.perf_counter() - t0
            t1 = time.perf_counter()
            again = native.NativeKernel(System(system.F, system.n, system.m, system.name, system.data))
            cached = time.perf_counter() - t1
            mode = "" if compiled else " (too large: interpreted only)"
            say(f"{name}: {kern.prog.nodes} nodes; program {kern.info.program_seconds:.2f} s, interpreter "
                f"ready {ready:.2f} s, compiled {total:.2f} s{mode}, cached {cached:.2f} s ({again.mode})")
            rows.append(f"| {name} | {system.n} | {kern.prog.nodes:,} | {kern.info.program_seconds:.2f} | "
                        f"{ready:.2f} | {total:.2f}{mode} | {cached:.2f} |")
        os.environ.pop("NEUROMANIFOLD_NATIVE_CACHE")
    return rows


def small_problems() -> list[str]:
    rows = ["| problem | answer | native, warm (s) | jax, warm (s) | Macaulay2 (compare.py) |", "|---|---|---|---|---|"]
    for label, fn in (("degree", lambda: nm.degree(SPEC)),
                      ("ED degree, Euclidean", lambda: nm.ed_degree(SPEC, "euclidean")),
                      ("ED degree, generic", lambda: nm.ed_degree(SPEC, "generic"))):
        times = {}
        for backend in ("native", "jax"):
            os.environ["NEUROMANIFOLD_BACKEND"] = backend
            fn()
            best = []
            for _ in range(3):
                t0 = time.perf_counter()
                r = fn()
                best.append(time.perf_counter() - t0)
            times[backend] = (min(best), r.value)
        os.environ.pop("NEUROMANIFOLD_BACKEND")
        say(f"{label} {SPEC}: {times['native'][1]}; native {times['native'][0]:.3f} s, jax {times['jax'][0]:.3f} s")
        rows.append(f"| {label} `{SPEC}` | {times['native'][1]} | {times['native'][0]:.3f} | {times['jax'][0]:.3f} "
                    f"| about 0.25 |")
    return rows


def census_end_to_end(samples: int) -> list[str]:
    from neuromanifold.landscape import census

    census(SPEC, 20, "generic", seed=99)
    t0 = time.perf_counter()
    r = census(SPEC, samples, "generic", seed=0)
    dt = time.perf_counter() - t0
    entered = samples - r.failed_instances
    say(f"census {SPEC} generic, {samples} instances: {dt:.1f} s, {entered} of {samples} entered; {r.notes[-1]}")
    out = ["| census | instances | entered | seconds | failed paths (re-tracked) |", "|---|---|---|---|---|",
           f"| `{SPEC}`, generic metric | {samples:,} | {entered:,} | {dt:.1f} | {r.failed_paths} |"]
    out += [f"- {why}" for i, why in list(r.left_out.items())[:10]]
    return out


def low_rank_critical_equations(m: int, n: int, r: int, Q, u):
    """Critical equations of (z - u)^T Q (z - u) on z = A [I | B] (m x r times r x n, row-major),
    integer Q and u: the rank <= r matrices on the chart where the first r columns are independent
    (r (m + n - r) unknowns), as in reference.rank_one_critical_equations."""
    import sympy

    A = sympy.Matrix(m, r, sympy.symbols(f"a1:{m * r + 1}"))
    Bfree = sympy.Matrix(r, n - r, sympy.symbols(f"b1:{r * (n - r) + 1}"))
    B = sympy.eye(r).row_join(Bfree)
    Z = A * B
    z = [Z[i, j] for i in range(m) for j in range(n)]
    d = [z[i] - int(u[i]) for i in range(m * n)]
    dist = sum(d[i] * sum(int(Q[i, j]) * d[j] for j in range(m * n)) for i in range(m * n))
    unknowns = list(A) + list(Bfree)
    return [str(sympy.expand(sympy.diff(dist, v))).replace("**", "^") for v in unknowns], [str(v) for v in unknowns]


def counts_at_scale(cases, timeout: float) -> list[str]:
    rows = ["| generic ED degree | ours | certified distinct | seconds | paths | msolve | msolve (s) | ratio |",
            "|---|---|---|---|---|---|---|---|"]
    for m, n, r in cases:
        spec = f"linear(widths=[{n},{r},{m}])"
        t0 = time.perf_counter()
        res = nm.ed_degree(spec, "generic", force=True)
        dt = time.perf_counter() - t0
        Qi, ui = ref.integer_instance(m, n, "generic", seed=0)
        if r == 1:
            polys, unknowns = ref.rank_one_critical_equations(m, n, Qi, ui, "integer")
        else:
            polys, unknowns = low_rank_critical_equations(m, n, r, Qi, ui)
        ms = ref.run_msolve(ref.modular(polys, unknowns, ref.MSOLVE_PRIME), unknowns, timeout)
        ratio = f"{ms.seconds / dt:.2f}x" if ms.status == "ok" and ms.seconds else ms.status
        agree = "" if ms.status != "ok" or ms.answer == res.value else " **DISAGREE**"
        say(f"generic ED {m}x{n} rank <= {r}: ours {res.value} ({res.lower} certified) in {dt:.1f} s, "
            f"{res.paths} paths; msolve {ms.answer} in {ms.seconds or 0:.1f} s ({ms.status}){agree}")
        rows.append(f"| {m} x {n}, rank <= {r} `{spec}` | {res.value}{agree} | {res.lower} | {dt:.1f} | {res.paths:,} "
                    f"| {ms.answer} | {(ms.seconds or 0):.1f} | {ratio} |")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--out", default=None, help="markdown file whose section 'Tracker backends' this writes "
                                                "(default BENCHMARKS.md)")
    args, _ = ap.parse_known_args()          # compare.py's other options are theirs
    out = args.out or os.path.join(ROOT, "out/bench-quick/BENCHMARKS.md" if args.quick else "BENCHMARKS.md")
    say(f"tracker backends: default {tracker.default_backend()}, {native.threads()} threads, compiler "
        f"{' '.join(native.compiler() or ['none'])}")
    sections = [("Kernel speed on the census's paths", kernel_speed(60 if args.quick else 300, 20 if args.quick else 60)),
                ("A new system: ready to track", readiness()),
                ("Small problems, warm in a running process", small_problems()),
                ("The census end to end", census_end_to_end(200 if args.quick else 2000)),
                ("Counts at scale (generic ED degrees, msolve side by side)",
                 counts_at_scale([(4, 4, 1)] if args.quick else [(4, 4, 1), (5, 4, 1), (5, 5, 1), (4, 4, 2)],
                                 args.timeout))]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = [f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} cores, {native.threads()} tracker threads; "
            f"load average (1, 5, 15 min) at the end {load}.", ""]
    for title, rows in sections:
        text += [f"### {title}", ""] + rows + [""]
    ref.write_section(out, "Tracker backends (benchmarks/backends.py)", text)
    say(f"written to {out} (section 'Tracker backends')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
