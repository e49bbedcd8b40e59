"""A program history that starts before the program did (``--program-launch``): the simulated
histories launch the program on the same day, and the days before it are the enrolment
moments' pre-period."""

from __future__ import annotations

import datetime as dt

import pytest
from recovery import END, START, scenario
from support import ROOT

from loyalsim.errors import DataError
from loyalsim.experiments.response.calibrate import (
    calibrate_response,
    late_points_hint,
    launch_within,
)
from loyalsim.experiments.response.estimate import Settings
from loyalsim.experiments.response.history import ProgramHistory
from loyalsim.experiments.response.inputs import parse_date
from loyalsim.experiments.response.replicas import over_period, replicate_history
from loyalsim.scenario.loader import load_scenario, with_overrides

LAUNCH = dt.date(2026, 4, 6)  # day 91
SETTINGS = Settings(simulations=1, seed=9, bootstrap=20, max_evaluations=3)


@pytest.fixture(scope="module")
def observed() -> ProgramHistory:
    """A 600-customer history whose first 91 days are before the launch (seed 9)."""
    return replicate_history(over_period(scenario(600), START, END, LAUNCH), 9, 0)


def test_the_history_has_a_pre_period(observed: ProgramHistory) -> None:
    tx = observed.transactions
    moved = tx[(tx["points_earned"] > 0) | (tx["points_redeemed"] > 0)]
    assert moved["date"].min().date() >= LAUNCH
    assert (tx["date"].dt.date < LAUNCH).sum() > 1000


def test_the_fit_launches_the_program_where_the_history_did(observed: ProgramHistory) -> None:
    """On the data's own seed at the data's own parameters, the simulated history is the
    observed one to the bit, so the objective is exactly 0 with the launch and above 0 when the
    simulated program runs from the first day."""
    result = calibrate_response(
        scenario(600), observed, None, ["goal_gradient"], SETTINGS, program_launch=LAUNCH
    )
    assert result.program_launch == LAUNCH
    assert result.design.pre_days == (LAUNCH - START).days == result.scenario.launch_day
    assert result.fit.start_objective == 0.0
    from_day_0 = calibrate_response(scenario(600), observed, None, ["goal_gradient"], SETTINGS)
    assert from_day_0.program_launch is None and from_day_0.scenario.launch_day == 0
    assert from_day_0.fit.start_objective > 1.0
    from_scenario = calibrate_response(
        with_overrides(scenario(600), {"program_launch": 91}),
        observed,
        None,
        ["goal_gradient"],
        SETTINGS,
    )
    assert from_scenario.program_launch == LAUNCH
    assert from_scenario.fit.u.tolist() == result.fit.u.tolist()


@pytest.mark.parametrize(
    ("launch", "needle"),
    [
        (START, "--program-launch 2026-01-05: must lie after the history's first day"),
        (END, "--program-launch 2026-12-31: must lie after"),
    ],
)
def test_a_launch_outside_the_history_is_an_error(
    observed: ProgramHistory, launch: dt.date, needle: str
) -> None:
    with pytest.raises(DataError, match=needle):
        launch_within(scenario(600), observed, END, launch)


def test_a_late_points_start_without_a_launch_is_pointed_out(observed: ProgramHistory) -> None:
    hint = late_points_hint(observed, scenario(600), None)
    assert hint is not None and "--program-launch 2026-04-06" in hint
    assert late_points_hint(observed, scenario(600), LAUNCH) is None
    launched = with_overrides(scenario(600), {"program_launch": 91})
    assert late_points_hint(observed, launched, None) is None
    from_day_0 = replicate_history(over_period(scenario(600), START, END), 9, 0)
    assert late_points_hint(from_day_0, scenario(600), None) is None


def test_a_launch_that_is_not_a_date_names_the_option() -> None:
    with pytest.raises(DataError, match="--program-launch 'someday': not a date"):
        parse_date("someday", "--program-launch")


def test_a_later_launch_refuses_a_program_that_already_runs() -> None:
    grocer = load_scenario(ROOT / "scenarios" / "grocer_expiry_change.yaml")
    with pytest.raises(DataError, match=r"population\.existing_base says the program already"):
        over_period(grocer, START, END, LAUNCH)
    assert over_period(grocer, START, END).launch_day == 0
