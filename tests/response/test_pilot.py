"""Simulated pilots: the shape of the observed one, and goal-gradient recovery from a pilot."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from recovery import END, START, scenario
from support import ROOT

from loyalsim.errors import DataError
from loyalsim.experiments.response.calibrate import calibrate_response
from loyalsim.experiments.response.estimate import Settings
from loyalsim.experiments.response.pilot_moments import pilot_start, pre_period_visits
from loyalsim.experiments.response.replicas import (
    PilotShape,
    over_period,
    replicate_history,
    replicate_pilot,
)
from loyalsim.experiments.response.simulated import (
    control_log,
    pilot_from_records,
    simulate_history,
)
from loyalsim.scenario.loader import load_scenario, with_overrides

SHAPE = PilotShape(dt.date(2025, 10, 1), START, dt.date(2026, 6, 30), 0.3)


def test_simulated_pilot_has_the_observed_shape() -> None:
    pilot = replicate_pilot(scenario(600), SHAPE, 3, 0)
    assert pilot_start(pilot) == START
    share = (pilot.assignment["group"] == "treated").mean()
    assert abs(share - 0.3) < 4 * (0.3 * 0.7 / 600) ** 0.5
    dates = pilot.transactions["date"]
    assert dates.min() >= pd.Timestamp(SHAPE.start) and dates.max() <= pd.Timestamp(SHAPE.end)
    assert (dates < pd.Timestamp(START)).any()  # a pre-period without the program
    again = replicate_pilot(scenario(600), SHAPE, 3, 0)
    pd.testing.assert_frame_equal(pilot.transactions, again.transactions)


@pytest.mark.slow
def test_goal_gradient_recovered_from_a_history_and_a_pilot() -> None:
    """3,000 customers: the goal gradient is pinned and covered; a membership lift of 0.05 is
    too small for this pilot to pin down (it keeps its prior)."""
    truth = with_overrides(
        scenario(3000), {"behaviour.goal_gradient": 2.5, "behaviour.membership_lift": 0.05}
    )
    history = replicate_history(over_period(truth, START, END), 101, 0)
    pilot = replicate_pilot(truth, SHAPE, 101, 0)
    names = ["goal_gradient", "membership_lift"]
    result = calibrate_response(scenario(3000), history, pilot, names, Settings(max_evaluations=20))
    lo, hi = result.fit.interval(0)
    assert result.identification.pinned["goal_gradient"] and lo <= 2.5 <= hi
    assert not result.identification.pinned["membership_lift"]


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    return (
        frame[["customer", "date", "amount"]]
        .sort_values(["customer", "date"])
        .reset_index(drop=True)
    )


def test_simulated_pilot_is_one_continuous_history() -> None:
    """No seam at the launch: control customers' logs are the control arm of one run from the
    pre-period's start, treated customers' logs that run's program arm, whose days before the
    launch are the control arm's (so lapses and habits carry into the pilot)."""
    pilot = replicate_pilot(scenario(600), SHAPE, 3, 0)
    run = over_period(scenario(600), SHAPE.start, SHAPE.end, SHAPE.launch)
    assert run.launch_day == (START - SHAPE.start).days
    recorded = simulate_history(run, 3, 0)
    assert recorded.control is not None
    program, control = control_log(recorded.program), control_log(recorded.control)
    groups = pilot.assignment.set_index("customer")["group"]
    treated = set(groups.index[groups == "treated"])
    mine = pilot.transactions[pilot.transactions["customer"].isin(treated)]
    theirs = pilot.transactions[~pilot.transactions["customer"].isin(treated)]
    pd.testing.assert_frame_equal(
        _rows(theirs), _rows(control[control["customer"].isin(set(groups.index) - treated)])
    )
    pd.testing.assert_frame_equal(_rows(mine), _rows(program[program["customer"].isin(treated)]))
    launch = pd.Timestamp(START)
    before = control[control["customer"].isin(treated) & (control["date"] < launch)]
    pd.testing.assert_frame_equal(_rows(mine[mine["date"] < launch]), _rows(before))
    after = control[control["customer"].isin(treated) & (control["date"] >= launch)]
    assert not _rows(mine[mine["date"] >= launch]).equals(_rows(after))


def test_a_pilot_with_a_pre_period_refuses_an_existing_base() -> None:
    grocer = load_scenario(ROOT / "scenarios" / "grocer_expiry_change.yaml")
    with pytest.raises(DataError, match=r"population\.existing_base says the program already"):
        replicate_pilot(grocer, SHAPE, 3, 0)


def test_the_written_pilot_starts_at_the_launch_with_the_days_before_as_pre_period() -> None:
    launched = with_overrides(scenario(800), {"program_launch": 40, "horizon": {"weeks": 20}})
    recorded = simulate_history(launched, 3, 0)
    pilot = pilot_from_records(recorded, 0.5)
    assert pilot_start(pilot) == launched.start_date + dt.timedelta(days=40)
    assert recorded.control is not None
    control = control_log(recorded.control)
    launch = pd.Timestamp(pilot_start(pilot))
    pd.testing.assert_frame_equal(
        _rows(pilot.transactions[pilot.transactions["date"] < launch]),
        _rows(control[control["date"] < launch]),
    )
    assert pre_period_visits(pilot).size > 100  # customers with visits before the launch
