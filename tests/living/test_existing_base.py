"""A program that already runs on day 0: members with tenure, balances (in lots), tiers and
lapsed members; comparisons against keeping the current program and against no program."""

from __future__ import annotations

import numpy as np
import pytest
from support import ROOT, shipped

from loyalsim.engine.ledger import Ledger
from loyalsim.errors import DataError
from loyalsim.experiments.simulate import build_population, run_arm, simulate
from loyalsim.metrics import stats
from loyalsim.scenario.loader import load_scenario, with_overrides

BASE = {
    "member_share": 0.6,
    "balance": {"dist": "gamma", "shape": 1.2, "scale": 250},
    "lapsed_members": 0.25,
    "lapsed_days": {"dist": "uniform", "low": 30, "high": 400},
}


def with_base(scenario, **extra):
    return with_overrides(scenario, {"population.existing_base": {**BASE, **extra}})


def test_opening_lots_hold_the_balance_and_expire_within_their_lifetime() -> None:
    ledger = Ledger(3, 400)
    ledger.enable_lots(30, 14)  # a 365-day fixed expiry swept monthly
    idx = np.arange(3)
    ledger.open_balances(
        idx, np.array([100, 7, 50]), np.array([365, 20, 90]), np.array([-1, -5, -200])
    )
    ledger.check_identity()
    engaged = np.zeros(3, dtype=bool)
    lost = np.zeros(3, dtype=np.int64)
    for day in range(30, 400, 30):
        hit, points = ledger.expire_lot(day, engaged)
        lost[hit] += points
        ledger.check_identity()
        if day >= 13 * 30:
            break
    np.testing.assert_array_equal(lost, [100, 7, 50])  # all gone within 13 periods
    assert ledger.balance.sum() == 0


def test_opening_balances_come_first() -> None:
    ledger = Ledger(2, 10)
    ledger.issue(np.array([0]), np.array([5]), "purchase", 0)
    with pytest.raises(RuntimeError, match="before any other points"):
        ledger.open_balances(np.array([1]), np.array([3]), np.array([10]), np.array([-1]))


def test_points_identity_holds_with_opening_balances(grocer) -> None:
    result = simulate(with_base(grocer, lapsed_members=0.3), replications=1)
    k = result.replications[0].kpis
    assert k["points_opening"] > 0
    total = k["points_opening"] + k["points_issued"]
    assert total == k["points_redeemed"] + k["points_expired"] + k["points_outstanding"]
    weekly = result.weekly
    assert weekly["points_outstanding"].iloc[-1] == k["points_outstanding"]
    assert 0.0 <= k["breakage_rate"] <= 1.0 and 0.0 <= k["enrolment_rate"] <= 1.0


def test_existing_members_are_not_new_and_get_no_signup_bonus(grocer) -> None:
    plain = with_overrides(grocer, {"program.enrolment.initial_share": 0.0})
    based = with_base(plain, member_share=1.0, lapsed_members=0.0)
    rep = simulate(based, replications=1).replications[0]
    # every day-0 customer is a member already: nobody enrols, nobody earns a sign-up bonus
    assert rep.weekly["new_members"].sum() == 0
    assert rep.points_issued_by_source.get("signup_bonus", 0.0) == 0.0
    assert rep.kpis["enrolment_rate"] == 1.0


def test_the_no_program_baseline_ignores_the_running_program(grocer) -> None:
    """The control arm is the same with or without an existing base: the base's program state
    (members, balances, tiers, attachment) never enters the no-program world."""
    a = simulate(grocer, replications=1).weekly
    b = simulate(
        with_base(grocer, attachment={"dist": "beta", "a": 8, "b": 2}), replications=1
    ).weekly
    for column in ("control_revenue", "control_visits", "control_alive"):
        np.testing.assert_array_equal(a[column], b[column])
    assert not np.array_equal(a["revenue"], b["revenue"])


def test_keeping_the_same_program_is_no_change(grocer) -> None:
    based = with_base(grocer)
    same = with_overrides(based, {"current_program": based.model_dump(mode="json")["program"]})
    result = simulate(same, replications=1)
    k = result.summary
    for key in ("revenue", "profit", "incremental_profit_npv", "retention_rate", "liability"):
        assert k[f"{key}_vs_current"] == 0.0, key
    yearly = result.yearly
    current = yearly[yearly["arm"] == "current"].drop(columns="arm").reset_index(drop=True)
    program = yearly[yearly["arm"] == "program"].drop(columns="arm").reset_index(drop=True)
    assert current.equals(program)


def test_lapsed_balances_forfeit_faster_under_inactivity_expiry(grocer) -> None:
    based = with_base(grocer, member_share=0.0, lapsed_members=0.5)
    based = with_overrides(based, {"horizon": {"weeks": 8}, "program.enrolment.initial_share": 0.0})
    fixed = simulate(based, replications=1).summary
    idle = with_overrides(based, {"program.expiry": {"policy": "inactivity", "days": 25}})
    inactive = simulate(idle, replications=1).summary
    # lapsed for 30-400 days: inactivity of 25 days forfeits every lapsed balance at the first
    # weekly sweep; the 12-month fixed expiry only the lots older than a year (none)
    assert inactive["points_expired"] >= 0.99 * fixed["points_opening"]
    assert fixed["points_expired"] < 0.5 * fixed["points_opening"]


def test_members_keep_the_tier_they_hold() -> None:
    beauty = shipped("beauty_tiers", size=3000, weeks=4, reps=1)
    based = with_overrides(
        beauty,
        {
            "population.existing_base": {"member_share": 1.0, "tiers": {"Rouge": 0.2, "VIB": 0.3}},
            "program.enrolment.initial_share": 0.0,
        },
    )
    k = simulate(based).summary
    assert k["tier_share.Rouge"] == pytest.approx(0.2, abs=0.03)
    assert k["tier_share.VIB"] == pytest.approx(0.3, abs=0.03)


def test_a_member_file_gives_tenure_balances_tiers_and_lapsed(tmp_path, grocer) -> None:
    path = tmp_path / "members.csv"
    rows = ["customer_id,joined,balance,tier,status"]
    for i in range(300):
        status = "lapsed" if i % 3 == 0 else "active"
        rows.append(f"c{i},2024-0{1 + i % 9}-15,{200 + i},,{status}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    scenario = with_overrides(
        grocer,
        {
            "population.size": 600,
            "population.existing_base": {"members_file": str(path)},
            "program.enrolment.initial_share": 0.0,
        },
    )
    population = build_population(scenario, scenario.seed, 0)
    opening = population.opening
    members = opening.members
    alive_members = members[members < 600]
    assert len(alive_members) == pytest.approx(200, abs=45)  # 200 active members per 600
    assert (members >= 600).sum() == 100  # 100 lapsed members
    assert opening.balance[members].min() >= 200 and opening.balance[members].max() <= 499
    joined = opening.joined_day[alive_members]  # Jan to Sep 2024, the run starts 2026-01-05
    assert joined.min() >= -721 and joined.max() <= -477
    arm = run_arm(scenario, population, scenario.seed, 0, {}, True)
    arm.world.ledger.check_identity()
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,joined,balance\nc1,2024-13-01,5\n", encoding="utf-8")
    broken = with_overrides(scenario, {"population.existing_base": {"members_file": str(bad)}})
    with pytest.raises(DataError, match=r"bad.csv, line 2: joined '2024-13-01' is not a date"):
        build_population(broken, broken.seed, 0)


def test_the_shipped_program_change_runs_three_arms() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "grocer_expiry_change.yaml")
    assert scenario.current_program is not None and scenario.population.existing_base is not None
    small = with_overrides(scenario, {"population.size": 2000, "horizon": {"weeks": 20}})
    result = simulate(small, replications=1)
    assert set(result.yearly["arm"]) == {"program", "current", "control"}
    assert "profit_vs_current" in result.summary


@pytest.mark.slow
def test_the_shipped_change_beats_keeping_the_current_program() -> None:
    """The direction of the shipped scenario's expected results, at a third of its size: the
    change beats keeping the current program on profit and retention, and the current program
    loses money against no program. Whether the new rules pay back against no program (the
    full-size expected results: after about 16 months) is within the noise at this size
    (2 of 3 replications, 95% CI of incremental profit -$321k to +$476k), so it is not asserted."""
    scenario = load_scenario(ROOT / "scenarios" / "grocer_expiry_change.yaml")
    smaller = with_overrides(scenario, {"population.size": 4000})
    result = simulate(smaller)
    low, _ = result.confidence_intervals()["profit_vs_current"]
    assert low > 0
    assert result.summary["retention_rate_vs_current"] > 0
    table = result.kpi_table()
    current_vs_control = table["incremental_profit"] - table["profit_vs_current"]
    assert stats.mean_interval(current_vs_control.to_numpy(dtype=float)).high < 0
