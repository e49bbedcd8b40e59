"""Hook-level tests of coalition partners: partner earning and its funding, burning at the
partner, and the cross-visit lift."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import mechanic, members, population, world

PARTNER = {
    "name": "cinema",
    "adoption": 1.0,
    "visits_per_week": 1e5,  # a daily visit chance of 1 - exp(-huge) == 1.0
    "mean_ticket": 20.0,
    "points_per_unit": 1.0,
    "funding_per_point": 0.01,
}


def _coalition(n: int = 3, **partner):
    w = world(population(n))
    members(w, [0, 1])
    spec = {"kind": "coalition", "partners": [PARTNER | partner], "cross_visit_half_life_days": 14}
    return w, mechanic(spec, w)


def test_members_earn_floor_of_partner_spend_and_the_partner_pays_per_point() -> None:
    w, m = _coalition()
    before = w.attachment_of(np.arange(3))
    m.close_day(w, 2)
    issued = w.ledger.issued_by_source["partner:cinema"]
    assert issued == int(w.ledger.balance.sum()) > 0
    assert w.ledger.balance[2] == 0  # not a member
    assert w.ledger.daily_money["partner_income"][2] == pytest.approx(0.01 * issued)
    after = w.attachment_of(np.arange(3))
    assert (after[:2] > before[:2]).all() and after[2] == before[2]
    k = m.kpis(w)
    assert k["partner_visits"] == 2.0 and k["partner_points_share"] == 1.0
    assert k["partner_income"] == pytest.approx(0.01 * issued)


def test_members_burn_at_the_partner_when_their_balance_allows() -> None:
    burn = {"points": 100, "prob": 1.0, "cost_per_point": 0.02}
    w, m = _coalition(burn=burn)
    w.ledger.issue(np.array([0]), np.array([500]), "purchase", 0)
    m.close_day(w, 1)
    earned = w.ledger.issued - np.array([500, 0, 0])
    assert w.ledger.redeemed.tolist() == [100, 0, 0]  # customer 1 has ~20 points, not 100
    assert w.ledger.balance.tolist() == (np.array([400, 0, 0]) + earned).tolist()
    assert dict(w.ledger.cost_by_type) == {"partner": pytest.approx(2.0)}
    assert m.kpis(w)["partner_points_burned"] == 100.0
    w.ledger.check_identity()


def test_the_cross_visit_lift_halves_every_half_life_after_a_partner_visit() -> None:
    w, m = _coalition()
    assert m.visit_lift(w, 0) is None  # no partner visit yet
    m.close_day(w, 0)
    lift = m.visit_lift(w, 14)
    assert lift[:2].tolist() == pytest.approx([0.05, 0.05])  # 0.1 x 2^-1


def test_non_adopters_never_shop_at_the_partner() -> None:
    w, m = _coalition(adoption=0.0)
    m.close_day(w, 0)
    assert w.ledger.issued.sum() == 0 and m.kpis(w)["partner_visits"] == 0.0


def test_partner_points_count_in_the_points_members_expect_per_visit() -> None:
    w, _ = _coalition(visits_per_week=7.0)  # one partner visit a day, 20 points each
    assert w.state.points_per_visit.tolist() == pytest.approx([20.0 / 0.2] * 3)
