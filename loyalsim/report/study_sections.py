"""Report sections of comparisons and design searches (what `compare` and `optimize` wrote)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from loyalsim.report import figures
from loyalsim.report.html import Section, bullets, esc, para, table
from loyalsim.report.inputs import ComparisonFiles, OptimizeFiles
from loyalsim.report.narrative import Effect, tradeoff
from loyalsim.report.sections import design_lines, details, figure_html
from loyalsim.report.formatting import fmt, fmt_diff, fmt_diff_interval, fmt_interval, label, missing

COMPARED = (
    "retention_rate",
    "incremental_revenue",
    "incremental_profit",
    "program_cost",
    "cost_to_revenue",
    "breakage_rate",
    "liability",
)
"""KPIs of the comparison table, effects figure and trade-off paragraphs."""


def comparison_sections(comp: ComparisonFiles, directory: Path, currency: str) -> list[Section]:
    """Designs compared, the paired table and figures, one trade-off paragraph per variant."""
    base, variants = comp.base, comp.variants
    table_ = comp.table
    rows_by = table_.set_index(["variant", "kpi"])
    keys = [k for k in COMPARED if all((v, k) in rows_by.index for v in [base, *variants])]
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
            "design sees the same customers and the same luck); 95% Student-t intervals.",
            "note",
        )
    )
    if keys and variants:
        path = figures.effects(table_, base, variants, keys, directory / "report_effects.png")
        body.append(figure_html(path, "Paired differences against the base design"))
    for name, alt in (
        ("kpi_distributions.png", "KPI distributions over replications by design"),
        ("weekly_trends.png", "Weekly trends by design"),
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
        effects = [
            Effect(k, *(float(rows_by.loc[(v, k), c]) for c in ("diff", "ci_low", "ci_high")))
            for k in keys
        ]
        text = tradeoff(f"design '{v}'", f"the base design '{base}'", effects, currency)
        findings.append(f"<h3>{esc(v)}</h3>" + para(text, "finding"))
    if findings:
        out.append(Section("findings", "What each design changes", "\n".join(findings)))
    return out


def _first(frame: pd.DataFrame, column: str) -> Any:
    return frame[column].iloc[0] if column in frame and len(frame) else "?"


def _compare_row(
    rows: pd.DataFrame, base: str, variants: Sequence[str], key: str, cur: str
) -> tuple[str, ...]:
    cells = [label(key), fmt(rows.loc[(base, key), "mean"], key, cur)]
    for v in variants:
        if (v, key) not in rows.index:
            cells.append("—")
            continue
        r = rows.loc[(v, key)]
        interval = fmt_diff_interval(r["ci_low"], r["ci_high"], key, cur)
        text = f"{fmt_diff(r['diff'], key, cur)} ({interval})"
        p = r.get("p_value")
        if not missing(p):
            text += f" p={float(p):.3f}"
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


def optimize_sections(opt: OptimizeFiles, directory: Path, currency: str) -> list[Section]:
    rec = opt.recommendation or {}
    objectives = [o for o in rec.get("objectives", []) if isinstance(o, dict) and "kpi" in o]
    out = [_study_section(opt, rec, objectives, directory)]
    if rec.get("designs") is not None:
        out.append(_designs_section(rec, objectives, currency))
    return out


def _study_section(
    opt: OptimizeFiles, rec: Mapping[str, Any], objectives: list[dict], directory: Path
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
        if len(objectives) >= 2 and all(c in opt.trials for c in cols[:2]):
            path = figures.pareto(
                opt.trials,
                opt.pareto,
                objectives,
                rec.get("designs", []),
                directory / "report_pareto.png",
            )
            parts.append(
                figure_html(path, "Optimisation trials, Pareto front and recommended designs")
            )
    for name, alt in (
        ("hypervolume.png", "Hypervolume of the Pareto front by trial"),
        ("param_importances.png", "Parameter importances"),
    ):
        if (directory / name).is_file():
            parts.append(figure_html(directory / name, alt))
    if opt.pareto is not None and len(opt.pareto):
        shown = [
            c for c in opt.pareto.columns if c == "number" or c.startswith(("params_", "values_"))
        ]
        rows = [tuple(_cell(v) for v in row) for row in opt.pareto[shown].itertuples(index=False)]
        headers = [c.removeprefix("params_").removeprefix("values_") for c in shown]
        parts.append(
            details("Pareto front (trials, parameters, objective values)", table(headers, rows))
        )
    return Section("optimisation", "Optimisation", "\n".join(parts))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _designs_section(rec: Mapping[str, Any], objectives: list[dict], currency: str) -> Section:
    directions = {o["kpi"]: o.get("direction", "") for o in objectives}
    keys = list(directions)
    for c in rec.get("constraints", []):
        if isinstance(c, dict) and c.get("kpi") and c["kpi"] not in keys:
            keys.append(c["kpi"])
    for k in ("retention_rate", "incremental_profit", "cost_to_revenue", "liability"):
        if k not in keys:
            keys.append(k)
    current = (rec.get("current") or {}).get("kpis", {})
    designs = rec.get("designs") or []
    reps = rec.get("replications", "?")
    parts = [
        para(
            f"Each design was re-evaluated on {reps} replications, the same for every design "
            "and for the current design; differences are paired per replication with 95% "
            "Student-t intervals.",
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
        name = str(d.get("label", "?"))
        title = f"Design '{name}' (trial {d.get('trial', '?')})"
        if d.get("feasible") is False:
            title += " — violates a constraint on re-evaluation"
        parts.append(f"<h3>{esc(title)}</h3>")
        params = d.get("params") or {}
        if params:
            parts.append(table(("Parameter", "Value"), [(k, _cell(v)) for k, v in params.items()]))
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
                    fmt_diff_interval(diff.get("ci_low"), diff.get("ci_high"), k, currency),
                )
            )
            if not missing(diff.get("diff")):
                effects.append(
                    Effect(k, float(diff["diff"]), diff.get("ci_low"), diff.get("ci_high"))
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
        parts.append(para(text, "finding"))
    return Section("recommendation", "Recommended designs", "\n".join(parts))
