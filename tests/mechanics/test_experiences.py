"""Experiences: capacity binds, attendees gain, those who miss out are disappointed."""

from __future__ import annotations

import copy

import pytest
from mech_support import TIERS, assert_positive, diffs, run, scenario

from loyalsim.errors import ScenarioError


def events(**changes) -> dict:
    event = {"name": "gala", "first_day": 14, "every_days": 28, "capacity": 100}
    event.update({"cost_per_seat": 40.0, **changes})
    return {"kind": "experiences", "demand": 0.3, "events": [event]}


def test_capacity_binds_and_costs_are_per_seat() -> None:
    result = run(scenario({"moments": events(capacity=20)}))
    occurrences = len(range(14, 26 * 7, 28))
    for r in result.replications:
        assert r.kpis["experience_attendees"] <= 20 * occurrences
        assert r.kpis["experience_disappointed"] > 0
        assert r.kpis["reward_cost_by_type.experience"] == pytest.approx(
            40.0 * r.kpis["experience_attendees"]
        )


def test_attending_raises_attachment_and_missing_out_lowers_it() -> None:
    ample = run(scenario({"moments": events(capacity=3000)}))
    scarce = run(scenario({"moments": events(capacity=5)}))
    assert ample.summary["experience_disappointed"] == 0
    assert_positive(diffs(ample, scarce, "mean_attachment"))
    without = run(scenario())
    assert_positive(diffs(ample, without, "mean_attachment"))
    assert_positive(diffs(without, scarce, "mean_attachment"))


def test_experience_seekers_gain_more() -> None:
    def gain(seeking: float):
        s = scenario({"moments": events(capacity=3000)})
        base = scenario()
        from loyalsim.scenario.loader import with_overrides

        for seg in (0, 1):
            key = f"population.segments[{seg}].experience_seeking"
            s, base = with_overrides(s, {key: seeking}), with_overrides(base, {key: seeking})
        return diffs(run(s), run(base), "mean_attachment")

    # Demand also rises with seeking, so compare the gain per attendee.
    assert_positive(gain(0.9) - gain(0.2))


def test_points_events_redeem_points_and_keep_the_ledger_exact() -> None:
    priced = run(scenario({"moments": events(access="points", points_price=200)}))
    free = run(scenario({"moments": events()}))
    assert priced.summary["experience_attendees"] > 0
    assert_positive(diffs(priced, free, "points_redeemed"))


def test_tier_events_admit_only_tiers_with_access() -> None:
    result = run(scenario({"status": TIERS, "moments": events(access="tier", capacity=5000)}))
    for r in result.replications:
        arm = r.arm
        assert arm is not None
        gold = int(((arm.world.state.tier == 2) & arm.world.member).sum())
        assert 0 < r.kpis["experience_attendees"] <= gold * 7


@pytest.mark.parametrize(
    ("program", "fragment"),
    [
        ({"moments": events(access="tier")}, "needs a tiers mechanic"),
        (
            {
                "status": {
                    **copy.deepcopy(TIERS),
                    "tiers": [{"name": "a", "threshold": 0}, {"name": "b", "threshold": 5}],
                },
                "moments": events(access="tier"),
            },
            "experience_access",
        ),
        ({"moments": events(access="points")}, "points_price of at least 1"),
        ({"moments": events(points_price=10)}, "only used with access 'points'"),
        ({"moments": events(capacity=0)}, "capacity"),
        ({"moments": events(access="vip")}, "access"),
        ({"moments": {**events(), "demand": 1.5}}, "demand"),
    ],
)
def test_bad_experience_params_are_reported(program, fragment) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario(program)
    assert fragment in str(info.value)
