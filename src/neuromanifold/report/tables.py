"""Rich tables of architectures and results."""

from __future__ import annotations

import numpy as np
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1e5 or abs(value) < 1e-3:
            return f"{value:.2e}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def info_table(info: dict) -> Table:
    """Two-column table of what ``Architecture.describe`` reports (for a ReLU network: no rows of V)."""
    table = Table(title=Text(info["spec"], style="bold"), box=box.ROUNDED, show_header=False,
                  title_justify="left")
    table.add_column("field", style="cyan", no_wrap=True)
    table.add_column("value")
    act = info.get("activation")
    piecewise = info.get("piecewise_linear")          # a ReLU network: no ambient space of polynomials
    rows = [
        ("family", info["family"]),
        ("parameters N", _fmt(info["parameters"])),
        ("weights", ", ".join(f"{k} {'x'.join(map(str, v)) or 'scalar'}"
                              for k, v in info["parameter_blocks"].items())),
        ("inputs", _fmt(info["inputs"]) if piecewise else
         f"{info['inputs']} variables ({', '.join(info['variables'][:6])}{', ...' if info['inputs'] > 6 else ''})"),
        ("outputs", _fmt(info["outputs"])),
    ]
    if piecewise:
        rows.insert(1, ("activation", f"max(t, {info['leak']:g} t)"))
    else:
        rows += [
            ("degrees in x", _fmt(info["degrees"]) + (" (homogeneous)" if info["homogeneous"] else "")),
            ("ambient dim V", f"{info['ambient_dimension']:,} = {info['outputs']} x "
                              f"{info['basis_size_per_output']:,}"),
            ("basis", ", ".join(info["basis_preview"]) + (", ..." if info["basis_size_per_output"] > 12 else "")),
            ("degree in theta", _fmt(info["theta_degree"])),
            ("coefficient form", "yes" if info["coefficient_form"] else "no (dim V > 50,000: evaluation form only)"),
        ]
    rows.append(("symmetry group", f"dim {info['symmetry']['dimension']}: {info['symmetry']['description']}"))
    if info["symmetry"].get("finite") and not piecewise:
        rows.append(("finite symmetries", info["symmetry"]["finite"]))
    fields = info["symmetry"].get("fibre_fields")
    if fields:
        rows.append(("fibre fields", f"{fields['count']}: {fields['description']}"))
    if act:
        rows.insert(1, ("activation", act["polynomial"]))
        approx = act.get("approximation")
        if approx:
            rows.insert(2, ("approximation", f"degree-{approx['degree']} least-squares fit of {approx['of']} "
                                             f"on [-1, 1], sup error {approx['sup_error']:.3g}"))
    if info.get("group"):
        rows.insert(1, ("group", info["group"]))
    for note in info.get("notes", []):
        rows.append(("note", note))
    for field, value in rows:
        table.add_row(field, value)
    return table


def dimension_table(r) -> Table:
    """Two-column table of one dimension result."""
    if getattr(r, "components", None):                    # a reducible M: its components in the notes
        return result_table(r, [("ambient dim V", "ambient_dimension"), ("bound from", "upper_bound")])
    if r.method.startswith("functional dimension"):      # a piecewise-linear family
        return result_table(r, [("parameters N", "parameters"), ("rescaling bound", "upper"),
                                ("least value found", "lower"), ("prime", "prime")],
                            value_label="functional dimension")
    table = Table(title=Text(r.spec, style="bold"), box=box.ROUNDED, show_header=False, title_justify="left")
    table.add_column("field", style="cyan", no_wrap=True)
    table.add_column("value")
    status = Text("certified", style="bold green") if r.certified else Text("not certified", style="bold red")
    table.add_row("dimension", Text.assemble((f"{r.value:,}  ", "bold"), status))
    by_secant = getattr(r, "upper_bound", "").startswith("Massarenti")
    upper = ("the last two layers' secant bound (Massarenti-Mella)" if by_secant
             else "N - orbit dim, at most dim V")
    table.add_row("bounds", f"{r.lower:,} <= dim <= {r.upper:,}  (lower: exact rank of the Jacobian over F_p, "
                            f"p = {r.prime}; upper: {upper})")
    table.add_row("ambient dim V", f"{r.ambient_dimension:,}" + ("  (filling)" if r.filling else ""))
    table.add_row("parameters N", f"{r.parameters:,}")
    table.add_row("generic fibre", f"dimension {r.fiber_dimension:,}")
    orbit = ("not computed (N - generators >= dim V)" if r.orbit_dimension is None
             else f"{r.orbit_dimension:,}")
    table.add_row("symmetries", f"dim {r.symmetry_dimension:,}, orbits of dim {orbit}: {r.symmetry}")
    table.add_row("expected dim", f"{r.expected_dimension:,} = min(dim V, N - orbit dim); defect {r.defect:,}")
    if r.numerical_rank is None:
        numerical = "skipped"
    else:
        gap = r.singular_value_gap
        numerical = f"{r.numerical_rank:,}" + (
            f" (sigma gap {_fmt(gap)}: {_fmt(r.sigma_last_kept)} kept, {_fmt(r.sigma_first_dropped)} dropped)"
            if gap is not None else " (full rank, no singular value dropped)")
    table.add_row("numerical rank", numerical)
    table.add_row("exact ranks", f"{_fmt(r.exact_ranks)} at {len(r.exact_ranks)} random point(s); "
                                 f"{r.samples:,} inputs, Jacobian {r.jacobian_shape[0]:,} x {r.jacobian_shape[1]:,}")
    if r.error_probability is not None:
        table.add_row("error probability", f"<= {r.error_probability:.2g} (Schwartz-Zippel)")
    table.add_row("seed / time", f"{r.seed} / {r.seconds:.2f} s")
    for note in r.notes:
        table.add_row("note", note)
    return table


def result_table(r, fields: list[tuple[str, str]], value_label: str | None = None) -> Table:
    """Two-column table of any result: its value and status (labelled ``value_label``, default the
    invariant's name), then the named fields (empty ones left out); the notes go under the table."""
    notes = [str(n) for n in (getattr(r, "notes", None) or [])]
    table = Table(title=Text(r.spec, style="bold"), box=box.ROUNDED, show_header=False, title_justify="left",
                  caption="\n".join(f"note: {n}" for n in notes) or None, caption_justify="left")
    table.add_column("field", style="cyan", no_wrap=True)
    table.add_column("value")
    status = Text("certified", style="bold green") if r.certified else Text("not certified", style="bold red")
    value = "none" if r.value is None else _fmt(r.value) if isinstance(r.value, float) else f"{r.value}"
    table.add_row(value_label or r.invariant, Text.assemble((f"{value}  ", "bold"), status))
    for label, name in fields:
        v = getattr(r, name, None)
        if v is None or (isinstance(v, (list, dict, str)) and not v):
            continue
        table.add_row(label, _fmt(v) if not isinstance(v, (str, dict)) else _cell(v))
    table.add_row("method", r.method)
    table.add_row("seed / time", f"{r.seed} / {r.seconds:.2f} s")
    return table


def _cell(v) -> str:
    """A dict as short ``key: value`` lines (a small table of its own), a string as it is."""
    if isinstance(v, dict):
        def one(x):
            if isinstance(x, dict):
                return ", ".join(f"{kk} {_fmt(vv) if not isinstance(vv, str) else vv}" for kk, vv in x.items())
            return _fmt(x) if not isinstance(x, str) else x
        return "\n".join(f"{k}: {one(x)}" for k, x in v.items())
    return str(v)


def train_table(r) -> Table:
    """A training run in summaries (the series are in --json and the plot)."""
    return result_table(r, [("initial loss", "initial_loss"), ("steps x lr", "horizon"), ("conserved", "conserved"),
                            ("max drift", "max_drift"), ("final Jacobian rank", "final_rank"),
                            ("diverged at step", "diverged_at"), ("stable lr below", "stable_lr"),
                            ("activation flips", "total_pattern_changes")],
                        value_label="final loss")


def critical_table(r, constant: float = 0.0) -> Table:
    """The critical points of a loss: one row each (real ones first, by loss), then the summary."""
    count = f"{r.value} complex critical points" if r.value is not None else \
        f"INCOMPLETE: {len(r.points)} critical points found ({r.lower} certified), no count claimed"
    table = Table(title=Text(f"{r.spec}: {count}, {r.real_count} real, {r.minima} local minima", style="bold"),
                  box=box.ROUNDED, title_justify="left")
    parts = any(p.component for p in r.points)          # a reducible M: name the component
    for name in ("#", "real", "loss", "type", "index", "smooth") + (("component",) if parts else ()):
        table.add_column(name)
    for i, p in enumerate(r.points):
        loss = float(np.real(p.loss)) + constant
        star = " (global minimum)" if i == r.global_minimum else ""
        table.add_row(str(i + 1), "yes" if p.real else "no",
                      f"{loss:.6g}" if p.real else f"{complex(p.loss) + constant:.4g}",
                      p.kind + star, "" if p.index is None else str(p.index), "yes" if p.smooth else "no",
                      *((p.component,) if parts else ()))
    table.caption = "\n".join(f"note: {n}" for n in r.notes + [f"seed {r.seed}, {r.seconds:.2f} s"])
    table.caption_justify = "left"
    return table


def relu_critical_table(r, rows: int = 30) -> Table:
    """Critical sets of a ReLU network's loss, one row per critical value: how many local-minimum and
    saddle sets reach it, their live neurons, and one set's live patterns."""
    count = f"{r.value} critical sets" if r.complete else f"INCOMPLETE: {r.lower} critical sets found"
    minima = "local minima" if r.complete else "Hessian PSD"
    table = Table(title=Text(f"{r.spec}: {count} on {r.samples} samples: {r.minima} of {minima} "
                             f"({r.spurious_minima} above the least loss), {r.saddles} of saddles", style="bold"),
                  box=box.ROUNDED, title_justify="left")
    for name in ("loss", minima, "saddles", "live neurons", "live patterns (one set)" if r.complete else
                 "patterns (one point)"):
        table.add_column(name)
    groups: dict = {}
    for s in r.sets:
        groups.setdefault(round(s.loss, 10), []).append(s)
    for i, (loss, sets) in enumerate(sorted(groups.items())):
        if i == rows:
            table.add_row(f"{len(groups) - rows} more", "", "", "", "(--json lists every set)")
            break
        live = sorted({s.live for s in sets})
        mins = sum(s.kind != "saddle" for s in sets)
        first = next((s for s in sets if s.kind != "saddle"), sets[0])
        star = " (least)" if r.global_minimum is not None and any(s is r.sets[r.global_minimum] for s in sets) else ""
        table.add_row(f"{loss:.6g}{star}", str(mins), str(len(sets) - mins),
                      ", ".join(map(str, live)), " ".join(first.patterns) or "(none: constant)")
    table.caption = "\n".join(f"note: {n}" for n in r.notes + [f"largest |grad L| at a witness {r.max_gradient:.1e}",
                                                                  f"seed {r.seed}, {r.seconds:.2f} s"])
    table.caption_justify = "left"
    return table


def census_table(r) -> Table:
    """Rows: number of real critical points; columns: number of local minima; cells: instances."""
    reals, mins, M = r.joint()
    table = Table(title=Text(f"{r.spec}, {r.metric} metric: {r.samples} instances, ED degree {r.ed_degree}",
                             style="bold"), box=box.ROUNDED, title_justify="left")
    table.add_column("real \\ minima", style="cyan")
    for m in mins:
        table.add_column(str(m), justify="right")
    for i, real in enumerate(reals):
        table.add_row(str(real), *[str(v) if v else "" for v in M[i]])
    table.caption = "\n".join(r.notes + [f"seed {r.seed}, {r.seconds:.1f} s"])
    table.caption_justify = "left"
    return table


def crossings_table(r) -> Table:
    """One row per crossing of the ED discriminant: where, and the counts on each side."""
    table = Table(title=Text(f"{r.spec}: {r.value} crossings of the ED discriminant (ED degree {r.ed_degree})",
                             style="bold"), box=box.ROUNDED, title_justify="left")
    for name in ("s", "real before", "minima before", "real after", "minima after"):
        table.add_column(name, justify="right")
    for c in r.crossings:
        table.add_row(f"{c['s']:.6f} ± {c['width'] / 2:.1e}", str(c["before"][0]), str(c["before"][1]),
                      str(c["after"][0]), str(c["after"][1]))
    table.caption = "\n".join(r.notes + [f"seed {r.seed}, {r.seconds:.1f} s"])
    table.caption_justify = "left"
    return table


def strata_table(r) -> Table:
    """Subnetwork strata: rank of dmu, image dimension, singular or not."""
    table = Table(title=Text(f"{r.spec}: subnetwork strata (dim M = {r.dimension})", style="bold"),
                  box=box.ROUNDED, title_justify="left")
    for col in ("subnetwork", "rank dmu", "dim image", "singular in M"):
        table.add_column(col)
    for s in r.strata:
        table.add_row(s.subnetwork, str(s.parameter_rank), str(s.dimension),
                      "undecided" if s.singular is None else ("yes" if s.singular else "no"))
    return table


def sweep_table(r) -> Table:
    """One row per (architecture, invariant) of a sweep."""
    table = Table(title=Text(f"sweep {r.pattern}: {r.computed} computed, {r.cached} from the atlas, "
                             f"{r.failed} failed, {r.seconds:.1f} s", style="bold"),
                  box=box.ROUNDED, title_justify="left")
    for col in ("architecture", "invariant", "value", "certified", "seconds", "note"):
        table.add_column(col)
    for row in r.rows:
        ok = row["status"] == "ok"
        table.add_row(row["spec"], row["invariant"], str(row.get("value")) if ok else "-",
                      ("yes" if row.get("certified") else "no") if ok else "-",
                      f"{row.get('seconds') or 0:.2f}", "atlas" if row.get("cached") else
                      ("" if ok else Text(str(row.get("reason", "failed"))[:60], style="red")))
    return table


def changed_options(invariant: str, options: dict | None) -> str:
    """The options of a stored question that differ from the registry's defaults, as ``k=v``
    (what the row asked beyond the default question; empty when nothing)."""
    from .. import registry

    options = dict(options or {})
    defaults = registry.question(invariant, {}) if registry.known(invariant) else {}
    parts = []
    for key, value in options.items():
        if key in defaults and defaults[key] == value:
            continue
        text = json_short(value)
        parts.append(f"{key}={text}")
    return ", ".join(parts)


def json_short(value, limit: int = 24) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def atlas_table(rows, path: str) -> Table:
    """One line per stored result, narrow enough for an 80-column terminal: only the options that
    differ from the invariant's defaults, a mark for certified values, the date without its time,
    the seed column only when the seeds differ."""
    seeds = {r.seed for r in rows}
    title = f"atlas {path}: {len(rows)} results" + (f", seed {next(iter(seeds))}" if len(seeds) == 1 else "")
    table = Table(title=Text(title, style="bold"), box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False,
                  caption="✓ certified" if any(r.certified for r in rows) else None, caption_justify="left")
    table.add_column("architecture", overflow="fold", min_width=16)
    table.add_column("invariant", overflow="fold")
    table.add_column("options", overflow="fold")
    if len(seeds) > 1:
        table.add_column("seed", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("date", no_wrap=True)
    for r in rows:
        if r.status == "ok":
            value = Text(str(r.value) + (" ✓" if r.certified else ""))
        else:
            value = Text(f"failed: {(r.reason or '')[:30]}", style="red")
        cells = [r.spec, r.invariant, changed_options(r.invariant, r.options)]
        if len(seeds) > 1:
            cells.append(str(r.seed))
        table.add_row(*cells, value, (r.date or "")[:10])
    return table


def zero_hessian_table(r) -> Group:
    """Zero-Hessian critical points: the summary, then one row per maximal stratum of H_{X,Y}."""
    summary = result_table(r, [("widths", "widths"), ("dim H_{X,Y}", "dimension"),
                               ("dim im delta", "image_dimension"), ("dim delta(H) < dim im delta", "holds"),
                               ("strata (all types)", "strata_total"), ("exact Hessians zero", "hessian_checked"),
                               ("data", "data"), ("prime", "prime")], value_label="dim delta(H)")
    if not r.strata:
        return Group(summary)
    table = Table(title=Text("maximal strata of H_{X,Y} (rank conditions; C = Y X^T)", style="bold"),
                  box=box.ROUNDED, title_justify="left")
    for name in ("conditions", "dim", "dim delta", "Hessian = 0"):
        table.add_column(name)
    for st in r.strata[:MAX_STRATA_ROWS]:
        table.add_row(st["conditions"], str(st["dimension"]), str(st["delta_dimension"]),
                      "yes (exact)" if st["hessian_zero"] else "NO")
    if len(r.strata) > MAX_STRATA_ROWS:
        table.caption = f"{len(r.strata) - MAX_STRATA_ROWS} more maximal strata in --json"
    return Group(summary, table)


#: Rows of the strata table printed (all of them are in the JSON).
MAX_STRATA_ROWS = 24


def depth_table_view(rows: list[dict]) -> Table:
    """dim delta(H) against dim im delta over depths (seed 004's inequality), with the seed's statement."""
    w = rows[0]["widths"] if rows else []
    table = Table(title=Text(f"zero-Hessian critical points over depth: d_0 = {w[0] if w else '?'}, hidden "
                             f"{w[1] if len(w) > 2 else '?'}, d_h = {w[-1] if w else '?'}", style="bold"),
                  box=box.ROUNDED, title_justify="left")
    for name in ("h", "dim H", "dim delta(H)", "dim im delta", "delta(H) < im delta", "seed says", "agree",
                 "strata", "s"):
        table.add_column(name, justify="right")

    def yes(v):
        return "" if v is None else "yes" if v else "no"
    for r in rows:
        table.add_row(str(r["h"]), "empty" if r["dim_H"] is None else str(r["dim_H"]),
                      "" if r["dim_delta_H"] is None else str(r["dim_delta_H"]), str(r["dim_im_delta"]),
                      yes(r["holds"]), "yes" if r["seed_says"] else "no, for large h" if r["h"] > 5 else "",
                      yes(r["agrees"]), str(r["strata"]),
                      f"{r['seconds']:.1f}")
    fails = [r["h"] for r in rows if r["holds"] is False]
    table.caption = ("seed 004: dim delta(H) < dim im delta for h <= 5, not for large h; "
                     + (f"here it first fails at h = {fails[0]}" if fails else "here it holds at every depth shown")
                     + "; empty: every critical point has a nonzero Hessian")
    table.caption_justify = "left"
    return table
