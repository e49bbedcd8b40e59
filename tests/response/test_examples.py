"""The shipped example history and pilot are what the documented command writes (a known truth:
scenarios/coffee_app.yaml on 2,000 customers over 26 weeks, seed 0, replication 1)."""

from __future__ import annotations

import pandas as pd
from support import ROOT

from loyalsim.experiments.calibrate.transactions import read_transactions
from loyalsim.experiments.response.history import read_history, read_pilot
from loyalsim.experiments.response.simulated import (
    control_log,
    history_from_record,
    pilot_from_records,
    simulate_history,
)
from loyalsim.scenario.loader import load_scenario, with_overrides

HISTORY = ROOT / "examples" / "program_history"
PILOT = ROOT / "examples" / "pilot"
COMMAND_SETS = {"population.size": 2000, "horizon.weeks": 26}
"""docs/calibration.md: loyalsim run scenarios/coffee_app.yaml --set population.size=2000
--set horizon.weeks=26 --replications 1 --transactions --transactions-format csv
--pilot-share 0.5"""


def test_the_examples_are_the_documented_simulation() -> None:
    scenario = with_overrides(load_scenario(ROOT / "scenarios" / "coffee_app.yaml"), COMMAND_SETS)
    recorded = simulate_history(scenario)
    truth = history_from_record(recorded.program)
    read = read_history(
        HISTORY / "transactions.csv",
        HISTORY / "members.csv",
        events=HISTORY / "points_events.csv",
        start=truth.start,
        end=truth.end,
    )
    pd.testing.assert_frame_equal(read.transactions, truth.transactions, check_exact=True)
    pd.testing.assert_frame_equal(read.members, truth.members, check_exact=True)
    assert truth.events is not None and read.events is not None
    pd.testing.assert_frame_equal(read.events, truth.events, check_exact=True)
    assert truth.expiries is None  # no point reaches its expiry within 26 weeks
    assert recorded.control is not None
    control = read_transactions(HISTORY / "control_transactions.csv")
    pd.testing.assert_frame_equal(control, control_log(recorded.control), check_exact=True)
    pilot = pilot_from_records(recorded, 0.5)
    back = read_pilot(PILOT / "pilot_transactions.csv", PILOT / "pilot_assignment.csv")
    pd.testing.assert_frame_equal(back.transactions, pilot.transactions, check_exact=True)
    pd.testing.assert_frame_equal(back.assignment, pilot.assignment, check_exact=True)


def test_the_example_files_are_small() -> None:
    for path in [*HISTORY.iterdir(), *PILOT.iterdir()]:
        assert path.stat().st_size < 2_000_000, path
