"""Invariants of a reducible neuromanifold, component by component (equivariant linear networks).

Each irreducible component of M = {W in Hom_G : rank W <= r} is a product of determinantal
varieties (:mod:`~neuromanifold.architectures.equivariant`, Kohn--Sattelberger--Shahverdi, arXiv
2309.13736), with its dimension, degree and ED degree (Frobenius metric) from the classical formulas.
Each is checked at a random complex point: the point commutes with every generator of G, has rank
<= r, and the rank of the Jacobian of the component's parametrization by rank factorisations
(:class:`~neuromanifold.architectures.equivariant.ComponentParametrization`, float SVD) is the
dimension claimed.  Then dim M is the largest dimension, deg M the
sum of the degrees of the components of that dimension, and EDdeg M (Frobenius metric) the sum over
all components of :func:`~neuromanifold.architectures.equivariant.frobenius_ed_degree`.

>>> r = component_invariants("linear(widths=[3,1,3], group='cyclic')")
>>> [c["component"] for c in r["components"]], r["dimension"], r["ed_degree"], r["real_components"]
(['chi_0', 'chi_1', 'chi_2'], 1, 1, ['trivial'])
"""

from __future__ import annotations

import numpy as np

from ..architectures import parse
from ..architectures.equivariant import copies, equivariant_defect


def _check(cp, rng) -> dict:
    """Equivariance, rank and the numerical dimension of a component at a random point."""
    theta = cp.random_params(rng)
    M = np.asarray(cp.matrix(theta))
    rank = int(np.linalg.matrix_rank(M, tol=1e-9 * max(np.abs(M).max(), 1)))
    return {"commutes": equivariant_defect(cp.group, cp.n, M) < 1e-9, "rank": rank,
            "numerical_dimension": cp.tangent_rank(theta)}


def component_invariants(arch, *, seed: int = 0) -> dict | None:
    """The components over C (dimension, degree, ED degree, each checked at a point) and over R, and
    M's dimension, degree and ED degree; None for a family without components."""
    arch = parse(arch) if isinstance(arch, str) else arch
    comps = arch.components("C")
    if comps is None:
        return None
    rng = np.random.default_rng([seed, 2309])
    r = arch.bottleneck
    rows, ok = [], True
    for comp, cp in zip(comps, arch.component_parametrizations()):
        check = _check(cp, rng)
        good = check["commutes"] and check["rank"] <= r and check["numerical_dimension"] == comp.dimension
        ok &= good
        rows.append(dict(comp.to_dict(), checked=good, **check))
    top = max(c.dimension for c in comps)
    real = arch.components("R")
    return {"components": rows, "dimension": top,
            "degree": sum(c.degree for c in comps if c.dimension == top),
            "ed_degree": sum(c.ed_degree for c in comps), "checked": ok,
            "real_components": [c.label for c in real], "real_dimensions": [c.dimension for c in real],
            "ambient_dimension": sum(len(E) ** 2 for E in copies(arch.group, arch.widths[0]).values()),
            "rank": r}


def described(info: dict, what: str) -> list[str]:
    """The notes of a per-component result: one line per component, then the real ones."""
    lines = [f"{c['component']}: dimension {c['dimension']}, degree {c['degree']}, ED degree {c['ed_degree']}"
             + ("" if c["checked"] else " (the check at a random point FAILED)") for c in info["components"]]
    lines.append(f"over R: {len(info['real_components'])} component(s), "
                 + ", ".join(f"{lab} (real dimension {d})" for lab, d in zip(info["real_components"],
                                                                        info["real_dimensions"])))
    lines.append(f"M = {{W in Hom_G : rank W <= {info['rank']}}} has {len(info['components'])} irreducible "
                 f"components over C (Kohn-Sattelberger-Shahverdi, arXiv 2309.13736); the {what} is "
                 + {"dimension": "the largest dimension", "degree": "the sum of the degrees of the components "
                    "of the largest dimension", "ED degree": "the sum over the components (Frobenius metric)"}[what])
    return lines
