"""A trial that would overshoot ``--trials`` waits for the trials ahead of it and runs only if
one of them ends without counting; once the study is full it is a surplus."""

from __future__ import annotations

import threading

import optuna
from optuna.trial import TrialState

from loyalsim.experiments.optimize.quota import SURPLUS, counted, finished_count, may_run


def study_with(complete: int) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    for _ in range(complete):
        study.tell(study.ask(), 1.0)
    return study


def decide_later(study: optuna.Study, number: int, target: int) -> tuple[threading.Thread, list]:
    answer: list[bool] = []
    thread = threading.Thread(
        target=lambda: answer.append(may_run(study, number, target, poll=0.01)), daemon=True
    )
    thread.start()
    return thread, answer


def test_room_left_runs_at_once() -> None:
    study = study_with(2)
    mine = study.ask()
    assert may_run(study, mine.number, target=3)


def test_a_full_study_refuses_at_once() -> None:
    study = study_with(3)
    assert not may_run(study, study.ask().number, target=3)


def test_the_last_place_goes_to_the_lower_number_and_the_other_waits() -> None:
    study = study_with(2)
    first, second = study.ask(), study.ask()
    assert may_run(study, first.number, target=3)
    thread, answer = decide_later(study, second.number, target=3)
    thread.join(0.3)
    assert thread.is_alive() and answer == []  # waits while the first may still count
    study.tell(first, 1.0)
    thread.join(5)
    assert answer == [False]
    assert finished_count(study) == 3


def test_a_trial_ahead_that_dies_uncounted_gives_its_place() -> None:
    study = study_with(2)
    first, second = study.ask(), study.ask()
    thread, answer = decide_later(study, second.number, target=3)
    thread.join(0.3)
    assert answer == []
    study.tell(first, state=TrialState.FAIL)  # its worker died: no "error", does not count
    thread.join(5)
    assert answer == [True]


def test_surplus_and_interrupted_trials_do_not_count() -> None:
    study = study_with(1)
    surplus = study.ask()
    surplus.set_user_attr(SURPLUS, True)
    study.tell(surplus, state=TrialState.PRUNED)
    pruned = study.ask()
    study.tell(pruned, state=TrialState.PRUNED)
    design_error = study.ask()
    design_error.set_user_attr("error", "ValueError: bad design")
    study.tell(design_error, state=TrialState.FAIL)
    study.tell(study.ask(), state=TrialState.FAIL)
    marks = [counted(t) for t in study.get_trials()]
    assert marks == [True, False, True, True, False]
