"""Reward types: vouchers are redeemed more readily; tastes by segment steer choices."""

from __future__ import annotations

import copy

import pytest
from mech_support import BASE, assert_positive, diffs, run, scenario

from loyalsim.errors import ScenarioError


def rewards(**changes) -> dict:
    spec = copy.deepcopy(BASE["program"]["rewards"])
    spec.update(changes)
    return spec


def test_cash_like_vouchers_lower_breakage() -> None:
    catalogue = [{"name": "v", "points": 300, "cost": 6.0, "value": 6.0, "type": "voucher"}]
    boosted = run(scenario({"rewards": rewards(catalogue=catalogue, voucher_redeem_boost=3.0)}))
    plain = run(scenario({"rewards": rewards(catalogue=catalogue, voucher_redeem_boost=1.0)}))
    assert_positive(diffs(boosted, plain, "redemption_rate"))
    assert_positive(diffs(plain, boosted, "breakage_rate"))


def test_segment_taste_for_charity_steers_redemptions() -> None:
    def catalogue(taste: float) -> list[dict]:
        return [
            {"name": "gift", "points": 300, "cost": 6.0, "value": 10.0},
            {
                "name": "donation",
                "points": 300,
                "cost": 6.0,
                "value": 6.0,
                "type": "charity",
                "segment_value": {"light": taste},
            },
        ]

    keen = run(scenario({"rewards": rewards(catalogue=catalogue(3.0))})).summary
    cool = run(scenario({"rewards": rewards(catalogue=catalogue(1.0))})).summary
    assert keen["reward_cost_by_type.charity"] > 0
    assert cool["reward_cost_by_type.charity"] == 0.0
    assert keen["reward_cost_by_type.product"] > 0  # the other segment still takes the gift


def test_experience_rewards_build_more_attachment_than_products() -> None:
    def catalogue(kind: str) -> list[dict]:
        return [{"name": "r", "points": 300, "cost": 6.0, "value": 10.0, "type": kind}]

    exp = run(scenario({"rewards": rewards(catalogue=catalogue("experience"))}))
    prod = run(scenario({"rewards": rewards(catalogue=catalogue("product"))}))
    assert_positive(diffs(exp, prod, "mean_attachment"))
    assert exp.summary["reward_cost_by_type.experience"] > 0


def test_unknown_segment_in_taste_is_reported() -> None:
    catalogue = [
        {"name": "d", "points": 300, "cost": 6.0, "value": 6.0, "segment_value": {"lite": 2}}
    ]
    with pytest.raises(ScenarioError) as info:
        scenario({"rewards": rewards(catalogue=catalogue)})
    assert "unknown segment(s) ['lite']" in str(info.value)


def test_negative_taste_is_rejected() -> None:
    catalogue = [
        {"name": "d", "points": 300, "cost": 6.0, "value": 6.0, "segment_value": {"light": -1}}
    ]
    with pytest.raises(ScenarioError, match="segment_value"):
        scenario({"rewards": rewards(catalogue=catalogue)})
