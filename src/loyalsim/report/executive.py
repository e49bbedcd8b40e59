"""The "Executive summary", the first section of every report: the decision in one paragraph
(what to do, what it earns or costs, how sure, against what) and a plain verdict.

The rules (materiality, significance over many KPIs, the decision KPI) are in
:mod:`loyalsim.report.decision`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from loyalsim.metrics.stats import adjust_p
from loyalsim.report.decision import DECISION_KPI, best_design, loses_money, threshold
from loyalsim.report.decision import rule_text as decision_rules
from loyalsim.report.formatting import fmt, fmt_diff, fmt_p, label, missing, numbers
from loyalsim.report.html import Section, esc, para
from loyalsim.report.inputs import ComparisonFiles, RunFiles
from loyalsim.report.narrative import Effect, effect_phrase

TITLE = "Executive summary"
"""The heading of every report's first section (a contract scripts rely on)."""


@dataclass(frozen=True)
class Decision:
    """The verdict (one sentence), the paragraph behind it and how sure it is."""

    verdict: str
    text: str
    note: str

    def section(self) -> Section:
        body = f'<p class="verdict"><strong>{esc(self.verdict)}</strong></p>'
        body += para(self.text, "finding") + para(self.note, "note")
        return Section("summary", TITLE, body)


def _horizon(days: Any) -> str:
    if isinstance(days, int | float) and days % 7 == 0:
        return f"the {days / 7:g}-week horizon"
    return f"the {days}-day horizon" if days else "the horizon"


# --- a run ---------------------------------------------------------------------------------


def run_summary(run: RunFiles, currency: str) -> Decision | None:
    """Launch, do not launch, or not proven: the program against running no program."""
    summary = run.summary
    if not summary:
        return None
    kpis = summary["kpis"]
    single = summary.get("replications") == 1
    ci = {} if single else summary["kpis_ci95"]
    profit = kpis.get(DECISION_KPI)
    if missing(profit):
        return None
    lo, hi = [*(ci.get(DECISION_KPI) or []), None, None][:2]
    e = Effect(
        DECISION_KPI, float(profit), lo, hi, threshold(DECISION_KPI, None, kpis.get("revenue"))
    )
    horizon = _horizon(summary.get("horizon_days"))
    amount = fmt(abs(e.diff), DECISION_KPI, currency)
    interval = "" if missing(lo) else f" (95% CI {fmt_diff(lo, DECISION_KPI, currency)} to "
    interval += "" if missing(lo) else f"{fmt_diff(hi, DECISION_KPI, currency)})"
    cost = fmt(kpis.get("program_cost"), "program_cost", currency)
    if e.decisive and e.diff > 0:
        verdict = "Verdict: the program pays for itself."
        text = (
            f"Over {horizon} the program earns {amount} more profit than running no program"
            f"{interval}, after {cost} of program cost."
        )
    elif e.decisive:
        verdict = "Verdict: do not launch this design as it stands: it loses money."
        text = (
            f"Over {horizon} the program makes {amount} less profit than running no program"
            f"{interval}: its cost of {cost} exceeds the extra margin it brings. Running no "
            "program beats this design."
        )
    elif not e.material:
        verdict = "Verdict: no material effect on profit."
        text = (
            f"Over {horizon} the program changes profit by "
            f"{fmt_diff(e.diff, DECISION_KPI, currency)} against running no program{interval}, "
            f"below the materiality threshold of {fmt(e.threshold, DECISION_KPI, currency)}."
        )
    else:
        verdict = "Verdict: not proven: the program cannot be told apart from no program."
        text = (
            f"Over {horizon} the program changes profit by "
            f"{fmt_diff(e.diff, DECISION_KPI, currency)} against running no program{interval}; "
            "the interval spans zero, so more replications are needed to decide."
        )
    retention = kpis.get("incremental_retention")
    if not missing(retention):
        rlo, rhi = [*(ci.get("incremental_retention") or []), None, None][:2]
        r = Effect("retention_rate", float(retention), rlo, rhi, threshold("retention_rate", None))
        text += f" It {effect_phrase(r, currency)}."
    reps = summary.get("replications", "?")
    how = (
        f"How sure: means over {reps} replication(s), each paired with a no-program control arm "
        "on the same customers and random numbers; 95% Student-t intervals. "
    )
    return Decision(verdict, text, how + decision_rules(currency))


# --- a comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """Every variant's effects on the compared KPIs, with thresholds and adjusted p-values."""

    effects: dict[str, list[Effect]]
    means: dict[str, float | None]
    """Each arm's mean incremental profit (against running no program)."""


def judge_comparison(comp: ComparisonFiles, keys: Sequence[str]) -> Judged:
    """Effects of each variant against the base on ``keys``, p-values adjusted over all of them
    (Benjamini-Hochberg), materiality relative to the base design's revenue."""
    rows = comp.table.set_index(["variant", "kpi"])
    base = comp.base
    revenue = numbers(rows, (base, "revenue"))["mean"] if (base, "revenue") in rows.index else None
    cells = [(v, k) for v in comp.variants for k in keys if (v, k) in rows.index]
    pcol = rows["p_value"] if "p_value" in rows else pd.Series(dtype=float)
    qs = adjust_p([pcol.get(c) for c in cells])
    effects: dict[str, list[Effect]] = {v: [] for v in comp.variants}
    for (v, k), q in zip(cells, qs, strict=True):
        r = numbers(rows, (v, k))
        base_mean = numbers(rows, (base, k))["mean"] if (base, k) in rows.index else None
        effects[v].append(
            Effect(
                k,
                r["diff"],
                _num(r["ci_low"]),
                _num(r["ci_high"]),
                threshold(k, base_mean, revenue),
                None if missing(q) else q,
            )
        )
    means = {}
    for arm in [base, *comp.variants]:
        value = rows.loc[(arm, DECISION_KPI), "mean"] if (arm, DECISION_KPI) in rows.index else None
        means[arm] = _num(value)
    return Judged(effects, means)


def _num(value: Any) -> float | None:
    return None if missing(value) else float(value)


def compare_summary(comp: ComparisonFiles, judged: Judged, currency: str) -> Decision:
    """Switch to the best variant, or keep the base; and whether anything beats no program."""
    base = comp.base
    profit = {
        v: next((e for e in es if e.key == DECISION_KPI), None) for v, es in judged.effects.items()
    }
    best = best_design({v: (e.diff, e.decisive) for v, e in profit.items() if e is not None})
    parts = []
    if best is not None:
        e = profit[best]
        assert e is not None
        verdict = f"Recommendation: switch to design '{best}'."
        parts.append(
            f"Design '{best}' {effect_phrase(e, currency)} against the base design '{base}' "
            f"(adjusted {fmt_p(e.q)})."
            if e.q is not None
            else f"Design '{best}' {effect_phrase(e, currency)} against the base design '{base}'."
        )
        others = [x for x in judged.effects[best] if x.key != DECISION_KPI and x.decisive]
        if others:
            parts.append("It also " + "; ".join(effect_phrase(x, currency) for x in others) + ".")
        rest = [v for v in comp.variants if v != best]
        if rest:
            parts.append(
                "It earns the most among the designs with a clear and material profit gain; "
                + ", ".join(f"'{v}'" for v in rest)
                + (" do" if len(rest) > 1 else " does")
                + " less."
            )
        chosen = best
    else:
        verdict = f"Recommendation: keep the base design '{base}'."
        parts.append(
            "No variant earns clearly and materially more profit than the base design: "
            + "; ".join(
                f"'{v}' {effect_phrase(e, currency)}" for v, e in profit.items() if e is not None
            )
            + "."
        )
        chosen = base
    chosen_profit = judged.means.get(chosen)
    if loses_money(chosen_profit):
        beaten = all(loses_money(m) for m in judged.means.values())
        parts.append(
            f"Even so, '{chosen}' makes {fmt(abs(chosen_profit), DECISION_KPI, currency)} less "
            "profit than running no program"
            + (": none of the designs compared beats running no program." if beaten else ".")
        )
        if beaten:
            verdict += " Nothing compared beats running no program."
    reps = comp.meta.get("replications", "?")
    note = (
        f"How sure: paired differences over {reps} replications on common random numbers; "
        "decision KPI: incremental profit (profit against running no program). "
    )
    return Decision(verdict, " ".join(parts), note + decision_rules(currency))


# --- an optimisation -----------------------------------------------------------------------


def design_name(labels: Sequence[str]) -> str:
    """``["knee", "best_retention_rate"]`` -> ``balanced (knee) and best for retention``."""
    words = []
    bests = [label(x.removeprefix("best_")).lower() for x in labels if x.startswith("best_")]
    if "knee" in labels:
        words.append("balanced (knee)")
    if bests:
        words.append("best for " + " and ".join(bests))
    words += [x for x in labels if x != "knee" and not x.startswith("best_")]
    return " and ".join(words) or "design"


def merged_designs(designs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per trial: designs recommended under several labels are merged, their
    labels joined (``best for A and B``)."""
    out: dict[Any, dict[str, Any]] = {}
    for d in designs:
        key = d.get("trial", id(d))
        if key in out:
            out[key]["labels"].append(str(d.get("label", "?")))
        else:
            out[key] = {**d, "labels": [str(d.get("label", "?"))]}
    for d in out.values():
        d["name"] = design_name(d["labels"])
    return list(out.values())


def design_profit(design: Mapping[str, Any]) -> float | None:
    """Mean incremental profit (against running no program) of a re-evaluated design."""
    value = ((design.get("kpis") or {}).get(DECISION_KPI) or {}).get("mean")
    return _num(value)


def optimize_summary(
    rec: Mapping[str, Any], designs: Sequence[Mapping[str, Any]], currency: str
) -> Decision:
    """Which recommended design to adopt, flagged when it (or every one) loses money."""
    current = design_profit(rec.get("current") or {})
    ok = [d for d in designs if d.get("feasible") is not False]
    paying = [d for d in ok if not loses_money(design_profit(d))]
    parts = []
    if not designs:
        verdict = "Verdict: no feasible design was found; keep the current design."
        parts.append("Relax the constraints or widen the search ranges and optimise again.")
    elif not paying:
        values = [design_profit(d) for d in ok or designs]
        known = [v for v in values if v is not None]
        verdict = (
            "Verdict: every recommended design loses money against running no program; "
            "do not launch any of them."
        )
        if known:
            parts.append(
                f"Their incremental profit ranges from {fmt(min(known), DECISION_KPI, currency)} "
                f"to {fmt(max(known), DECISION_KPI, currency)} over the horizon."
            )
        parts.append("Lower the program's cost, or widen the search towards cheaper rewards.")
    else:
        choice = next((d for d in paying if "knee" in d["labels"]), None) or max(
            paying, key=lambda d: design_profit(d) or 0.0
        )
        verdict = (
            f"Recommendation: adopt the design '{choice['name']}' (trial {choice.get('trial')})."
        )
        vs = choice.get("vs_current") or {}
        diffs = []
        for o in rec.get("objectives", []):
            k = o.get("kpi")
            d = vs.get(k) or {}
            if k and not missing(d.get("diff")):
                base = ((rec.get("current") or {}).get("kpis", {}).get(k) or {}).get("mean")
                e = Effect(
                    k, float(d["diff"]), d.get("ci_low"), d.get("ci_high"), threshold(k, base)
                )
                diffs.append(e)
        if diffs:
            parts.append(
                "Against the current design it "
                + "; ".join(effect_phrase(e, currency) for e in diffs)
                + "."
            )
        gain = design_profit(choice)
        parts.append(
            f"It earns {fmt(gain, DECISION_KPI, currency)} more profit than running no program"
            + (
                f" (the current design: {fmt(current, DECISION_KPI, currency)})."
                if current is not None
                else "."
            )
        )
        if diffs and not any(e.decisive for e in diffs):
            verdict += " It does not improve materially on the current design."
        losing = [d["name"] for d in designs if loses_money(design_profit(d))]
        if losing:
            parts.append(
                "Flagged: " + ", ".join(f"'{n}'" for n in losing) + " lose(s) money against "
                "running no program."
            )
    if loses_money(current):
        parts.append(
            f"The current design itself makes {fmt(abs(current), DECISION_KPI, currency)} less "
            "profit than running no program."
        )
    reps = rec.get("replications", "?")
    note = (
        f"How sure: each design re-evaluated on {reps} replications shared with the current "
        "design (paired differences, 95% Student-t intervals). "
    )
    return Decision(verdict, " ".join(parts), note + decision_rules(currency))
