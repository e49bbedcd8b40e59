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
    f04_demotion,
    f05_breakage,
    f06_transaction_splitting,
    f07_incrementality,
    f08_surprise,
    f09_referral,
    f10_rival_memberships,
    f11_endowed_progress,
)
from experiments.fidelity.harness import FULL, REDUCED, Scale

Z = 1.96  # two-sided 95% on the replication standard error


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


@pytest.fixture(scope="module")
def light_heavy():
    return f03_light_heavy.run(REDUCED)


def test_light_and_moderate_buyers_are_lifted(light_heavy):
    m = light_heavy.measured
    assert m["member_lift_light"] > 0 and m["member_lift_moderate"] > 0


def test_heavy_members_are_lifted_less_than_half_as_much_as_light_ones(light_heavy):
    """Liu (2007) studied members only: the light third's members gain most (headroom)."""
    m = light_heavy.measured
    assert m["member_lift_heavy"] < 0.5 * m["member_lift_light"]


@pytest.mark.xfail(
    strict=True,
    reason="heavy members' visits rise 7.2% (light members 26%; reduced scale): the goal "
    "gradient makes nearly all of it (0.5% without it), since a daily buyer's headroom of about "
    "0.1 times the large goal_gradient that finding 1 needs still moves them; their spend rises "
    "only ~0.6% (free drinks displace paid ones)",
)
def test_heavy_buyers_barely_change(light_heavy):
    assert light_heavy.measured["member_lift_heavy"] < 0.02


BREAKAGE_SCALE = Scale(size=REDUCED.size, weeks=REDUCED.weeks, replications=4)
"""Four replications: with two, the t quantile of one degree of freedom (12.7) makes the
voucher's 95% interval span zero although the effect is there (full scale: -0.43 points,
interval -0.46 to -0.39); with four it is -0.57 to -0.22 points."""


@pytest.fixture(scope="module")
def breakage():
    return f05_breakage.run(BREAKAGE_SCALE)


def test_expiry_and_thresholds_raise_breakage(breakage):
    rows = breakage.table.set_index(["variant", "kpi"])
    for name in ("inactivity_90d", "fixed_180d", "threshold_15"):
        assert rows.loc[(name, "breakage_rate"), "diff"] > 0
    assert rows.loc[("inactivity_90d", "breakage_rate"), "ci_low"] > 0


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


@pytest.fixture(scope="module")
def demotion():
    return f04_demotion.run(REDUCED)


def test_demoted_members_survive_less_than_matched_never_promoted(demotion):
    assert demotion.measured["diff_survival_to_end"] < 0


@pytest.mark.xfail(
    strict=True,
    reason="demoted members chase their lost tier back (tier-chasing lift), so they visit more "
    "than matched never-promoted members in the quarter after the review",
)
def test_demoted_members_visit_less_than_matched_never_promoted(demotion):
    assert demotion.measured["diff_visits_next_quarter"] < 0


@pytest.fixture(scope="module")
def splitting():
    return f06_transaction_splitting.run(REDUCED)


def test_visit_earning_invites_splitting_and_spend_earning_removes_it(splitting):
    m = splitting.measured
    assert m["tpv_per_visit"] > 1.0
    assert m["tpv_per_dollar"] == 1.0  # exact: splitting never pays per dollar
    assert m["reward_cost_from_splitting"] - Z * m["reward_cost_from_splitting_se"] > 0


def test_switching_to_spend_earning_cuts_the_low_ticket_reward_rate(splitting):
    m = splitting.measured
    assert m["reward_rate_change_low"] + Z * m["reward_rate_change_low_se"] < 0
    high = m["reward_rate_change_high"] - Z * m["reward_rate_change_high_se"]
    assert m["reward_rate_change_low"] + Z * m["reward_rate_change_low_se"] < high


SURPRISE_SCALE = Scale(size=REDUCED.size, weeks=REDUCED.weeks, replications=6)
"""Retention effects of small campaigns are noisy: six (fast) replications for a usable SE."""


@pytest.fixture(scope="module")
def surprise():
    return f08_surprise.run(SURPRISE_SCALE)


def test_surprise_retains_more_per_dollar_than_an_expected_discount(surprise):
    m = surprise.measured
    assert abs(m["surprise_cost"] / m["expected_cost"] - 1) < 0.05  # equal cost
    gap = m["surprise_days_per_1000"] - m["expected_days_per_1000"]
    se = (m["surprise_days_per_1000_se"] ** 2 + m["expected_days_per_1000_se"] ** 2) ** 0.5
    assert gap - Z * se > 0


def test_surprise_retains_most_among_low_attachment_members(surprise):
    m = surprise.measured
    assert m["surprise_low_third_days_per_1000"] > m["surprise_high_third_days_per_1000"]


@pytest.fixture(scope="module")
def referral():
    """At full scale: the reduced one has about 80 referred customers a replication, too few
    for the bands (their defection reduction comes out at 16% there, 9.7% at full scale)."""
    return f09_referral.run(FULL)


def test_referred_customers_defect_less_and_are_worth_more(referral):
    m = referral.measured
    assert m["defection_reduction"] - Z * m["defection_reduction_se"] > 0
    assert m["value_premium"] - Z * m["value_premium_se"] > 0


@pytest.mark.xfail(
    strict=True,
    reason="within a year the default spend_premium (10%, halving every 180 days) and the "
    "lower churn give referred customers 14.5% more margin (SE 1.2%), not the study's 16%",
)
def test_referred_customers_are_worth_at_least_16_percent_more(referral):
    assert referral.measured["value_premium"] >= 0.16


@pytest.mark.xfail(
    strict=True,
    reason="the 18% lower dropout chance per visit gives 9.7% fewer defections by the horizon "
    "(SE 0.75%): heavy visitors among the referred defect within the year either way",
)
def test_referred_customers_defect_10_to_25_percent_less(referral):
    assert 0.10 <= referral.measured["defection_reduction"] <= 0.25


@pytest.fixture(scope="module")
def endowed():
    return f11_endowed_progress.run(REDUCED)


def test_an_endowed_card_is_completed_more_often(endowed):
    m = endowed.measured
    assert m["completion_ratio"] - Z * m["completion_ratio_se"] > 1.0


@pytest.mark.xfail(
    strict=True,
    reason="the head start raises the early pull but completion within the window follows base "
    "visit rates: about 1.09x at the default endowed_progress (1.0), 1.15x at 3.0, against the "
    "study's 1.79x (19% vs 34%); the abandonment channel of the study is not modelled",
)
def test_an_endowed_card_is_completed_1_3_to_2_3_times_as_often(endowed):
    assert 1.3 <= endowed.measured["completion_ratio"] <= 2.3
