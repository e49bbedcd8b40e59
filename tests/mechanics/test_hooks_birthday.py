"""Hook-level tests of the birthday reward: the calendar, the per-customer draw, who gets
a gift on which day, its cost account and its attachment gain."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hook_support import mechanic, members, population, run_days, world

from loyalsim.engine.rng import CustomerStream
from loyalsim.mechanics.birthday import day_of_common_year

GIFT = {"kind": "birthday", "gift_cost": 2.0, "gift_value": 5.0, "gift_type": "voucher"}
NEW_YEAR = dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("date", "day"),
    [
        (dt.date(2026, 1, 1), 0),
        (dt.date(2026, 2, 28), 58),
        (dt.date(2026, 3, 1), 59),
        (dt.date(2024, 3, 1), 59),  # a leap year keeps March on its common-year numbers
        (dt.date(2024, 2, 29), -1),  # nobody's birthday
        (dt.date(2024, 12, 31), 364),
        (dt.date(2026, 12, 31), 364),
    ],
)
def test_day_of_common_year(date: dt.date, day: int) -> None:
    assert day_of_common_year(date) == day


def test_birthdays_are_drawn_once_per_customer_from_the_mechanics_own_stream() -> None:
    w = world(population(500), seed=11)
    m = mechanic(GIFT, w)
    expected = np.floor(CustomerStream(11, 0, "birthday", 500).uniform(0) * 365)
    assert m.birthday.tolist() == expected.astype(int).tolist()
    assert m.birthday.min() >= 0 and m.birthday.max() <= 364
    assert np.unique(m.birthday).size > 250  # spread over the year, not one day


def test_each_alive_member_gets_one_gift_on_their_birthday_and_it_is_booked_by_type() -> None:
    w = world(population(200), days=365, start=NEW_YEAR)
    joined = members(w, range(150))
    w.defect(np.arange(140, 150))  # members who left never get a gift
    m = mechanic(GIFT, w)
    run_days(w, [m], range(365))
    alive_members = joined[:140]
    assert m.kpis(w) == {"birthday_gifts": 140.0}
    # from 1 January, day d of the run is day d of the year: the gift comes on the birthday
    per_day = np.bincount(m.birthday[alive_members], minlength=365) * 2.0
    assert w.ledger.daily_money["reward_cost"].tolist() == per_day.tolist()
    assert dict(w.ledger.cost_by_type) == {"voucher": 280.0}
    assert w.ledger.issued.sum() == 0  # a gift, not points


def test_a_gift_moves_attachment_by_gain_times_its_worth_against_the_usual_basket() -> None:
    pop = population(2, mean_spend=[10.0, 2.5])
    w = world(pop, days=365, start=NEW_YEAR)
    members(w)
    m = mechanic(GIFT, w)
    before = w.attachment_of(np.arange(2))
    run_days(w, [m], range(365))
    after = w.attachment_of(np.arange(2))
    # worth min(1, 5 / 10) = 0.5 and min(1, 5 / 2.5) = 1 of the default gain 0.05
    assert after.tolist() == pytest.approx(
        [before[0] + 0.05 * 0.5 * (1 - before[0]), before[1] + 0.05 * (1 - before[1])]
    )


def test_a_member_who_joins_after_their_birthday_waits_for_the_next_one() -> None:
    w = world(population(300), days=730, start=NEW_YEAR)
    m = mechanic(GIFT, w)
    late = int(np.flatnonzero(m.birthday > 10)[0])
    run_days(w, [m], range(m.birthday[late] + 1))
    members(w, [late], day=int(m.birthday[late]) + 1)
    run_days(w, [m], range(m.birthday[late] + 1, 365))
    assert m.kpis(w)["birthday_gifts"] == 0.0
    run_days(w, [m], range(365, 730))
    assert m.kpis(w)["birthday_gifts"] == 1.0


def test_over_two_years_every_member_gets_two_gifts_and_leap_day_gives_none() -> None:
    start = dt.date(2024, 1, 1)  # 2024 is a leap year: 731 days cover both years
    w = world(population(100), days=731, start=start)
    members(w)
    m = mechanic(GIFT, w)
    run_days(w, [m], range(731))
    assert m.kpis(w)["birthday_gifts"] == 200.0
    leap_day = (dt.date(2024, 2, 29) - start).days
    assert w.ledger.daily_money["reward_cost"][leap_day] == 0.0


def test_the_calendar_follows_the_worlds_start_date() -> None:
    w = world(population(300), days=40, start=dt.date(2026, 6, 1))
    members(w)
    m = mechanic(GIFT, w)
    run_days(w, [m], range(40))
    june_first = day_of_common_year(dt.date(2026, 6, 1))
    expected = np.count_nonzero((m.birthday >= june_first) & (m.birthday < june_first + 40))
    assert m.kpis(w)["birthday_gifts"] == float(expected) > 0
