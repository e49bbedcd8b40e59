"""Ledger identities: exact for every customer, every operation sequence, every scenario."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import SCENARIOS, shipped, small

from loyalsim.engine.ledger import Ledger, LedgerError
from loyalsim.experiments.simulate import simulate
from loyalsim.scenario.loader import load_scenario, with_overrides


def test_fifo_lots_expire_oldest_points_first() -> None:
    ledger = Ledger(size=2, days=100)
    ledger.enable_lots(period_days=10, lifetime_periods=3)
    both = np.array([0, 1])
    ledger.issue(both, np.array([5, 7]), "purchase", day=0)  # lot of period 0
    ledger.issue(both, np.array([3, 1]), "purchase", day=12)  # lot of period 1
    ledger.redeem(np.array([0]), np.array([6]), day=15)  # takes 5 from lot 0, 1 from lot 1
    idx, points = ledger.expire_lot(day=30, engaged=np.array([True, False]))  # lot 0 lapses
    assert idx.tolist() == [1] and points.tolist() == [7]
    idx, points = ledger.expire_lot(day=40, engaged=np.array([True, False]))  # lot 1 lapses
    assert idx.tolist() == [0, 1] and points.tolist() == [2, 1]
    assert ledger.balance.tolist() == [0, 0]
    assert ledger.expired_engaged == 2
    ledger.check_identity()


def test_ledger_refuses_to_break_the_identity() -> None:
    ledger = Ledger(size=1, days=5)
    ledger.issue(np.array([0]), np.array([10]), "purchase", 0)
    with pytest.raises(LedgerError):
        ledger.redeem(np.array([0]), np.array([11]), 1)
    with pytest.raises(LedgerError):
        ledger.issue(np.array([0]), np.array([-1]), "purchase", 1)
    with pytest.raises(LedgerError):
        ledger.enable_lots(7, 2)


operation = st.tuples(
    st.sampled_from(["issue", "redeem", "expire_all", "sweep"]),
    st.lists(st.integers(0, 9), min_size=1, max_size=10, unique=True),
    st.integers(0, 50),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(operation, max_size=40), st.booleans())
def test_identity_holds_for_any_operation_sequence(ops, lots: bool) -> None:
    ledger = Ledger(size=10, days=len(ops) + 1)
    if lots:
        ledger.enable_lots(period_days=2, lifetime_periods=3)
    engaged = np.arange(10) % 2 == 0
    for day, (op, who, amount) in enumerate(ops):
        idx = np.array(sorted(who))
        if op == "issue":
            ledger.issue(idx, np.full(idx.size, amount), "purchase", day)
        elif op == "redeem":
            ledger.redeem(idx, np.minimum(amount, ledger.balance[idx]), day)
        elif op == "expire_all":
            ledger.expire_all(idx, day, engaged[idx])
        elif lots:
            ledger.expire_lot(day, engaged)
    ledger.check_identity()
    issued, redeemed = ledger.issued.sum(), ledger.redeemed.sum()
    assert issued == redeemed + ledger.expired.sum() + ledger.balance.sum()
    assert ledger.daily_points["expired"].sum() == ledger.expired.sum()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_identities_hold_on_every_shipped_scenario(path) -> None:
    scenario = small(load_scenario(path), size=1500, weeks=40, reps=1)
    result = simulate(scenario)
    (rep,) = result.replications
    assert rep.arm is not None
    ledger = rep.arm.world.ledger
    ledger.check_identity()
    k = rep.kpis
    held = k["points_opening"] + k["points_issued"]  # day-0 balances of an existing base
    assert held == k["points_redeemed"] + k["points_expired"] + k["points_outstanding"]
    scale = scenario.population.scale  # totals are reported at population.represents
    assert k["points_issued"] == scale * sum(ledger.issued_by_source.values())
    assert k["profit"] == pytest.approx(
        k["revenue"] * scenario.economics.gross_margin + k["program_income"] - k["program_cost"],
        rel=1e-12,
    )
    assert k["incremental_profit"] == pytest.approx(k["profit"] - k["control_profit"], rel=1e-12)
    weekly = rep.weekly
    assert weekly["points_issued"].sum() == k["points_issued"]
    assert weekly["points_outstanding"].iloc[-1] == k["points_outstanding"]
    assert weekly["revenue"].sum() == pytest.approx(k["revenue"], rel=1e-12)
    assert weekly["program_cost"].sum() == pytest.approx(k["program_cost"], rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    earning=st.sampled_from(
        [{"kind": "spend_earning", "points_per_unit": 2.5}, {"kind": "visit_earning"}]
    ),
    goal=st.integers(1, 40),
    expiry=st.sampled_from(
        [
            {"policy": "none"},
            {"policy": "inactivity", "days": 20, "sweep_every_days": 3},
            {"policy": "fixed_period", "days": 30, "sweep_every_days": 7},
            {"policy": "fixed_period", "days": 1, "sweep_every_days": 1},
        ]
    ),
    bonus=st.integers(0, 50),
    seed=st.integers(0, 2**32 - 1),  # SEED_MAX: what every RNG consumer accepts
)
def test_identities_hold_for_random_designs(earning, goal, expiry, bonus, seed) -> None:
    base = shipped("coffee_punch_card", size=300, weeks=10, reps=1)
    scenario = with_overrides(
        base,
        {
            "seed": seed,
            "program.stamps": earning,
            "program.rewards.catalogue[0].points": goal,
            "program.expiry": expiry,
            "program.enrolment.signup_bonus": bonus,
            "program.enrolment.initial_share": 0.5,
        },
    )
    rep = simulate(scenario).replications[0]
    rep.arm.world.ledger.check_identity()
    k = rep.kpis
    assert (
        k["points_issued"] == k["points_redeemed"] + k["points_expired"] + k["points_outstanding"]
    )
    assert 0 <= k["breakage_rate"] <= 1 or k["points_issued"] == 0


@pytest.mark.parametrize("kind", ["issued", "redeemed", "expired"])
def test_identity_check_catches_a_tampered_daily_total(kind: str) -> None:
    ledger = Ledger(size=2, days=3)
    ledger.issue(np.array([0, 1]), np.array([4, 6]), "purchase", 0)
    ledger.redeem(np.array([1]), np.array([2]), 1)
    ledger.expire_all(np.array([0]), 2, np.array([True]))
    ledger.check_identity()
    ledger.daily_points[kind][2] += 1
    with pytest.raises(LedgerError, match=kind):
        ledger.check_identity()
