"""Tiers: benefits, reviews, tier chasing, promotion vs demotion, KPIs and validation."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from mech_support import TIERS, assert_positive, diffs, run, scenario

from loyalsim.errors import ScenarioError


def tiers(**changes) -> dict:
    spec = copy.deepcopy(TIERS)
    spec.update(changes)
    return spec


def test_higher_earn_multiplier_issues_more_points() -> None:
    rich = copy.deepcopy(TIERS)
    rich["tiers"][1]["earn_multiplier"] = 3.0
    quiet = {"chase_lift": 0.0, "promotion_gain": 0.0, "demotion_dropout": 0.0}
    a = run(scenario({"status": {**rich, **quiet}}))
    b = run(scenario({"status": tiers(**quiet)}))
    assert_positive(diffs(a, b, "points_issued"))


def test_tier_chasing_lifts_visits_more_for_status_sensitive_members() -> None:
    def lift(status: float) -> np.ndarray:
        s = scenario({"status": tiers(chase_lift=1.0, promotion_gain=0.0, demotion_dropout=0.0)})
        flat = scenario({"status": tiers(chase_lift=0.0, promotion_gain=0.0, demotion_dropout=0.0)})
        for seg in (0, 1):
            key = f"population.segments[{seg}].status_sensitivity"
            from loyalsim.scenario.loader import with_overrides

            s, flat = with_overrides(s, {key: status}), with_overrides(flat, {key: status})
        return diffs(run(s), run(flat), "visits")

    high, low = lift(2.0), lift(0.25)
    assert_positive(high)
    assert_positive(high - low)


def test_no_review_before_the_first_review_day() -> None:
    s = scenario({"status": tiers(review_every_days=400)})
    k = run(s).summary
    assert k["tier_promotions"] == 0.0
    assert k["tier_share.base"] == 1.0


def test_promotions_raise_attachment_and_retention() -> None:
    promoted = scenario({"status": tiers(demotion="none", chase_lift=0.0, promotion_gain=0.3)})
    neutral = scenario({"status": tiers(demotion="none", chase_lift=0.0, promotion_gain=0.0)})
    a, b = run(promoted), run(neutral)
    assert_positive(diffs(a, b, "mean_attachment"))
    assert_positive(diffs(a, b, "retention_rate"))


def test_demotion_hurts_more_than_promotion_helps() -> None:
    """Wagner, Hennig-Thurau & Rudolph (2009): promoted-then-demoted customers end up less loyal
    than if they had never been promoted. A short window with hard demotion makes many members
    go up and down; the net effect of the status events on retention is negative."""
    churny = {"window_days": 28, "review_every_days": 28, "chase_lift": 0.0}
    up_down = scenario({"status": tiers(demotion="hard", promotion_gain=0.15, **churny)})
    neutral = scenario(
        {"status": tiers(demotion="hard", promotion_gain=0.0, demotion_dropout=0.0, **churny)}
    )
    symmetric = scenario(
        {
            "status": tiers(
                demotion="hard",
                promotion_gain=0.15,
                demotion_asymmetry=1.0,
                demotion_dropout=0.0,
                **churny,
            )
        }
    )
    a, b, c = run(up_down), run(neutral), run(symmetric)
    assert a.summary["tier_demotions"] > 0.2 * a.summary["tier_promotions"]
    assert_positive(diffs(b, a, "retention_rate"))  # net harm
    assert_positive(diffs(c, a, "retention_rate"))  # the asymmetry is what makes it harm
    assert_positive(diffs(b, a, "mean_attachment"))


def test_soft_landing_demotes_less_than_hard() -> None:
    churny = {"window_days": 28, "review_every_days": 28}
    soft = run(scenario({"status": tiers(demotion="soft", **churny)})).summary
    hard = run(scenario({"status": tiers(demotion="hard", **churny)})).summary
    assert soft["tier_share.base"] < hard["tier_share.base"]


def test_perk_costs_are_program_costs() -> None:
    spec = copy.deepcopy(TIERS)
    spec["tiers"][2]["perk_cost_per_month"] = 10.0
    result = run(scenario({"status": spec}))
    arm = result.replications[0].arm
    assert arm is not None
    perk = float(arm.world.ledger.daily_money["tier_perk_cost"].sum())
    assert perk > 0
    base = run(scenario({"status": TIERS}))
    assert_positive(diffs(result, base, "program_cost"))


def test_tier_kpis_are_consistent(tmp_path) -> None:
    result = run(scenario({"status": TIERS}))
    k = result.summary
    shares = [k["tier_share.base"], k["tier_share.silver"], k["tier_share.gold"]]
    assert sum(shares) == pytest.approx(1.0)
    assert all(0.0 <= s <= 1.0 for s in shares)
    out = json.loads(result.to_json())["kpis"]
    assert out["tier_share"]["gold"] == pytest.approx(k["tier_share.gold"])
    migration = out["tier_migration"]
    assert set(migration) == {"base", "silver", "gold"}
    assert set(migration["base"]) == {"base", "silver", "gold", "churned"}
    for row in migration.values():  # shares of each origin tier's members
        assert all(0.0 <= v <= 1.0 for v in row.values())
        assert sum(row.values()) == pytest.approx(1.0)
    counts = out["tier_migration_counts"]
    assert set(counts) == set(migration)
    for r in result.replications:
        matrix = r.structured["tier_migration_counts"]
        for origin, row in matrix.items():
            total = sum(row.values())
            for col, v in row.items():
                assert r.structured["tier_migration"][origin][col] == pytest.approx(v / total)
        alive_final = sum(row[t] for row in matrix.values() for t in ("base", "silver", "gold"))
        arm = r.arm
        assert arm is not None
        w = arm.world
        reviewed_alive = int(np.count_nonzero(w.alive & w.member & (w.state.tier >= 0)))
        assert alive_final <= reviewed_alive
        assert all(v >= 0 for row in matrix.values() for v in row.values())
    assert out["reward_cost_by_type"]["voucher"] == pytest.approx(k["reward_cost_by_type.voucher"])


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"tiers": [{"name": "a", "threshold": 5}, {"name": "b", "threshold": 10}]}, "threshold 0"),
        (
            {"tiers": [{"name": "a", "threshold": 0}, {"name": "b", "threshold": 0}]},
            "increase strictly",
        ),
        (
            {"tiers": [{"name": "a", "threshold": 0}, {"name": "a", "threshold": 10}]},
            "unique",
        ),
        ({"tiers": [{"name": "a", "threshold": 0}]}, "at least 2"),
        ({"qualify_on": "nights"}, "qualify_on"),
        ({"demotion": "gentle"}, "demotion"),
        ({"review_every_days": 0}, "review_every_days"),
        ({"window_days": 3}, "window_days"),
        ({"tierz": 1}, "tierz"),
    ],
)
def test_bad_tier_params_are_reported(change, fragment) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario({"status": tiers(**change)})
    assert fragment in str(info.value)
    assert "program.status" in str(info.value)


def test_points_qualification_needs_earning() -> None:
    with pytest.raises(ScenarioError, match="needs a spend_earning"):
        scenario({"status": tiers(qualify_on="points"), "earning": None, "rewards": None})


def test_only_one_tiers_mechanic() -> None:
    with pytest.raises(ScenarioError, match="at most one 'tiers'"):
        scenario({"status": TIERS, "status2": TIERS})


def test_points_qualification_counts_earned_points() -> None:
    k = run(scenario({"status": tiers(qualify_on="points")})).summary
    assert k["tier_promotions"] > 0
