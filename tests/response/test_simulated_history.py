"""Simulated program histories and pilots: the recorder changes nothing, its log accounts for
every unit of revenue and every point, and the files round-trip through the readers exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import shipped

import loyalsim.experiments.response.simulated as simulated_module
from loyalsim.engine.recorder import ArmRecord, TransactionRecorder
from loyalsim.experiments.calibrate.transactions import read_transactions
from loyalsim.experiments.lru import Lru
from loyalsim.experiments.response.history import (
    TRANSACTION_COLUMNS,
    read_history,
    read_pilot,
)
from loyalsim.experiments.response.simulated import (
    Recorded,
    control_log,
    history_from_record,
    pilot_from_records,
    simulate_history,
)
from loyalsim.experiments.simulate import simulate
from loyalsim.outputs.history_files import write_simulated
from loyalsim.scenario.loader import with_overrides

SCENARIOS = ("coffee_app", "grocer_points_expiry", "restaurant_coalition", "beauty_tiers")
"""Visit earning with expiry and bonuses, fixed-period expiry, partners' points (earned and
burnt without a visit), tiers with vouchers."""


@pytest.fixture(scope="module", params=SCENARIOS)
def recorded(request: pytest.FixtureRequest) -> tuple[str, Recorded]:
    scenario = shipped(request.param, size=1500, weeks=30, reps=1)
    return request.param, simulate_history(scenario)


def test_the_recorder_changes_no_result() -> None:
    scenario = shipped("coffee_app", size=1500, weeks=20, reps=2)
    plain = simulate(scenario)
    recorder = TransactionRecorder(replication=None)
    watched = simulate(scenario, observers=[recorder])
    assert set(recorder.records) == {"program", "control"}
    for a, b in zip(plain.replications, watched.replications, strict=True):
        assert list(a.kpis) == list(b.kpis)
        values = [np.array(list(r.kpis.values()), dtype=float) for r in (a, b)]
        assert np.array_equal(*values, equal_nan=True)  # bit for bit
        pd.testing.assert_frame_equal(a.weekly, b.weekly, check_exact=True)
        pd.testing.assert_frame_equal(a.yearly, b.yearly, check_exact=True)


def _same_records(a: ArmRecord, b: ArmRecord) -> bool:
    return all(
        np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
        for x, y in zip(vars(a).values(), vars(b).values(), strict=True)
    )


def test_a_kept_control_arm_gives_the_records_of_a_fresh_one(monkeypatch) -> None:
    # a calibration's parameter points meet the control arm recorded for the first one
    scenario = shipped("coffee_app", size=1500, weeks=20, reps=1)
    other = with_overrides(
        scenario, {"behaviour.goal_gradient": 1.0, "program.referral.referrer_bonus": 10}
    )
    monkeypatch.setattr(simulated_module, "_CONTROL_RECORDS", Lru(4))
    cold = simulate_history(other)
    runs = {"control arms": 0}
    run = simulated_module.run_arm

    def counted(*args: object, **kwargs: object) -> object:
        runs["control arms"] += not args[5]  # with_program
        return run(*args, **kwargs)

    monkeypatch.setattr(simulated_module, "run_arm", counted)
    monkeypatch.setattr(simulated_module, "_CONTROL_RECORDS", Lru(4))
    simulate_history(scenario)
    warm = simulate_history(other)
    assert runs["control arms"] == 1
    assert cold.control is not None and warm.control is not None
    assert _same_records(warm.control, cold.control)
    assert _same_records(warm.program, cold.program)
    with pytest.raises(ValueError, match="read-only"):
        warm.control.amount[0] = 0.0


def test_revenue_and_points_are_accounted_for(recorded: tuple[str, Recorded]) -> None:
    name, rec = recorded
    history = history_from_record(rec.program)
    t = history.transactions
    totals = rec.program.points_totals
    events = history.events if history.events is not None else t.iloc[:0]
    assert int(t["points_earned"].sum() + events["points_earned"].sum()) == totals["issued"]
    assert int(t["points_redeemed"].sum() + events["points_redeemed"].sum()) == totals["redeemed"]
    expired = 0 if history.expiries is None else int(history.expiries["points"].sum())
    assert expired == totals["expired"]
    # the log sums the same visit amounts as the day's revenue, in another order: float
    # rounding only (relative 1e-12 is ~1e4 times the rounding of a sum of 1e5 terms)
    scenario = shipped(name, size=1500, weeks=30, reps=1)
    arm_revenue = simulate(scenario).replications[0].arm.daily["revenue"].sum()
    assert t["amount"].sum() == pytest.approx(arm_revenue, rel=1e-12)
    assert len(t) == len(t.drop_duplicates(["customer", "date"]))  # one row a customer-day
    assert (t.loc[t["reward"] != "", "points_redeemed"] > 0).all()


def test_history_has_the_contract_columns_and_types(recorded: tuple[str, Recorded]) -> None:
    _, rec = recorded
    history = history_from_record(rec.program)
    t, m = history.transactions, history.members
    assert tuple(t.columns) == TRANSACTION_COLUMNS
    assert str(t["date"].dtype) == "datetime64[ns]" and str(m["enrolled"].dtype) == "datetime64[ns]"
    assert t["amount"].dtype == np.float64
    assert t["points_earned"].dtype == np.int64 and t["points_redeemed"].dtype == np.int64
    assert (t["date"] == t["date"].dt.normalize()).all()
    assert history.start <= t["date"].min() and t["date"].max() <= history.end
    assert set(t["customer"]) <= set(m["customer"])
    enrolled = m.dropna(subset=["enrolled"])
    assert len(enrolled) == int((rec.program.enrol_day > -(10**9)).sum())


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_written_files_read_back_identical(
    recorded: tuple[str, Recorded], fmt: str, tmp_path: Path
) -> None:
    _, rec = recorded
    written = write_simulated(rec, tmp_path, fmt, pilot_share=0.4)
    history = history_from_record(rec.program)
    read = read_history(
        tmp_path / f"transactions.{fmt}",
        tmp_path / "members.csv",
        expiries=tmp_path / f"expiries.{fmt}" if f"expiries.{fmt}" in written else None,
        events=tmp_path / f"points_events.{fmt}" if f"points_events.{fmt}" in written else None,
        start=history.start,
        end=history.end,
    )
    for table in ("transactions", "members", "expiries", "events"):
        expected, got = getattr(history, table), getattr(read, table)
        if expected is None:
            assert got is None
        else:
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert (read.start, read.end) == (history.start, history.end)
    pilot = pilot_from_records(rec, 0.4)
    back = read_pilot(tmp_path / f"pilot_transactions.{fmt}", tmp_path / "pilot_assignment.csv")
    pd.testing.assert_frame_equal(back.transactions, pilot.transactions, check_exact=True)
    pd.testing.assert_frame_equal(back.assignment, pilot.assignment, check_exact=True)
    assert rec.control is not None  # the control log reads as a calibrate log
    log = read_transactions(tmp_path / f"control_transactions.{fmt}")
    pd.testing.assert_frame_equal(log, control_log(rec.control), check_exact=True)


def test_pilot_takes_each_group_from_its_arm(recorded: tuple[str, Recorded]) -> None:
    _, rec = recorded
    assert rec.control is not None
    pilot = pilot_from_records(rec, 0.5)
    group = pilot.assignment.set_index("customer")["group"]
    program = history_from_record(rec.program).transactions
    control = control_log(rec.control)
    for frame, wanted in ((program, "treated"), (control, "control")):
        mine = frame[frame["customer"].map(group) == wanted][["customer", "date", "amount"]]
        theirs = pilot.transactions[pilot.transactions["customer"].map(group) == wanted]
        pd.testing.assert_frame_equal(
            theirs.reset_index(drop=True), mine.reset_index(drop=True), check_exact=True
        )
    share = (pilot.assignment["group"] == "treated").mean()
    n = len(pilot.assignment)
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / n)  # binomial, 4 standard errors


def test_the_memory_budget_counts_the_recorded_visits_on_the_high_side(
    recorded: tuple[str, Recorded],
) -> None:
    from loyalsim.experiments import budget

    name, rec = recorded
    scenario = shipped(name, size=1500, weeks=30, reps=1)
    plain = budget.estimate(scenario, 1)
    extra = budget.with_recording(plain, scenario).memory - plain.memory
    assert rec.control is not None
    visits = rec.program.row.size + rec.control.row.size
    assert visits * budget.RECORDED_VISIT_BYTES <= extra <= 5 * visits * budget.RECORDED_VISIT_BYTES
