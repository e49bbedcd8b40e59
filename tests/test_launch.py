"""A program launching after day 0 (``program_launch``): before the launch the program arm is
the control arm to the bit; from it the mechanics run, their calendar counting from it."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from support import ROOT, SCENARIOS, hook_log, shuffled

from loyalsim.engine.observers import Observer
from loyalsim.engine.population import Population
from loyalsim.engine.rng import CustomerStream, generator
from loyalsim.engine.simulation import Simulation
from loyalsim.errors import ScenarioError, SimulationError
from loyalsim.experiments.scenarios import parse_scenario
from loyalsim.experiments.simulate import (
    at_simulated_scale,
    build_population,
    run_arm,
    simulate,
)
from loyalsim.scenario.loader import load_scenario

DAYS = 140
LAUNCH = 61
"""Not a multiple of a week nor of any sweep or review period."""
WITHOUT_BASE = [
    p for p in SCENARIOS if "existing_base" not in yaml.safe_load(p.read_text())["population"]
]
"""Shipped scenarios whose program does not already run on day 0."""
SERIES = ("visits", "transactions", "member_visits", "revenue", "base_revenue")
SERIES += ("shaped_revenue", "redemption_discount", "member_revenue", "alive", "members")
SERIES += ("new_members", "dropouts", "operating_cost", "mean_attachment")


def _data(path: Path, size: int = 800, **extra: Any) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["population"]["size"] = size
    data["horizon"] = {"days": DAYS}
    data["replications"] = 1
    data.pop("search", None)
    return data | extra


def _scenario(path: Path, size: int = 800, **extra: Any) -> Any:
    return parse_scenario(yaml.safe_dump(_data(path, size, **extra), sort_keys=False))


class _Snapshot(Observer):
    """Each arm's customer state at the end of the day before the launch."""

    def __init__(self, day: int) -> None:
        self.day = day
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def on_day_end(self, arm: str, world: Any, batch: Any) -> None:
        if batch.day == self.day:
            self.state[arm] = {
                "alive": world.alive.copy(),
                "member": world.member.copy(),
                "last_visit": world.last_visit.copy(),
                "spend_total": world.spend_total.copy(),
                "visit_total": world.visit_total.copy(),
                "attachment_shift": world.attachment_shift.copy(),
                "arrival_day": world.arrival_day.copy(),
                "balance": world.ledger.balance.copy(),
            }


@pytest.mark.parametrize("path", WITHOUT_BASE, ids=[p.stem for p in WITHOUT_BASE])
def test_before_the_launch_the_program_arm_is_the_control_arm(path: Path) -> None:
    _check_launch(_scenario(path, program_launch=LAUNCH))


def test_automatic_enrolment_waits_for_the_launch() -> None:
    """Customers present at the launch join on it; those arriving later on their day."""
    data = _data(ROOT / "scenarios" / "coffee_app.yaml", program_launch=LAUNCH)
    data["program"]["enrolment"] = {"automatic": True, "signup_bonus": 5}
    data["population"]["segments"][0]["arrivals_per_week"] = 30
    scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False))
    world = _check_launch(scenario)
    joined = world.enrol_day[world.member]
    assert (joined == LAUNCH).sum() > 0 and (joined > LAUNCH).sum() > 0
    late = world.member & (world.arrival_day > LAUNCH)
    assert np.array_equal(world.enrol_day[late], world.arrival_day[late])
    assert world.ledger.issued_by_source["signup_bonus"] == 5 * int(world.member.sum())


def _check_launch(scenario: Any) -> Any:
    """Assert the program arm equals the control arm before the launch; its final world."""
    scenario = at_simulated_scale(scenario)
    population = build_population(scenario, scenario.seed, 0)
    streams: dict[str, CustomerStream] = {}
    snapshot = _Snapshot(LAUNCH - 1)
    program = run_arm(scenario, population, scenario.seed, 0, streams, True, [snapshot])
    control = run_arm(scenario, population, scenario.seed, 0, streams, False, [snapshot])
    for name in SERIES:
        before = slice(0, LAUNCH)
        assert np.array_equal(program.daily[name][before], control.daily[name][before]), name
    for name, value in snapshot.state["control"].items():
        assert np.array_equal(snapshot.state["program"][name], value), name
    ledger = program.world.ledger
    for kind, series in ledger.daily_points.items():
        assert not series[:LAUNCH].any(), kind
    for account, series in ledger.daily_money.items():
        assert not series[:LAUNCH].any(), account
    members = program.world.member & (program.world.arrival_day < DAYS)
    assert members.any()  # the program did start
    assert (program.world.enrol_day[members] >= LAUNCH).all()
    after = slice(LAUNCH, DAYS)
    assert not np.array_equal(program.daily["revenue"][after], control.daily["revenue"][after])
    return program.world


def test_launch_day_0_is_the_default_as_a_day_or_a_date() -> None:
    path = ROOT / "scenarios" / "coffee_punch_card.yaml"
    default = simulate(_scenario(path)).to_json()
    assert simulate(_scenario(path, program_launch=0)).to_json() == default
    start = yaml.safe_load(path.read_text())["start_date"]
    assert simulate(_scenario(path, program_launch=start)).to_json() == default
    later = start + dt.timedelta(days=LAUNCH)
    assert (
        simulate(_scenario(path, program_launch=later)).to_json()
        == simulate(_scenario(path, program_launch=LAUNCH)).to_json()
    )


@pytest.mark.parametrize("name", ["coffee_punch_card", "grocer_points_expiry", "beauty_tiers"])
def test_a_later_launch_gives_less_incremental_revenue_and_cost(name: str) -> None:
    path = ROOT / "scenarios" / f"{name}.yaml"
    runs = [simulate(_scenario(path, 3000, program_launch=d)).summary for d in (0, 50, 100)]
    for key in ("program_cost", "points_issued", "members"):
        values = [r[key] for r in runs]
        assert values[0] > values[1] > values[2], (key, values)
    assert runs[0]["incremental_revenue"] > runs[2]["incremental_revenue"]
    assert abs(runs[2]["incremental_revenue"]) < abs(runs[0]["incremental_revenue"])


@pytest.mark.parametrize("path", WITHOUT_BASE, ids=[p.stem for p in WITHOUT_BASE])
def test_points_and_money_identities_hold_with_a_launch(path: Path) -> None:
    result = simulate(_scenario(path, program_launch=LAUNCH))
    k = result.summary
    held = k["points_redeemed"] + k["points_expired"] + k["points_outstanding"]
    assert k["points_opening"] + k["points_issued"] == held
    margin = result.scenario.economics.gross_margin
    assert k["revenue"] * margin + k["program_income"] - k["program_cost"] == pytest.approx(
        k["profit"], rel=1e-12
    )
    result.replications[0].arm.world.ledger.check_identity()
    weekly = result.replications[0].weekly
    for column in ("revenue", "control_revenue", "program_cost", "points_issued"):
        assert float(weekly[column].sum()) == pytest.approx(k[column], rel=1e-9, abs=1e-6)
    assert (weekly.loc[weekly["week"] <= LAUNCH // 7, "incremental_revenue"] == 0).all()
    assert (weekly.loc[weekly["week"] <= LAUNCH // 7, "program_cost"] == 0).all()


def test_fixed_period_lots_count_from_the_launch() -> None:
    """Points earned from the launch lapse no earlier than ``days`` after it: the sweeps and
    the lots they expire both count from the launch."""
    data = _data(ROOT / "scenarios" / "grocer_points_expiry.yaml", 1500, program_launch=LAUNCH)
    data["program"]["expiry"] = {"policy": "fixed_period", "days": 28, "sweep_every_days": 14}
    result = simulate(parse_scenario(yaml.safe_dump(data, sort_keys=False)))
    expired = result.replications[0].arm.world.ledger.daily_points["expired"]
    assert not expired[: LAUNCH + 28].any()
    assert expired[LAUNCH + 28 :].sum() > 0


def test_key_order_never_changes_a_launched_run() -> None:
    for path in (ROOT / "scenarios" / "hotel_tiers_experiences.yaml", WITHOUT_BASE[0]):
        data = _data(path, 500, program_launch=LAUNCH)
        base = simulate(parse_scenario(yaml.safe_dump(data, sort_keys=False))).to_json()
        rng = random.Random(path.stem)
        for _ in range(4):
            program = list(data["program"].items())
            rng.shuffle(program)
            permuted = shuffled(data, rng) | {"program": shuffled(dict(program), rng)}
            text = yaml.safe_dump(permuted, sort_keys=False)
            assert simulate(parse_scenario(text)).to_json() == base


def test_mechanics_start_on_the_launch_and_their_calendar_counts_from_it() -> None:
    coffee = load_scenario(ROOT / "scenarios" / "coffee_punch_card.yaml")
    log = hook_log(coffee, days=30, launch=10)
    assert log[:2] == [("arrive", 10), ("start", 10)]
    assert [d for what, d in log if what == "tick"] == list(range(10, 30))
    assert [d for what, d in log if what == "calendar"] == list(range(13, 30, 3))
    for day in range(13, 30, 3):
        assert log.index(("tick", day - 1)) < log.index(("calendar", day))
        assert log.index(("calendar", day)) < log.index(("tick", day))


def test_the_engine_refuses_a_launch_outside_the_horizon() -> None:
    coffee = load_scenario(ROOT / "scenarios" / "coffee_punch_card.yaml")
    population = Population.build(coffee.population, generator(0, 0, "population"))
    with pytest.raises(SimulationError, match=r"launch day 30 outside the horizon 0\.\.29"):
        Simulation(
            population, [], coffee.behaviour, coffee.economics,
            coffee.population.seasonality, coffee.start_date, 30, 0, 0, {}, launch=30,
        )  # fmt: skip


def _problems(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "launch.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (DAYS, "after the horizon's last day"),
        (dt.date(2025, 12, 1), "before start_date"),
        (dt.date(2026, 6, 1), "after the horizon's last day"),
    ],
)
def test_a_launch_outside_the_horizon_is_a_clean_error(
    tmp_path: Path, value: Any, rule: str
) -> None:
    data = _data(ROOT / "scenarios" / "coffee_punch_card.yaml", program_launch=value)
    text = _problems(tmp_path, data)
    assert "launch.yaml" in text and "program_launch: " in text and rule in text
    allowed = f"a day 0-{DAYS - 1} of the horizon or a date from 2026-01-05 to 2026-05-24"
    assert f"allowed: {allowed}" in text


def test_a_launch_after_day_0_with_an_existing_base_is_a_clean_error(tmp_path: Path) -> None:
    data = _data(ROOT / "scenarios" / "grocer_expiry_change.yaml", program_launch=30)
    text = _problems(tmp_path, data)
    assert "program_launch: 30 is after start_date" in text
    assert "population.existing_base" in text


def test_an_acquisition_campaign_ending_before_the_launch_is_a_clean_error(
    tmp_path: Path,
) -> None:
    data = _data(ROOT / "scenarios" / "coffee_punch_card.yaml", program_launch=30)
    data["program"]["offer"] = {"kind": "acquisition", "inflow_lift": 0.2, "campaign_end": 20}
    text = _problems(tmp_path, data)
    assert "program.offer.campaign_end: 20 is before program_launch 30" in text
