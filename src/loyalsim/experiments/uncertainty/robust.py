"""Robust objectives over parameter worlds and how designs fare against each other in them.

An objective over worlds aggregates the KPI's world means (each the mean of the world's
replications) by a statistic chosen in ``uncertainty.objective``:

- ``mean``: the expected value under the priors;
- ``quantile``: the ``level`` quantile on the unfavourable side (the ``level`` quantile when
  maximising, ``1 - level`` when minimising): what the design does in a bad world;
- ``cvar``: the mean of the worst ``ceil(level * W)`` worlds (conditional value at risk).

Constraints are judged on the unfavourable side too (``kpi <= bound`` on the upper tail).
``prob_incremental_profit_positive`` is a KPI of its own: ``maximize
prob_incremental_profit_positive`` asks for the design most likely to pay for itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from loyalsim.metrics import stats
from loyalsim.metrics.catalogue import lookup
from loyalsim.metrics.results import RunResult
from loyalsim.metrics.worlds import PROB_KPI, WorldsRunResult, world_interval, world_means

STATISTICS = ("mean", "quantile", "cvar")
OPTIMISTIC_SHARE = 0.5
"""A design that beats the current one on average over worlds but in fewer than this share of
them is flagged as good only under optimistic assumptions."""


def aggregate(means: np.ndarray, statistic: str, level: float, direction: str) -> float:
    """One number from world means: mean, pessimistic quantile or CVaR (module doc)."""
    x = stats.defined(means)
    if x.size == 0:
        return math.nan
    if statistic == "mean":
        return float(np.mean(x))
    maximise = direction == "maximize"
    if statistic == "quantile":
        return float(np.quantile(x, level if maximise else 1.0 - level))
    if statistic == "cvar":
        k = max(1, math.ceil(level * x.size))
        ordered = np.sort(x)
        return float(np.mean(ordered[:k] if maximise else ordered[-k:]))
    raise ValueError(f"unknown statistic '{statistic}' (allowed: {', '.join(STATISTICS)})")


def robust_kpis(result: RunResult, search: Any) -> dict[str, float]:
    """The KPIs an optimisation trial reports: plain means for a one-world run; over worlds,
    means for every KPI, the robust statistic for objectives and constraints, and
    ``prob_incremental_profit_positive``."""
    kpis = dict(result.summary)
    if not isinstance(result, WorldsRunResult):
        return kpis
    spec = result.scenario.uncertainty
    statistic = spec.objective if spec else "mean"
    level = spec.level if spec else 0.1
    kpis[PROB_KPI] = result.prob_incremental_profit_positive
    sides = {o.kpi: o.direction for o in search.objectives}
    for c in search.constraints:
        sides.setdefault(c.kpi, "minimize" if c.op == "<=" else "maximize")
    for kpi, direction in sides.items():
        if kpi != PROB_KPI and kpi in result.kpi_table():
            kpis[kpi] = aggregate(world_means(result.kpi_matrix(kpi)), statistic, level, direction)
    return kpis


def sign(kpi: str) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if neither (the KPI catalogue)."""
    definition = lookup(kpi)
    better = getattr(definition, "better", "neither")
    return 1 if better == "higher" else (-1 if better == "lower" else 0)


def versus(design: WorldsRunResult, current: WorldsRunResult, kpi: str) -> dict[str, Any]:
    """World by world, ``design - current`` on ``kpi``: mean, world interval, the share of
    worlds where the design is better and the Monte Carlo interval of the mean difference."""
    from loyalsim.metrics.worlds import monte_carlo_interval

    diffs = design.kpi_matrix(kpi) - current.kpi_matrix(kpi)
    per_world = world_means(diffs)
    lo, hi = world_interval(per_world)
    direction = sign(kpi) or 1
    mc = monte_carlo_interval(diffs)
    kept = stats.defined(per_world)
    better = kept * direction
    return {
        "diff": _clean(float(np.mean(kept)) if kept.size else math.nan),
        "world_low": _clean(lo),
        "world_high": _clean(hi),
        "mc_low": _clean(mc.low),
        "mc_high": _clean(mc.high),
        "prob_better": _clean(float(np.mean(better > 0)) if better.size else math.nan),
        "worlds": int(better.size),
    }


def over_worlds(design: WorldsRunResult, current: WorldsRunResult) -> dict[str, Any]:
    """How a recommended design fares over worlds: its chance to beat the current design and
    the control on incremental profit, and whether its edge needs optimistic worlds."""
    vs = versus(design, current, "incremental_profit")
    p_current = vs["prob_better"]
    optimistic = bool(
        vs["diff"] is not None
        and vs["diff"] > 0
        and p_current is not None
        and p_current < OPTIMISTIC_SHARE
    )
    return {
        "worlds": len(design.worlds),
        "prob_beats_current": p_current,
        "prob_beats_control": _clean(design.prob_incremental_profit_positive),
        "incremental_profit_vs_current": vs,
        "incremental_profit_world_interval": [
            _clean(v) for v in design.world_intervals()["incremental_profit"]
        ],
        "optimistic_only": optimistic,
    }


def chances_text(over: Mapping[str, Any]) -> str:
    """One sentence on a design's ``over_worlds`` record: its chance to beat the current design
    and no program, and the optimistic-only flag (for recommendation.md and the report)."""

    def share(value: Any) -> str:
        return "n/a" if value is None else f"{float(value):.0%}"

    text = (
        f"Over {over['worlds']} parameter worlds it beats the current design in "
        f"{share(over.get('prob_beats_current'))} of them and pays for itself against no "
        f"program in {share(over.get('prob_beats_control'))}."
    )
    if over.get("optimistic_only"):
        text += " Good only under optimistic assumptions: better on average, but in fewer than "
        text += "half of the worlds."
    return text


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def world_table(
    runs: Mapping[str, WorldsRunResult], base: str, kpis: list[str]
) -> list[dict[str, Any]]:
    """``comparison_worlds.csv`` rows: every variant against the base, KPI by KPI."""
    rows = []
    for name, run in runs.items():
        if name == base:
            continue
        for kpi in kpis:
            if kpi in run.kpi_table() and kpi in runs[base].kpi_table():
                rows.append({"variant": name, "kpi": kpi, **versus(run, runs[base], kpi)})
    return rows
