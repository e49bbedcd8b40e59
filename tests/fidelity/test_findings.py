"""Reduced runs of the fidelity suite: direction and band of each published finding.

Findings the model does not reproduce with its documented defaults are ``xfail(strict=True)``
with the reason: the test states the finding, and turns red (XPASS) the day the model
reproduces it, so the results table in experiments/README.md gets updated.
"""

from __future__ import annotations

import itertools

import pytest

from experiments.fidelity import (
    f01_goal_gradient,
    f02_post_reward_reset,
    f03_light_heavy,
    f05_breakage,
    f07_incrementality,
    f10_rival_memberships,
    pending,
)
from experiments.fidelity.harness import PENDING, REDUCED


def test_goal_gradient_absent_in_the_no_reward_control():
    m = f01_goal_gradient.run(REDUCED).measured
    assert m["control_shortening"] < 0.05


def test_goal_gradient_within_band():
    m = f01_goal_gradient.run(REDUCED).measured
    assert 0.15 <= m["card_shortening"] <= 0.25


def test_churn_rises_right_after_redemption():
    m = f02_post_reward_reset.run(REDUCED).measured
    assert m["churn_ratio_after_redemption"] > 1.1


def test_post_reward_gap_between_last_and_first():
    m = f02_post_reward_reset.run(REDUCED).measured
    assert m["gap_last_stamp"] < m["gap_after_reward"] < m["gap_first_stamp"]


def test_light_and_moderate_buyers_are_lifted():
    m = f03_light_heavy.run(REDUCED).measured
    assert m["lift_light"] > 0 and m["lift_moderate"] > 0


@pytest.mark.xfail(strict=True, reason="heavy buyers are lifted about as much as light ones")
def test_heavy_buyers_barely_change():
    m = f03_light_heavy.run(REDUCED).measured
    assert m["lift_heavy"] < min(0.5 * m["lift_light"], 0.02)


@pytest.fixture(scope="module")
def breakage():
    return f05_breakage.run(REDUCED)


def test_expiry_and_thresholds_raise_breakage(breakage):
    rows = breakage.table.set_index(["variant", "kpi"])
    for name in ("inactivity_90d", "fixed_180d", "threshold_15"):
        assert rows.loc[(name, "breakage_rate"), "diff"] > 0
    assert rows.loc[("inactivity_90d", "breakage_rate"), "ci_low"] > 0


@pytest.mark.xfail(
    strict=False,
    reason="vouchers are redeemed more readily (voucher_redeem_boost), but on the coffee card the "
    "extra redemptions trigger post-reward defection, so breakage by defectors rises slightly",
)
def test_cash_like_rewards_lower_breakage(breakage):
    """Vouchers are redeemed more readily (rewards.voucher_redeem_boost, docs/mechanics.md)."""
    rows = breakage.table.set_index(["variant", "kpi"])
    assert rows.loc[("voucher_reward", "breakage_rate"), "ci_high"] < 0


def test_generic_points_program_adds_low_single_digit_sales():
    m = f07_incrementality.run(REDUCED).measured
    assert 0 < m["incremental_sales_pct"] < 0.05
    assert m["incremental_profit"] < 0  # the 1%-back program loses money against no program


def test_break_even_lift_is_a_few_percent():
    m = f07_incrementality.run(REDUCED).measured
    assert 0.01 <= m["break_even_lift"] <= 0.10


def test_activity_falls_with_rival_memberships():
    m = f10_rival_memberships.run(REDUCED).measured
    lifts = list(m.values())
    assert lifts[0] > lifts[-1]
    assert all(a > b for a, b in itertools.pairwise(lifts))


def test_pending_findings_are_marked_not_faked():
    rows = pending.outcomes(REDUCED)
    assert [o.finding.number for o in rows] == [4, 6, 8, 9]
    assert all(o.status == PENDING and "issue 3" in o.note for o in rows)
