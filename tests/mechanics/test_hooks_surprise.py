"""Hook-level tests of surprise and delight: how many gifts a budget buys, who gets them,
their cost and the attachment they bring."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import mechanic, members, population, run_days, start_processes, world

GIFTS = {"kind": "surprise", "every_days": 10, "budget_per_period": 10.0, "cost_per_gift": 4.0}


def _delight(pop=None, days: int = 25, **changes):
    w = world(pop or population(4), days=days)
    members(w, [0, 1, 2])
    m = mechanic(GIFTS | changes, w)
    start_processes(w, [m])
    return w, m


def test_each_round_gives_budget_over_cost_gifts_to_alive_members() -> None:
    w, m = _delight()
    run_days(w, [m], range(10))
    assert m.kpis(w)["surprise_gifts"] == 0.0  # the first round is on day 10
    run_days(w, [m], [10])
    assert m.kpis(w)["surprise_gifts"] == 2.0  # floor(10 / 4)
    assert w.ledger.daily_money["surprise_cost"][10] == 8.0
    run_days(w, [m], range(11, 21))
    assert m.kpis(w)["surprise_gifts"] == 4.0
    assert w.ledger.daily_money["surprise_cost"].sum() == 16.0


def test_gifts_raise_the_attachment_of_those_chosen_only() -> None:
    w, m = _delight()
    before = w.attachment_of(np.arange(4))
    run_days(w, [m], range(11))
    moved = w.attachment_of(np.arange(4)) > before
    assert moved.sum() == 2 and not moved[3]  # customer 3 is not a member
    # gain x sensitivity x (1 + boost x (1 - a)) = 0.1 x 0.5 x 1.5, of the gap to 1
    step = 0.1 * 0.5 * 1.5 * (1 - 0.5)
    assert w.attachment_of(np.flatnonzero(moved)).tolist() == pytest.approx([0.5 + step] * 2)


def test_high_value_targeting_picks_the_most_valuable_members() -> None:
    pop = population(4, rate=[0.1, 0.3, 0.2, 0.9], mean_spend=[10.0, 10.0, 20.0, 50.0])
    w, m = _delight(pop, targeting="high_value")
    before = w.attachment_of(np.arange(4))
    run_days(w, [m], range(11))
    moved = w.attachment_of(np.arange(4)) > before
    assert moved.tolist() == [False, True, True, False]  # values 1, 3, 4 (3 is no member)


def test_at_risk_targeting_skips_recent_visitors() -> None:
    w, m = _delight(targeting="at_risk", at_risk_days=5)
    w.last_visit[[0, 1]] = 8  # visited two days before the round
    before = w.attachment_of(np.arange(4))
    run_days(w, [m], range(11))
    moved = w.attachment_of(np.arange(4)) > before
    assert moved.tolist() == [False, False, True, False]
    assert m.kpis(w)["surprise_gifts"] == 1.0  # fewer targets than the budget allows
    assert w.ledger.daily_money["surprise_cost"][10] == 4.0


def test_a_budget_below_one_gift_schedules_nothing() -> None:
    w = world()
    m = mechanic(GIFTS | {"budget_per_period": 3.0}, w)
    assert list(m.processes(w)) == []
