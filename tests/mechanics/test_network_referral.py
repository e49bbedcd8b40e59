"""Referral: reserve rows, arrivals mid-run, referred customers' traits, an untouched control."""

from __future__ import annotations

import numpy as np
import pytest
from network_support import assert_increase, kpis, paired, scenario

from loyalsim.engine.population import NOT_YET, Population
from loyalsim.engine.rng import generator
from loyalsim.errors import ScenarioError
from loyalsim.experiments.simulate import clear_control_cache, run_arm, simulate
from loyalsim.metrics.summary import ControlArm
from loyalsim.scenario.loader import with_overrides


@pytest.fixture(scope="module")
def coffee():
    return scenario("coffee_app", reps=3)


def test_reserve_rows_leave_the_regular_rows_bit_identical(coffee) -> None:
    spec = coffee.population
    plain = Population.build(spec, generator(1, 0, "population"))
    grown = Population.build(
        spec, generator(1, 0, "population"), reserve=300, reserve_rng=generator(1, 0, "r")
    )
    n = spec.size
    assert grown.size == n + 300
    assert np.array_equal(grown.rate[:n], plain.rate)
    assert np.array_equal(grown.dropout[:n], plain.dropout)
    for name, values in plain.traits.items():
        assert np.array_equal(grown.traits[name][:n], values)
    assert (grown.arrival_day[n:] == NOT_YET).all()
    shares = np.bincount(grown.segment[n:], minlength=len(spec.segments)) / 300
    assert shares == pytest.approx([s.share for s in spec.segments], abs=1 / 300)


def test_control_arm_is_the_same_with_or_without_reserve_rows(coffee) -> None:
    spec = coffee.population
    plain = Population.build(spec, generator(coffee.seed, 0, "population"))
    grown = Population.build(
        spec, generator(coffee.seed, 0, "population"), reserve=500, reserve_rng=generator(0, 0, "r")
    )
    a = ControlArm.of(run_arm(coffee, plain, coffee.seed, 0, {}, with_program=False))
    b = ControlArm.of(run_arm(coffee, grown, coffee.seed, 0, {}, with_program=False))
    assert a.alive == b.alive and a.arrived == b.arrived
    for key, series in a.daily.items():
        assert np.array_equal(series, b.daily[key]), key


def test_no_referral_program_kpis_match_the_control(coffee) -> None:
    clear_control_cache()
    with_ref = kpis(coffee)
    clear_control_cache()
    program = coffee.model_dump(mode="json", exclude_unset=True)["program"]
    del program["referral"]
    without = kpis(coffee, {"program": program})
    assert "referred_customers" not in without[0]
    for a, b in zip(with_ref, without, strict=True):
        assert a["control_revenue"] == b["control_revenue"]
        assert a["control_retention_rate"] == b["control_retention_rate"]


def test_referred_customers_arrive_as_members_with_their_bonuses(coffee) -> None:
    run = simulate(coffee).replications[0]
    k, world = run.kpis, run.arm.world
    base = coffee.population.size
    referred = int(k["referred_customers"])
    assert referred > 0
    assert k["customers"] == base + referred
    arrived = world.arrival_day[base:] < world.days
    assert arrived.sum() == referred
    assert world.member[base:][arrived].all()
    ledger = world.ledger
    assert ledger.issued_by_source["referee_bonus"] == 50 * referred
    assert ledger.issued_by_source["referrer_bonus"] == 50 * referred


def test_referral_rate_grows_with_attachment(coffee) -> None:
    low = {"population.segments[0].attachment": {"dist": "constant", "value": 0.2}}
    high = {"population.segments[0].attachment": {"dist": "constant", "value": 0.9}}
    assert_increase(paired(coffee, "referred_customers", low, high))


def test_referred_customers_defect_less(coffee) -> None:
    off = {"program.referral.dropout_reduction": 0.0}
    on = {"program.referral.dropout_reduction": 0.9}
    assert_increase(paired(coffee, "referred_retention_rate", off, on))


def test_early_spend_premium_raises_revenue(coffee) -> None:
    off = {"program.referral.spend_premium": 0.0}
    on = {"program.referral.spend_premium": 1.0}
    assert_increase(paired(coffee, "revenue", off, on))


def test_capacity_caps_referrals(coffee) -> None:
    tiny = with_overrides(coffee, {"program.referral.capacity": 0.005})
    for k in kpis(tiny):
        assert k["referred_customers"] <= 10
        assert k["referrals_lost_to_capacity"] > 0


def test_bad_capacity_is_named(coffee) -> None:
    with pytest.raises(ScenarioError, match=r"program\.referral\.capacity"):
        with_overrides(coffee, {"program.referral.capacity": 0})


def test_one_referral_mechanic_at_most(coffee) -> None:
    with pytest.raises(ScenarioError, match="at most one 'referral'"):
        with_overrides(coffee, {"program.more_referrals": {"kind": "referral"}})


def test_same_seed_same_result_with_arrivals(coffee) -> None:
    assert simulate(coffee).to_json() == simulate(coffee).to_json()
