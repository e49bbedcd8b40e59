"""Parameter worlds: draw every prior once per world and run each world on the same
replication seeds (common random numbers across worlds and designs).

World ``w``'s value of the prior at ``path`` is its quantile at a unit number drawn from a
stream of its own, keyed by (seed, path): it does not depend on the other priors, on their
order in the file or on how many worlds are drawn (the first ``W`` worlds of a larger run are
the same worlds). Designs compared over worlds therefore share both the luck and the
assumptions of every world.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from loyalsim.engine.rng import purpose_id
from loyalsim.errors import ScenarioError, SimulationError
from loyalsim.experiments.scenarios import with_overrides
from loyalsim.experiments.simulate import run_replication
from loyalsim.experiments.uncertainty.parallel import run_tasks
from loyalsim.metrics.results import ReplicationResult, RunResult
from loyalsim.metrics.worlds import WorldsRunResult
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.priors import U_MIN
from loyalsim.scenario.uncertainty import prior_problems

WORLD_STREAM = purpose_id("worlds")


def priors_of(scenario: Scenario) -> dict[str, Any]:
    """The scenario's priors by dotted path (sorted), or an empty mapping."""
    return dict(sorted(scenario.uncertainty.priors.items())) if scenario.uncertainty else {}


def world_count(scenario: Scenario, worlds: int | None = None) -> int:
    """Worlds to draw: ``worlds`` if given, else the scenario's ``uncertainty.worlds`` (1)."""
    count = (
        worlds
        if worlds is not None
        else (scenario.uncertainty.worlds if scenario.uncertainty else 1)
    )
    if count < 1:
        raise SimulationError(f"worlds must be at least 1, got {count}")
    if count > 1 and not priors_of(scenario):
        raise SimulationError(
            f"{count} worlds asked for but scenario '{scenario.name}' has no priors: give some "
            "under uncertainty.priors, in place of a number, or set uncertainty.library: true"
        )
    return count


def unit_draws(seed: int, path: str, worlds: int) -> np.ndarray:
    """The unit numbers of ``worlds`` worlds for the prior at ``path``, inside
    ``[U_MIN, 1 - U_MIN]`` (where the support check evaluated the prior)."""
    sequence = np.random.SeedSequence(seed, spawn_key=(WORLD_STREAM, purpose_id(path)))
    u = np.random.Generator(np.random.PCG64(sequence)).random(worlds)
    return np.clip(u, U_MIN, 1.0 - U_MIN)


def world_values(scenario: Scenario, worlds: int, seed: int) -> dict[str, list[float]]:
    """Dotted path -> the value of that parameter in each world."""
    return {
        path: [float(v) for v in prior.ppf(unit_draws(seed, path, worlds))]
        for path, prior in priors_of(scenario).items()
    }


def at_values(scenario: Scenario, values: Mapping[str, float], label: str = "") -> Scenario:
    """The scenario with parameters set to ``values`` and no priors left (one world)."""
    overrides: dict[str, Any] = {**values, "uncertainty": None}
    return with_overrides(scenario, overrides, source=label or f"scenario '{scenario.name}' world")


def world_scenarios(scenario: Scenario, values: Mapping[str, Sequence[float]]) -> list[Scenario]:
    """One scenario per world."""
    count = len(next(iter(values.values()))) if values else 0
    return [
        at_values(scenario, {p: v[w] for p, v in values.items()}, f"world {w} of '{scenario.name}'")
        for w in range(count)
    ]


def check_priors(scenario: Scenario) -> None:
    """Refuse priors that could draw invalid values (the loader checks files; this guards
    scenarios built in Python)."""
    problems = prior_problems(scenario)
    if problems:
        raise ScenarioError(f"scenario '{scenario.name}'", problems)


def replication_task(task: tuple[Scenario, int, int, bool]) -> ReplicationResult:
    """One replication of one world (picklable: detached from live engine state); the last
    item is ``kpis_only`` (:func:`~loyalsim.experiments.simulate.run_replication`)."""
    scenario, seed, r, kpis_only = task
    return run_replication(scenario, seed, r, kpis_only=kpis_only).detached()


def simulate_worlds(
    scenario: Scenario,
    worlds: int | None = None,
    seed: int | None = None,
    replications: int | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    kpis_only: bool = False,
) -> WorldsRunResult:
    """Draw ``worlds`` parameter worlds and run ``replications`` of each on the same seeds
    (``kpis_only``: without the per-replication tables, as an optimisation trial needs)."""
    check_priors(scenario)
    seed = scenario.seed if seed is None else seed
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise SimulationError(f"replications must be at least 1, got {count}")
    if seed < 0:
        raise SimulationError(f"seed must be a non-negative integer, got {seed}")
    n_worlds = world_count(scenario, worlds)
    values = world_values(scenario, n_worlds, seed)
    scenarios = world_scenarios(scenario, values)
    tasks = [(s, seed, r, kpis_only) for s in scenarios for r in range(count)]
    results = run_tasks(replication_task, tasks, jobs, scheduler, progress)
    runs = [
        RunResult(scenario=s, seed=seed, replications=results[w * count : (w + 1) * count])
        for w, s in enumerate(scenarios)
    ]
    return WorldsRunResult(
        scenario=scenario, seed=seed, replications=results, worlds=runs, draws=values
    )
