"""Create or resume a study and run trials in this process or in worker processes.

The study is created once, by the command, before any worker starts (and concurrent commands
on an empty storage are serialised, see :mod:`.storage`). Each worker then loads it by name from
the shared storage and runs trials until the study holds the target number of *counted*
trials: complete, pruned, or failed with an error of the design. A trial whose process died
(SIGKILL, a lost machine) is marked FAIL without an error and does not count, so a study that
was killed and resumed still ends with the requested number of complete trials. Every trial
asks for a turn before it samples (see :mod:`.quota`), so workers racing for the last trials
never overshoot the target.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from loyalsim.errors import LoyalsimError
from loyalsim.experiments.optimize.objective import Objective
from loyalsim.experiments.optimize.pareto import as_losses, pareto_mask
from loyalsim.experiments.optimize.quota import FINISHED, counted, finished_count, may_run
from loyalsim.experiments.optimize.samplers import SAMPLERS
from loyalsim.experiments.optimize.space import grid_space
from loyalsim.experiments.optimize.storage import open_storage, quiet_optuna, retrying
from loyalsim.scenario.loader import validate_data
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.search import SearchSpec


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
    study = retrying(
        lambda: optuna.create_study(
            storage=storage, study_name=study_name, directions=directions, load_if_exists=True
        )
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


UNTAGGED_GRACE_SECONDS = 10.0
"""A RUNNING trial not yet tagged with its worker (killed while its parameters were being
sampled) is taken as interrupted once this old; sampling never takes that long."""


def reap_interrupted(study: optuna.Study, wait: bool = True) -> int:
    """Mark FAIL the RUNNING trials whose worker process on this host is dead (and untagged
    ones older than :data:`UNTAGGED_GRACE_SECONDS`, waiting for young ones when ``wait``), so
    no trial stays RUNNING after a resume. Trials of live workers and of other hosts are left
    to their workers and to the storage heartbeat. Returns the number marked."""
    host = socket.gethostname()
    reaped = 0
    while True:
        young = False
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            worker = str(trial.user_attrs.get("worker", ""))
            if worker:
                where, _, pid = worker.rpartition(":")
                dead = where == host and pid.isdigit() and not _alive(int(pid))
            else:
                started = trial.datetime_start.timestamp() if trial.datetime_start else 0.0
                dead = time.time() - started > UNTAGGED_GRACE_SECONDS
                young = young or not dead
            if dead:
                try:
                    study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
                    reaped += 1
                except (ValueError, RuntimeError):  # finished meanwhile by its worker
                    pass
        if not (young and wait):
            return reaped
        time.sleep(1.0)


def _reap_now(study: optuna.Study) -> None:
    """Close the trials of dead workers: on this host by PID, elsewhere by the storage
    heartbeat (RDB storages)."""
    reap_interrupted(study, wait=False)
    optuna.storages.fail_stale_trials(study)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


UNCOUNTED_ALLOWANCE = 10
"""Extra trials a worker may start beyond the target, for trials that end without counting
(a storage error before the objective ran); the callback stops it at the target first."""


class StopAtTarget:
    """Stop the study once it holds ``target`` counted trials (see :func:`counted`)."""

    def __init__(self, target: int) -> None:
        self.target = target

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        if finished_count(study) >= self.target:
            study.stop()


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
        turn=lambda trial: may_run(study, trial.number, job.target, lambda: _reap_now(study)),
    )
    callbacks: list[Callable[[optuna.Study, FrozenTrial], None]] = [StopAtTarget(job.target)]
    if callback is not None:
        callbacks.append(callback)
    study.optimize(
        objective,
        n_trials=job.target - already + UNCOUNTED_ALLOWANCE,
        timeout=job.timeout,
        catch=(Exception,),
        callbacks=callbacks,
        gc_after_trial=False,
    )


def _worker_main(job: Job, worker: int) -> None:
    from loyalsim.experiments.watchdog import watch_parent

    watch_parent()
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
    trials = [t for t in study.get_trials(deepcopy=False, states=FINISHED) if counted(t)]
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
