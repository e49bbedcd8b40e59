"""Hook-level tests of points expiry: which sweep forfeits which points, and the reactions."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import mechanic, members, population, run_days, start_processes, world


def _earned(w, who: list[int], points: list[int], day: int) -> None:
    w.ledger.issue(np.array(who), np.array(points), "purchase", day)


def _expiry_world(customers: int, days: int, policy: str, expiry_days: int, sweep: int):
    """Members only, with one started expiry mechanic: the set-up of most tests here."""
    w = world(population(customers), days=days)
    members(w)
    spec = {"kind": "expiry", "policy": policy, "days": expiry_days, "sweep_every_days": sweep}
    m = mechanic(spec, w)
    start_processes(w, [m])
    return w, m


def test_inactivity_expiry_forfeits_a_balance_at_the_first_sweep_after_days_idle() -> None:
    w, m = _expiry_world(2, 60, "inactivity", 30, 7)
    _earned(w, [0], [100], 0)
    run_days(w, [m], range(10))
    _earned(w, [1], [80], 10)
    run_days(w, [m], range(10, 35))
    assert w.ledger.balance.tolist() == [100, 80]  # day 28's sweep: 28 days idle < 30
    run_days(w, [m], [35])
    assert w.ledger.balance.tolist() == [0, 80]  # day 35: 35 days idle; the other only 25
    assert w.ledger.daily_points["expired"][35] == 100
    run_days(w, [m], range(36, 43))
    assert w.ledger.balance.tolist() == [0, 0]  # day 42: 32 days idle
    w.ledger.check_identity()


def test_activity_resets_the_inactivity_clock() -> None:
    w, m = _expiry_world(1, 60, "inactivity", 30, 7)
    _earned(w, [0], [100], 0)
    run_days(w, [m], range(20))
    w.ledger.redeem(np.array([0]), np.array([10]), 20)
    run_days(w, [m], range(20, 56))
    assert w.ledger.balance[0] == 90  # last activity day 20: day 49's sweep sees 29 idle days
    run_days(w, [m], [56])
    assert w.ledger.balance[0] == 0


def test_fixed_period_expiry_forfeits_each_lot_after_its_lifetime_first_in_first_out() -> None:
    w, m = _expiry_world(1, 130, "fixed_period", 60, 30)
    run_days(w, [m], range(5))
    _earned(w, [0], [100], 5)  # lot of days 0-29
    run_days(w, [m], range(5, 35))
    _earned(w, [0], [40], 35)  # lot of days 30-59
    run_days(w, [m], range(35, 40))
    w.ledger.redeem(np.array([0]), np.array([30]), 40)  # taken from the oldest lot: 70 left
    run_days(w, [m], range(40, 90))
    assert w.ledger.balance[0] == 110  # the day-60 sweep: the first lot is only 31 days old
    run_days(w, [m], [90])
    assert w.ledger.balance[0] == 40  # the day-90 sweep forfeits what is left of lot 1
    assert w.ledger.expired[0] == 70
    run_days(w, [m], range(91, 121))
    assert w.ledger.balance[0] == 0  # the day-120 sweep forfeits lot 2
    w.ledger.check_identity()


def test_fixed_period_expiry_caps_patience_at_the_points_lifetime() -> None:
    w = world()
    assert w.state.patience_days == w.behaviour.patience_days == 365.0
    mechanic({"kind": "expiry", "policy": "fixed_period", "days": 60}, w)
    assert w.state.patience_days == 60.0


def test_no_expiry_policy_schedules_nothing() -> None:
    w = world()
    m = mechanic({"kind": "expiry", "policy": "none"}, w)
    assert list(m.processes(w)) == []


def test_engaged_members_feel_a_forfeit_and_may_give_up_passive_ones_do_not() -> None:
    pop = population(3, engaged=[True, True, False])
    w = world(pop, days=20, behaviour={"forfeit_give_up_prob": 1.0})
    members(w, [0, 2])  # customer 1 is engaged but not a member: not tracking
    m = mechanic({"kind": "expiry", "policy": "inactivity", "days": 5, "sweep_every_days": 7}, w)
    start_processes(w, [m])
    _earned(w, [0, 1, 2], [10, 10, 10], 0)
    before = w.attachment_of(np.arange(3))
    run_days(w, [m], range(8))
    assert w.ledger.balance.tolist() == [0, 0, 0]
    assert w.ledger.expired_engaged == 10  # bad breakage: only the engaged member's points
    after = w.attachment_of(np.arange(3))
    loss = w.behaviour.attachment_loss_forfeit
    gave_up = w.behaviour.attachment_loss_give_up
    assert after[0] == pytest.approx(before[0] * (1 - loss) * (1 - gave_up))
    assert after[1:].tolist() == before[1:].tolist()
    assert w.frustrated.tolist() == [True, False, False]


def test_points_idle_exactly_the_expiry_days_lapse_at_that_sweep() -> None:
    w, m = _expiry_world(1, 40, "inactivity", 28, 7)
    _earned(w, [0], [5], 0)
    run_days(w, [m], range(28))
    assert w.ledger.balance[0] == 5
    run_days(w, [m], [28])
    assert w.ledger.balance[0] == 0
