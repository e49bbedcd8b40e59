"""The shipped example history and pilot: readable, consistent, and (slow test) exactly what the
documented command writes, so their truth is known (scenarios/coffee_app.yaml on 2,000 customers
over 39 weeks, the program launching after 13 of them, seed 0, replication 1).

The exact check is ``slow`` because any deliberate change to the model changes the simulated
bits: when it fails, regenerate the files with the command in docs/calibration.md section 6."""

from __future__ import annotations

import pandas as pd
import pytest
from support import ROOT

from loyalsim.cli.check_data_cmd import summary
from loyalsim.experiments.calibrate.transactions import read_transactions
from loyalsim.experiments.response.history import read_history, read_pilot
from loyalsim.experiments.response.pilot_moments import pilot_start
from loyalsim.experiments.response.simulated import (
    control_log,
    history_from_record,
    pilot_from_records,
    simulate_history,
)
from loyalsim.scenario.loader import load_scenario, with_overrides

HISTORY = ROOT / "examples" / "program_history"
PILOT = ROOT / "examples" / "pilot"
COMMAND_SETS = {"population.size": 2000, "horizon.weeks": 39, "program_launch": 91}
"""docs/calibration.md: loyalsim run scenarios/coffee_app.yaml --set population.size=2000
--set horizon.weeks=39 --set program_launch=91 --replications 1 --transactions
--transactions-format csv --pilot-share 0.5"""
START, END = pd.Timestamp("2026-01-05"), pd.Timestamp("2026-10-04")  # 39 weeks from start_date
LAUNCH = pd.Timestamp("2026-04-06")  # day 91: a 13-week pre-period


def read_examples() -> tuple:
    history = read_history(
        HISTORY / "transactions.csv",
        HISTORY / "members.csv",
        events=HISTORY / "points_events.csv",
        start=START,
        end=END,
    )
    pilot = read_pilot(PILOT / "pilot_transactions.csv", PILOT / "pilot_assignment.csv")
    return history, pilot, read_transactions(HISTORY / "control_transactions.csv")


def test_the_examples_are_a_consistent_history_and_pilot() -> None:
    history, pilot, control = read_examples()
    t, m = history.transactions, history.members
    assert t["customer"].nunique() > 1500 and m["enrolled"].notna().sum() > 100
    assert (t["points_redeemed"] > 0).sum() > 100 and (t["reward"] != "").any()
    assert set(t["customer"]) <= set(m["customer"])
    assert t["date"].min() >= START and t["date"].max() <= END
    moved = t[(t["points_earned"] > 0) | (t["points_redeemed"] > 0)]
    assert moved["date"].min() >= LAUNCH and m["enrolled"].min() >= LAUNCH
    assert (pilot.start, pilot_start(pilot)) == (START, LAUNCH.date())
    assert (t["date"] < LAUNCH).sum() > 5000  # the pre-period: purchases before the launch
    assert set(pilot.assignment["group"]) == {"treated", "control"}
    group = pilot.assignment.set_index("customer")["group"]
    treated = pilot.transactions[pilot.transactions["customer"].map(group) == "treated"]
    mine = t[t["customer"].map(group) == "treated"][["customer", "date", "amount"]]
    pd.testing.assert_frame_equal(treated.reset_index(drop=True), mine.reset_index(drop=True))
    controls = pilot.transactions[pilot.transactions["customer"].map(group) == "control"]
    theirs = control[control["customer"].map(group) == "control"]
    pd.testing.assert_frame_equal(controls.reset_index(drop=True), theirs.reset_index(drop=True))


def test_the_example_files_are_small() -> None:
    for path in [*HISTORY.iterdir(), *PILOT.iterdir()]:
        assert path.stat().st_size < 2_000_000, path


@pytest.mark.slow
def test_the_examples_are_the_documented_simulation() -> None:
    scenario = with_overrides(load_scenario(ROOT / "scenarios" / "coffee_app.yaml"), COMMAND_SETS)
    recorded = simulate_history(scenario)
    truth = history_from_record(recorded.program)
    history, pilot, control = read_examples()
    assert (truth.start, truth.end) == (START, END)
    hint = "regenerate examples/ with the command of docs/calibration.md section 6"
    for table in ("transactions", "members", "events"):
        got, expected = getattr(history, table), getattr(truth, table)
        assert expected is not None and got.shape == expected.shape, hint
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert truth.expiries is None  # no point reaches its expiry within 26 weeks of program
    assert recorded.control is not None
    pd.testing.assert_frame_equal(control, control_log(recorded.control), check_exact=True)
    simulated = pilot_from_records(recorded, 0.5)
    pd.testing.assert_frame_equal(pilot.transactions, simulated.transactions, check_exact=True)
    pd.testing.assert_frame_equal(pilot.assignment, simulated.assignment, check_exact=True)


def test_check_data_shows_the_pre_period_of_the_examples() -> None:
    history, pilot, _ = read_examples()
    assert summary(pilot).splitlines()[-1] == (
        "pre-period 2026-01-05 to 2026-04-05 (91 days), pilot from 2026-04-06"
    )
    assert (
        summary(history)
        .splitlines()[-1]
        .endswith(
            "91 days into the log: if the program launched then, calibrate-response "
            "--program-launch 2026-04-06"
        )
    )
