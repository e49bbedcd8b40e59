"""Recommended designs: the knee of the feasible Pareto front and the best feasible design per
objective, re-evaluated with more replications and compared with the current design.

Re-evaluation uses replications ``0..R-1`` of the scenario's seed for every design and for the
current design, so the comparison with the current design is paired (common random numbers):
the confidence interval of a difference is the t-interval of the per-replication differences.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from loyalsim.experiments.batch import evaluate_designs
from loyalsim.experiments.optimize.objective import clean
from loyalsim.experiments.optimize.pareto import as_losses
from loyalsim.experiments.optimize.tables import pareto_frame
from loyalsim.experiments.scenarios import with_overrides
from loyalsim.experiments.uncertainty.compare_worlds import decision_values
from loyalsim.experiments.uncertainty.robust import chances_text, over_worlds
from loyalsim.experiments.uncertainty.voi import voi_table
from loyalsim.experiments.uncertainty.worlds import simulate_worlds, world_count
from loyalsim.metrics import stats
from loyalsim.metrics.results import RunResult
from loyalsim.metrics.worlds import WorldsRunResult
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.search import SearchSpec


def choose(frame: pd.DataFrame, search: SearchSpec) -> list[tuple[str, int]]:
    """(label, trial number): the knee, then ``best_<kpi>`` per objective, all feasible."""
    front = pareto_frame(frame, search)
    if front.empty:
        return []
    picks = [("knee", int(front.loc[front["knee"], "number"].iloc[0]))]
    directions = [o.direction for o in search.objectives]
    columns = [f"values_{o.kpi}" for o in search.objectives]
    losses = as_losses(front[columns].to_numpy(float), directions)
    for i, o in enumerate(search.objectives):
        # Ties on this objective are broken by the sum of the other (normalised) losses.
        span = np.ptp(losses, axis=0)
        norm = (losses - losses.min(axis=0)) / np.where(span > 0, span, 1.0)
        order = np.lexsort((norm.sum(axis=1), losses[:, i]))
        picks.append((f"best_{o.kpi}", int(front["number"].iloc[order[0]])))
    return picks


def _stats(table: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    out = {}
    for key in table.columns:
        i = stats.mean_interval(table[key].to_numpy(float))
        out[key] = {"mean": clean(i.mean), "ci_low": clean(i.low), "ci_high": clean(i.high)}
    return out


def _paired(design: pd.DataFrame, current: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    out = {}
    for key in design.columns:
        if key not in current.columns:
            continue
        p = stats.paired_difference(current[key].to_numpy(float), design[key].to_numpy(float))
        out[key] = {"diff": clean(p.diff), "ci_low": clean(p.low), "ci_high": clean(p.high)}
    return out


def _vs_control(table: pd.DataFrame) -> dict[str, float | None]:
    """For each KPI with a no-program counterpart ``control_<k>``: mean(k) - mean(control_k)."""
    out = {}
    for key in table.columns:
        if f"control_{key}" in table.columns:
            control = table[f"control_{key}"].to_numpy(float)
            out[key] = clean(stats.paired_difference(control, table[key].to_numpy(float)).diff)
    return out


def recommend(
    base: Scenario,
    search: SearchSpec,
    frame: pd.DataFrame,
    trial_params: dict[int, dict[str, Any]],
    jobs: int = 1,
) -> dict[str, Any]:
    """recommendation.json content; ``trial_params`` maps a trial to its scenario overrides.

    The current design and every chosen design are evaluated together on ``jobs`` worker
    processes, grouped by replication (one control arm per replication and worker).
    """
    replications = search.final_replications(base)
    picks = choose(frame, search)
    numbers = list(dict.fromkeys(number for _, number in picks))
    designs_to_run = [base]
    designs_to_run += [with_overrides(base, p) if (p := trial_params[n]) else base for n in numbers]
    runs: list[RunResult]
    if world_count(base) > 1:  # every design in the same parameter worlds
        runs = [
            simulate_worlds(d, seed=base.seed, replications=replications, jobs=jobs, kpis_only=True)
            for d in designs_to_run
        ]
    else:
        runs = evaluate_designs(designs_to_run, base.seed, replications, jobs, kpis_only=True)
    current_run = runs[0]
    current = current_run.kpi_table()
    by_number = dict(zip(numbers, runs[1:], strict=True))
    designs = []
    for label, number in picks:
        params = trial_params[number]
        table = by_number[number].kpi_table()
        means = table.mean()
        designs.append(
            {
                "label": label,
                "trial": number,
                "params": params,
                "feasible": all(c.violation(float(means[c.kpi])) <= 0 for c in search.constraints),
                "kpis": _stats(table),
                "vs_current": _paired(table, current),
                "vs_control": _vs_control(table),
                **worlds_part(by_number[number], current_run),
            }
        )
    return {
        "scenario": base.name,
        "objectives": [{"kpi": o.kpi, "direction": o.direction} for o in search.objectives],
        "constraints": [
            {"kpi": c.kpi, "op": c.op, "bound": c.bound, "label": c.label}
            for c in search.constraints
        ],
        "replications": replications,
        "seed": base.seed,
        "current": {"kpis": _stats(current), "vs_control": _vs_control(current)},
        "designs": designs,
        **voi_part(current_run, by_number, designs),
    }


def worlds_part(run: RunResult, current: RunResult) -> dict[str, Any]:
    """Over parameter worlds: the design's chance to beat the current design and the control
    and whether it is good only under optimistic assumptions (nothing for one world)."""
    if not (isinstance(run, WorldsRunResult) and isinstance(current, WorldsRunResult)):
        return {}
    return {"over_worlds": over_worlds(run, current)}


def voi_part(
    current: RunResult, runs: dict[int, RunResult], designs: list[dict[str, Any]]
) -> dict[str, Any]:
    """The value of information of the choice between the current design, the recommended
    ones and no program (``voi`` rows, written to voi.csv), over worlds only."""
    if not isinstance(current, WorldsRunResult) or not designs:
        return {}
    named: dict[str, WorldsRunResult] = {"current": current}
    for design in designs:
        run = runs[design["trial"]]
        if isinstance(run, WorldsRunResult):
            named.setdefault(f"trial {design['trial']}", run)
    values, names = decision_values(named, list(named))
    table = voi_table(values, names, current.draws, current.seed)
    return {
        "worlds": len(current.worlds),
        "robust_objective": current.scenario.uncertainty.objective
        if current.scenario.uncertainty
        else "mean",
        "voi": [{k: _plain(v) for k, v in row.items()} for row in table.to_dict("records")],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return clean(value)
    return value.item() if hasattr(value, "item") else value


def to_json(recommendation: dict[str, Any]) -> str:
    return json.dumps(recommendation, indent=2, allow_nan=False) + "\n"


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def to_markdown(recommendation: dict[str, Any]) -> str:
    """A short human summary of recommendation.json."""
    rec = recommendation
    objectives = [o["kpi"] for o in rec["objectives"]]
    constrained = [c["kpi"] for c in rec["constraints"] if c["kpi"] not in objectives]
    shown = [*objectives, *constrained]
    for extra in ("incremental_revenue", "retention_rate", "liability"):
        if extra not in shown:
            shown.append(extra)
    lines = [
        f"# Recommended designs: {rec['scenario']}",
        "",
        "Objectives: "
        + ", ".join(f"{o['direction']} `{o['kpi']}`" for o in rec["objectives"])
        + ". Constraints: "
        + (", ".join(f"`{c['label']}`" for c in rec["constraints"]) or "none")
        + ".",
        f"Each design re-evaluated on {rec['replications']} replications (seed {rec['seed']}), the "
        "same for every design; differences with the current design are paired per replication. "
        "Intervals are 95% Student-t intervals"
        + ("." if rec["replications"] >= 2 else f" ({stats.NO_INTERVAL})."),
        "",
    ]
    if not rec["designs"]:
        lines += [
            "**No feasible design was found.** Relax the constraints or widen the ranges.",
            "",
        ]
    current = rec["current"]["kpis"]
    for design in rec["designs"]:
        lines += [
            f"## {design['label']} (trial {design['trial']})"
            + ("" if design["feasible"] else " — violates a constraint on re-evaluation"),
            "",
            *[f"- `{k}`: `{json.dumps(v)}`" for k, v in design["params"].items()],
            "",
            "| KPI | design (95% CI) | current | difference vs current (95% CI) |",
            "|---|---|---|---|",
        ]
        for key in shown:
            if key not in design["kpis"]:
                continue
            d, c, diff = (
                design["kpis"][key],
                current.get(key, {}),
                design["vs_current"].get(key, {}),
            )
            lines.append(
                f"| {key} | {_fmt(d['mean'])} ({_fmt(d['ci_low'])} .. {_fmt(d['ci_high'])}) "
                f"| {_fmt(c.get('mean'))} | {_fmt(diff.get('diff'))} "
                f"({_fmt(diff.get('ci_low'))} .. {_fmt(diff.get('ci_high'))}) |"
            )
        control = design["vs_control"]
        lines += [
            "",
            "Against no program: "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in control.items() if v is not None)
            + ".",
            "",
        ]
        if design.get("over_worlds"):
            lines += [chances_text(design["over_worlds"]), ""]
    return "\n".join(lines)
