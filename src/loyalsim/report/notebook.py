"""Small HTML views of results for notebooks (``_repr_html_``): the headline KPIs of a run
and the paired differences of a comparison, formatted as in the console and the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalsim.experiments.compare import JUDGED_KPIS
from loyalsim.metrics.catalogue import headline
from loyalsim.report.formatting import (
    fmt,
    fmt_diff_interval,
    fmt_interval,
    fmt_p,
    label,
    numbers,
)
from loyalsim.report.formatting import fmt_diff as fmt_difference
from loyalsim.report.html import esc, table

if TYPE_CHECKING:
    from loyalsim.experiments.compare import Comparison
    from loyalsim.metrics.results import RunResult


def _title(text: str) -> str:
    return f"<p><strong>{esc(text)}</strong></p>"


def run_html(result: RunResult) -> str:
    """The scenario, replications and seed, and each headline KPI's mean and 95% CI."""
    currency = result.scenario.economics.currency
    frame = result.kpi_summary().set_index("kpi")
    rows = []
    for kpi in headline():
        if kpi.key in frame.index:
            r = numbers(frame, kpi.key)
            rows.append(
                (
                    kpi.label,
                    fmt(r["mean"], kpi.key, currency),
                    fmt_interval(r["ci_low"], r["ci_high"], kpi.key, currency),
                )
            )
    n = len(result.replications)
    head = _title(f"{result.scenario.name}: {n} replication(s), seed {result.seed}")
    note = "<p>All KPIs: <code>result.kpi_summary()</code>; per replication: "
    note += "<code>result.kpi_replications()</code>.</p>"
    return head + table(("KPI", "mean", "95% CI"), rows) + note


def comparison_html(result: Comparison) -> str:
    """Each variant's paired difference to the base on the KPIs a comparison is judged on,
    with 95% CI and the Benjamini-Hochberg adjusted p-value."""
    currency = result.base.scenario.economics.currency
    frame = result.kpi_summary().set_index(["variant", "kpi"])
    rows = []
    for key in JUDGED_KPIS:
        for arm in result.variants:
            if (arm.name, key) not in frame.index:
                continue
            r = numbers(frame, (arm.name, key))
            rows.append(
                (
                    label(key),
                    arm.name,
                    fmt_difference(r["diff"], key, currency),
                    fmt_diff_interval(r["ci_low"], r["ci_high"], key, currency, compact=True),
                    fmt_p(r["p_adjusted"]).removeprefix("p=").removeprefix("p") or "—",
                )
            )
    head = _title(
        f"{len(result.variants)} design(s) against '{result.base.name}': "
        f"{result.replications} replication(s) on common random numbers"
    )
    headers = ("KPI", "design", "difference", "95% CI", "adjusted p")
    return head + table(headers, rows) + "<p>All KPIs: <code>result.kpi_summary()</code>.</p>"
