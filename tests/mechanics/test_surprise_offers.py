"""Surprise gifts and personalised offers: direction of effect, budgets, costs, validation."""

from __future__ import annotations

import pytest
from mech_support import assert_positive, diffs, run, scenario

from loyalsim.errors import ScenarioError
from loyalsim.scenario.loader import with_overrides


def surprise(**changes) -> dict:
    spec = {"kind": "surprise", "every_days": 14, "budget_per_period": 600.0}
    spec.update({"cost_per_gift": 5.0, "targeting": "random", **changes})
    return spec


def offers(**changes) -> dict:
    spec = {"kind": "offers", "every_days": 14, "inactive_days": 21, "contact_cost": 0.1}
    spec.update({"offer": "discount", "discount": 5.0, "response_rate": 0.3, "lift": 2.0})
    spec.update(changes)
    return spec


def test_surprise_gifts_raise_attachment_and_retention_within_budget() -> None:
    # The retention effect is about 0.4 pp: eight replications give its one-sided 99% t bound
    # room (with four, t(3)'s 4.54 needs a t statistic the stream's luck may not give).
    eight = {"replications": 8}
    gifts = run(with_overrides(scenario({"delight": surprise()}), eight))
    without = run(with_overrides(scenario(), eight))
    assert_positive(diffs(gifts, without, "mean_attachment"))
    assert_positive(diffs(gifts, without, "retention_rate"))
    periods = len(range(14, 26 * 7, 14))
    for r in gifts.replications:
        arm = r.arm
        assert arm is not None
        spent = float(arm.world.ledger.daily_money["surprise_cost"].sum())
        assert spent == pytest.approx(5.0 * r.kpis["surprise_gifts"])
        assert spent <= 600.0 * periods


def test_targeting_low_attachment_buys_more_attachment_than_random() -> None:
    without = run(scenario())
    low = diffs(
        run(scenario({"delight": surprise(targeting="low_attachment")})), without, "mean_attachment"
    )
    rand = diffs(run(scenario({"delight": surprise()})), without, "mean_attachment")
    assert_positive(low - rand)


def test_surprise_beats_an_expected_discount_of_equal_cost_on_attachment() -> None:
    """Per dollar, an unexpected gift moves attachment more than an announced discount."""
    without = run(scenario())
    gift = run(scenario({"delight": surprise(targeting="at_risk", at_risk_days=21)}))
    deal = run(scenario({"winback": offers(lift=0.0)}))
    gift_cost = diffs(gift, without, "program_cost")
    deal_cost = diffs(deal, without, "program_cost")
    per_dollar_gift = diffs(gift, without, "mean_attachment") / gift_cost
    per_dollar_deal = diffs(deal, without, "mean_attachment") / deal_cost
    assert_positive(per_dollar_gift - per_dollar_deal)


def test_offers_bring_at_risk_members_back_and_cost_contacts() -> None:
    on = run(scenario({"winback": offers()}))
    off = run(scenario({"winback": offers(lift=0.0)}))
    assert_positive(diffs(on, off, "visits"))
    assert_positive(diffs(on, off, "revenue"))
    for r in on.replications:
        arm = r.arm
        assert arm is not None
        contacts = float(arm.world.ledger.daily_money["contact_cost"].sum())
        assert contacts == pytest.approx(0.1 * r.kpis["offer_contacts"])
        used = float(arm.world.ledger.daily_money["offer_cost"].sum())
        assert used == pytest.approx(5.0 * r.kpis["offers_used"])
        assert r.kpis["offers_used"] <= r.kpis["offer_responders"] <= r.kpis["offer_contacts"]


def test_bonus_point_offers_go_through_the_ledger() -> None:
    result = run(scenario({"winback": offers(offer="bonus_points", discount=0.0, bonus_points=50)}))
    arm = result.replications[0].arm
    assert arm is not None
    assert (
        arm.world.ledger.issued_by_source["offer"]
        == 50 * result.replications[0].kpis["offers_used"]
    )


def test_max_contacts_caps_each_campaign() -> None:
    capped = run(scenario({"winback": offers(max_contacts=50)}))
    campaigns = len(range(14, 26 * 7, 14))
    assert capped.summary["offer_contacts"] <= 50 * campaigns


@pytest.mark.parametrize(
    ("program", "fragment"),
    [
        ({"delight": surprise(cost_per_gift=0)}, "cost_per_gift"),
        ({"delight": surprise(targeting="vip")}, "targeting"),
        ({"delight": surprise(budget_per_period=-1)}, "budget_per_period"),
        ({"winback": offers(discount=0.0)}, "needs a discount"),
        ({"winback": offers(inactive_days=None)}, "give a target"),
        ({"winback": offers(bonus_points=5)}, "only used with offer 'bonus_points'"),
        ({"winback": offers(response_rate=2)}, "response_rate"),
        (
            {
                "winback": offers(offer="bonus_points", discount=0.0, bonus_points=5),
                "rewards": None,
            },
            "needs a rewards mechanic",
        ),
    ],
)
def test_bad_params_are_reported(program, fragment) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario(program)
    assert fragment in str(info.value)
