"""Report sections, each built only from the files it needs (None when they are absent)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from loyalsim.mechanics import build
from loyalsim.metrics.stats import NO_INTERVAL
from loyalsim.report import figures
from loyalsim.report.formatting import (
    fmt,
    fmt_count,
    fmt_diff,
    fmt_diff_interval,
    fmt_interval,
    fmt_share,
    label,
    missing,
    unit,
)
from loyalsim.report.html import Section, bullets, esc, figure, para, table
from loyalsim.report.inputs import RunFiles
from loyalsim.report.narrative import paired_interval, program_verdict
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

POINTS = ("points_issued", "points_redeemed", "points_expired", "points_outstanding", "liability")


def figure_html(path: Path, alt: str, caption: str = "") -> str:
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
        represents = s.population.represents or size
        rows += [
            ("Scenario", s.name),
            ("Customers simulated", f"{size:,}"),
            ("Customers represented (totals are at this scale)", f"{represents:,}"),
            ("Horizon", f"{days} days{weeks} from {s.start_date.isoformat()}"),
            *_launch_row(s),
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
            (
                "Customers represented (totals are at this scale)",
                f"{summary.get('represents', summary.get('population_size', 0)):,}",
            ),
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
        ci = {}  # one replication has no interval (null in summary.json): the stats rule
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
                fmt_diff_interval(diff.lo, diff.hi, key, cur, compact=True) if diff else "—",
            )
        )
    headers = ("KPI", "With program", "95% CI", "No program", "Difference", "95% CI of diff.")
    n = run.summary.get("replications", "?")
    parts = [
        para(program_verdict(kpis, ci, cur), "finding"),
        table(headers, rows),
        para(
            f"Means over {n} replications; "
            + (
                f"{NO_INTERVAL}. "
                if _single(run)
                else "95% Student-t intervals over replications. "
            )
            + "The "
            "no-program control arm is simulated on the same customers and random numbers, so "
            "differences are paired per replication. KPI definitions: docs/kpis.md.",
            "note",
        ),
        details("All KPIs", all_kpis_table(kpis, ci, cur)),
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


def details(summary: str, body: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{body}</details>"


def _launch_row(s: Scenario) -> list[tuple[str, str]]:
    """The launch, when the program starts after day 0 (KPIs still cover the horizon)."""
    if not s.launch_day:
        return []
    date = s.start_date + dt.timedelta(days=s.launch_day)
    text = f"day {s.launch_day} ({date.isoformat()}); before it the program arm is the control"
    return [("Program launch", text)]


def _weekly_mean(weekly: pd.DataFrame) -> pd.DataFrame:
    frame = weekly.drop(columns="replication", errors="ignore")
    numeric = frame.drop(columns=["replication", "week_start"], errors="ignore")
    return numeric.groupby("week", sort=True).mean().reset_index()


def trends_section(run: RunFiles, figures_dir: Path) -> Section | None:
    path = figures_dir / "kpi_trends.png"
    if not path.is_file():
        if run.weekly is None or not _has(run.weekly, "revenue", "control_revenue", "members"):
            return None
        from loyalsim.report import run_figures as plots

        name = run.scenario.name if run.scenario else ""
        launch = run.scenario.launch_day if run.scenario else 0
        plots.kpi_trends(_weekly_mean(run.weekly), currency_of(run), name, path, launch)
    body = figure_html(path, "Weekly revenue, retention, incremental profit and membership")
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
        from loyalsim.report import run_figures as plots

        name = run.scenario.name if run.scenario else ""
        launch = run.scenario.launch_day if run.scenario else 0
        plots.points_flows(_weekly_mean(run.weekly), cur, name, path, launch)
    if path.is_file():
        parts.append(figure_html(path, "Weekly points flows, outstanding points and liability"))
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
    name = run.scenario.name if run.scenario else str((run.summary or {}).get("scenario", ""))
    path = figures.points_fate(kpis, name, figures_dir / "report_breakage.png")
    body = para(text, "finding") + figure_html(path, "Where the issued points went")
    return Section("breakage", "Breakage: good and bad", body)


def tiers_section(run: RunFiles, figures_dir: Path) -> Section | None:
    """Tier mix and migration, when the program has tiers (nested KPIs in summary.json)."""
    kpis = (run.summary or {}).get("kpis", {})
    shares, moves = kpis.get("tier_share"), kpis.get("tier_migration")
    parts = []
    name = run.scenario.name if run.scenario else ""
    if isinstance(shares, dict) and shares:
        mix = [(t, f"{100 * float(v):.1f}%") for t, v in shares.items()]
        parts.append(table(("Tier", "Share of members"), mix, "Tier mix at the end of the horizon"))
        path = figures.tier_mix(shares, name, figures_dir / "report_tier_mix.png")
        parts.append(figure_html(path, "Tier mix"))
    if isinstance(moves, dict) and moves and all(isinstance(v, dict) for v in moves.values()):
        counts = kpis.get("tier_migration_counts")
        counts = counts if isinstance(counts, dict) else {}
        cols = list(dict.fromkeys([*moves, *[c for r in moves.values() for c in r]]))

        def cell(src: str, col: str) -> str:
            text = fmt_share(moves[src].get(col, 0.0))
            n = (counts.get(src) or {}).get(col)
            return text if missing(n) else f"{text} ({fmt_count(n)})"

        rows = [(f"from {src}", *(cell(src, c) for c in cols)) for src in moves]
        headers = ("", *(f"to {c}" for c in cols))
        caption = "Tier migration: share of the members first reviewed into each tier (rows sum "
        caption += "to 100%)" + (", with mean member counts in brackets" if counts else "")
        parts.append(table(headers, rows, caption))
        path = figures.tier_migration(moves, name, figures_dir / "report_tier_migration.png")
        parts.append(figure_html(path, "Tier migration"))
    if not parts:
        return None
    return Section("tiers", "Tiers: mix and migration", "\n".join(parts))


SEGMENT_KPIS = (
    "customers",
    "enrolment_rate",
    "retention_rate",
    "incremental_retention",
    "incremental_revenue",
    "program_cost",
    "incremental_profit",
)
"""Columns of the segment tables: who joins, who stays because of the program, who brings
incremental revenue, what the program costs for them and who is subsidised (negative
incremental profit); the rest of each segment's KPIs fold out under "All KPIs"."""


def group_name(name: str) -> str:
    """``tier:Gold`` -> ``members in Gold at the horizon``; other names unchanged."""
    tier = name.removeprefix("tier:")
    return f"members in {tier} at the horizon" if tier != name else f"{name} customers"


def _group_grid(groups: Mapping[str, Any], columns: Sequence[str], cur: str, head: str) -> str:
    rows = [(name, *(fmt(v.get(k), k, cur) for k in columns)) for name, v in groups.items()]
    return table((head, *(label(k) for k in columns)), rows)


def segments_section(run: RunFiles) -> Section | None:
    """KPIs per customer segment, from ``summary.json["segments"]`` (segment name -> KPI ->
    value), and per customer group (engaged, passive, members by final tier) from
    ``summary.json["customer_groups"]``, when the run recorded them."""
    summary = run.summary or {}
    cur = currency_of(run)
    parts = []
    for field_, head, name_of in (
        ("segments", "Segment", str),
        ("customer_groups", "Group", group_name),
    ):
        found = summary.get(field_)
        if not isinstance(found, dict) or not found:
            continue
        groups = {name_of(str(k)): v for k, v in found.items() if isinstance(v, dict)}
        keys = list(dict.fromkeys(k for v in groups.values() for k, x in v.items() if _scalar(x)))
        shown = [k for k in SEGMENT_KPIS if k in keys] or keys[: len(SEGMENT_KPIS)]
        parts.append(_group_grid(groups, shown, cur, head))
        if set(keys) - set(shown):
            parts.append(
                details(f"All KPIs by {head.lower()}", _group_grid(groups, keys, cur, head))
            )
    if not parts:
        return None
    note = (
        "Means over replications, each KPI computed on the group's customers only, in the "
        "program arm against the same customers without the program. Segments partition the "
        "customers; engaged and passive customers do too; tier groups hold the members in "
        "each tier at the horizon."
    )
    return Section("segments", "Results by segment", "\n".join(parts) + para(note, "note"))


YEARLY = (
    "revenue",
    "incremental_revenue",
    "incremental_profit",
    "cumulative_incremental_profit",
    "program_cost",
    "liability",
    "breakage_rate",
    "members",
)
"""Columns of the report's year-by-year table (program arm)."""


def years_section(run: RunFiles) -> Section | None:
    """Year by year against the control, with NPV and payback, from summary.json's
    ``yearly`` table (absent from older result folders)."""
    summary = run.summary or {}
    rows = [r for r in summary.get("yearly") or [] if r.get("arm") == "program"]
    if not rows:
        return None
    cur = str(summary.get("currency", ""))
    kpis, ci = summary.get("kpis", {}), summary.get("kpis_ci95", {})

    def interval(row: Mapping[str, Any], key: str) -> str:
        """The Student-t interval as ``± half-width`` (it is symmetric about the mean)."""
        lo, hi = row.get(f"{key}_ci95") or (None, None)
        if lo is None or hi is None or missing(lo) or missing(hi):
            return "n/a"
        return "± " + fmt((float(hi) - float(lo)) / 2, key)

    def name(key: str) -> str:
        text = names.get(key, label(key))
        return f"{text} ({cur})" if cur and unit(key) == "money" else text

    names = {"members": "Alive members at year end", "liability": "Liability at year end"}
    # one column per year, one row per KPI (money in the row's currency, the interval of
    # incremental profit on its own row): a five-year table fits a 1100-px page; beyond
    # about eight years the section scrolls sideways
    header = ("", *(f"Year {r['year']} (from {r.get('start', '')})" for r in rows))
    body = []
    for k in YEARLY:
        body.append((name(k), *(fmt(r.get(k), k) for r in rows)))
        if k == "incremental_profit":
            body.append(("95% interval (Student-t)", *(interval(r, k) for r in rows)))
    lines = []
    npv = kpis.get("incremental_profit_npv")
    if npv is not None:
        lo, hi = ci.get("incremental_profit_npv", [None, None])
        rate = run.scenario.economics.discount_rate if run.scenario is not None else None
        at = f" at a {100 * rate:g}% annual discount rate" if rate is not None else ""
        key = "incremental_profit_npv"
        lines.append(
            f"Net present value of incremental profit{at}: "
            f"{fmt(npv, key, cur)} ({fmt_interval(lo, hi, key, cur)})."
        )
    share = kpis.get("pays_back")
    if share is not None:
        days = kpis.get("payback_days")
        if share == 0 or days is None:
            lines.append("The program does not pay back within the horizon in any replication.")
        else:
            lines.append(
                f"Payback: cumulative incremental profit turns non-negative for good after "
                f"{days:,.0f} days on average, in {fmt_share(share, 0)} of replications."
            )
    note = para(
        "Program arm, means over replications (with the 95% interval of incremental "
        "profit); years of 365 days from the start date. yearly.csv has every replication "
        "and the control arm."
    )
    return Section("years", "Year by year", table(header, body) + bullets(lines) + note)


def run_sections(run: RunFiles, figures_dir: Path) -> list[Section]:
    found = [
        scenario_section(run),
        design_section(run),
        headline_section(run),
        years_section(run),
        segments_section(run),
        trends_section(run, figures_dir),
        points_section(run, figures_dir),
        breakage_section(run, figures_dir),
        tiers_section(run, figures_dir),
    ]
    return [s for s in found if s is not None]


# --- compare -----------------------------------------------------------------------------
