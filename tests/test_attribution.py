"""Program cost and income per customer: mechanics book every cost with the customers it
concerns, the operating cost is shared by days as a member, and the parts add up to the
program's totals in every shipped scenario (so segments split them exactly)."""

from __future__ import annotations

import numpy as np
import pytest
from support import SCENARIOS

from loyalsim.experiments.simulate import run_replication
from loyalsim.metrics.attribution import member_days, per_customer, share_out
from loyalsim.metrics.summary import daily_accounts
from loyalsim.scenario.loader import load_scenario, with_overrides


@pytest.fixture(scope="module", params=SCENARIOS, ids=[p.stem for p in SCENARIOS])
def arm(request):
    scenario = load_scenario(request.param)
    small = {"population.size": 1500, "horizon": {"weeks": 20}, "replications": 1}
    replication = run_replication(with_overrides(scenario, small), 3, 0)
    assert replication.arm is not None
    return replication.arm


def test_every_mechanic_cost_is_booked_with_its_customers(arm) -> None:
    """Apart from the operating cost, nothing needs sharing out: each account's customer parts
    add up to the account (a mechanic that books money without ``who`` fails here)."""
    costs, income = daily_accounts(arm)
    carried = arm.world.ledger.customer_money
    for account, series in {**costs, **income}.items():
        if account == "operating_cost":
            continue
        total = float(series.sum())
        mine = float(carried[account].sum()) if account in carried else 0.0
        assert mine == pytest.approx(total, rel=1e-9, abs=1e-9), account


def test_customer_costs_and_income_add_up_to_the_program_totals(arm) -> None:
    costs, income = daily_accounts(arm)
    cost, earned = per_customer(arm)
    assert cost.sum() == pytest.approx(sum(float(s.sum()) for s in costs.values()), rel=1e-12)
    assert earned.sum() == pytest.approx(sum(float(s.sum()) for s in income.values()), abs=1e-6)
    assert (cost >= -1e-9).all()
    never = ~arm.world.member
    # customers who never joined carry no operating cost (it is shared by days as a member)
    operating = share_out(float(costs["operating_cost"].sum()), member_days(arm))
    assert (operating[never] == 0).all()


def test_the_sharing_key_is_days_as_a_member() -> None:
    key = np.array([0.0, 10.0, 30.0])
    np.testing.assert_allclose(share_out(8.0, key), [0.0, 2.0, 6.0])
    np.testing.assert_allclose(share_out(9.0, np.zeros(3)), [3.0, 3.0, 3.0])


EXTRA = {
    "splitting": {"kind": "splitting", "share": 0.5, "max_transactions": 3,
                  "cost_per_transaction": 0.05},
    "referral": {"kind": "referral", "referrer_bonus": 2, "referee_bonus": 1,
                 "cash_cost_per_referral": 2.0, "referrals_per_year": 2.0, "capacity": 0.2},
    "actions": {"kind": "actions", "actions": [
        {"name": "review", "points": 2, "per_week": 1.0, "adoption": 0.5, "cost_per_action": 0.2}]},
    "birthday": {"kind": "birthday", "gift_cost": 1.1, "gift_value": 4.5, "gift_type": "product"},
    "acquisition": {"kind": "acquisition", "inflow_lift": 0.5, "bonus_points": 1,
                    "cost_per_acquired": 4.0},
}  # fmt: skip
"""Mechanics with costs that no shipped scenario runs."""


@pytest.mark.parametrize("kind", sorted(EXTRA))
def test_mechanics_outside_the_shipped_scenarios_book_with_their_customers(kind) -> None:
    coffee = load_scenario(next(p for p in SCENARIOS if p.stem == "coffee_punch_card"))
    overrides = {"population.size": 1500, "horizon": {"weeks": 20}, "replications": 1,
                 f"program.{kind}": EXTRA[kind]}  # fmt: skip
    if kind == "acquisition":
        overrides["population.segments[0].arrivals_per_week"] = 50.0
    replication = run_replication(with_overrides(coffee, overrides), 3, 0)
    arm = replication.arm
    assert arm is not None
    costs, _ = daily_accounts(arm)
    booked = [a for a, s in costs.items() if a != "operating_cost" and float(s.sum()) > 0]
    assert booked, "the mechanic booked no cost: the test would prove nothing"
    for account in booked:
        total = float(costs[account].sum())
        assert arm.world.ledger.customer_money[account].sum() == pytest.approx(total, rel=1e-9)
