"""Hook-level tests of the reward catalogue: redemption when the balance reaches a price,
the goal it sets, the goal-gradient pull, displacement of the paid basket and giving up
(exact effects on a tiny world)."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import batch, mechanic, members, population, world

CATALOGUE = {
    "kind": "rewards",
    "catalogue": [
        {"name": "coffee", "points": 100, "cost": 2.0, "value": 3.0},
        {"name": "bag", "points": 250, "cost": 6.0, "value": 10.0, "type": "voucher"},
    ],
}
SURE = {"engaged_redeem_prob": 1.0, "passive_redeem_prob": 1.0}


def _with_balances(balances: list[int], behaviour: dict | None = None):
    w = world(population(len(balances)), behaviour=behaviour)
    w.ledger.issue(np.arange(len(balances)), np.array(balances), "purchase", 0)
    return w


def test_rewards_set_the_goal_and_the_cost_of_a_point() -> None:
    w = world()
    mechanic(CATALOGUE, w)
    assert w.state.goal_points == 100
    assert w.state.catalogue_cost_per_point == pytest.approx(0.02)


def test_members_redeem_the_affordable_reward_with_the_best_value_per_point() -> None:
    w = _with_balances([99, 120, 300, 500], SURE)
    members(w, [0, 1, 2])
    m = mechanic(CATALOGUE, w)
    b = batch(w, 5, [0, 1, 2, 3])
    m.redeem(w, b)
    # 99 < 100: nothing; 120: coffee; 300: bag (0.04 a point beats 0.03); 3 is no member
    assert w.ledger.balance.tolist() == [99, 20, 50, 500]
    assert w.ledger.daily_points["redeemed"][5] == 350
    # the free coffee replaces 0.75 x 3 of the $10 basket; the $10 voucher pays all of it
    displaced = w.behaviour.product_displacement * 3.0
    assert b.discount.tolist() == pytest.approx([0.0, displaced, 10.0, 0.0])
    assert b.spend.tolist() == pytest.approx([10.0, 10.0 - displaced, 0.0, 10.0])
    # the voucher's money off took its margin from revenue: the rest of its cost is booked
    voucher = 6.0 - 10.0 * w.economics.gross_margin
    assert dict(w.ledger.cost_by_type) == pytest.approx({"product": 2.0, "voucher": voucher})
    assert w.ledger.daily_money["reward_cost"][5] == pytest.approx(2.0 + voucher)
    assert b.redeemed.tolist() == [False, True, True, False]
    after = 1.0 + w.behaviour.post_reward_dropout
    assert b.dropout_factor.tolist() == [1.0, after, after, 1.0]
    w.ledger.check_identity()


def test_a_redemption_raises_attachment() -> None:
    w = _with_balances([100, 100], SURE)
    members(w)
    m = mechanic(CATALOGUE, w)
    before = w.attachment_of(np.arange(2))
    m.redeem(w, batch(w, 1, [0]))
    after = w.attachment_of(np.arange(2))
    assert after[0] > before[0] and after[1] == before[1]


def test_nobody_redeems_when_the_redemption_chance_is_zero() -> None:
    w = _with_balances([300, 300], {"engaged_redeem_prob": 0.0, "passive_redeem_prob": 0.0})
    members(w)
    m = mechanic(CATALOGUE, w)
    m.redeem(w, batch(w, 1, [0, 1]))
    assert w.ledger.balance.tolist() == [300, 300]
    assert not w.ledger.cost_by_type


def test_segment_taste_picks_the_reward_a_segment_values_most() -> None:
    pop = population(2, segment=[0, 1], segment_names=["plain", "givers"])
    w = world(pop, behaviour=SURE)
    w.ledger.issue(np.arange(2), np.array([100, 100]), "purchase", 0)
    members(w)
    catalogue = {
        "kind": "rewards",
        "catalogue": [
            {"name": "coffee", "points": 100, "cost": 2.0, "value": 5.0},
            {
                "name": "donation",
                "points": 100,
                "cost": 3.0,
                "value": 4.0,
                "type": "charity",
                "segment_value": {"givers": 2.0},
            },
        ],
    }
    m = mechanic(catalogue, w)
    m.redeem(w, batch(w, 1, [0, 1]))
    assert dict(w.ledger.cost_by_type) == {"product": 2.0, "charity": 3.0}


COFFEE_ONLY = {"kind": "rewards", "catalogue": [CATALOGUE["catalogue"][0]]}
STAMPS = {"kind": "visit_earning", "points_per_visit": 10}


def _coffee_value_per_effort(w) -> float:
    """V of the coffee for a $10 basket and 10 points a visit: 3 / (10 visits x $10) back,
    10 visits away (docs/model.md §3)."""
    b = w.behaviour
    rate = 3.0 / (100 / 10 * 10.0)
    ref, half = b.value_ref_rate, b.value_half_rate
    return rate * (ref + half) / (ref * (rate + half)) * (1.0 - 1.0 / 10)


def test_goal_gradient_pull_is_progress_times_strength_times_value_per_effort() -> None:
    w = _with_balances([50, 100, 50, 0])
    members(w, [0, 1, 3])
    w.pop.engaged[3] = False
    m = mechanic(COFFEE_ONLY, w)
    mechanic(STAMPS, w)
    lift = m.visit_lift(w, 0)
    gv = w.behaviour.goal_gradient * _coffee_value_per_effort(w)
    # half way, at the goal, not a member, passive (not tracking)
    assert lift.tolist() == pytest.approx([0.5 * gv, gv, 0.0, 0.0])


def test_a_reward_nobody_can_earn_towards_pulls_nobody() -> None:
    w = _with_balances([50, 100])
    members(w)
    m = mechanic(COFFEE_ONLY, w)
    assert m.visit_lift(w, 0).tolist() == [0.0, 0.0]


def test_engaged_members_save_for_a_better_reward_when_patient_enough() -> None:
    # the bag gives 0.04 a point against the coffee's 0.03: worth 150 more points of waiting
    # to a patient member (2 points a day: 75 days), not to a very impatient one
    patient = _with_balances([100], SURE | {"impatience_per_year": 0.0})
    impatient = _with_balances([100], SURE | {"impatience_per_year": 1000.0})
    for w in (patient, impatient):
        members(w)
    kept = []
    for w in (patient, impatient):
        m = mechanic(CATALOGUE, w)
        mechanic(STAMPS, w)
        m.redeem(w, batch(w, 1, [0]))
        kept.append(int(w.ledger.balance[0]))
        assert w.state.target_points[0] == (250 if w is patient else 100)
    assert kept == [100, 0]
    assert m.kpis(impatient)["saver_share"] == 0.0


def test_passive_members_redeem_the_most_valuable_affordable_reward_at_the_till() -> None:
    w = _with_balances([300], SURE | {"impatience_per_year": 0.0})
    members(w)
    w.pop.engaged[0] = False
    m = mechanic(CATALOGUE, w)
    b = batch(w, 1, [0])
    m.redeem(w, b)
    assert w.ledger.balance[0] == 50  # the bag, worth more than the coffee
    assert b.dropout_factor.tolist() == [1.0]  # no post-reward defection: never tracked a goal


def test_after_a_redemption_part_of_the_pull_carries_over_and_decays() -> None:
    w = _with_balances([100], SURE)
    members(w)
    m = mechanic(COFFEE_ONLY, w)
    mechanic(STAMPS, w)
    m.redeem(w, batch(w, 0, [0]))  # balance 0: no progress left, only the carry
    b = w.behaviour
    decay = np.exp2(-1.0 / b.reset_half_life_days)
    gv = b.goal_gradient * _coffee_value_per_effort(w)
    assert m.visit_lift(w, 1)[0] == pytest.approx(b.reset_carry * decay * gv)


def test_engaged_members_who_cannot_reach_the_goal_in_time_give_up() -> None:
    # One stamp a visit, 0.2 visits a day: 50 missing points are 250 days away, beyond a
    # patience of 100 days.
    w = _with_balances([50, 50, 50], {"give_up_prob": 1.0, "patience_days": 100.0})
    members(w)
    w.pop.engaged[2] = False
    m = mechanic(CATALOGUE, w)
    mechanic({"kind": "visit_earning", "points_per_visit": 1}, w)
    m.redeem(w, batch(w, 4, [0, 2]))
    assert w.frustrated.tolist() == [True, False, False]
    assert w.gave_up_day[0] == 4


def test_members_who_cannot_earn_have_no_goal_to_give_up_on() -> None:
    w = _with_balances([50, 50], {"give_up_prob": 1.0})
    members(w)
    m = mechanic(CATALOGUE, w)
    m.redeem(w, batch(w, 4, [0, 1]))
    assert not w.frustrated.any()


def test_members_with_enough_expected_points_keep_going() -> None:
    w = _with_balances([50], {"give_up_prob": 1.0})
    members(w)
    m = mechanic(CATALOGUE, w)
    mechanic({"kind": "visit_earning", "points_per_visit": 1}, w)  # 50 missing, 0.2 visits/day
    m.redeem(w, batch(w, 4, [0]))  # 250 days to go, within 365 days of patience
    assert not w.frustrated[0]


def test_the_cached_value_per_effort_follows_the_targets() -> None:
    """The pull's value per effort is cached per customer and updated when a target moves."""
    w = _with_balances([100, 240, 0], SURE | {"impatience_per_year": 0.0})
    members(w)
    m = mechanic(CATALOGUE, w)
    mechanic(STAMPS, w)
    before = m.target_value(w).copy()
    m.redeem(w, batch(w, 1, [0, 1]))  # patient members save for the bag: their targets move
    assert w.state.target_points.tolist() == [250, 250, 100]
    assert np.array_equal(m.target_value(w), m.target_pull(w, np.arange(3)))
    assert not np.array_equal(m.target_value(w), before)
