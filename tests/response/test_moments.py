"""Moments of a hand-made history and pilot, computed by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from loyalsim.experiments.response.history import Pilot, ProgramHistory
from loyalsim.experiments.response.history_moments import history_contributions
from loyalsim.experiments.response.moments import MomentDesign, bootstrap
from loyalsim.experiments.response.pilot_moments import pilot_contributions

START = dt.date(2026, 1, 1)
END = dt.date(2026, 12, 31)
DAYS = [0, 10, 20, 30, 40, 50]


def _history(balance: int | None = None) -> ProgramHistory:
    dates = pd.to_datetime([START + dt.timedelta(days=d) for d in DAYS])
    tx = pd.DataFrame(
        {
            "customer": "a",
            "date": dates,
            "amount": 5.0,
            "points_earned": np.ones(6, dtype=np.int64),
            "points_redeemed": np.array([0, 0, 0, 3, 0, 0], dtype=np.int64),
            "reward": ["", "", "", "gift", "", ""],
        }
    )
    members = pd.DataFrame({"customer": ["a"], "enrolled": pd.to_datetime([START])})
    if balance is not None:
        members["balance"] = [balance]
    expiries = pd.DataFrame(
        {"customer": ["a"], "date": pd.to_datetime([START + dt.timedelta(days=45)]), "points": [2]}
    )
    return ProgramHistory(tx, members, START, END, expiries)


def _values(history: ProgramHistory) -> tuple[dict[str, float], dict[str, float]]:
    contrib, moments = history_contributions(history, MomentDesign(goal_points=3, forfeits=True))
    totals = contrib.values.sum(axis=0)
    value = dict(zip(moments.names, moments.evaluate(totals), strict=True))
    count = dict(zip(moments.names, moments.counts(totals), strict=True))
    return value, count


def test_history_moments_by_hand() -> None:
    """Balances run 1, 2, 3 (affords; not redeemed), 4 -> 1 (redeems 3), 2, forfeit of 2 -> 0,
    then 1. Gaps are 10 days; the last visit's gap is censored at the 56-day cap."""
    value, count = _values(_history())
    assert count["redeem_first_afford"] == 1 and value["redeem_first_afford"] == 0.0
    assert count["redeem_later_afford"] == 1 and value["redeem_later_afford"] == 1.0
    assert value["gap_after_reward"] == 10.0
    assert value["gap_second_after_reward"] == 10.0
    assert value["gap_before_reward"] == 10.0
    assert value["gap_progress_1"] == (10.0 + 56.0) / 2  # balances 1 (day 0) and 1 (day 50)
    assert value["gap_progress_2"] == 10.0  # balances 2 (days 10 and 40)
    assert value["gap_progress_4"] == 10.0  # balance 3 on day 20
    assert value["lapse_after_forfeit"] == 0.0  # back on day 50, within 60 days


def test_opening_balance_from_the_final_balance() -> None:
    """A final balance of 5 with net flows of +1 means 4 points on the first day: every visit
    then already affords the 3-point reward, and one of the six redeems."""
    value, count = _values(_history(balance=5))
    assert count["redeem_first_afford"] == 0
    assert count["redeem_later_afford"] == 6
    assert value["redeem_later_afford"] == pytest.approx(1 / 6)


def test_pilot_with_identical_arms_has_no_lift() -> None:
    """Treated and control customers with the same visits: every lift and the retention
    difference are exactly 0."""
    launch = START + dt.timedelta(days=100)
    rows = []
    for k, days in enumerate([[1, 50, 120, 300], [20, 150], [5, 6, 7, 110, 360]]):
        for group in ("t", "c"):
            rows += [(f"{group}{k}", START + dt.timedelta(days=d)) for d in days]
    tx = pd.DataFrame(rows, columns=["customer", "date"]).assign(amount=4.0)
    tx["date"] = pd.to_datetime(tx["date"])
    assignment = pd.DataFrame(
        {
            "customer": [f"{g}{k}" for k in range(3) for g in ("t", "c")],
            "group": ["treated", "control"] * 3,
            "start": pd.Timestamp(launch),
        }
    )
    design = MomentDesign(goal_points=3, lift_edges=(2.0,))
    contrib, moments = pilot_contributions(Pilot(tx, assignment, START, END), design)
    values = moments.evaluate(contrib.values.sum(axis=0))
    assert moments.names == ["pilot_lift_0", "pilot_lift_1", "pilot_retention_diff"]
    assert np.all(values == 0.0)


def test_bootstrap_draws_resample_customers() -> None:
    """Poisson bootstrap totals average to the observed totals (within 4 standard errors)."""
    history = _history()
    contrib, _ = history_contributions(history, MomentDesign(goal_points=3))
    draws = bootstrap(contrib, 400, seed=1)
    totals = contrib.values.sum(axis=0)
    assert draws.shape == (400, contrib.values.shape[1])
    se = draws.std(axis=0) / np.sqrt(400)
    assert np.all(np.abs(draws.mean(axis=0) - totals) <= 4 * se + 1e-12)


def test_pilot_without_pre_period_is_one_lift_group_of_everyone() -> None:
    """A pilot whose log starts at launch: one lift group holding every assigned customer."""
    tx = pd.DataFrame(
        {
            "customer": ["t0", "t0", "t0", "c0", "c0", "c1"],
            "date": pd.to_datetime([START + dt.timedelta(days=d) for d in (1, 2, 3, 1, 2, 9)]),
            "amount": 1.0,
        }
    )
    assignment = pd.DataFrame(
        {
            "customer": ["t0", "t1", "c0", "c1"],
            "group": ["treated", "treated", "control", "control"],
            "start": pd.Timestamp(START),
        }
    )
    contrib, moments = pilot_contributions(Pilot(tx, assignment, START, END), MomentDesign(3))
    values = dict(zip(moments.names, moments.evaluate(contrib.values.sum(axis=0)), strict=True))
    assert list(values) == ["pilot_lift_0", "pilot_retention_diff"]
    assert values["pilot_lift_0"] == (3 / 2) / (3 / 2) - 1.0
