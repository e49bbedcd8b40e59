"""Hook-level tests of spend and visit earning on a hand-built world (exact points)."""

from __future__ import annotations

import numpy as np
from hook_support import batch, mechanic, members, population, world


def test_spend_earning_credits_floor_of_spend_times_rate_to_members_above_min_spend() -> None:
    w = world()
    members(w, [0, 1, 2])
    m = mechanic({"kind": "spend_earning", "points_per_unit": 2, "min_spend": 5}, w)
    m.earn(w, batch(w, 3, [0, 1, 2, 3], [10.6, 4.9, 7.25, 100.0]))
    # 21.2 -> 21; below min_spend -> 0; 14.5 -> 14; customer 3 is not a member -> 0
    assert w.ledger.balance.tolist() == [21, 0, 14, 0]
    assert w.ledger.issued_by_source["purchase"] == 35
    assert w.ledger.daily_points["issued"][3] == 35
    assert w.ledger.last_activity[0] == 3 and w.ledger.last_activity[1] < 0
    w.ledger.check_identity()


def test_spend_earning_applies_the_tier_earn_multiplier() -> None:
    w = world()
    members(w)
    m = mechanic({"kind": "spend_earning", "points_per_unit": 1}, w)
    w.state.earn_multiplier[:] = [1.0, 1.5, 2.0, 0.5]
    m.earn(w, batch(w, 0, [0, 1, 2, 3], 9.9))
    assert w.ledger.balance.tolist() == [9, 14, 19, 4]


def test_spend_earning_expects_rate_times_mean_spend_points_per_visit() -> None:
    w = world(population(3, mean_spend=[10.0, 20.0, 5.0]))
    mechanic({"kind": "spend_earning", "points_per_unit": 2}, w)
    assert np.allclose(w.state.points_per_visit, [20.0, 40.0, 10.0])


def test_visit_earning_gives_stamps_per_till_transaction_whose_ticket_reaches_min_spend() -> None:
    w = world()
    members(w)
    m = mechanic({"kind": "visit_earning", "points_per_visit": 2, "min_spend": 3}, w)
    b = batch(w, 1, [0, 1, 2, 3], [5.0, 9.0, 8.0, 2.0])
    b.transactions[:] = [1, 3, 3, 1]  # tickets 5, 3, 2.67, 2
    m.earn(w, b)
    assert w.ledger.balance.tolist() == [2, 6, 0, 0]


def test_visit_earning_sets_the_split_threshold_and_points_per_visit() -> None:
    w = world()
    assert w.state.split_threshold is None
    mechanic({"kind": "visit_earning", "points_per_visit": 3, "min_spend": 4.5}, w)
    assert w.state.split_threshold == 4.5
    assert w.state.points_per_visit.tolist() == [3.0] * 4


def test_visit_earning_rounds_multiplied_stamps_down() -> None:
    w = world()
    members(w)
    m = mechanic({"kind": "visit_earning", "points_per_visit": 1}, w)
    w.state.earn_multiplier[:] = 1.5
    m.earn(w, batch(w, 0, [0, 1], 10.0))
    assert w.ledger.balance.tolist() == [1, 1, 0, 0]
