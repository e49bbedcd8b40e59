"""Hook-level tests of experiences: seats by tier then lot, capacity, points access, cost,
and how a seat and a miss feel."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import mechanic, members, population, run_days, start_processes, world

EVENT = {"name": "tasting", "first_day": 5, "capacity": 2, "cost_per_seat": 30.0}


def _events(n: int = 3, days: int = 30, event: dict | None = None, **changes):
    # demand 0.5 x 2 x experience_seeking 1: every eligible member wants a seat
    w = world(population(n, experience_seeking=1.0), days=days)
    members(w)
    spec = {"kind": "experiences", "events": [EVENT | (event or {})], "demand": 0.5}
    m = mechanic(spec | changes, w, name="club")
    start_processes(w, [m])
    return w, m


def test_seats_go_to_higher_tiers_first_and_the_rest_are_disappointed() -> None:
    w, m = _events()
    w.state.tier[:] = [0, 2, 1]
    before = w.attachment_of(np.arange(3))
    run_days(w, [m], range(6))
    assert m.kpis(w) == {"experience_attendees": 2.0, "experience_disappointed": 1.0}
    assert dict(w.ledger.cost_by_type) == {"experience": 60.0}
    assert w.ledger.daily_money["reward_cost"][5] == 60.0
    after = w.attachment_of(np.arange(3))
    assert after[1] > before[1] and after[2] > before[2]
    # the base-tier member missed out: loses disappointment_loss x 2 x seeking of attachment
    assert after[0] == pytest.approx(before[0] * (1 - 0.05 * 2.0))


def test_nothing_happens_before_the_first_day_and_a_one_off_runs_once() -> None:
    w, m = _events(days=60)
    run_days(w, [m], range(5))
    assert m.kpis(w)["experience_attendees"] == 0.0
    run_days(w, [m], range(5, 60))
    assert m.kpis(w)["experience_attendees"] == 2.0


def test_a_recurring_event_is_held_every_every_days() -> None:
    w, m = _events(days=30, event={"every_days": 10})
    run_days(w, [m], range(30))  # days 5, 15, 25
    assert m.kpis(w)["experience_attendees"] == 6.0
    assert w.ledger.cost_by_type["experience"] == 180.0


def test_points_events_admit_only_members_who_can_pay_and_charge_the_price() -> None:
    w, m = _events(event={"access": "points", "points_price": 50, "capacity": 5})
    w.ledger.issue(np.arange(3), np.array([49, 50, 80]), "purchase", 0)
    run_days(w, [m], range(6))
    assert m.kpis(w) == {"experience_attendees": 2.0, "experience_disappointed": 0.0}
    assert w.ledger.balance.tolist() == [49, 0, 30]
    w.ledger.check_identity()


def test_tier_events_admit_only_tiers_with_experience_access() -> None:
    w = world(population(2, experience_seeking=1.0), days=10)
    members(w)
    mechanic(
        {
            "kind": "tiers",
            "tiers": [
                {"name": "base", "threshold": 0},
                {"name": "gold", "threshold": 100, "experience_access": True},
            ],
        },
        w,
    )
    w.state.tier[:] = [0, 1]
    spec = {"kind": "experiences", "events": [EVENT | {"access": "tier"}], "demand": 0.5}
    m = mechanic(spec, w)
    start_processes(w, [m])
    run_days(w, [m], range(6))
    assert m.kpis(w) == {"experience_attendees": 1.0, "experience_disappointed": 0.0}


def test_no_demand_fills_no_seat() -> None:
    w, m = _events(demand=0.0)
    run_days(w, [m], range(6))
    assert m.kpis(w) == {"experience_attendees": 0.0, "experience_disappointed": 0.0}
    assert not w.ledger.cost_by_type
