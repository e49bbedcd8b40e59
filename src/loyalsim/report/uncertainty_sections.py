"""Report pieces about uncertain assumptions: the "Key assumptions" section of every report,
the probability statements of world-sampled runs and the sensitivity report."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from loyalsim.report.formatting import fmt_interval, fmt_money, label, missing
from loyalsim.report.html import Section, para, table
from loyalsim.scenario.behaviour import BehaviourSpec
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.uncertainty import prior_library


def _num(value: float) -> str:
    return f"{value:.4g}"


def key_assumptions(scenario: Scenario) -> list[dict[str, str]]:
    """Behaviour parameters that differ from the library default or carry a prior (and every
    other parameter with a prior): name, value or range, and source."""
    library = prior_library()
    priors = scenario.uncertainty.priors if scenario.uncertainty else {}
    defaults = BehaviourSpec()
    rows = []
    for name in BehaviourSpec.model_fields:
        path = f"behaviour.{name}"
        raw = getattr(scenario.behaviour, name)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            continue  # not a parameter (the category preset is a name)
        value, default = float(raw), float(getattr(defaults, name))
        if path not in priors and value == default:
            continue
        entry = library.get(path)
        rows.append(_row(path, value, default, priors.get(path), entry))
    for path, prior in priors.items():
        if not path.startswith("behaviour."):
            rows.append(_row(path, math.nan, math.nan, prior, library.get(path)))
    return rows


def _row(path: str, value: float, default: float, prior: Any, entry: Any) -> dict[str, str]:
    if prior is not None:
        lo, hi = prior.interval(0.9)
        shown = f"{prior.describe()}; 90% in {_num(lo)} to {_num(hi)}"
        if not math.isnan(value):
            shown += f"; nominal {_num(value)}"
        source = prior.source or "scenario (no source given)"
    else:
        shown = f"{_num(value)} (library default {_num(default)})"
        source = "scenario (the library default's source: docs/model.md)"
    status = ""
    if entry is not None:
        status = "assumption" if entry.assumption else "sourced direction and size"
    return {"parameter": path, "value": shown, "status": status, "source": source}


def key_assumptions_section(scenario: Scenario | None) -> Section | None:
    """The "Key assumptions" section (contract: every run, compare and optimize report)."""
    if scenario is None:
        return None
    rows = key_assumptions(scenario)
    if not rows:
        body = para(
            "Every behaviour parameter is at its library default (docs/model.md gives each "
            "default and its source; most sizes are assumptions: see docs/uncertainty.md) and "
            "none carries a prior, so the results hold for those defaults only."
        )
    else:
        body = para(
            "These parameters differ from the library default or carry a prior; the results "
            "rest on them (docs/model.md, docs/uncertainty.md)."
        ) + table(
            ["parameter", "value or prior", "status", "source"],
            [[r["parameter"], r["value"], r["status"], r["source"]] for r in rows],
        )
    return Section("assumptions", "Key assumptions", body)


def assumptions_sentence(scenario: Scenario | None) -> str:
    """One sentence for the executive summary: which assumptions the verdict rests on."""
    if scenario is None:
        return ""
    rows = key_assumptions(scenario)
    if not rows:
        return (
            "It rests on the library's default behaviour parameters, most of whose sizes are "
            "assumptions (see Key assumptions)."
        )
    names = ", ".join(r["parameter"].split(".")[-1] for r in rows[:6])
    more = f" and {len(rows) - 6} more" if len(rows) > 6 else ""
    return f"It rests on these assumptions (see Key assumptions): {names}{more}."


def worlds_sentence(summary: Mapping[str, Any], currency: str) -> str:
    """The probability statement of a world-sampled run (empty without worlds)."""
    worlds = summary.get("worlds")
    if not isinstance(worlds, Mapping):
        return ""
    prob = summary["kpis"].get("prob_incremental_profit_positive")
    lo, hi = (summary.get("kpis_world_interval95") or {}).get("incremental_profit", [None, None])
    if missing(prob):
        return ""
    spread = (
        ""
        if missing(lo)
        else (
            f"; across 95% of worlds incremental profit lies in "
            f"{fmt_interval(lo, hi, 'incremental_profit', currency)}"
        )
    )
    return (
        f"Over {worlds.get('count')} parameter worlds drawn from the priors, the program pays "
        f"for itself in {prob:.0%} of them{spread} (the interval above is Monte Carlo noise "
        "only)."
    )


def with_sentences(summary: Section, *sentences: str) -> Section:
    """The executive summary with extra sentences after its finding."""
    extra = "".join(para(s, "finding") for s in sentences if s)
    return Section(summary.anchor, summary.title, summary.body + extra)


# --- the sensitivity report -----------------------------------------------------------------


def sensitivity_verdict(table_: pd.DataFrame, meta: Mapping[str, Any], currency: str) -> str:
    """Which parameters the KPIs turn on and which can flip the sign of profit."""
    kpi = (meta.get("kpis") or ["incremental_profit"])[0]
    ranked = ranking(table_, meta.get("method", "morris"), kpi)
    top = ", ".join(p.split(".")[-1] for p in ranked[:3])
    flips = [p.split(".")[-1] for p in meta.get("sign_flips") or []]
    text = f"{label(kpi)} turns most on {top}." if top else ""
    if flips:
        text += (
            f" {len(flips)} parameter(s) can flip the sign of incremental profit on their own "
            f"within the prior's 90% range: {', '.join(flips)}. A pilot should measure these."
        )
    elif "incremental_profit" in (meta.get("kpis") or []):
        text += (
            " No single parameter flips the sign of incremental profit within its prior's "
            "90% range."
        )
    return text


def ranking(table_: pd.DataFrame, method: str, kpi: str) -> list[str]:
    """Parameters by importance: Morris ``mu_star`` or Sobol ``ST``."""
    index = "mu_star" if method == "morris" else "ST"
    rows = table_[(table_["kpi"] == kpi) & (table_["index"] == index)]
    return list(rows.sort_values("value", ascending=False)["parameter"])


def sensitivity_sections(
    table_: pd.DataFrame, meta: Mapping[str, Any], directory: Path, currency: str
) -> list[Section]:
    """The tornado, the global indices and the design of a sensitivity study."""
    from loyalsim.report.sections import figure_html
    from loyalsim.report.tornado import write_tornado

    out = []
    parameters = meta.get("parameters") or {}
    kpis = meta.get("kpis") or []
    for kpi in kpis:
        nominal = float((meta.get("nominal_kpis") or {}).get(kpi) or 0.0)
        png = directory / ("tornado.png" if kpi == kpis[0] else f"tornado_{kpi}.png")
        if write_tornado(table_, kpi, nominal, currency, png):
            body = figure_html(png, f"Tornado chart of {label(kpi)}") + para(
                "Each bar moves one parameter alone from its prior's 5% quantile (orange) to "
                "its 95% quantile (blue), every other parameter at its nominal value; the "
                "black line is the nominal design's value."
            )
            out.append(Section(f"tornado-{kpi}", f"Tornado: {label(kpi)}", body))
    method = meta.get("method", "morris")
    index = "mu_star" if method == "morris" else "ST"
    rows = []
    for kpi in kpis:
        for path in ranking(table_, method, kpi):
            sub = table_[(table_["kpi"] == kpi) & (table_["parameter"] == path)]
            cells = [label(kpi), path]
            for name in ("mu_star", "sigma") if method == "morris" else ("S1", "ST"):
                row = sub[sub["index"] == name]
                value = float(row["value"].iloc[0]) if len(row) else math.nan
                lo = float(row["ci_low"].iloc[0]) if len(row) else math.nan
                hi = float(row["ci_high"].iloc[0]) if len(row) else math.nan
                shown = _num(value) if not math.isnan(value) else "n/a"
                if not math.isnan(lo):
                    shown += f" ({_num(lo)} to {_num(hi)})"
                cells.append(shown)
            rows.append(cells)
    names = ["mu* (95% CI)", "sigma"] if method == "morris" else ["S1 (95% CI)", "ST (95% CI)"]
    explain = (
        "Morris screening: mu* is the mean absolute change of the KPI when the parameter moves "
        "across its explored range (bootstrap 95% interval); sigma the spread of those changes "
        "(interactions, non-linearity)."
        if method == "morris"
        else "Sobol indices: S1 the share of the KPI's variance due to the parameter alone, ST "
        "the share including its interactions (bootstrap 95% intervals)."
    )
    out.append(
        Section(
            "indices",
            f"Global sensitivity ({method})",
            para(explain) + table(["KPI", "parameter", *names], rows),
        )
    )
    prior_rows = [
        [
            p,
            _describe_prior(v.get("prior")),
            _num(v["nominal"]),
            f"{_num(v['p05'])} to {_num(v['p95'])}",
        ]
        for p, v in parameters.items()
    ]
    out.append(
        Section(
            "parameters",
            "Parameters studied",
            para(
                f"{meta.get('evaluations', '?')} design points, each averaged over "
                f"{meta.get('replications', '?')} replication(s) on the same seeds (common random "
                f"numbers); ranked by {index}."
            )
            + table(["parameter", "prior", "nominal", "90% range"], prior_rows),
        )
    )
    return out


def _describe_prior(prior: Mapping[str, Any] | None) -> str:
    if not prior:
        return ""
    inner = ", ".join(f"{k}={v}" for k, v in prior.items() if k not in ("dist", "source"))
    return f"{prior.get('dist')}({inner})"


# --- comparisons and optimisations over worlds ---------------------------------------------


def _read_csv(path: Path) -> pd.DataFrame | None:
    from loyalsim.report.inputs import read_csv

    return read_csv(path)


def compare_worlds_sentence(directory: Path) -> str:
    """Each variant's chance to beat the base on incremental profit, over worlds."""
    frame = _read_csv(directory / "comparison_worlds.csv")
    if frame is None or frame.empty:
        return ""
    rows = frame[frame["kpi"] == "incremental_profit"]
    parts = [
        f"'{r['variant']}' beats the base in {float(r['prob_better']):.0%} of them"
        for r in rows.to_dict("records")
        if not missing(r["prob_better"])
    ]
    worlds = int(rows["worlds"].iloc[0]) if len(rows) else 0
    if not parts:
        return ""
    return f"Over {worlds} parameter worlds drawn from the priors, " + "; ".join(parts) + "."


def optimize_worlds_sentence(rec: Mapping[str, Any]) -> str:
    """The first recommended design's chances over worlds, and the optimistic-only flags."""
    designs = [d for d in rec.get("designs") or [] if d.get("over_worlds")]
    if not designs:
        return ""
    first = designs[0]["over_worlds"]
    text = (
        f"Over {first['worlds']} parameter worlds (objective: {rec.get('robust_objective')}), "
        f"the {designs[0]['label']} design beats the current design in "
        f"{_share(first.get('prob_beats_current'))} of worlds and pays for itself against no "
        f"program in {_share(first.get('prob_beats_control'))}."
    )
    optimistic = sorted({d["label"] for d in designs if d["over_worlds"].get("optimistic_only")})
    if optimistic:
        text += (
            f" Good only under optimistic assumptions (better on average but in fewer than half "
            f"of the worlds): {', '.join(optimistic)}."
        )
    return text


def _share(value: Any) -> str:
    return "n/a" if missing(value) else f"{float(value):.0%}"


def voi_section(voi: pd.DataFrame | None, currency: str) -> Section | None:
    """What a pilot should measure: parameters by expected value of partial perfect
    information (docs/uncertainty.md)."""
    if voi is None or voi.empty:
        return None
    top = voi[voi["above_noise_floor"].astype(bool)]
    evpi = float(voi["evpi"].iloc[0])
    floor = float(voi["noise_floor"].iloc[0])
    if top.empty:
        lead = (
            "No single parameter is worth measuring for this choice: none has a value of "
            "information above the estimator's noise floor."
        )
    else:
        names = ", ".join(p.split(".")[-1] for p in top["parameter"].head(3))
        lead = f"What a pilot should measure first: {names}."
    rows = [
        [
            r["parameter"],
            fmt_money(float(r["evppi"]), currency),
            "n/a" if missing(r["share_of_evpi"]) else f"{float(r['share_of_evpi']):.0%}",
            r["best_when_low"],
            r["best_when_high"],
        ]
        for r in voi.head(12).to_dict("records")
    ]
    body = (
        para(lead)
        + para(
            f"Value of knowing each parameter before choosing the design (EVPPI, in incremental "
            f"profit); knowing every parameter (EVPI) would be worth {fmt_money(evpi, currency)}, "
            f"and the estimator's noise floor is {fmt_money(floor, currency)}."
        )
        + table(["parameter", "EVPPI", "share of EVPI", "best if low", "best if high"], rows)
    )
    return Section("voi", "Value of information: what a pilot should measure", body)


def compare_worlds_sections(directory: Path, currency: str) -> list[Section]:
    """The world-level comparison table and the value of information, when present."""
    frame = _read_csv(directory / "comparison_worlds.csv")
    out = []
    if frame is not None and not frame.empty:
        rows = [
            [
                r["variant"],
                label(str(r["kpi"])),
                _num(float(r["diff"])),
                f"{_num(float(r['world_low']))} to {_num(float(r['world_high']))}",
                f"{_num(float(r['mc_low']))} to {_num(float(r['mc_high']))}",
                _share(r["prob_better"]),
            ]
            for r in frame.to_dict("records")
            if r["kpi"] in ("incremental_profit", "incremental_revenue", "retention_rate")
        ]
        body = para(
            "Differences against the base world by world: the world interval is what we do "
            "not know about customers, the Monte Carlo interval the noise of the replications."
        ) + table(
            ["design", "KPI", "difference", "95% of worlds", "Monte Carlo 95% CI", "P(better)"],
            rows,
        )
        out.append(Section("worlds", "Over parameter worlds", body))
    voi = voi_section(_read_csv(directory / "voi.csv"), currency)
    return out + ([voi] if voi is not None else [])
