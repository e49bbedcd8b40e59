"""Hook-level tests of paid membership: joining for a fee, benefits at visits, renewal by
realised value, and the sunk-cost visit lift."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import batch, mechanic, population, world

PAID = {
    "kind": "paid_membership",
    "fee": 10.0,
    "period": "monthly",
    "discount": 0.1,
    "perk_value": 10.0,
    "perk_cost": 0.4,
    # expected value 0.2 visits x 30 days x (0.1 x 10 + 10) = 66, 6.6 fees: with these, joining
    # and renewing at a value well above the fee are certain (the logistic rounds to 1.0)
    "join_at_par": 0.99,
    "renewal_at_par": 0.99,
    "value_sensitivity": 25.0,
}


def _joined(n: int = 2, **changes):
    w = world(population(n), days=90)
    m = mechanic(PAID | changes, w)
    m.enrol(w, batch(w, 0, list(range(n))))
    return w, m


def test_visitors_who_expect_value_join_pay_the_fee_and_become_members() -> None:
    w, m = _joined()
    assert w.member.tolist() == [True, True]
    assert w.ledger.daily_money["membership_fee_income"][0] == 20.0
    assert m.kpis(w)["paid_joins"] == 2.0 and m.kpis(w)["paid_members"] == 2.0


def test_nobody_joins_when_the_expected_value_is_far_below_the_fee() -> None:
    w, m = _joined(fee=1e6)
    assert not w.member.any() and m.kpis(w)["paid_joins"] == 0.0


def test_paid_members_get_their_benefits_at_visits_and_the_firm_pays_for_them() -> None:
    w, m = _joined()
    m.enrol(w, batch(w, 3, [0], 50.0))
    # discount 10% of 50 + perk cost 0.4
    assert w.ledger.daily_money["membership_benefit_cost"][3] == pytest.approx(5.4)
    assert m.kpis(w)["paid_joins"] == 2.0  # members are not sold a second membership


def test_members_renew_when_the_value_they_got_beats_the_fee_and_lapse_otherwise() -> None:
    w, m = _joined()
    for day in (5, 10, 15):
        m.enrol(w, batch(w, day, [0], 50.0))  # value 3 x (5 + 10) = 45 > fee 10
    m.close_day(w, 29)
    assert np.isnan(m.kpis(w)["renewal_rate"])  # nobody due yet
    m.close_day(w, 30)
    k = m.kpis(w)
    assert k["paid_renewals"] == 1.0 and k["renewal_rate"] == 0.5
    assert k["paid_members"] == 1.0
    assert w.ledger.daily_money["membership_fee_income"][30] == 10.0
    assert k["benefit_value_to_fee"] == pytest.approx((45.0 / 10.0 + 0.0) / 2)
    m.enrol(w, batch(w, 31, [1]))  # a lapsed member is not offered the membership again
    assert m.kpis(w)["paid_joins"] == 2.0


def test_the_sunk_cost_lift_fades_with_the_days_since_payment() -> None:
    w, m = _joined(n=1)
    assert m.visit_lift(w, 0).tolist() == pytest.approx([0.15 + 0.3])
    assert m.visit_lift(w, 30).tolist() == pytest.approx([0.15 + 0.3 / 2])


def test_members_who_left_lose_their_benefits() -> None:
    w, m = _joined()
    w.defect(np.array([1]))
    m.close_day(w, 1)
    assert m.kpis(w)["paid_members"] == 1.0
    assert m.visit_lift(w, 2)[1] == 0.0
