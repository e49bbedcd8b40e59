"""Hook-level tests of personalised offers: who is contacted, what a response and a use
cost, and the visit lift while an offer is valid."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import batch, mechanic, members, population, run_days, start_processes, world

OFFER = {
    "kind": "offers",
    "every_days": 14,
    "inactive_days": 14,
    "contact_cost": 0.1,
    "offer": "discount",
    "discount": 5.0,
    "response_rate": 1.0,
    "window_days": 7,
    "lift": 2.0,
}


def _campaign(n: int = 3, **changes):
    w = world(population(n, reward_sensitivity=1.0), days=60)
    members(w)
    m = mechanic(OFFER | changes, w, name="winback")
    start_processes(w, [m])
    return w, m


def test_a_campaign_contacts_members_inactive_for_inactive_days() -> None:
    w, m = _campaign()
    run_days(w, [m], range(14), visits={10: batch(w, 10, [0])})
    w.last_visit[0] = 10  # the engine stamps visits after the visit phases
    run_days(w, [m], [14])
    # customer 0 visited 4 days ago; 1 and 2 joined 14 days ago and never came back
    assert m.kpis(w) == {"offer_contacts": 2.0, "offer_responders": 2.0, "offers_used": 0.0}
    assert w.ledger.daily_money["contact_cost"][14] == pytest.approx(0.2)
    lift = m.visit_lift(w, 15)
    assert lift.tolist() == [0.0, 2.0, 2.0]
    assert m.visit_lift(w, 14 + 7)[1] == 0.0  # the window is days 14..20


def test_dead_members_and_non_members_are_not_contacted() -> None:
    w = world(population(3, reward_sensitivity=1.0), days=30)
    members(w, [0, 1])
    w.defect(np.array([1]))
    m = mechanic(OFFER, w)
    start_processes(w, [m])
    run_days(w, [m], range(15))
    assert m.kpis(w)["offer_contacts"] == 1.0


def test_using_a_discount_offer_books_its_cost_once() -> None:
    w, m = _campaign()
    run_days(w, [m], range(16), visits={15: batch(w, 15, [1, 2])})
    assert w.ledger.daily_money["offer_cost"][15] == pytest.approx(10.0)
    assert m.kpis(w)["offers_used"] == 2.0
    m.earn(w, batch(w, 16, [1]))
    assert m.kpis(w)["offers_used"] == 2.0  # used up: no second discount
    assert m.visit_lift(w, 16).tolist() == [2.0, 0.0, 0.0]  # customer 0 has not used it


def test_a_bonus_points_offer_credits_points_when_used() -> None:
    w, m = _campaign(offer="bonus_points", discount=0.0, bonus_points=50)
    run_days(w, [m], range(16), visits={15: batch(w, 15, [1])})
    assert w.ledger.balance.tolist() == [0, 50, 0]
    assert w.ledger.issued_by_source["offer"] == 50
    assert w.ledger.daily_money["offer_cost"].sum() == 0.0


def test_nobody_responds_at_a_zero_response_rate() -> None:
    w, m = _campaign(response_rate=0.0)
    run_days(w, [m], range(15))
    assert m.kpis(w)["offer_contacts"] == 3.0 and m.kpis(w)["offer_responders"] == 0.0


def test_max_contacts_caps_a_campaign() -> None:
    w, m = _campaign(n=5, max_contacts=2)
    run_days(w, [m], range(15))
    assert m.kpis(w)["offer_contacts"] == 2.0
    assert w.ledger.daily_money["contact_cost"][14] == pytest.approx(0.2)


def test_attachment_targeting_selects_members_at_or_below_the_threshold() -> None:
    w = world(population(3, attachment=[0.2, 0.3, 0.9], reward_sensitivity=1.0), days=30)
    members(w)
    m = mechanic(OFFER | {"inactive_days": None, "max_attachment": 0.3}, w)
    start_processes(w, [m])
    run_days(w, [m], range(15))
    assert m.visit_lift(w, 15).tolist() == [2.0, 2.0, 0.0]


def test_two_instances_draw_from_their_own_streams() -> None:
    w, _ = _campaign()
    a = mechanic(OFFER, w, name="a")
    b = mechanic(OFFER, w, name="b")
    assert a.stream(w, "contact") is w.stream("offers[a]:contact")
    assert b.stream(w, "contact") is not a.stream(w, "contact")
