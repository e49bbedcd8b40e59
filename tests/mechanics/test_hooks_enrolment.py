"""Hook-level tests of enrolment: who joins when, and the sign-up bonus."""

from __future__ import annotations

import numpy as np
from hook_support import batch, mechanic, population, world


def test_automatic_enrolment_makes_arrivals_members_with_their_bonus() -> None:
    w = world(population(3, reserve=1))
    m = mechanic({"kind": "enrolment", "automatic": True, "signup_bonus": 25}, w)
    m.on_arrive(w, np.array([0, 1]), 0)
    m.on_arrive(w, np.array([3]), 7)
    assert w.member.tolist() == [True, True, False, True]
    assert w.enrol_day[[0, 3]].tolist() == [0, 7]
    assert w.enrolments[0] == 2 and w.enrolments[7] == 1
    assert w.ledger.balance.tolist() == [25, 25, 0, 25]
    assert w.ledger.issued_by_source["signup_bonus"] == 75


def test_automatic_enrolment_ignores_visits() -> None:
    w = world(population(2, enrol_propensity=1.0))
    m = mechanic({"kind": "enrolment", "automatic": True}, w)
    b = batch(w, 3, [0, 1])
    m.enrol(w, b)
    assert not w.member.any() and not b.member.any()


def test_visitors_join_by_propensity_and_the_batch_sees_them_as_members() -> None:
    w = world(population(3, enrol_propensity=[1.0, 0.0, 1.0]))
    m = mechanic({"kind": "enrolment", "signup_bonus": 10}, w)
    b = batch(w, 4, [0, 1])
    m.enrol(w, b)
    assert w.member.tolist() == [True, False, False]  # customer 2 did not visit
    assert b.member.tolist() == [True, False]
    assert w.enrol_day[0] == 4 and w.ledger.balance.tolist() == [10, 0, 0]


def test_members_do_not_join_twice_nor_earn_a_second_bonus() -> None:
    w = world(population(1, enrol_propensity=1.0))
    m = mechanic({"kind": "enrolment", "signup_bonus": 10}, w)
    m.enrol(w, batch(w, 1, [0]))
    m.enrol(w, batch(w, 2, [0]))
    assert w.ledger.balance[0] == 10 and w.enrol_day[0] == 1
    assert w.enrolments.sum() == 1


def test_a_zero_multiplier_stops_joining() -> None:
    w = world(population(2, enrol_propensity=1.0))
    m = mechanic({"kind": "enrolment", "propensity_multiplier": 0.0}, w)
    m.enrol(w, batch(w, 1, [0, 1]))
    assert not w.member.any()


def test_initial_share_enrols_day_zero_customers_but_not_reserve_rows() -> None:
    w = world(population(3, reserve=2))
    everyone = mechanic({"kind": "enrolment", "initial_share": 1.0}, w)
    everyone.on_start(w)
    assert w.member.tolist() == [True, True, True, False, False]
    other = world(population(3))
    nobody = mechanic({"kind": "enrolment", "initial_share": 0.0}, other)
    nobody.on_start(other)
    assert not other.member.any()


def _card_world(n: int, rate: float | list[float], behaviour: dict | None = None):
    """Customers who always accept at the till (propensity 1), a one-stamp-per-visit card whose
    10-stamp reward is worth 5: interest alone decides who joins."""
    w = world(population(n, rate=rate, enrol_propensity=1.0), behaviour=behaviour)
    mechanic({"kind": "visit_earning", "points_per_visit": 1}, w)
    catalogue = [{"name": "free item", "points": 10, "cost": 2.0, "value": 5.0}]
    mechanic({"kind": "rewards", "catalogue": catalogue}, w)
    return w, mechanic({"kind": "enrolment"}, w)


def test_interest_follows_the_expected_yearly_benefit() -> None:
    n = 4000
    w, m = _card_world(n, 0.1)
    m.enrol(w, batch(w, 3, list(range(n))))
    benefit = 365 * 0.1 * 1 * (5.0 / 10) * 0.5  # rate, points/visit, value/point, sensitivity
    expected = benefit / (benefit + 20.0)
    se = np.sqrt(expected * (1 - expected) / n)
    assert abs(w.member.mean() - expected) < 4 * se


def test_heavier_buyers_are_more_often_interested() -> None:
    n = 4000
    w, m = _card_world(2 * n, [0.05] * n + [0.4] * n)
    m.enrol(w, batch(w, 3, list(range(2 * n))))
    light, heavy = w.member[:n].mean(), w.member[n:].mean()
    assert heavy > light + 0.2


def test_an_uninterested_customer_never_joins_however_often_they_visit() -> None:
    n = 500
    w, m = _card_world(n, 0.1)
    m.enrol(w, batch(w, 1, list(range(n))))
    first = w.member.copy()
    for day in range(2, 40):
        m.enrol(w, batch(w, day, list(range(n))))
    assert (w.member == first).all()  # one fixed draw per customer: no compounding
    assert 0 < first.sum() < n


def test_a_zero_benefit_half_makes_everyone_interested() -> None:
    w, m = _card_world(200, 0.1, behaviour={"enrol_benefit_half": 0.0})
    m.enrol(w, batch(w, 3, list(range(200))))
    assert w.member.all()


def test_nobody_is_interested_in_a_program_that_earns_nothing() -> None:
    w = world(population(200, enrol_propensity=1.0))
    catalogue = [{"name": "free item", "points": 10, "cost": 2.0, "value": 5.0}]
    mechanic({"kind": "rewards", "catalogue": catalogue}, w)
    m = mechanic({"kind": "enrolment"}, w)
    m.enrol(w, batch(w, 3, list(range(200))))
    assert not w.member.any()
