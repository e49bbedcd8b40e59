"""Create or resume a study and run trials in this process or in worker processes.

The study is created once, by the command, before any worker starts: concurrent
``create_study`` calls on an empty database race on the schema. Each worker then loads it by
name from the shared storage and runs trials until the study holds the target number of
finished (COMPLETE, FAIL or PRUNED) trials.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from loyalsim.errors import LoyalsimError
from loyalsim.experiments.optimize.objective import Objective
from loyalsim.experiments.optimize.pareto import as_losses, pareto_mask
from loyalsim.experiments.optimize.samplers import SAMPLERS
from loyalsim.experiments.optimize.space import grid_space
from loyalsim.experiments.optimize.storage import open_storage, quiet_optuna
from loyalsim.scenario.loader import validate_data
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.search import SearchSpec

FINISHED = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)


@dataclass(frozen=True)
class Job:
    """Everything a worker needs, as plain data (it crosses a process boundary)."""

    storage_url: str
    study_name: str
    scenario: str  # the scenario as JSON, search section included
    sampler: str
    seed: int
    target: int
    timeout: float | None

    def scenario_model(self) -> Scenario:
        return validate_data(json.loads(self.scenario), "scenario")


def split(scenario: Scenario) -> tuple[Scenario, SearchSpec]:
    """The design under search (without its search section) and the search section."""
    if scenario.search is None:
        raise LoyalsimError(
            f"scenario '{scenario.name}' has no 'search:' section (see docs/optimize.md)"
        )
    return scenario.model_copy(update={"search": None}), scenario.search


def fingerprint(scenario: Scenario) -> str:
    """Identifies the scenario and search a study was built for (resuming must not mix them)."""
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare_study(scenario: Scenario, storage_url: str, study_name: str) -> optuna.Study:
    """Create the study (objective names set) or load it; refuse one built for another scenario."""
    quiet_optuna()
    _, search = split(scenario)
    storage = open_storage(storage_url)
    directions = [o.direction for o in search.objectives]
    study = optuna.create_study(
        storage=storage, study_name=study_name, directions=directions, load_if_exists=True
    )
    mark = fingerprint(scenario)
    stored = study.user_attrs.get("fingerprint")
    if stored is None:
        study.set_metric_names([o.kpi for o in search.objectives])
        study.set_user_attr("fingerprint", mark)
        study.set_user_attr("scenario", scenario.name)
        study.set_user_attr("objectives", [o.model_dump() for o in search.objectives])
        study.set_user_attr("constraints", [c.label for c in search.constraints])
    elif stored != mark:
        raise LoyalsimError(
            f"study '{study_name}' in {storage_url} was built for a different scenario or search "
            "section; use another --study-name or --out to start a new study"
        )
    return study


def finished_count(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=FINISHED))


def make_sampler(name: str, search: SearchSpec, seed: int) -> optuna.samplers.BaseSampler:
    """The sampler ``name``; TPE and NSGA-II read the trials' constraint values."""
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=10, multivariate=True)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=20)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "grid":
        try:
            return optuna.samplers.GridSampler(grid_space(search), seed=seed)
        except ValueError as exc:
            raise LoyalsimError(f"--sampler grid: {exc}") from None
    raise LoyalsimError(f"--sampler {name}: unknown sampler (allowed: {', '.join(SAMPLERS)})")


def worker_seed(seed: int, worker: int, already: int) -> int:
    """Distinct sampler seeds per worker and per resumption, so no two runs replay proposals."""
    return int(np.random.SeedSequence([seed, worker, already]).generate_state(1)[0])


def run_trials(
    job: Job, worker: int = 0, callback: Callable[[optuna.Study, FrozenTrial], None] | None = None
) -> None:
    """Run trials of the study until it holds ``job.target`` finished trials (or time runs out)."""
    quiet_optuna()
    scenario = job.scenario_model()
    base, search = split(scenario)
    study = optuna.load_study(study_name=job.study_name, storage=open_storage(job.storage_url))
    already = finished_count(study)
    if already >= job.target:
        return
    study.sampler = make_sampler(job.sampler, search, worker_seed(job.seed, worker, already))
    objective = Objective(
        base=base,
        search=search,
        seed=scenario.seed,
        replications=search.trial_replications(scenario),
    )
    callbacks: list[Callable[[optuna.Study, FrozenTrial], None]] = [
        optuna.study.MaxTrialsCallback(job.target, states=FINISHED)
    ]
    if callback is not None:
        callbacks.append(callback)
    study.optimize(
        objective,
        n_trials=job.target - already,
        timeout=job.timeout,
        catch=(Exception,),
        callbacks=callbacks,
        gc_after_trial=False,
    )


def _worker_main(job: Job, worker: int) -> None:
    run_trials(job, worker)


def start_workers(job: Job, jobs: int) -> list[multiprocessing.process.BaseProcess]:
    """Start ``jobs`` worker processes on the shared storage (spawned: no inherited state)."""
    context = multiprocessing.get_context("spawn")
    processes: list[multiprocessing.process.BaseProcess] = [
        context.Process(target=_worker_main, args=(job, w), name=f"loyalsim-worker-{w}")
        for w in range(jobs)
    ]
    for p in processes:
        p.start()
    return processes


@dataclass(frozen=True)
class Snapshot:
    """What the progress line shows."""

    finished: int
    failed: int
    pareto: int
    best: dict[str, float]


def snapshot(study: optuna.Study, search: SearchSpec) -> Snapshot:
    """Trials done, size of the feasible Pareto front and best feasible value per objective."""
    trials = study.get_trials(deepcopy=False, states=FINISHED)
    done = [t for t in trials if t.state == TrialState.COMPLETE and feasible(t)]
    failed = sum(t.state == TrialState.FAIL for t in trials)
    directions = [o.direction for o in search.objectives]
    best: dict[str, float] = {}
    pareto = 0
    if done:
        values = np.array([t.values for t in done], dtype=float)
        pareto = int(pareto_mask(as_losses(values, directions)).sum())
        for i, o in enumerate(search.objectives):
            column = values[:, i]
            best[o.kpi] = float(column.max() if o.direction == "maximize" else column.min())
    return Snapshot(len(trials), failed, pareto, best)


def feasible(trial: FrozenTrial) -> bool:
    """All constraints satisfied (violation <= 0); trials without constraints are feasible."""
    return all(v <= 0 for v in trial.user_attrs.get("constraints", {}).values())
