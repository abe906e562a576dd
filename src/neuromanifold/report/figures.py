"""Figures of results (matplotlib PNG): the report draws, the layers below compute.

``draw(result, path)`` writes the figure of a census (the joint table as a heat map), of the
crossings of the ED discriminant along a segment, of the cusp's Voronoi cell, or of a training
run (loss and drift of the conserved quantities).
"""

from __future__ import annotations

import numpy as np


def _census(r, path: str) -> None:
    """Heat map of the joint table (matplotlib PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reals, mins, M = r.joint()
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 + 0.6 * len(mins)), max(3.0, 1.2 + 0.35 * len(reals))))
    im = ax.imshow(M, cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(mins)), [str(m) for m in mins])
    ax.set_yticks(range(len(reals)), [str(x) for x in reals])
    ax.set_xlabel("local minima")
    ax.set_ylabel("real critical points")
    for i in range(len(reals)):
        for j in range(len(mins)):
            if M[i, j]:
                ax.text(j, i, str(M[i, j]), ha="center", va="center", color="w", fontsize=8)
    ax.set_title(f"{r.spec}, {r.metric}, {r.samples} instances", fontsize=9)
    fig.colorbar(im, ax=ax, label="instances")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _discriminant_crossings(r, path: str) -> None:
    """Left: real critical points and local minima along s, the crossings marked.  Right: the critical
    values themselves (the loss at each real critical point) along s, coloured by Hessian index on M:
    branches of critical points are born and die in pairs at the crossings (the seeds' picture)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = np.asarray(r.grid)
    real = np.asarray(r.real_counts, float)
    mins = np.asarray(r.minima_counts, float)
    real[real < 0] = np.nan
    mins[mins < 0] = np.nan
    values = getattr(r, "critical_values", None) or []
    fig, axes = plt.subplots(1, 2 if values else 1, figsize=(10 if values else 6, 3.4), squeeze=False)
    ax = axes[0, 0]
    ax.step(s, real, where="mid", label="real critical points")
    ax.step(s, mins, where="mid", label="local minima")
    for c in r.crossings:
        ax.axvline(c["s"], color="grey", lw=0.8, ls="--")
    ax.set_xlabel("s  (u = (1 - s) u0 + s u1)")
    ax.set_ylabel("count")
    ax.legend(fontsize=8)
    if values:
        ax = axes[0, 1]
        colours = {0: ("#1f77b4", "local minimum")}
        seen = set()
        for x, points in zip(s, values):
            for loss, index in points:
                colour, label = colours.get(index, ("#d62728" if index == 1 else "#ff7f0e",
                                                    f"saddle, index {index}"))
                ax.plot([x], [loss], "o", ms=2.5, color=colour, label=None if label in seen else label)
                seen.add(label)
        for c in r.crossings:
            ax.axvline(c["s"], color="grey", lw=0.8, ls="--")
        ax.set_yscale("log")
        ax.set_xlabel("s")
        ax.set_ylabel("loss at the real critical points")
        ax.legend(fontsize=7, markerscale=2)
    fig.suptitle(f"{r.spec}: {len(r.crossings)} crossings of the ED discriminant", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _voronoi_cell(r, path: str) -> None:
    """The cell (targets whose nearest point is the cusp) and the curve (matplotlib PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    P, inside = r._points, r._inside
    ax.scatter(P[~inside, 0], P[~inside, 1], s=1, c="#cccccc", label="nearest point smooth")
    ax.scatter(P[inside, 0], P[inside, 1], s=1, c="#d62728", label="nearest point: the cusp")
    t = np.linspace(-1.5, 1.5, 400)
    ax.plot(t ** 2, t ** 3, "k", lw=1.5, label="y^2 = x^3")
    ax.set_xlim(-r.box, r.box)
    ax.set_ylim(-r.box, r.box)
    ax.set_aspect("equal")
    ax.set_title(f"Voronoi cell of the cusp: {r.fraction:.3f} of the box "
                 f"[{r.interval[0]:.3f}, {r.interval[1]:.3f}]", fontsize=9)
    ax.legend(loc="upper left", fontsize=7, markerscale=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _train(r, path: str) -> None:
    """Loss (log axis) and the drift of the conserved quantities: on a log axis from its first
    nonzero value (the drift is exactly 0 at t = 0), linear when it never leaves 0; the step size,
    the method and a divergence are in the title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.asarray(r.times, float)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    loss = np.asarray(r.loss, float)
    axes[0].plot(t, loss, marker="." if len(t) < 30 else None)
    if np.all(loss > 0):
        axes[0].set_yscale("log")
    axes[0].set_xlabel("time (steps x lr)")
    axes[0].set_ylabel("loss")
    drift = np.asarray(r.drift, float)
    live = np.flatnonzero(drift > 0)
    if live.size and drift[live].max() > 10 * drift[live].min():
        axes[1].plot(t[live], drift[live], marker="." if live.size < 30 else None)
        axes[1].set_yscale("log")            # growth over decades: from the first nonzero value
    else:
        axes[1].plot(t, drift, marker="." if len(t) < 30 else None)
        axes[1].ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    axes[1].set_xlabel("time (steps x lr)")
    axes[1].set_ylabel("max |Q(t) - Q(0)|")
    axes[1].set_title(r.conserved[:60] + ("..." if len(r.conserved) > 60 else ""), fontsize=7)
    what = "gradient flow (DOP853)" if r.method == "ode" else f"gradient descent, step lr = {r.lr:g}"
    if getattr(r, "diverged_at", None):
        what += f", diverged by step {r.diverged_at}"
    fig.suptitle(f"{r.spec}: {what}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


#: result.invariant -> its figure
FIGURES = {"census": _census, "discriminant_crossings": _discriminant_crossings, "voronoi_cell": _voronoi_cell, "train": _train}


def draw(result, path: str) -> str:
    """Write the figure of ``result`` to ``path`` (a format matplotlib writes); returns the path."""
    from ..errors import NeuromanifoldError

    figure = FIGURES.get(getattr(result, "invariant", None))
    if figure is None:
        raise NeuromanifoldError(f"no figure is drawn for {getattr(result, 'invariant', result)!r} results; "
                                 f"figures exist for {', '.join(FIGURES)}")
    import matplotlib

    matplotlib.use("Agg")
    figure(result, path)
    return path
