"""Simulated pilots: the shape of the observed one, and goal-gradient recovery from a pilot."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from recovery import END, START, scenario

from loyalsim.experiments.response.calibrate import calibrate_response
from loyalsim.experiments.response.estimate import Settings
from loyalsim.experiments.response.pilot_moments import pilot_start
from loyalsim.experiments.response.replicas import (
    PilotShape,
    over_period,
    replicate_history,
    replicate_pilot,
)
from loyalsim.scenario.loader import with_overrides

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
