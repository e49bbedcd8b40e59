"""Hook-level tests of non-purchase actions: adopters, points and cost per action, and the
points members expect from them."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import mechanic, members, population, world

REVIEW = {
    "name": "review",
    "points": 15,
    "per_week": 1e5,  # a daily chance of 1 - exp(-huge) == 1.0
    "adoption": 1.0,
    "cost_per_action": 0.3,
}


def _actions(engaged=True, passive_adoption: float = 0.0, **action):
    w = world(population(3, engaged=engaged))
    members(w, [0, 1])
    spec = {"kind": "actions", "actions": [REVIEW | action], "passive_adoption": passive_adoption}
    return w, mechanic(spec, w)


def test_adopting_members_act_and_earn_the_actions_points_each_day() -> None:
    w, m = _actions()
    before = w.attachment_of(np.arange(3))
    m.close_day(w, 0)
    m.close_day(w, 1)
    assert w.ledger.balance.tolist() == [30, 30, 0]  # customer 2 is not a member
    assert w.ledger.issued_by_source["action:review"] == 60
    assert w.ledger.daily_money["actions_cost"][1] == pytest.approx(0.6)
    after = w.attachment_of(np.arange(3))
    assert (after[:2] > before[:2]).all() and after[2] == before[2]
    k = m.kpis(w)
    assert k["actions_taken"] == 4.0 and k["action_points"] == 60.0
    assert k["action_engaged_share"] == 1.0


def test_passive_members_adopt_at_the_passive_rate() -> None:
    w, m = _actions(engaged=[True, False, False], passive_adoption=0.0)
    m.close_day(w, 0)
    assert w.ledger.balance.tolist() == [15, 0, 0]
    assert m.kpis(w)["action_engaged_share"] == 0.5


def test_an_action_worth_no_points_still_counts_and_costs() -> None:
    w, m = _actions(points=0)
    m.close_day(w, 0)
    assert w.ledger.issued.sum() == 0
    assert m.kpis(w)["actions_taken"] == 2.0
    assert w.ledger.daily_money["actions_cost"][0] == pytest.approx(0.6)


def test_action_points_count_in_the_points_members_expect_per_visit() -> None:
    w, _ = _actions(per_week=7.0)  # 15 points a day for adopters, at 0.2 visits a day
    assert w.state.points_per_visit.tolist() == pytest.approx([75.0] * 3)
