"""One trial: simulate a design on the study's fixed replication seeds and report its KPIs.

Every trial runs replications ``0..R-1`` of the same root seed, so all designs meet the same
customers with the same luck (common random numbers): differences between trials are the
designs' differences, not noise.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna

from loyalsim.experiments.optimize.quota import SURPLUS
from loyalsim.experiments.optimize.space import suggest_all
from loyalsim.experiments.scenarios import with_overrides
from loyalsim.experiments.simulate import simulate
from loyalsim.experiments.uncertainty.robust import robust_kpis
from loyalsim.experiments.uncertainty.worlds import simulate_worlds, world_count
from loyalsim.metrics.results import RunResult
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.search import SearchSpec


def clean(value: float) -> float | None:
    """NaN (an undefined ratio) is stored as null."""
    return None if isinstance(value, float) and math.isnan(value) else value


def evaluate(base: Scenario, params: dict[str, Any], seed: int, replications: int) -> RunResult:
    """Simulate ``base`` with ``params`` (dotted-path overrides) on replications 0..R-1; with
    ``uncertainty.worlds`` > 1, in every parameter world (the same worlds for every design).
    A trial reads only the KPIs, so the per-replication tables are not built."""
    design = with_overrides(base, params) if params else base
    if world_count(design) > 1:
        return simulate_worlds(design, seed=seed, replications=replications, kpis_only=True)
    return simulate(design, seed=seed, replications=replications, kpis_only=True)


@dataclass(frozen=True)
class Objective:
    """The callable Optuna runs per trial."""

    base: Scenario
    search: SearchSpec
    seed: int
    replications: int
    turn: Callable[[optuna.Trial], bool] | None = None
    """Asked before anything is sampled: False closes the trial as surplus (PRUNED with the
    ``surplus`` attribute) and stops this worker (see :mod:`.quota`)."""

    def __call__(self, trial: optuna.Trial) -> list[float]:
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        if self.turn is not None and not self.turn(trial):
            trial.set_user_attr(SURPLUS, True)
            trial.study.stop()
            raise optuna.TrialPruned("the study already holds the requested trials")
        params = suggest_all(trial, self.search)
        try:
            result = evaluate(self.base, params, self.seed, self.replications)
            kpis = robust_kpis(result, self.search)
            trial.set_user_attr("kpis", {k: clean(v) for k, v in kpis.items()})
            violations = {}
            for c in self.search.constraints:
                violations[c.label] = c.violation(kpis[c.kpi])
                trial.set_constraint(c.label, violations[c.label])
            trial.set_user_attr("constraints", violations)
            values = [kpis[o.kpi] for o in self.search.objectives]
            undefined = [
                o.kpi for o, v in zip(self.search.objectives, values, strict=True) if math.isnan(v)
            ]
            if undefined:
                raise ValueError(
                    f"objective {', '.join(undefined)} is undefined (NaN) for this design"
                )
        except Exception as exc:
            trial.set_user_attr("error", f"{type(exc).__name__}: {exc}")
            raise
        return values
