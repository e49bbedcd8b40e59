"""Hook-level tests of status tiers: promotion at a threshold, demotion rules, the rolling
window, earn multipliers, perks and tier chasing (exact effects on a tiny world)."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import batch, mechanic, members, population, run_days, start_processes, world

TIERS = {
    "kind": "tiers",
    "qualify_on": "spend",
    "window_days": 91,
    "review_every_days": 28,
    "tiers": [
        {"name": "base", "threshold": 0},
        {"name": "silver", "threshold": 400, "earn_multiplier": 1.5},
        {"name": "gold", "threshold": 1200, "earn_multiplier": 2.0, "perk_cost_per_month": 3.65},
    ],
}


def _tiered(n: int = 3, days: int = 200, **changes):
    w = world(population(n), days=days)
    members(w)
    m = mechanic(TIERS | changes, w)
    start_processes(w, [m])
    return w, m


def test_tiers_set_names_and_base_multiplier_before_any_review() -> None:
    w, _ = _tiered()
    assert w.state.tier_names == ["base", "silver", "gold"]
    assert w.state.tier.tolist() == [0, 0, 0]
    assert w.state.earn_multiplier.tolist() == [1.0, 1.0, 1.0]


def test_a_review_promotes_members_whose_window_reaches_a_threshold() -> None:
    w, m = _tiered()
    before = w.attachment_of(np.arange(3))
    run_days(w, [m], range(29), visits={3: batch(w, 3, [0, 1, 2], [399.99, 400.0, 1200.0])})
    assert w.state.tier.tolist() == [0, 1, 2]
    assert w.state.earn_multiplier.tolist() == [1.0, 1.5, 2.0]
    assert m.kpis(w)["tier_promotions"] == 2.0
    after = w.attachment_of(np.arange(3))
    gain = 0.08 * 0.5  # promotion_gain x status_sensitivity
    assert after[0] == before[0]
    assert after[1] == pytest.approx(before[1] + gain * (1 - before[1]))
    assert after[2] == pytest.approx(before[2] + gain * (1 - before[2]))


def test_nothing_moves_before_the_first_review() -> None:
    w, m = _tiered()
    run_days(w, [m], range(28), visits={3: batch(w, 3, [2], 5000.0)})
    assert w.state.tier[2] == 0


def _gold_then_idle(demotion: str):
    w, m = _tiered(demotion=demotion)
    run_days(w, [m], range(113), visits={3: batch(w, 3, [0], 1500.0)})
    return w, m


def test_soft_demotion_drops_one_tier_per_review_once_the_window_forgot_the_spend() -> None:
    w, m = _gold_then_idle("soft")
    # Spend of day 3 leaves the 91-day window at the end of day 90: the day-84 review still
    # counts it, the day-112 review does not.
    assert w.state.tier[0] == 1 and m.kpis(w)["tier_demotions"] == 1.0
    run_days(w, [m], range(113, 141))
    assert w.state.tier[0] == 0 and m.kpis(w)["tier_demotions"] == 2.0


def test_hard_demotion_drops_to_the_tier_the_window_qualifies_for() -> None:
    w, _ = _gold_then_idle("hard")
    assert w.state.tier[0] == 0 and w.state.earn_multiplier[0] == 1.0


def test_no_demotion_keeps_the_tier() -> None:
    w, m = _gold_then_idle("none")
    assert w.state.tier[0] == 2 and m.kpis(w)["tier_demotions"] == 0.0


def test_a_recent_demotion_raises_the_dropout_factor_at_visits() -> None:
    w, m = _gold_then_idle("soft")  # demoted on day 112
    b = batch(w, 113, [0, 1])
    m.react(w, b)
    assert b.dropout_factor.tolist() == [1.0 + 0.5, 1.0]  # demotion_dropout 0.5


def test_points_qualification_counts_points_issued_each_day() -> None:
    w, m = _tiered(qualify_on="points")
    w.ledger.issue(np.array([1]), np.array([450]), "purchase", 2)
    run_days(w, [m], range(29))
    assert w.state.tier.tolist() == [0, 1, 0]


def test_gold_perks_cost_per_alive_member_per_day() -> None:
    w, m = _tiered()
    run_days(w, [m], range(30), visits={3: batch(w, 3, [0, 1], 1500.0)})
    # two gold members from day 28: 3.65 a month each = 0.12 a day each
    assert w.ledger.daily_money["tier_perk_cost"][28] == pytest.approx(2 * 3.65 * 12 / 365)
    assert w.ledger.daily_money["tier_perk_cost"][27] == 0.0


def test_members_near_a_threshold_chase_it_harder_as_the_review_approaches() -> None:
    w, m = _tiered()
    m.react(w, batch(w, 0, [0, 1], [300.0, 100.0]))
    chase, start = 0.3, 0.6
    near = (300.0 / 400.0 - start) / (1.0 - start)
    lift0, lift14 = m.visit_lift(w, 0), m.visit_lift(w, 14)
    assert lift0[0] == pytest.approx(near * chase * 0.5 * 0.5)  # urgency 0.5, status 0.5
    assert lift14[0] == pytest.approx(near * chase * 0.75 * 0.5)  # half way to the review
    assert lift0[1] == 0.0 and lift0[2] == 0.0  # 25% of the way: below chase_start
