"""Paid membership: fee income, benefit cost, value-driven joining and renewal, visit lift."""

from __future__ import annotations

import pytest
from network_support import assert_increase, kpis, paired, scenario

from loyalsim.errors import ScenarioError
from loyalsim.experiments.simulate import simulate
from loyalsim.scenario.loader import with_overrides


@pytest.fixture(scope="module")
def membership():
    # 60 weeks so that annual renewals happen; 4,000 customers so that enough members reach
    # their renewal for paired differences in the renewal rate to be measurable.
    return scenario("paid_membership", size=4000, weeks=60, reps=3)


def test_fee_income_is_fee_times_joins_and_renewals(membership) -> None:
    for k in kpis(membership):
        assert k["paid_renewals"] > 0
        expected = 79 * (k["paid_joins"] + k["paid_renewals"])
        assert k["membership_fee_income"] == pytest.approx(expected)
        assert k["program_income"] == pytest.approx(expected)


def test_lapsed_members_lose_their_benefits(membership) -> None:
    run = simulate(membership).replications[0]
    mech = next(m for m in run.arm.mechanics if m.kind == "paid_membership")
    assert mech._lapsed.any()
    assert not (mech._paid & mech._lapsed).any()


def test_higher_fee_means_fewer_joins(membership) -> None:
    dear, cheap = {"program.membership.fee": 199}, {"program.membership.fee": 49}
    assert_increase(paired(membership, "paid_joins", dear, cheap))


def test_more_realised_value_means_more_renewals(membership) -> None:
    low = {"program.membership.perk_value": 3.0}
    high = {"program.membership.perk_value": 12.0}
    assert_increase(paired(membership, "renewal_rate", low, high))


def test_attachment_raises_renewal(membership) -> None:
    low = {"program.membership.attachment_weight": 0.0}
    high = {"program.membership.attachment_weight": 8.0}
    for seg in range(2):
        low[f"population.segments[{seg}].attachment"] = {"dist": "constant", "value": 0.9}
        high[f"population.segments[{seg}].attachment"] = {"dist": "constant", "value": 0.9}
    assert_increase(paired(membership, "renewal_rate", low, high))


def test_benefit_use_lifts_visits(membership) -> None:
    off = {"program.membership.visit_lift": 0.0, "program.membership.sunk_cost_lift": 0.0}
    on = {"program.membership.visit_lift": 1.0}
    assert_increase(paired(membership, "visits", off, on))


def test_membership_without_benefits_is_rejected(membership) -> None:
    bare = {"program.membership.discount": 0.0, "program.membership.perk_value": 0.0}
    with pytest.raises(ScenarioError, match="needs a benefit"):
        with_overrides(membership, bare)
    with pytest.raises(ScenarioError, match=r"program\.membership\.period"):
        with_overrides(membership, {"program.membership.period": "weekly"})


def test_monthly_period_renews_every_30_days(membership) -> None:
    monthly = {"program.membership.period": "monthly", "program.membership.fee": 7}
    for k in kpis(membership, monthly):
        assert k["paid_renewals"] > k["paid_joins"]  # several renewals per member
        assert k["membership_fee_income"] == pytest.approx(
            7 * (k["paid_joins"] + k["paid_renewals"])
        )
