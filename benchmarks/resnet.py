"""Skip connections against plain MLPs of the same widths (the seeds' question: do skip connections
regularise mu, with fewer spurious critical points, and smooth out singularities?).

For each pair, one table row each: dimension, degree, the subnetwork strata and how many are
singular points of M, the fraction of gradient-descent runs that end at a rank drop of dmu (with its
95% interval), and how many of those ends are spurious critical points (``classify``).  Prints a
Markdown table; ``python benchmarks/resnet.py --runs 40``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import neuromanifold as nm
from neuromanifold.landscape.classify import classify
from neuromanifold.landscape.implicit_bias import implicit_bias

PAIRS = [([3, 1, 3], "x"), ([2, 2, 2], "x^2"), ([3, 2, 3], "x^2"), ([2, 1, 2], "x^3")]


def row(spec: str, runs: int, seed: int) -> str:
    t0 = time.perf_counter()
    dim = nm.dimension(spec, seed=seed)
    deg = nm.degree(spec, seed=seed).value
    strata = nm.singular_strata(spec, seed=seed).strata
    singular = sum(1 for s in strata if s.singular)
    bias = implicit_bias(spec, runs, steps=2000, seed=seed, minimiser=False)
    # the ends of gradient descent: how many are spurious critical points (critical through a rank drop)
    param = nm.parse(spec).parametrization()
    rng = np.random.default_rng([seed, 7])
    spurious = critical = 0
    for _ in range(min(runs, 10)):
        u = rng.standard_normal(param.ambient_dimension)
        end = nm.train(spec, u, steps=2000, lr=0.01, seed=int(rng.integers(1 << 30)), laws="declared").theta
        c = classify(spec, end, u, tol=1e-5)
        critical += int(c.critical)
        spurious += int(c.critical and c.kind == "spurious")
    lo, hi = bias.training_interval
    return (f"| `{spec}` | {dim.value} | {deg} | {len(strata)} ({singular} singular) | "
            f"{bias.training_fraction:.2f} [{lo:.2f}, {hi:.2f}] | {spurious} of {critical} | "
            f"{time.perf_counter() - t0:.0f} s |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print("| architecture | dim M | deg M | subnetwork strata | GD ends at a rank drop (95%) | spurious ends "
          "| time |")
    print("|---|---|---|---|---|---|---|")
    for widths, act in PAIRS:
        for family in ("mlp", "resnet"):
            print(row(f'{family}(widths={widths}, activation="{act}")', args.runs, args.seed), flush=True)


if __name__ == "__main__":
    main()
