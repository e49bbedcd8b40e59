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
