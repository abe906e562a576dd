"""Loss-landscape benchmarks: the real census and one instance's critical points, side by side with
PHCpack on the same critical systems.

    python benchmarks/landscape.py [--samples 2000] [--phc 5]

Prints the census time (instances, paths, paths per second) and, for a few of the same instances,
PHCpack's blackbox solve of the critical equations (exported as polynomials), with its count.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from reference import run_phc  # noqa: E402

import neuromanifold as nm  # noqa: E402
from neuromanifold.homotopy.export import expand, phc_input  # noqa: E402
from neuromanifold.invariants.ed_degree import CriticalSlice  # noqa: E402
from neuromanifold.invariants.metrics import metric  # noqa: E402
from neuromanifold.landscape import census  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", default="linear(widths=[3,1,3])")
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--metric", default="generic")
    ap.add_argument("--phc", type=int, default=5, help="instances also solved by PHCpack")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"neuromanifold {nm.__version__}, {time.strftime('%Y-%m-%d')}")
    census(args.spec, 20, args.metric, seed=99)            # compiles the kernels (or loads them)
    t0 = time.perf_counter()
    r = census(args.spec, args.samples, args.metric, seed=0)
    t = time.perf_counter() - t0
    paths = r.samples * r.ed_degree
    print(f"census {args.spec} {args.metric}: {r.samples} instances x {r.ed_degree} critical points = "
          f"{paths:,} paths in {t:.1f} s ({paths / t:,.0f} paths/s, {t / r.samples * 1000:.1f} ms per "
          f"instance); {r.failed_instances} instances left out; table {r.table}")
    # the same kind of instance by PHCpack: the critical equations J^T Q (z - w) = 0 on the slice
    param = nm.parse(args.spec).parametrization()
    k = int(nm.dimension(args.spec).value)
    times, counts = [], []
    for i in range(args.phc):
        Q = metric(param, args.metric, seed=i).Q
        cs = CriticalSlice(param, k, Q, seed=i)
        w = cs.target(np.random.default_rng(i).standard_normal(param.ambient_dimension))
        polys = expand(cs.system, w)
        their_t, their_n = run_phc(phc_input(polys), 600)
        if their_t is None:
            print("PHCpack (phc) is not installed: no comparison")
            break
        times.append(their_t)
        counts.append(their_n)
    if times:
        per = float(np.mean(times))
        print(f"PHCpack phc -b on {len(times)} instances: {per:.2f} s per instance, regular solutions "
              f"{counts} (each is e x {r.ed_degree}: every critical point once per point of the slice's "
              f"fibre, plus spurious solutions on its ramification locus); {args.samples} instances would take "
              f"{per * args.samples:.0f} s, ratio {per * args.samples / t:.1f}x")


if __name__ == "__main__":
    main()
