"""Hook-level tests of referral: reserve rows, who a referral brings in, bonuses, cash cost,
the referees' spend premium and lower dropout."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import batch, mechanic, members, population, world

from loyalsim.mechanics.referral import Referral, ReferralParams

SURE = {
    "kind": "referral",
    "referrals_per_year": 1e5,  # a daily chance of 1 - exp(-huge) == 1.0: everyone refers
    "referrer_bonus": 20,
    "referee_bonus": 10,
    "cash_cost_per_referral": 2.5,
}


def test_reserve_rows_are_the_capacity_share_of_the_population_rounded_up() -> None:
    assert Referral.reserve_rows(ReferralParams(capacity=0.2), 1001) == 201


def test_each_referral_brings_a_reserve_row_of_the_referrers_segment_in_as_a_member() -> None:
    # reserve row 2 is of segment b, row 3 of segment a
    pop = population(2, segment=[0, 1, 1, 0], segment_names=["a", "b"], reserve=2)
    w = world(pop)
    members(w, [0, 1])
    m = mechanic(SURE, w)
    m.close_day(w, 3)
    assert w.alive.tolist() == [True] * 4
    assert w.member.tolist() == [True] * 4 and w.enrol_day[2:].tolist() == [3, 3]
    assert w.arrival_day[2:].tolist() == [3, 3]
    assert w.ledger.balance.tolist() == [20, 20, 10, 10]
    assert w.ledger.daily_money["referral_cash_cost"][3] == 5.0
    k = m.kpis(w)
    assert k["referred_customers"] == 2.0 and k["referral_points"] == 60.0
    assert k["referred_retention_rate"] == 1.0 and k["referrals_lost_to_capacity"] == 0.0


def test_referrals_beyond_the_reserve_are_lost() -> None:
    w = world(population(3, reserve=1))
    members(w, [0, 1, 2])
    m = mechanic(SURE, w)
    m.close_day(w, 0)
    k = m.kpis(w)
    assert k["referred_customers"] == 1.0 and k["referrals_lost_to_capacity"] == 2.0
    assert w.ledger.issued_by_source["referrer_bonus"] == 20  # only the one who succeeded
    m.close_day(w, 1)
    assert m.kpis(w)["referred_customers"] == 1.0  # the reserve is used up for good


def test_non_members_do_not_refer() -> None:
    w = world(population(2, reserve=2))
    m = mechanic(SURE, w)
    m.close_day(w, 0)
    assert m.kpis(w)["referred_customers"] == 0.0 and not w.alive[2:].any()


def test_no_referral_rate_refers_nobody() -> None:
    w = world(population(1, reserve=1))
    members(w)
    m = mechanic(SURE | {"referrals_per_year": 0.0}, w)
    m.close_day(w, 0)
    assert not w.alive[1]


def test_referees_spend_a_premium_that_halves_with_tenure_and_defect_less() -> None:
    w = world(population(1, reserve=1))
    members(w, [0])
    m = mechanic(SURE | {"spend_premium": 0.1, "premium_half_life_days": 180.0}, w)
    m.close_day(w, 0)  # customer 1 arrives on day 0
    b = batch(w, 180, [0, 1], 100.0)
    m.shape_basket(w, b)
    assert b.spend.tolist() == pytest.approx([100.0, 105.0])
    m.react(w, b)
    assert b.dropout_factor.tolist() == pytest.approx([1.0, 1.0 - 0.18])
    fresh = batch(w, 0, [1], 100.0)
    m.shape_basket(w, fresh)
    assert fresh.spend[0] == pytest.approx(110.0)
    assert np.array_equal(w.ledger.issued - w.ledger.redeemed, w.ledger.balance)
