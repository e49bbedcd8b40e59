"""Report sections of comparisons and design searches (what `compare` and `optimize` wrote)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from loyalsim.errors import LoyalsimError
from loyalsim.experiments.compare import JUDGED_KPIS
from loyalsim.experiments.uncertainty.robust import chances_text
from loyalsim.report import figures
from loyalsim.report.decision import loses_money, rule_text, threshold
from loyalsim.report.executive import Judged, design_profit
from loyalsim.report.formatting import (
    fmt,
    fmt_diff,
    fmt_diff_interval,
    fmt_interval,
    fmt_p,
    known,
    label,
    missing,
    numbers,
    param_words,
    value_words,
)
from loyalsim.report.html import Section, bullets, esc, para, table
from loyalsim.report.inputs import ComparisonFiles, OptimizeFiles
from loyalsim.report.narrative import Effect, tradeoff
from loyalsim.report.sections import design_lines, details, figure_html, group_name
from loyalsim.scenario.loader import with_overrides
from loyalsim.scenario.models import Scenario


def compared_keys(comp: ComparisonFiles) -> list[str]:
    """The KPIs a comparison is judged on (``JUDGED_KPIS``) that every arm has."""
    rows = comp.table.set_index(["variant", "kpi"])
    arms = [comp.base, *comp.variants]
    return [k for k in JUDGED_KPIS if all((v, k) in rows.index for v in arms)]


def comparison_sections(
    comp: ComparisonFiles, directory: Path, currency: str, judged: Judged
) -> list[Section]:
    """Designs compared, the paired table and figures, one trade-off paragraph per variant
    (effects judged for materiality and adjusted for multiple comparisons)."""
    base, variants = comp.base, comp.variants
    table_ = comp.table
    rows_by = table_.set_index(["variant", "kpi"])
    keys = compared_keys(comp)
    out = [_designs_compared(comp)]

    headers = ("KPI", f"{base} (base)", *(f"{v} − {base} (95% CI)" for v in variants))
    body = [table(headers, [_compare_row(rows_by, base, variants, k, currency) for k in keys])]
    others = [k for k in dict.fromkeys(table_["kpi"]) if k not in keys]
    if others:
        rows = [_compare_row(rows_by, base, variants, k, currency) for k in others]
        body.append(details("All KPIs", table(headers, rows)))
    reps = comp.meta.get("replications") or _first(table_, "replications")
    body.append(
        para(
            f"Paired differences over {reps} replications on common random numbers (every "
            "design sees the same customers and the same luck); 95% Student-t intervals; p: "
            "two-sided paired t-test before adjustment. " + rule_text(currency),
            "note",
        )
    )
    if keys and variants:
        path = figures.effects(table_, base, variants, keys, directory / "report_effects.png")
        body.append(figure_html(path, "Paired differences against the base design"))
    for name, alt in (
        ("kpi_distributions.png", "KPI distributions over replications by design"),
        ("weekly_trends.png", "Weekly differences of each design against the base"),
    ):
        if (directory / name).is_file():
            body.append(figure_html(directory / name, alt))
    if not (directory / "weekly_trends.png").is_file():
        weekly = {n: r.weekly for n, r in comp.arms.items() if r.weekly is not None}
        if weekly:
            path = figures.arm_trends(weekly, directory / "report_arm_trends.png")
            body.append(figure_html(path, "Weekly revenue and retention by design"))
    out.append(Section("comparison", "Comparison of designs", "\n".join(body)))

    findings = []
    for v in variants:
        effects = judged.effects.get(v, [])
        text = tradeoff(f"design '{v}'", f"the base design '{base}'", effects, currency)
        findings.append(f"<h3>{esc(v)}</h3>" + para(text, "finding"))
    if findings:
        out.append(Section("findings", "What each design changes", "\n".join(findings)))
    segments = comparison_segments_section(comp, currency)
    return out + ([segments] if segments is not None else [])


SEGMENT_COMPARED = ("incremental_revenue", "incremental_retention", "enrolment_rate")
"""KPIs of the comparison's segment tables (all of them are in comparison_segments.csv)."""


def comparison_segments_section(comp: ComparisonFiles, currency: str) -> Section | None:
    """Per segment and customer group: the base design's value and each variant's paired
    difference with its 95% CI, from ``comparison_segments.csv``."""
    frame = comp.segments
    if frame is None or frame.empty:
        return None
    rows_by = frame.set_index(["variant", "grouping", "segment", "kpi"])
    base, variants = comp.base, comp.variants
    parts = []
    for key in SEGMENT_COMPARED:
        rows = []
        pairs = zip(frame["grouping"], frame["segment"], strict=True)
        for grouping, segment in dict.fromkeys(pairs):
            if (base, grouping, segment, key) not in rows_by.index:
                continue
            name = segment if grouping == "segment" else group_name(str(segment))
            mean = numbers(rows_by, (base, grouping, segment, key))["mean"]
            cells = [name, fmt(mean, key, currency)]
            for v in variants:
                if (v, grouping, segment, key) not in rows_by.index:
                    cells.append("—")
                    continue
                r = numbers(rows_by, (v, grouping, segment, key))
                interval = fmt_diff_interval(r["ci_low"], r["ci_high"], key, currency, True)
                cells.append(f"{fmt_diff(r['diff'], key, currency)} ({interval})")
            rows.append(cells)
        if rows:
            headers = ("Segment or group", f"{base} (base)", *(f"{v} − {base}" for v in variants))
            parts.append(table(headers, rows, label(key)))
    if not parts:
        return None
    note = (
        "Each design's paired difference to the base per segment and customer group, with "
        "95% intervals over replications (not adjusted for multiple comparisons: read them "
        "as where an effect comes from, not as separate findings). Segments and engaged or "
        "passive customers are the same customers in every design; a tier group holds whoever "
        "is in that tier at the horizon in each design, so its difference mixes the effect "
        "with who got there. Every KPI per segment is in comparison_segments.csv."
    )
    return Section("segments", "Results by segment", "\n".join(parts) + para(note, "note"))


def _first(frame: pd.DataFrame, column: str) -> Any:
    return frame[column].iloc[0] if column in frame and len(frame) else "?"


def _compare_row(
    rows: pd.DataFrame, base: str, variants: Sequence[str], key: str, cur: str
) -> tuple[str, ...]:
    cells = [label(key), fmt(numbers(rows, (base, key))["mean"], key, cur)]
    for v in variants:
        if (v, key) not in rows.index:
            cells.append("—")
            continue
        r = numbers(rows, (v, key))
        interval = fmt_diff_interval(r["ci_low"], r["ci_high"], key, cur, compact=True)
        text = f"{fmt_diff(r['diff'], key, cur)} ({interval})"
        p = r.get("p_value")
        if known(p):
            text += f" {fmt_p(p)}"
        cells.append(text)
    return tuple(cells)


def _designs_compared(comp: ComparisonFiles) -> Section:
    entries = [comp.meta.get("base"), *comp.meta.get("variants", [])]
    parts = []
    for name in [comp.base, *comp.variants]:
        entry = next((e for e in entries if isinstance(e, dict) and e.get("name") == name), {})
        overrides = entry.get("overrides") or {}
        run = comp.arms.get(name)
        role = "base" if name == comp.base else "variant"
        parts.append(f"<h3>{esc(name)} <small>({role})</small></h3>")
        if overrides:
            parts.append(bullets(f"{k} = {v}" for k, v in overrides.items()))
        elif entry.get("file"):
            parts.append(para(f"Scenario file: {entry['file']}", "note"))
        if run is not None and run.scenario is not None:
            lines = design_lines(run.scenario)
            body = bullets(lines) if lines else para("No program mechanics.")
            parts.append(details("Program in plain words", body))
    return Section("designs", "Designs compared", "\n".join(parts))


# --- optimize ----------------------------------------------------------------------------


def optimize_sections(
    opt: OptimizeFiles,
    directory: Path,
    currency: str,
    designs: Sequence[Mapping[str, Any]],
    scenario: Scenario | None,
) -> list[Section]:
    """The search (objectives, trials, Pareto views) and the recommended designs, merged."""
    rec = opt.recommendation or {}
    objectives = [o for o in rec.get("objectives", []) if isinstance(o, dict) and "kpi" in o]
    out = [_study_section(opt, rec, objectives, designs, directory)]
    if rec.get("designs") is not None:
        out.append(_designs_section(rec, objectives, designs, currency, scenario))
    return out


def _study_section(
    opt: OptimizeFiles,
    rec: Mapping[str, Any],
    objectives: list[dict],
    designs: Sequence[Mapping[str, Any]],
    directory: Path,
) -> Section:
    parts = []
    if objectives:
        parts.append(
            para(
                "Objectives: "
                + "; ".join(
                    f"{o.get('direction', '?')} {label(o['kpi']).lower()}" for o in objectives
                )
                + "."
            )
        )
    constraints = [
        c.get("label") or c.get("kpi") for c in rec.get("constraints", []) if isinstance(c, dict)
    ]
    parts.append(para("Constraints: " + ("; ".join(map(str, constraints)) or "none") + "."))
    if opt.trials is not None:
        states = opt.trials["state"].value_counts().to_dict() if "state" in opt.trials else {}
        feasible = (
            int(opt.trials["feasible"].astype(bool).sum()) if "feasible" in opt.trials else None
        )
        text = f"{len(opt.trials)} trials"
        if states:
            text += " (" + ", ".join(f"{v} {str(k).lower()}" for k, v in states.items()) + ")"
        if feasible is not None:
            text += f", {feasible} feasible"
        if opt.pareto is not None:
            text += f", {len(opt.pareto)} on the Pareto front"
        parts.append(para(text + "."))
        cols = [f"values_{o['kpi']}" for o in objectives]
        if len(objectives) >= 2 and all(c in opt.trials for c in cols):
            current = {
                o["kpi"]: ((rec.get("current") or {}).get("kpis", {}).get(o["kpi"]) or {}).get(
                    "mean"
                )
                for o in objectives
            }
            path = figures.pareto(
                opt.trials,
                opt.pareto,
                objectives,
                designs,
                current,
                directory / "report_pareto.png",
            )
            views = "each pair of objectives" if len(objectives) > 2 else "the two objectives"
            parts.append(
                figure_html(
                    path,
                    f"Trials, Pareto front, current and recommended designs on {views}",
                )
            )
    for name, alt in (
        ("hypervolume.png", "Hypervolume of the Pareto front by trial"),
        ("param_importances.png", "Parameter importances"),
    ):
        if (directory / name).is_file():
            parts.append(figure_html(directory / name, alt))
    if opt.pareto is not None and len(opt.pareto):
        parts.append(details("Pareto front (trials, parameters, objective values)", _front(opt)))
    return Section("optimisation", "Optimisation", "\n".join(parts))


def _front(opt: OptimizeFiles) -> str:
    """The Pareto front, identical designs merged into one row listing their trials."""
    front = opt.pareto
    assert front is not None
    shown = [c for c in front.columns if c.startswith(("params_", "values_"))]
    groups: dict[tuple, list[str]] = {}
    for number, *cells in front[["number", *shown]].itertuples(index=False):
        groups.setdefault(tuple(value_words(v) for v in cells), []).append(str(number))
    rows = [(", ".join(trials), *values) for values, trials in groups.items()]
    headers = ["Trial(s)"] + [
        param_words(c.removeprefix("params_"))
        if c.startswith("params_")
        else label(c.removeprefix("values_"))
        for c in shown
    ]
    return table(headers, rows)


def _designs_section(
    rec: Mapping[str, Any],
    objectives: list[dict],
    designs: Sequence[Mapping[str, Any]],
    currency: str,
    scenario: Scenario | None,
) -> Section:
    directions = {o["kpi"]: o.get("direction", "") for o in objectives}
    keys = list(directions)
    for c in rec.get("constraints", []):
        if isinstance(c, dict) and c.get("kpi") and c["kpi"] not in keys:
            keys.append(c["kpi"])
    for k in ("retention_rate", "incremental_profit", "cost_to_revenue", "liability"):
        if k not in keys:
            keys.append(k)
    current = (rec.get("current") or {}).get("kpis", {})
    revenue = (current.get("revenue") or {}).get("mean")
    reps = rec.get("replications", "?")
    parts = [
        para(
            f"Each design was re-evaluated on {reps} replications, the same for every design "
            "and for the current design; differences are paired per replication with 95% "
            "Student-t intervals. A design recommended for several reasons is shown once. "
            + rule_text(currency),
            "note",
        )
    ]
    if not designs:
        parts.append(
            para(
                "No feasible design was found: relax the constraints or widen the ranges.",
                "finding",
            )
        )
    for d in designs:
        name = str(d.get("name") or d.get("label", "?"))
        title = f"Design '{name}' (trial {d.get('trial', '?')})"
        if d.get("feasible") is False:
            title += " — violates a constraint on re-evaluation"
        if loses_money(design_profit(d)):
            title += " — loses money against running no program"
        parts.append(f"<h3>{esc(title)}</h3>")
        params = d.get("params") or {}
        if params:
            rows_ = [(param_words(k), value_words(v), k) for k, v in params.items()]
            parts.append(table(("Parameter", "Value", "Scenario path"), rows_))
            lines = _design_lines(scenario, params)
            if lines:
                parts.append(details("Program in plain words", bullets(lines)))
        vs = d.get("vs_current") or {}
        kpis = d.get("kpis") or {}
        rows = []
        effects = []
        for k in keys:
            if k not in kpis:
                continue
            m, c, diff = kpis[k], current.get(k, {}), vs.get(k, {})
            rows.append(
                (
                    label(k),
                    fmt(m.get("mean"), k, currency),
                    fmt_interval(m.get("ci_low"), m.get("ci_high"), k, currency),
                    fmt(c.get("mean"), k, currency),
                    fmt_diff(diff.get("diff"), k, currency),
                    fmt_diff_interval(
                        diff.get("ci_low"), diff.get("ci_high"), k, currency, compact=True
                    ),
                )
            )
            if not missing(diff.get("diff")):
                effects.append(
                    Effect(
                        k,
                        float(diff["diff"]),
                        diff.get("ci_low"),
                        diff.get("ci_high"),
                        threshold(k, c.get("mean"), revenue),
                    )
                )
        headers = ("KPI", "Design", "95% CI", "Current", "Difference", "95% CI of diff.")
        parts.append(table(headers, rows))
        text = tradeoff(f"design '{name}'", "the current design", effects, currency, directions)
        control = d.get("vs_control") or {}
        bits = [
            f"{label(k).lower()} {fmt_diff(v, k, currency)}"
            for k, v in control.items()
            if not missing(v)
        ]
        if bits:
            text += " Against running no program: " + ", ".join(bits) + "."
        if d.get("over_worlds"):
            text += " " + chances_text(d["over_worlds"])
        parts.append(para(text, "finding"))
    return Section("recommendation", "Recommended designs", "\n".join(parts))


def _design_lines(scenario: Scenario | None, params: Mapping[str, Any]) -> list[str]:
    """The design's program rules in plain words (the current scenario with ``params``)."""
    if scenario is None:
        return []
    try:
        return design_lines(with_overrides(scenario, dict(params)))
    except LoyalsimError:
        return []
