"""Compare designs over parameter worlds: every design in every world on the same replication
seeds, so differences are paired on the luck *and* on the assumptions.

The worlds come from the base design's priors (a variant's own priors, if any, are not drawn):
world ``w`` sets the same parameter values in every design.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyalsim.errors import LoyalsimError, SimulationError
from loyalsim.experiments.compare import Arm, Comparison, paired_table, variance_reduction
from loyalsim.experiments.uncertainty.parallel import run_tasks
from loyalsim.experiments.uncertainty.robust import world_table
from loyalsim.experiments.uncertainty.voi import voi_table
from loyalsim.experiments.uncertainty.worlds import (
    at_values,
    check_priors,
    replication_task,
    world_count,
    world_values,
)
from loyalsim.metrics.results import RunResult
from loyalsim.metrics.worlds import WorldsRunResult, world_means

WORLD_COLUMNS = (
    "variant",
    "kpi",
    "diff",
    "world_low",
    "world_high",
    "mc_low",
    "mc_high",
    "prob_better",
    "worlds",
)
"""The columns of ``comparison_worlds.csv``."""


@dataclass
class WorldsComparison:
    """A comparison over worlds: the pooled comparison (``comparison.csv`` as usual), each
    arm's world-sampled run, the world-level table and the value of information."""

    comparison: Comparison
    runs: dict[str, WorldsRunResult]
    worlds_table: pd.DataFrame
    voi: pd.DataFrame


NO_PROGRAM = "no program"
"""The alternative of launching nothing (incremental profit 0 in every world)."""


def decision_values(
    runs: dict[str, WorldsRunResult], names: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """``V[design, world]``: world-mean incremental profit of each design and of no program."""
    profit = [world_means(runs[n].kpi_matrix("incremental_profit")) for n in names]
    values = np.vstack([*profit, np.zeros_like(profit[0])])
    return values, [*names, NO_PROGRAM]


def compare_over_worlds(
    arms: Sequence[Arm],
    worlds: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WorldsComparison:
    """Run every arm (the first is the base) in every world and pair them."""
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise LoyalsimError(f"arm names must be unique, got {names}")
    base = arms[0].scenario
    check_priors(base)
    seed = base.seed if seed is None else seed
    count = base.replications if replications is None else replications
    if count < 1:
        raise SimulationError(f"replications must be at least 1, got {count}")
    n_worlds = world_count(base, worlds)
    values = world_values(base, n_worlds, seed)
    per_arm = [
        [at_values(arm.scenario, {p: v[w] for p, v in values.items()}) for w in range(n_worlds)]
        for arm in arms
    ]
    tasks = [(s, seed, r, False) for worlds_ in per_arm for s in worlds_ for r in range(count)]
    results = run_tasks(replication_task, tasks, jobs, scheduler, progress)
    runs: dict[str, WorldsRunResult] = {}
    size = n_worlds * count
    for a, arm in enumerate(arms):
        block = results[a * size : (a + 1) * size]
        world_runs = [
            RunResult(s, seed, block[w * count : (w + 1) * count]) for w, s in enumerate(per_arm[a])
        ]
        runs[arm.name] = WorldsRunResult(arm.scenario, seed, block, world_runs, values)
    variants = names[1:]
    pooled: dict[str, RunResult] = dict(runs)
    table = paired_table(pooled, names[0], variants)
    variance = variance_reduction(pooled, names[0], variants)
    comparison = Comparison(arms[0], list(arms[1:]), seed, count, pooled, table, variance)
    kpis = sorted(set(table["kpi"]))
    frame = pd.DataFrame(world_table(runs, names[0], kpis), columns=list(WORLD_COLUMNS))
    voi = voi_table(*decision_values(runs, names), values, seed)
    return WorldsComparison(comparison, runs, frame, voi)
