"""How many trials count towards ``--trials``, and whether a new trial may still run.

Workers (of one command or of several sharing a storage) decide independently when the study
is full, so two of them could both start the last trial. Each trial therefore asks for a turn
as soon as it exists: it may run only while the counted trials plus the RUNNING trials ahead of
it (lower numbers, assigned by the storage) stay below the target. A trial that would overshoot
waits for the trials ahead (one of them may still fail without counting) and, if the study is
full once they end, is closed as PRUNED with the user attribute ``surplus``: it never ran, has no
parameters and does not count, so the study ends with exactly the requested trials.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import optuna
from optuna.trial import FrozenTrial, TrialState

FINISHED = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
SURPLUS = "surplus"
"""User attribute of a trial closed because the study was already full."""
TURN_POLL_SECONDS = 0.5


def counted(trial: FrozenTrial) -> bool:
    """Counts towards ``--trials``: complete, pruned by a pruner, or failed because of the
    design (the objective records an ``error``); not a trial interrupted by its process's death
    nor a surplus trial."""
    if trial.state == TrialState.FAIL:
        return "error" in trial.user_attrs
    if trial.state == TrialState.PRUNED:
        return SURPLUS not in trial.user_attrs
    return trial.state == TrialState.COMPLETE


def finished_count(study: optuna.Study) -> int:
    """Trials that count towards the target."""
    return sum(counted(t) for t in study.get_trials(deepcopy=False, states=FINISHED))


def may_run(
    study: optuna.Study,
    number: int,
    target: int,
    reap: Callable[[], object] | None = None,
    poll: float = TURN_POLL_SECONDS,
) -> bool:
    """Whether trial ``number`` may run without the study exceeding ``target`` counted trials.

    Waits while the trials ahead of it could still leave room (calling ``reap`` between looks,
    so trials of dead workers do not block it); False once the study is full."""
    while True:
        trials = study.get_trials(deepcopy=False)
        done = sum(counted(t) for t in trials if t.state in FINISHED)
        ahead = sum(t.state == TrialState.RUNNING and t.number < number for t in trials)
        if done >= target:
            return False
        if done + ahead < target:
            return True
        if reap is not None:
            reap()
        time.sleep(poll)
