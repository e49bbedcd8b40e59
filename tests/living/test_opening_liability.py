"""IFRS 15 with an existing base: the day-0 points are an opening contract liability, released
as those points are redeemed or expire, and ``opening + deferred - recognised = closing`` holds
every day and every year; a five-year horizon end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import ROOT, run_cli

from loyalsim.engine.ledger import Ledger
from loyalsim.experiments.simulate import run_replication
from loyalsim.metrics.ifrs15 import PointsAccounts, point_value, points_accounts, with_opening
from loyalsim.scenario.loader import with_overrides

BASE = {
    "member_share": 0.6,
    "balance": {"dist": "gamma", "shape": 1.2, "scale": 250},
    "lapsed_members": 0.25,
    "lapsed_days": {"dist": "uniform", "low": 30, "high": 400},
}


def no_run_accounts(days: int, breakage: float) -> PointsAccounts:
    zero = np.zeros(days)
    return PointsAccounts(zero, zero.copy(), zero.copy(), np.full(days, breakage))


def test_the_opening_liability_is_released_per_opening_point_closed() -> None:
    accounts = with_opening(no_run_accounts(4, 0.2), 1_000, np.array([100, 0, 400, 700]), 0.01)
    assert accounts.opening_liability == pytest.approx(1_000 * 0.01 * 0.8)  # 8.0
    assert accounts.opening_recognised is not None
    np.testing.assert_allclose(accounts.opening_recognised, [0.8, 0.0, 3.2, 4.0])  # capped at 8
    np.testing.assert_allclose(accounts.deferred_revenue, [7.2, 7.2, 4.0, 0.0], atol=1e-12)


def test_without_opening_points_nothing_changes() -> None:
    plain = no_run_accounts(3, 0.2)
    assert with_opening(plain, 0, np.zeros(3), 0.01) is plain


def test_the_ledger_closes_opening_points_first() -> None:
    ledger = Ledger(2, 5)
    ledger.open_balances(
        np.array([0, 1]), np.array([30, 10]), np.array([90, 90]), np.array([-1, -1])
    )
    ledger.issue(np.array([0, 1]), np.array([50, 50]), "purchase", 0)
    ledger.redeem(np.array([0, 1]), np.array([20, 25]), 1)  # 20 opening; 10 opening + 15 new
    np.testing.assert_array_equal(ledger.opening_left, [10, 0])
    assert ledger.daily_opening["redeemed"][1] == 30
    ledger.expire_all(np.array([0]), 2, np.zeros(1, dtype=bool))  # 10 opening + 50 new
    assert ledger.daily_opening["expired"][2] == 10
    np.testing.assert_array_equal(ledger.opening_left, [0, 0])
    ledger.check_identity()


@pytest.fixture(scope="module")
def based(grocer):
    scenario = with_overrides(
        grocer,
        {
            "population.existing_base": BASE,
            "population.size": 2000,
            "horizon": {"weeks": 60},
            "accounting.reestimate": "experience",
        },
    )
    return scenario, run_replication(scenario, 5, 0)


def test_an_existing_base_opens_with_its_points_liability(based) -> None:
    scenario, rep = based
    assert rep.arm is not None
    ledger = rep.arm.world.ledger
    opening_points = int(ledger.opening.sum())
    assert opening_points > 0
    accounts = points_accounts(scenario, rep.arm)
    b0 = float(accounts.breakage_estimate[0])
    expected = opening_points * point_value(scenario) * (1 - b0)
    assert accounts.opening_liability == pytest.approx(expected, rel=1e-12)
    assert rep.kpis["deferred_revenue_opening"] == pytest.approx(expected, rel=1e-12)
    # opening + allocated to date - recognised to date = liability, every day
    rolled = accounts.opening_liability + np.cumsum(accounts.allocated - accounts.recognised)
    np.testing.assert_allclose(accounts.deferred_revenue, rolled, rtol=1e-12, atol=1e-9)
    # the opening part is released only as opening points close, never beyond the liability
    assert accounts.opening_recognised is not None
    released = float(accounts.opening_recognised.sum())
    closed = int((ledger.opening - ledger.opening_left).sum())
    assert released == pytest.approx(accounts.opening_liability * closed / opening_points)
    assert 0 < released <= accounts.opening_liability
    k = rep.kpis
    assert k["deferred_revenue"] == pytest.approx(
        k["deferred_revenue_opening"]
        + k["points_revenue_allocated"]
        - k["recognised_points_revenue"],
        rel=1e-12,
    )


def test_without_a_base_the_opening_liability_is_zero(grocer) -> None:
    small = with_overrides(grocer, {"population.size": 1000, "horizon": {"weeks": 8}})
    k = run_replication(small, 5, 0).kpis
    assert k["deferred_revenue_opening"] == 0.0
    assert k["deferred_revenue"] == pytest.approx(
        k["points_revenue_allocated"] - k["recognised_points_revenue"], rel=1e-12
    )


def test_five_years_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "five"
    scenario = ROOT / "scenarios" / "grocer_expiry_change.yaml"
    done = run_cli(  # in process: the years, not the process boundary, are tested
        "run", str(scenario), "--out", str(out), "--replications", "2",
        "--set", "horizon={years: 5}", "--set", "population.size=1200",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    yearly = pd.read_csv(out / "yearly.csv")
    for (replication, arm), rows in yearly.groupby(["replication", "arm"]):
        assert list(rows["year"]) == [1, 2, 3, 4, 5], (replication, arm)
        assert (rows["days"] == 365).all()
    program = yearly[yearly["arm"] != "control"]
    assert program["deferred_revenue_opening"].iloc[0] > 0  # the running program's points
    rolled = (
        program["deferred_revenue_opening"]
        + program["points_revenue_allocated"]
        - program["recognised_points_revenue"]
    )
    np.testing.assert_allclose(program["deferred_revenue"], rolled, rtol=1e-9)
    for _, rows in program.groupby(["replication", "arm"]):
        closing = rows["deferred_revenue"].to_numpy()[:-1]
        np.testing.assert_array_equal(rows["deferred_revenue_opening"].to_numpy()[1:], closing)
    summary = json.loads((out / "summary.json").read_text())
    kpis = summary["kpis"]
    assert np.isfinite(kpis["incremental_profit_npv"])
    low, high = summary["kpis_ci95"]["incremental_profit_npv"]
    assert low <= kpis["incremental_profit_npv"] <= high
    assert "payback_days" in kpis  # null when the program never pays back within 5 years
    per_rep = yearly[yearly["arm"] == "program"].groupby("replication")
    npv = per_rep["discounted_incremental_profit"].sum().to_numpy()
    np.testing.assert_allclose(summary["kpis_per_replication"]["incremental_profit_npv"], npv)
