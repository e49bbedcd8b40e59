"""Hook-level tests of transaction splitting: tickets per basket when per-visit earning
pays, none otherwise, and the extra till cost."""

from __future__ import annotations

import pytest
from hook_support import batch, mechanic, members, population, world

SPLIT = {"kind": "splitting", "share": 1.0, "max_transactions": 3, "min_ticket": 1.5}


def test_tracking_members_split_baskets_into_tickets_of_the_threshold() -> None:
    w = world(population(5, engaged=[True, True, True, False, True]))
    members(w)
    mechanic({"kind": "visit_earning", "min_spend": 2.0}, w)
    m = mechanic(SPLIT | {"cost_per_transaction": 0.05}, w)
    spend = [7.0, 3.9, 100.0, 100.0, 4.0]
    b = batch(w, 2, [0, 1, 2, 3, 4], spend)
    m.shape_basket(w, b)
    # 7 / 2 -> 3 tickets; 3.9 -> 1 (no split); 100 -> capped at 3; passive member: no split;
    # 4 / 2 -> 2 tickets
    assert b.transactions.tolist() == [3, 1, 3, 1, 2]
    assert b.spend.tolist() == spend  # the total stays
    k = m.kpis(w)
    assert k["extra_transactions"] == 5.0 and k["split_visit_share"] == 0.6
    assert w.ledger.daily_money["transaction_cost"][2] == pytest.approx(0.25)


def test_min_ticket_binds_when_above_the_earning_threshold() -> None:
    w = world()
    members(w)
    mechanic({"kind": "visit_earning", "min_spend": 0.0}, w)
    m = mechanic(SPLIT | {"max_transactions": 10}, w)
    b = batch(w, 0, [0], 7.0)
    m.shape_basket(w, b)
    assert b.transactions.tolist() == [4]  # floor(7 / 1.5)


def test_splitting_is_inert_under_spend_earning() -> None:
    w = world()
    members(w)
    mechanic({"kind": "spend_earning", "points_per_unit": 1}, w)
    m = mechanic(SPLIT, w)
    b = batch(w, 0, [0, 1], 50.0)
    m.shape_basket(w, b)
    assert b.transactions.tolist() == [1, 1]
    assert m.kpis(w) == {"split_visit_share": 0.0, "extra_transactions": 0.0}


def test_nobody_splits_at_a_zero_share() -> None:
    w = world()
    members(w)
    mechanic({"kind": "visit_earning"}, w)
    m = mechanic(SPLIT | {"share": 0.0}, w)
    b = batch(w, 0, [0, 1], 50.0)
    m.shape_basket(w, b)
    assert b.transactions.tolist() == [1, 1]
