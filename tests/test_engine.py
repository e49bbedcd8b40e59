"""Engine: reproducibility, common random numbers, control arm, calendar order, behaviour."""

from __future__ import annotations

import subprocess
import sys
import typing

import numpy as np
import pandas as pd
import pytest
from support import SCENARIOS, hook_log, shipped, small

from loyalsim.engine import kernels
from loyalsim.engine.spend_log import SpendLog
from loyalsim.errors import ScenarioError, SimulationError
from loyalsim.experiments import simulate as simulating
from loyalsim.experiments.simulate import (
    build_population,
    clear_control_cache,
    clear_population_cache,
    simulate,
)
from loyalsim.scenario.behaviour import Preset
from loyalsim.scenario.loader import load_scenario, with_overrides
from loyalsim.scenario.models import Scenario


def test_same_seed_gives_byte_identical_summary(coffee) -> None:
    assert simulate(coffee).to_json() == simulate(coffee).to_json()


def test_same_seed_gives_identical_summary_in_a_separate_process(coffee, tmp_path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(coffee.model_dump_json(by_alias=True))
    code = (
        "import sys, loyalsim;"
        "s = loyalsim.Scenario.model_validate_json(open(sys.argv[1]).read());"
        "sys.stdout.write(loyalsim.simulate(s).to_json())"
    )
    env_hash = {"PYTHONHASHSEED": "123"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, **env_hash},
    ).stdout
    assert out == simulate(coffee).to_json()


def test_different_seeds_differ(coffee) -> None:
    a, b = simulate(coffee, seed=1).summary, simulate(coffee, seed=2).summary
    assert a["revenue"] != b["revenue"]
    assert a["retention_rate"] != b["retention_rate"]


def test_replication_r_does_not_depend_on_how_many_are_run(coffee) -> None:
    one = simulate(coffee, replications=1).replications[0].kpis
    three = simulate(coffee, replications=3).replications[0].kpis
    assert pd.Series(one).equals(pd.Series(three))  # NaN-aware (payback_days may be null)


def test_no_program_arm_equals_the_control_arm_exactly(coffee) -> None:
    empty = with_overrides(coffee, {"program": {}})
    k = simulate(empty).summary
    assert k["incremental_revenue"] == 0.0
    assert k["incremental_profit"] == 0.0
    assert k["retention_rate"] == k["control_retention_rate"]
    assert k["visits"] == k["control_visits"]
    assert k["program_cost"] == 0.0


def test_control_cache_changes_nothing(coffee) -> None:
    clear_control_cache()
    cold = simulate(coffee).to_json()
    warm = simulate(coffee).to_json()
    assert cold == warm


def _every_behaviour_field_moved(scenario: Scenario) -> Scenario:
    """The scenario with every numeric behaviour parameter moved to another valid value."""
    moved = scenario
    for name, value in scenario.behaviour.model_dump().items():
        if not isinstance(value, float):
            continue
        for factor in (1.37, 0.63, 0.0):
            try:
                moved = with_overrides(moved, {f"behaviour.{name}": value * factor})
                break
            except ScenarioError:
                continue
        else:
            raise AssertionError(f"no other valid value for behaviour.{name}")
    return moved


def test_the_control_arm_does_not_depend_on_any_behaviour_parameter(coffee) -> None:
    # what lets parameter worlds and sensitivity design points share a control arm
    moved = _every_behaviour_field_moved(coffee)
    assert moved.behaviour != coffee.behaviour
    assert simulate(moved).summary["visits"] != simulate(coffee).summary["visits"]
    clear_control_cache()
    cold = simulate(moved).to_json()
    clear_control_cache()
    simulate(coffee)  # leaves the nominal behaviour's control arms and baskets in the cache
    assert simulate(moved).to_json() == cold
    for preset in typing.get_args(Preset):
        clear_control_cache()
        with_preset = with_overrides(coffee, {"behaviour.preset": preset})
        cold = simulate(with_preset).to_json()
        simulate(coffee)
        assert simulate(with_preset).to_json() == cold, preset


@pytest.mark.parametrize(
    "name", ["coffee_punch_card", "beauty_tiers", "grocer_expiry_change"]
)  # points only; tiers (the tier-mix observer is skipped); a current program
def test_kpis_only_gives_the_same_kpis_bit_for_bit(name: str) -> None:
    scenario = shipped(name, size=1500)
    full = simulate(scenario)
    lean = simulate(scenario, kpis_only=True)
    for a, b in zip(full.replications, lean.replications, strict=True):
        assert pd.Series(a.kpis).equals(pd.Series(b.kpis))  # NaN-aware, exact
        assert a.reward_cost_by_type == b.reward_cost_by_type
        assert a.points_issued_by_source == b.points_issued_by_source
        assert not a.weekly.empty and b.weekly.empty and b.yearly.empty and not b.segments
    assert pd.Series(lean.summary).equals(pd.Series(full.summary))
    with pytest.raises(SimulationError, match="kpis_only=True"):
        lean.to_json()  # a result without its tables says so rather than writing half a file


@pytest.mark.parametrize(
    "name", ["coffee_punch_card", "beauty_tiers", "grocer_expiry_change", "coffee_app"]
)  # points; tiers; a current program (a second program arm); referrals (mechanic arrivals)
def test_program_arms_copy_the_control_arms_baskets_bit_for_bit(name: str, monkeypatch) -> None:
    scenario = shipped(name, size=1500)
    calls = {"copied": 0}
    draw = kernels.gamma_scaled_at

    def counted(*args: np.ndarray) -> np.ndarray:
        calls["copied"] += args[-2].size > 0  # the known customers of the day
        return draw(*args)

    monkeypatch.setattr(kernels, "gamma_scaled_at", counted)
    clear_control_cache()
    copying = simulate(scenario).to_json()
    assert calls["copied"] > 0  # the program arms did read the control arm's baskets
    monkeypatch.setattr(SpendLog, "record", lambda *args: None)  # nothing kept: all drawn
    clear_control_cache()
    assert simulate(scenario).to_json() == copying


def test_the_current_program_runs_once_for_the_designs_of_a_study(monkeypatch) -> None:
    scenario = shipped("grocer_expiry_change", size=1500)
    design = with_overrides(scenario, {"program.expiry.days": 180})
    cold = simulate(design, kpis_only=True).summary
    runs = {"program arms": 0}
    run = simulating.run_arm

    def counted(*args: object, **kwargs: object) -> object:
        runs["program arms"] += bool(args[5])  # with_program
        return run(*args, **kwargs)

    monkeypatch.setattr(simulating, "run_arm", counted)
    clear_control_cache()
    simulate(scenario, kpis_only=True)  # each replication: the design and the current program
    assert runs["program arms"] == 2 * scenario.replications
    warm = simulate(design, kpis_only=True).summary  # the current program's KPIs are reused
    assert runs["program arms"] == 3 * scenario.replications
    assert pd.Series(warm).equals(pd.Series(cold))
    assert warm["profit_vs_current"] != 0.0
    simulate(with_overrides(design, {"behaviour.goal_gradient": 1.0}), kpis_only=True)
    assert runs["program arms"] == 5 * scenario.replications  # other behaviour: run again


def test_the_spend_log_keeps_read_only_days_within_its_budget() -> None:
    log = SpendLog(days=3, max_visits=5)
    idx, spend = np.array([1, 4, 7]), np.array([2.0, 3.0, 4.0])
    log.record(0, idx, spend)
    spend[0] = 99.0  # the caller's array is not the log's
    log.record(1, np.arange(4), np.ones(4))  # 3 + 4 visits > 5: not kept, nor anything later
    log.record(2, np.array([0]), np.ones(1))
    kept_idx, kept_spend = log.known(0)
    assert kept_idx.tolist() == [1, 4, 7] and kept_spend.tolist() == [2.0, 3.0, 4.0]
    assert log.known(1)[0].size == 0 and log.known(2)[0].size == 0
    with pytest.raises(ValueError, match="read-only"):
        kept_spend[0] = 1.0


def test_population_cache_changes_nothing_and_the_population_is_read_only(coffee) -> None:
    clear_population_cache()
    cold = simulate(coffee).to_json()
    other = with_overrides(coffee, {"program.rewards.catalogue[0].points": 6})
    simulate(other)  # another design meets the cached populations
    assert simulate(coffee).to_json() == cold
    population = build_population(coffee, coffee.seed, 0)
    assert build_population(other, coffee.seed, 0) is population  # same reserve rows: shared
    with pytest.raises(ValueError, match="read-only"):
        population.rate[0] = 1.0


def test_comparing_a_design_with_itself_on_crn_gives_zero_difference(coffee) -> None:
    a = simulate(coffee).kpi_table()
    b = simulate(with_overrides(coffee, {"description": "same design, other words"})).kpi_table()
    assert a.equals(b)  # NaN-aware: exactly the same values, nulls in the same places


def test_kpis_stay_in_their_ranges(coffee, grocer) -> None:
    for scenario in (coffee, grocer):
        k = simulate(scenario).summary
        for key in (
            "retention_rate",
            "control_retention_rate",
            "active_member_rate",
            "breakage_rate",
            "good_breakage_share",
            "bad_breakage_rate",
            "redemption_rate",
            "capture_rate",
            "enrolment_rate",
            "mean_attachment",
        ):
            assert 0.0 <= k[key] <= 1.0, key
        assert k["bad_breakage_rate"] <= k["breakage_rate"]
        assert k["liability"] >= 0


def test_calendar_events_fire_before_the_days_behaviour(coffee) -> None:
    """On a day with a calendar event (sweep, review), the event runs before behaviour."""
    log = hook_log(coffee, days=30)
    for day in range(3, 20, 3):
        assert log.index(("calendar", day)) < log.index(("tick", day))
        assert log.index(("tick", day - 1)) < log.index(("calendar", day))


def test_the_world_calendar_starts_on_the_scenarios_start_date(coffee) -> None:
    """Day ``d`` of an arm is ``start_date + d`` (mechanics tied to the calendar use it)."""
    import datetime as dt

    moved = with_overrides(coffee, {"start_date": "2024-02-27", "horizon": {"days": 5}})
    world = simulate(moved).replications[0].arm.world
    assert world.start_date == dt.date(2024, 2, 27)
    assert [world.date(d) for d in (0, 2, 3)] == [
        dt.date(2024, 2, 27),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
    ]


def test_a_stronger_goal_gradient_brings_more_visits_on_crn(coffee) -> None:
    weak = simulate(with_overrides(coffee, {"behaviour.goal_gradient": 0.0})).kpi_table()
    strong = simulate(with_overrides(coffee, {"behaviour.goal_gradient": 0.6})).kpi_table()
    diff = strong["visits"] - weak["visits"]
    assert (diff > 0).all()


def test_expiry_raises_breakage_and_lowers_liability(grocer) -> None:
    never = with_overrides(grocer, {"program.expiry": {"policy": "none"}})
    short = with_overrides(grocer, {"program.expiry.days": 120})
    a, b = simulate(never).summary, simulate(short).summary
    assert a["points_expired"] == 0
    assert b["points_expired"] > 0
    assert b["breakage_rate"] > a["breakage_rate"]
    assert b["liability"] < a["liability"]


def test_program_lift_is_strongest_for_light_buyers(coffee) -> None:
    """Relative visit lift falls with the base visit rate (Liu 2007)."""
    everyone = with_overrides(coffee, {"program.enrolment.initial_share": 1.0, "replications": 1})
    rep = simulate(everyone).replications[0]
    world = rep.arm.world
    rate = world.pop.rate
    light = rate < np.quantile(rate, 0.3)
    heavy = rate > np.quantile(rate, 0.9)
    from loyalsim.engine.behaviour import responsiveness

    response = responsiveness(world.pop, world.behaviour)
    assert np.median(response[light]) > 3 * np.median(response[heavy])


def test_horizon_in_days_and_weeks_agree(coffee) -> None:
    weeks = with_overrides(coffee, {"horizon": {"weeks": 4}, "replications": 1})
    days = with_overrides(coffee, {"horizon": {"days": 28}, "replications": 1})
    assert simulate(weeks).summary == simulate(days).summary


@pytest.mark.parametrize("bad", [0, -1])
def test_bad_replication_counts_are_user_errors(coffee, bad) -> None:
    from loyalsim.errors import SimulationError

    with pytest.raises(SimulationError):
        simulate(coffee, replications=bad)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_incremental_counters_match_a_full_recount(path) -> None:
    scenario = small(load_scenario(path), size=1000, weeks=20, reps=1)
    rep = simulate(scenario).replications[0]
    world, daily = rep.arm.world, rep.arm.daily
    assert daily["alive"][-1] == world.alive.sum()
    assert daily["members"][-1] == (world.member & world.alive).sum()
    existing = world.pop.opening.members.size if world.pop.opening is not None else 0
    assert daily["new_members"].sum() == world.member.sum() - existing  # day-0 members are not new
    arrived = np.count_nonzero(world.arrival_day < world.days)  # reserve rows may never arrive
    assert daily["dropouts"].sum() == arrived - world.alive.sum()
