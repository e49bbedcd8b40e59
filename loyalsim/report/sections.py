"""Report sections, each built only from the files it needs (None when they are absent)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from loyalsim.mechanics import build
from loyalsim.report import figures
from loyalsim.report.html import Section, bullets, esc, figure, para, table
from loyalsim.report.inputs import ComparisonFiles, OptimizeFiles, RunFiles
from loyalsim.report.narrative import Effect, paired_interval, program_verdict, tradeoff
from loyalsim.report.units import fmt, fmt_diff, fmt_diff_interval, fmt_interval, label, missing
from loyalsim.scenario.models import Scenario

HEADLINE = (
    "retention_rate",
    "visits",
    "revenue",
    "profit",
    "program_cost",
    "reward_cost",
    "operating_cost",
    "program_income",
    "cost_to_revenue",
    "roi",
    "enrolment_rate",
    "active_member_rate",
    "capture_rate",
    "redemption_rate",
    "breakage_rate",
    "liability",
    "mean_attachment",
)
"""Rows of the headline table, in order (KPIs absent from summary.json are skipped)."""

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

POINTS = ("points_issued", "points_redeemed", "points_expired", "points_outstanding", "liability")


def _figure(path: Path, alt: str, caption: str = "") -> str:
    return figure(path.read_bytes(), alt, caption or f"{alt} (also saved as {path.name})")


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def currency_of(run: RunFiles) -> str:
    if run.summary and run.summary.get("currency"):
        return str(run.summary["currency"])
    return run.scenario.economics.currency if run.scenario else ""


# --- a run -------------------------------------------------------------------------------


def scenario_section(run: RunFiles) -> Section | None:
    """Name, description, customers and segments, horizon, replications and seed."""
    s, summary = run.scenario, run.summary or {}
    if s is None and not summary:
        return None
    parts = []
    if s is not None and s.description:
        parts.append(para(s.description.strip()))
    rows: list[tuple[str, str]] = []
    if s is not None:
        size, days = s.population.size, s.horizon.total_days
        weeks = f" ({days / 7:g} weeks)" if days % 7 == 0 else ""
        rows += [
            ("Scenario", s.name),
            ("Customers simulated", f"{size:,}"),
            ("Horizon", f"{days} days{weeks} from {s.start_date.isoformat()}"),
            ("Gross margin", f"{100 * s.economics.gross_margin:.0f}%"),
            (
                "Fixed program cost per year",
                fmt(s.economics.fixed_cost_per_year, "fixed_cost", s.economics.currency),
            ),
            ("Cost per member per month", f"{s.economics.cost_per_member_per_month:g}"),
            ("Currency", s.economics.currency),
        ]
    elif summary:
        rows += [
            ("Scenario", str(summary.get("scenario", ""))),
            ("Customers simulated", f"{summary.get('population_size', 0):,}"),
            ("Horizon", f"{summary.get('horizon_days', '?')} days"),
        ]
    if summary:
        rows += [
            ("Replications", str(summary.get("replications", "?"))),
            ("Root seed", str(summary.get("seed", "?"))),
        ]
    parts.append(table(("Setting", "Value"), rows))
    if s is not None:
        parts.append(segments_table(s))
    return Section("scenario", "Scenario", "\n".join(parts))


def segments_table(s: Scenario) -> str:
    rows = []
    for seg in s.population.segments:
        per_week = seg.purchase.r / seg.purchase.alpha * 7 / seg.purchase.days_per_unit()
        rows.append(
            (
                seg.name,
                f"{100 * seg.share:.0f}%",
                f"{round(seg.share * s.population.size):,}",
                f"{per_week:.2f}",
                f"{seg.spend.mean():.2f} {s.economics.currency}",
                f"{100 * seg.engaged_share:.0f}%",
            )
        )
    headers = ("Segment", "Share", "Customers", "Mean visits/week", "Mean ticket", "Engaged")
    return table(headers, rows, "Customer segments (means of the segment's distributions)")


def design_lines(s: Scenario) -> list[str]:
    """Each mechanic's rule in plain words, in program order."""
    return [f"{name}: {build(name, spec).describe()}" for name, spec in s.program.items()]


def design_section(run: RunFiles, title: str = "Program design") -> Section | None:
    if run.scenario is None:
        return None
    lines = design_lines(run.scenario)
    body = bullets(lines) if lines else para("No program mechanics: this is the no-program design.")
    return Section("design", title, body)


def headline_section(run: RunFiles) -> Section | None:
    """Each headline KPI with its 95% CI, the control arm's value and the paired difference."""
    if not run.summary:
        return None
    kpis, ci, reps = (run.summary[k] for k in ("kpis", "kpis_ci95", "kpis_per_replication"))
    if _single(run):
        ci = {}  # one replication has no interval (summary.json gives a zero-width one)
    cur = currency_of(run)
    rows = []
    for key in HEADLINE:
        value = kpis.get(key)
        if not _scalar(value) and value is not None:
            continue
        if key not in kpis or (key == "program_income" and not value):
            continue
        lo, hi = [*(ci.get(key) or []), None, None][:2]
        control = kpis.get(f"control_{key}")
        diff = paired_interval(reps.get(key, []), reps.get(f"control_{key}", []))
        rows.append(
            (
                label(key),
                fmt(value, key, cur),
                fmt_interval(lo, hi, key, cur),
                fmt(control, key, cur) if f"control_{key}" in kpis else "—",
                fmt_diff(diff.diff, key, cur) if diff else "—",
                fmt_diff_interval(diff.lo, diff.hi, key, cur) if diff else "—",
            )
        )
    headers = ("KPI", "With program", "95% CI", "No program", "Difference", "95% CI of diff.")
    n = run.summary.get("replications", "?")
    parts = [
        para(program_verdict(kpis, ci, cur), "finding"),
        table(headers, rows),
        para(
            f"Means over {n} replications; 95% Student-t intervals over replications. The "
            "no-program control arm is simulated on the same customers and random numbers, so "
            "differences are paired per replication. KPI definitions: docs/kpis.md.",
            "note",
        ),
        _details("All KPIs", all_kpis_table(kpis, ci, cur)),
    ]
    return Section("kpis", "Headline KPIs against no program", "\n".join(parts))


def _single(run: RunFiles) -> bool:
    return (run.summary or {}).get("replications") == 1


def all_kpis_table(kpis: Mapping[str, Any], ci: Mapping[str, Any], cur: str) -> str:
    rows = []
    for key, value in kpis.items():
        if _scalar(value) or value is None:
            lo, hi = [*(ci.get(key) or []), None, None][:2]
            rows.append(
                (f"{label(key)} ({key})", fmt(value, key, cur), fmt_interval(lo, hi, key, cur))
            )
    return table(("KPI (key)", "Mean", "95% CI"), rows)


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{body}</details>"


def _weekly_mean(weekly: pd.DataFrame) -> pd.DataFrame:
    frame = weekly.drop(columns="replication", errors="ignore")
    return frame.groupby("week", sort=True).mean().reset_index()


def trends_section(run: RunFiles, figures_dir: Path) -> Section | None:
    path = figures_dir / "kpi_trends.png"
    if not path.is_file():
        if run.weekly is None or not _has(run.weekly, "revenue", "control_revenue", "members"):
            return None
        from loyalsim import plots

        name = run.scenario.name if run.scenario else ""
        plots.kpi_trends(_weekly_mean(run.weekly), currency_of(run), name, path)
    body = _figure(path, "Weekly revenue, retention, incremental profit and membership")
    return Section("trends", "Weekly trends", body)


def _has(frame: pd.DataFrame, *columns: str) -> bool:
    return all(c in frame.columns for c in columns)


def points_section(run: RunFiles, figures_dir: Path) -> Section | None:
    """Points issued, redeemed, expired and outstanding, the liability, and their trend."""
    parts = []
    cur = currency_of(run)
    if run.summary:
        kpis, ci = run.summary["kpis"], {} if _single(run) else run.summary["kpis_ci95"]
        rows = []
        for key in POINTS:
            if key in kpis:
                lo, hi = [*(ci.get(key) or []), None, None][:2]
                rows.append((label(key), fmt(kpis[key], key, cur), fmt_interval(lo, hi, key, cur)))
        if rows:
            parts.append(table(("Over the horizon", "Mean", "95% CI"), rows))
    path = figures_dir / "points_flows.png"
    if (
        not path.is_file()
        and run.weekly is not None
        and _has(run.weekly, "points_issued", "liability")
    ):
        from loyalsim import plots

        name = run.scenario.name if run.scenario else ""
        plots.points_flows(_weekly_mean(run.weekly), cur, name, path)
    if path.is_file():
        parts.append(_figure(path, "Weekly points flows, outstanding points and liability"))
    if not parts:
        return None
    return Section("points", "Points flows and liability", "\n".join(parts))


def breakage_section(run: RunFiles, figures_dir: Path) -> Section | None:
    """Breakage split into good (passive members) and bad (engaged, frustrated members)."""
    kpis = (run.summary or {}).get("kpis", {})
    if missing(kpis.get("breakage_rate")) or not kpis.get("points_issued"):
        return None
    breakage, bad = kpis["breakage_rate"], kpis.get("bad_breakage_rate") or 0.0
    good_share = kpis.get("good_breakage_share")
    text = (
        f"{100 * breakage:.1f}% of the points issued will never be redeemed (they expired or "
        f"belong to customers who left). {100 * (breakage - bad):.1f}% of issued points is good "
        f"breakage from passive members who never tracked their points"
    )
    if not missing(good_share):
        text += f" ({100 * good_share:.0f}% of all breakage)"
    text += (
        f"; {100 * bad:.1f}% is bad breakage: points forfeited by engaged members, which "
        "frustrates them and raises churn."
    )
    name = run.scenario.name if run.scenario else str(run.summary.get("scenario", ""))
    path = figures.points_fate(kpis, name, figures_dir / "report_breakage.png")
    body = para(text, "finding") + _figure(path, "Where the issued points went")
    return Section("breakage", "Breakage: good and bad", body)


def tiers_section(run: RunFiles, figures_dir: Path) -> Section | None:
    """Tier mix and migration, when the program has tiers (nested KPIs in summary.json)."""
    kpis = (run.summary or {}).get("kpis", {})
    shares, moves = kpis.get("tier_share"), kpis.get("tier_migration")
    parts = []
    name = run.scenario.name if run.scenario else ""
    if isinstance(shares, dict) and shares:
        rows = [(t, f"{100 * float(v):.1f}%") for t, v in shares.items()]
        parts.append(
            table(("Tier", "Share of members"), rows, "Tier mix at the end of the horizon")
        )
        path = figures.tier_mix(shares, name, figures_dir / "report_tier_mix.png")
        parts.append(_figure(path, "Tier mix"))
    if isinstance(moves, dict) and moves and all(isinstance(v, dict) for v in moves.values()):
        cols = list(dict.fromkeys([*moves, *[c for r in moves.values() for c in r]]))
        rows = [
            (f"from {src}", *(f"{100 * float(moves[src].get(c, 0.0)):.1f}%" for c in cols))
            for src in moves
        ]
        headers = ("", *(f"to {c}" for c in cols))
        parts.append(table(headers, rows, "Tier migration (share of each tier's members)"))
        path = figures.tier_migration(moves, name, figures_dir / "report_tier_migration.png")
        parts.append(_figure(path, "Tier migration"))
    if not parts:
        return None
    return Section("tiers", "Tiers: mix and migration", "\n".join(parts))


def run_sections(run: RunFiles, figures_dir: Path) -> list[Section]:
    found = [
        scenario_section(run),
        design_section(run),
        headline_section(run),
        trends_section(run, figures_dir),
        points_section(run, figures_dir),
        breakage_section(run, figures_dir),
        tiers_section(run, figures_dir),
    ]
    return [s for s in found if s is not None]


# --- compare -----------------------------------------------------------------------------


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
        body.append(_details("All KPIs", table(headers, rows)))
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
        body.append(_figure(path, "Paired differences against the base design"))
    for name, alt in (
        ("kpi_distributions.png", "KPI distributions over replications by design"),
        ("weekly_trends.png", "Weekly trends by design"),
    ):
        if (directory / name).is_file():
            body.append(_figure(directory / name, alt))
    if not (directory / "weekly_trends.png").is_file():
        weekly = {n: r.weekly for n, r in comp.arms.items() if r.weekly is not None}
        if weekly:
            path = figures.arm_trends(weekly, directory / "report_arm_trends.png")
            body.append(_figure(path, "Weekly revenue and retention by design"))
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
            parts.append(_details("Program in plain words", body))
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
            parts.append(_figure(path, "Optimisation trials, Pareto front and recommended designs"))
    for name, alt in (
        ("hypervolume.png", "Hypervolume of the Pareto front by trial"),
        ("param_importances.png", "Parameter importances"),
    ):
        if (directory / name).is_file():
            parts.append(_figure(directory / name, alt))
    if opt.pareto is not None and len(opt.pareto):
        shown = [
            c for c in opt.pareto.columns if c == "number" or c.startswith(("params_", "values_"))
        ]
        rows = [tuple(_cell(v) for v in row) for row in opt.pareto[shown].itertuples(index=False)]
        headers = [c.removeprefix("params_").removeprefix("values_") for c in shown]
        parts.append(
            _details("Pareto front (trials, parameters, objective values)", table(headers, rows))
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
