"""Reports: one architecture, or a sweep, as a self-contained HTML page with PNG figures.

``report(spec, out_dir)`` computes the invariants that finish within a time limit each (through
the atlas and the sweep's worker processes, so stored results are reused and a slow invariant is
stopped, not waited for), and writes ``index.html`` with

* the summary table: value, certificate, bounds, method and time of each invariant;
* the dictionary reading of each number: what it says about expressivity (dimension, filling,
  defect), identifiability (generic fibre), optimisation (ED degree: complex critical points of
  the squared loss for generic data) and complexity (degree);
* the covering-number bound of arXiv 2501.18915, log N_eps = O(dim M log(deg M / eps)), at a few eps
  (up to the constant the theorem leaves open), as a sample-complexity scale;
* a picture of a plane slice of M where M is a hypersurface of its linear span with a low-degree
  equation (e.g. the rank-one 2 x 2 matrices, det = 0): the curve g = 0 on a random plane through
  a point of M, its singular points (where the gradient of g restricted to the plane vanishes on
  the curve) marked;
* the census heat map, when ``census`` samples are asked for.

``sweep_report(pattern, invariants, out_dir)`` draws each invariant against the swept variable
(the first brace of the pattern), with the expected dimension min(N - dim of the known symmetry
group, dim V) for ``dimension``.  Figures are PNG files beside the page, referenced by relative
paths; the page loads nothing from the network.
"""

from __future__ import annotations

import html
import math
import os
import time

import numpy as np

from .. import registry
from ..architectures import parse
from ..errors import NeuromanifoldError
from .figures import draw

#: The invariants of the one-architecture report: those of the registry with a plain-language reading.
INVARIANTS = tuple(inv.name for inv in registry.REGISTRY if inv.reading)


def _esc(v) -> str:
    return html.escape(str(v))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _compute(spec: str, timeout: float, seed: int, atlas: str | None) -> dict:
    from ..atlas.compute import question
    from ..atlas.sweep import sweep

    r = sweep(spec, list(INVARIANTS), seed=seed, atlas=atlas, workers=2, task_timeout=timeout)
    out = {}
    from ..atlas.store import Atlas

    with Atlas(atlas) as store:
        for row in r.rows:
            stored = store.get(row["spec"], row["invariant"], question(row["invariant"], {}), seed)
            out[row["invariant"]] = stored.result if stored is not None and stored.status == "ok" else \
                {"status": "failed", "reason": row.get("reason") or (stored.reason if stored else "failed")}
    return out


def covering_bound(dim: int, deg: int, eps_values=(0.1, 0.01, 0.001)) -> list[dict]:
    """dim * log(deg / eps): the order of log N_eps (arXiv 2501.18915), constant omitted."""
    return [{"eps": e, "log_covering": dim * math.log(max(deg, 1) / e)} for e in eps_values]


def _finish(fig, ax, marks, cone: bool, title: str, path: str) -> None:
    """Singular points in red, the point of M in blue, title, save."""
    import matplotlib.pyplot as plt

    if marks:
        ax.plot(*zip(*marks), "o", color="#d62728", ms=7, label="singular points of M")
        ax.legend(loc="upper right", fontsize=7)
    ax.plot([1.0 if cone else 0.0], [0], "o", color="#1f77b4", ms=5)
    ax.set_title(title, fontsize=8)
    ax.set_xlabel("s")
    ax.set_ylabel("t")
    ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _slice_figure(arch, path: str, seed: int) -> str | None:
    """Draw the plane section of M (:func:`~neuromanifold.invariants.plane_section.plane_section`);
    returns its caption, or None when there is none to draw."""
    from ..invariants.plane_section import plane_section

    section = plane_section(arch, seed)
    if section is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    S, T = np.meshgrid(section.axis, section.axis)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contour(S, T, section.values, levels=[0.0], colors="k", linewidths=1.5)
    _finish(fig, ax, section.marks, section.cone, section.title, path)
    return section.caption


def report(spec: str, out_dir: str, seed: int = 0, *, timeout: float = 60.0, census: int = 0,
           atlas: str | None = None) -> str:
    """Write ``out_dir/index.html`` and figures for one architecture; returns the page's path."""
    arch = parse(spec)
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    results = _compute(str(arch), timeout, seed, atlas)
    param = arch.parametrization()
    rows, reading = [], []
    for name in INVARIANTS:
        r = results.get(name, {"status": "failed", "reason": "not run"})
        if r.get("status") == "failed":
            rows.append(f"<tr><td>{name}</td><td colspan=4 class=bad>not computed: {_esc(r['reason'])}</td></tr>")
            continue
        cert = "certified" if r.get("certified") else "not certified"
        lo, hi = r.get("lower"), r.get("upper")
        bounds = "" if lo is None else (f">= {_fmt(lo)}" if hi is None else f"[{_fmt(lo)}, {_fmt(hi)}]")
        rows.append(f"<tr><td>{name}</td><td><b>{_esc(_fmt(r.get('value')))}</b></td><td class="
                    f"{'ok' if r.get('certified') else 'bad'}>{cert}</td><td>{_esc(bounds)}</td>"
                    f"<td>{_esc(r.get('method', ''))} ({_fmt(r.get('seconds', 0.0))} s)</td></tr>")
        fill = ""
        if name == "dimension":
            fill = " (it fills V)" if r.get("filling") else (f" (defect {r.get('defect')} below the expected "
                                                             f"{r.get('expected_dimension')})" if r.get("defect") else "")
        reading.append(f"<li><b>{name}</b>: " + _esc(registry.reading(name).format(
            value=r.get("value"), ambient=param.ambient_dimension, filling=fill,
            symmetry=r.get("symmetry_dimension", "?"), fdim=r.get("fiber_dimension", "?"))) + "</li>")
    figures = []
    dim_r, deg_r = results.get("dimension", {}), results.get("degree", {})
    cover = ""
    if dim_r.get("value") is not None and deg_r.get("value") is not None:
        cover = "".join(f"<tr><td>{c['eps']:g}</td><td>{c['log_covering']:.1f}</td></tr>"
                        for c in covering_bound(int(dim_r["value"]), int(deg_r["value"])))
        cover = ("<h2>Covering numbers and sample size</h2><p>arXiv 2501.18915: log N<sub>&epsilon;</sub> = "
                 "O(dim M &middot; log(deg M / &epsilon;)); the values of dim &middot; log(deg / &epsilon;) "
                 "(constant omitted) set the scale of the number of samples needed to learn within &epsilon;.</p>"
                 f"<table><tr><th>&epsilon;</th><th>dim &middot; log(deg/&epsilon;)</th></tr>{cover}</table>")
    try:
        caption = _slice_figure(arch, os.path.join(out_dir, "slice.png"), seed)
    except Exception as exc:  # noqa: BLE001 - a figure that cannot be drawn is said so
        caption = None
        figures.append(f"<p class=bad>slice figure failed: {_esc(exc)}</p>")
    if caption:
        figures.append(f"<figure><img src='slice.png' alt='slice of M'><figcaption>{_esc(caption)}"
                       f"</figcaption></figure>")
    if census:
        from ..landscape.census import census as run_census

        try:
            c = run_census(arch, census, "generic", seed=seed)
            draw(c, os.path.join(out_dir, "census.png"))
            figures.append(f"<figure><img src='census.png' alt='census heat map'><figcaption>real critical points "
                           f"x local minima over {census} random (target, metric) instances; ED degree "
                           f"{c.ed_degree}</figcaption></figure>")
        except NeuromanifoldError as exc:
            figures.append(f"<p class=bad>census not computed: {_esc(exc)}</p>")
    figures.extend(_discriminant_figure(arch, out_dir, seed))
    info = param.describe()
    page = _page(f"neuromanifold report: {arch}", f"""
<p><code>{_esc(arch)}</code>: {info['parameters']} parameters, V of dimension {info['ambient_dimension']}
(degrees {info['degrees']} in {info['inputs']} inputs, {info['outputs']} output(s)); seed {seed};
made in {time.perf_counter() - t0:.1f} s.</p>
<h2>Invariants</h2>
<table><tr><th>invariant</th><th>value</th><th>certificate</th><th>bounds</th><th>method</th></tr>
{''.join(rows)}</table>
<h2>What the numbers say</h2><ul>{''.join(reading)}</ul>
{cover}
<h2>Figures</h2>{''.join(figures) or '<p>No slice of this neuromanifold can be drawn here.</p>'}
""")
    path = os.path.join(out_dir, "index.html")
    with open(path, "w") as fh:
        fh.write(page)
    return path


def _discriminant_figure(arch, out_dir: str, seed: int) -> list[str]:
    """The discriminant picture for a default segment (two seeded Gaussian targets, the generic
    metric): the real critical points and their values along it (the seeds' picture); nothing
    when M fills V or the critical system is too large to track here."""
    from ..errors import TooLargeError
    from ..landscape.crossings import discriminant_crossings

    try:
        r = discriminant_crossings(arch, metric="generic", seed=seed, grid=48)
    except TooLargeError:
        return []
    except NeuromanifoldError as exc:
        if "filling" in str(exc):
            return []
        return [f"<p class=bad>discriminant picture not drawn: {_esc(exc)}</p>"]
    draw(r, os.path.join(out_dir, "crossings.png"))
    return [f"<figure><img class=wide src='crossings.png' alt='crossings of the ED discriminant'><figcaption>Along the "
            f"segment between two random targets (generic metric, ED degree {r.ed_degree}) the number of real "
            f"critical points changes {len(r.crossings)} time(s), each time by two: the target crosses the ED "
            f"discriminant, where two critical points meet.  Right: the loss at each real critical point, "
            f"coloured by its Hessian index on M.</figcaption></figure>"]


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; vertical-align: top; }}
.ok {{ color: #1a7f37; }} .bad {{ color: #b42318; }}
figure {{ display: inline-block; margin: 1rem; vertical-align: top; }} img {{ max-width: 28rem; }} img.wide {{ max-width: 56rem; }}
</style></head><body><h1>{_esc(title)}</h1>{body}</body></html>
"""


def sweep_report(pattern: str, invariants, out_dir: str, seed: int = 0, *, atlas: str | None = None,
                 timeout: float | None = 60.0) -> str:
    """Each invariant against the first swept variable of ``pattern`` (module docstring)."""
    import re

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..atlas.sweep import expand, sweep

    os.makedirs(out_dir, exist_ok=True)
    names = invariants.split(",") if isinstance(invariants, str) else list(invariants)
    result = sweep(pattern, names, seed=seed, atlas=atlas, task_timeout=timeout)
    first = re.search(r"\{([^{}]*)\}", pattern)
    if first is None:
        raise NeuromanifoldError("the sweep pattern has no {..} to draw against; e.g. \"linear(widths=[3,{1..3},3])\"")
    specs = expand(pattern)
    prefix = pattern[:first.start()]
    xs = []
    for sp in specs:
        tail = sp[len(prefix):]
        m = re.match(r"-?\d+", tail)
        xs.append(int(m.group(0)) if m else len(xs))
    canon = {}
    for sp in specs:
        try:
            canon[sp] = str(parse(sp))
        except NeuromanifoldError:
            canon[sp] = sp
    figures = []
    for name in result.invariants:
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        by = {(r["spec"]): r for r in result.rows if r["invariant"] == name}
        groups = {}
        for sp, x in zip(specs, xs):
            other = sp[:first.start()] + "*" + sp[first.start() + len(str(x)):]
            groups.setdefault(other, []).append((x, by.get(canon[sp], {})))
        for label, pts in groups.items():
            pts = [(x, r.get("value")) for x, r in pts if r.get("status") == "ok" and isinstance(r.get("value"),
                                                                                              (int, float))]
            if pts:
                ax.plot(*zip(*pts), "o-", label=label if len(groups) > 1 else None)
        if name == "dimension":
            exp = []
            from ..atlas.compute import question
            from ..atlas.store import Atlas

            with Atlas(atlas) as store:
                for sp, x in zip(specs, xs):
                    row = store.get(canon[sp], "dimension", question("dimension", None), seed)
                    if row is not None and row.status == "ok" and row.result.get("expected_dimension") is not None:
                        exp.append((x, row.result["expected_dimension"]))
            if exp:
                ax.plot(*zip(*sorted(set(exp))), "--", color="grey", label="expected dimension")
        ax.set_xlabel(f"swept value ({prefix[-12:]}...)")
        ax.set_ylabel(name)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
        fig.tight_layout()
        fname = f"sweep-{name}.png"
        fig.savefig(os.path.join(out_dir, fname), dpi=110)
        plt.close(fig)
        figures.append(f"<figure><img src='{fname}' alt='{name} against the swept value'><figcaption>{name}"
                       f"</figcaption></figure>")
    rows = "".join(f"<tr><td>{_esc(r['spec'])}</td><td>{r['invariant']}</td><td>{_esc(_fmt(r.get('value')))}</td>"
                   f"<td>{'yes' if r.get('certified') else 'no'}</td><td>{_esc(r.get('reason', ''))}</td></tr>"
                   for r in result.rows)
    page = _page(f"neuromanifold sweep: {pattern}", f"""
<p>{len(specs)} architectures, {result.computed} computed, {result.cached} from the atlas, {result.failed} failed.</p>
<h2>Figures</h2>{''.join(figures)}
<h2>Results</h2><table><tr><th>architecture</th><th>invariant</th><th>value</th><th>certified</th><th>note</th></tr>
{rows}</table>""")
    path = os.path.join(out_dir, "index.html")
    with open(path, "w") as fh:
        fh.write(page)
    return path
