"""Wall time of a certified ``dim`` as the hidden width of mlp(widths=[20,w,w,1], activation="x^2") doubles.

Target (issue 2): the certified dimension of mlp(widths=[20,100,100,1], activation="x^2")
(12,100 parameters, ambient 8,855) in under 60 s on a 2-core machine with no GPU.

    python benchmarks/dimension.py            # widths 25, 50, 100, 200
    python benchmarks/dimension.py --flint    # also time FLINT's nmod_mat rank on the w=100 Jacobian
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

import neuromanifold as nm
from neuromanifold.backends import exact_rank
from neuromanifold.backends import jacobians as jb
from neuromanifold.backends import primefield as pf

TARGET_WIDTH = 100
TARGET_SECONDS = 60.0


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def flint_reference(width: int, seed: int = 0) -> tuple[float, int]:
    """FLINT nmod_mat rank (with conversion) of the same kind of exact Jacobian, for comparison."""
    param = nm.parse(f'mlp(widths=[20,{width},{width},1], activation="x^2")').parametrization()
    rng = np.random.default_rng(seed)
    p = pf.P21
    theta = pf.random_residues(rng, param.n_params, p)
    rows = nm.dimension(param.arch, numerical=False).value
    X = pf.random_residues(rng, (rows, param.n_vars), p)
    J = jb.exact_jacobian(param, theta, X, p)
    start = time.perf_counter()
    r = exact_rank.rank(J, p, method="flint")
    return time.perf_counter() - start, r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--widths", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--flint", action="store_true", help="time FLINT's rank of the w=100 Jacobian too")
    args = parser.parse_args()
    nm.dimension("linear(widths=[2,2,2])")  # warm up imports and JAX
    print(f"# certified dim of mlp(widths=[20,w,w,1], activation=\"x^2\") -- {machine()}")
    print(f"{'w':>5} {'N':>8} {'dim V':>7} {'dim':>7} {'certified':>9} {'seconds':>8} {'x prev':>7}  J (rows x cols used)")
    previous = None
    target_time = None
    for w in args.widths:
        spec = f'mlp(widths=[20,{w},{w},1], activation="x^2")'
        res = nm.dimension(spec, numerical=False)
        ratio = f"{res.seconds / previous:.1f}" if previous else "-"
        print(f"{w:>5} {res.parameters:>8,} {res.ambient_dimension:>7,} {res.value:>7,} "
              f"{res.certified!s:>9} {res.seconds:>8.1f} {ratio:>7}  {res.jacobian_shape[0]:,} x {res.columns:,}",
              flush=True)
        previous = res.seconds
        if w == TARGET_WIDTH:
            target_time = res.seconds
    if target_time is not None:
        verdict = "meets" if target_time < TARGET_SECONDS else "MISSES"
        print(f"target: w={TARGET_WIDTH} in {target_time:.1f} s, {verdict} the {TARGET_SECONDS:.0f} s target")
    if args.flint:
        seconds, r = flint_reference(TARGET_WIDTH)
        print(f"reference: FLINT nmod_mat rank of the w={TARGET_WIDTH} exact Jacobian alone: {seconds:.1f} s (rank {r})")


if __name__ == "__main__":
    main()
