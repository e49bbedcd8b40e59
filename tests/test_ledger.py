"""Ledger identities: exact for every customer, every operation sequence, every scenario."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import SCENARIOS, small

from loyalsim.ledger import Ledger, LedgerError
from loyalsim.scenario.loader import load_scenario
from loyalsim.simulate import simulate


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
    assert (
        k["points_issued"] == k["points_redeemed"] + k["points_expired"] + k["points_outstanding"]
    )
    assert k["points_issued"] == sum(ledger.issued_by_source.values())
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
