"""The engine's seams: results never depend on key order, instances of a repeatable mechanic
keep their own draws and KPIs, breakdowns add up, every KPI is in the catalogue, program
state has one writer per field, observers cannot write."""

from __future__ import annotations

import ast
import inspect
import random
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from support import ROOT, SCENARIOS, shuffled

from loyalsim.engine.observers import Observer
from loyalsim.engine.state import OWNERS, ProgramState
from loyalsim.experiments.scenarios import parse_scenario
from loyalsim.experiments.simulate import simulate
from loyalsim.mechanics import MECHANICS, REGISTRY, build_program
from loyalsim.metrics import catalogue
from loyalsim.metrics.segments import SegmentTrends

SHRINK = {"population": {"size": 600}, "horizon": {"weeks": 20}, "replications": 1}


def _data(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["population"]["size"] = SHRINK["population"]["size"]
    data["horizon"] = SHRINK["horizon"]
    data["replications"] = 1
    data.pop("search", None)
    return data


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_key_order_never_changes_summary_json(path: Path) -> None:
    data = _data(path)
    base = simulate(parse_scenario(yaml.safe_dump(data, sort_keys=False))).to_json()
    rng = random.Random(path.stem)
    for _ in range(10):
        permuted = dict(data)
        program = list(data["program"].items())
        rng.shuffle(program)
        permuted["program"] = shuffled(dict(program), rng)
        permuted = shuffled(permuted, rng) | {"program": permuted["program"]}
        text = yaml.safe_dump(permuted, sort_keys=False)
        assert simulate(parse_scenario(text)).to_json() == base


def _coffee(extra: dict[str, Any] | None = None) -> Any:
    data = _data(ROOT / "scenarios" / "coffee_punch_card.yaml")
    data["program"].update(extra or {})
    return parse_scenario(yaml.safe_dump(data, sort_keys=False))


def _offer(**changes: Any) -> dict[str, Any]:
    spec = {"kind": "offers", "every_days": 14, "inactive_days": 21, "contact_cost": 0.1}
    return spec | {"offer": "discount", "discount": 1.0, "response_rate": 0.3} | changes


def test_two_offers_mechanics_report_both_and_their_total() -> None:
    result = simulate(_coffee({"winback": _offer(), "lapsed": _offer(inactive_days=45)}))
    kpis = result.summary
    first, second = kpis["offer_contacts.winback"], kpis["offer_contacts.lapsed"]
    assert first > 0 and second > 0
    assert kpis["offer_contacts"] == first + second
    assert kpis["offers_used"] == kpis["offers_used.winback"] + kpis["offers_used.lapsed"]


def test_instances_draw_from_their_own_streams() -> None:
    mechanics = build_program(_coffee({"a": _offer(), "b": _offer()}).program)
    names = {m.name: m.namespace for m in mechanics if m.kind == "offers"}
    assert names == {"a": "offers[a]:", "b": "offers[b]:"}


def test_a_second_instance_leaves_the_first_ones_draws_unchanged() -> None:
    """An offer that can never reach anyone (inactive longer than the horizon) changes
    nothing: the first offer's contacts and every KPI stay exactly the same."""
    one = simulate(_coffee({"winback": _offer()})).summary
    idle = _offer(inactive_days=400, contact_cost=0.0)
    two = simulate(_coffee({"winback": _offer(), "zzz_idle": idle})).summary
    assert two["offer_contacts.zzz_idle"] == 0
    for key, value in one.items():
        if key.startswith("offer") and key.count(".") == 0:
            continue  # totals now sum two instances (the idle one adds zero)
        assert two[key] == value or (np.isnan(value) and np.isnan(two[key])), key


def test_a_singleton_kind_may_not_repeat() -> None:
    singletons = sorted(m.kind for m in MECHANICS if m.singleton)
    assert "rewards" in singletons and "offers" not in singletons
    data = _data(ROOT / "scenarios" / "coffee_punch_card.yaml")
    data["program"]["more_rewards"] = {"kind": "rewards", **data["program"]["rewards"]}
    with pytest.raises(Exception, match="at most one 'rewards' mechanic"):
        parse_scenario(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture(scope="module")
def shipped_runs() -> dict[str, Any]:
    return {p.stem: simulate(parse_scenario(yaml.safe_dump(_data(p)))) for p in SCENARIOS}


def test_breakdowns_sum_to_their_totals(shipped_runs: dict[str, Any]) -> None:
    for name, result in shipped_runs.items():
        for rep in result.replications:
            k = rep.kpis
            by_type = sum(v for key, v in k.items() if key.startswith("reward_cost_by_type."))
            assert by_type == pytest.approx(k["reward_cost"], rel=1e-12, abs=1e-9), name
            by_account = sum(v for key, v in k.items() if key.startswith("cost_by_account."))
            assert by_account == pytest.approx(k["program_cost"], rel=1e-12, abs=1e-9), name
            profit = k["revenue"] * result.scenario.economics.gross_margin
            profit += k["program_income"] - k["program_cost"]
            assert profit == pytest.approx(k["profit"], rel=1e-12), name
            issued = k["points_redeemed"] + k["points_expired"] + k["points_outstanding"]
            assert k["points_opening"] + k["points_issued"] == issued, name


def test_weekly_sums_match_summary_totals(shipped_runs: dict[str, Any]) -> None:
    flows = ("revenue", "control_revenue", "visits", "program_cost", "reward_cost")
    flows += ("points_issued", "points_redeemed", "points_expired", "incremental_profit")
    for name, result in shipped_runs.items():
        for rep in result.replications:
            for column in flows:
                total = float(rep.weekly[column].sum())
                assert total == pytest.approx(rep.kpis[column], rel=1e-9, abs=1e-6), (
                    name,
                    column,
                )
            last = rep.weekly.iloc[-1]
            assert last["points_outstanding"] == rep.kpis["points_outstanding"], name


def test_every_kpi_has_a_label_and_unit_and_is_known_before_running(
    shipped_runs: dict[str, Any],
) -> None:
    for name, result in shipped_runs.items():
        reported = set(result.summary)
        assert reported == set(catalogue.keys_for(result.scenario)), name
        for key in reported:
            kpi = catalogue.definition(key)
            assert kpi.label and kpi.unit, key
        for column in result.weekly.columns:
            if column != "replication":
                assert catalogue.lookup(column) is not None, (name, column)


def test_catalogue_declares_each_key_once() -> None:
    keys = [k.key for k in catalogue.CORE] + [k.key for m in MECHANICS for k in m.KPIS]
    assert len(keys) == len(set(keys))
    assert "partner" in catalogue.reward_types()


def _assigned_state_fields(tree: ast.AST) -> set[str]:
    """Fields of ``*.state`` that a module assigns (plain, augmented or by subscript)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            while isinstance(target, ast.Subscript):
                target = target.value
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Attribute)
                and target.value.attr == "state"
            ):
                found.add(target.attr)
    return found


def test_each_program_state_field_has_one_writer() -> None:
    assert set(OWNERS) == set(ProgramState.__dataclass_fields__)
    for mechanic in MECHANICS:
        source = textwrap.dedent(inspect.getsource(mechanic))
        written = _assigned_state_fields(ast.parse(source))
        foreign = {f for f in written if OWNERS[f] != mechanic.kind}
        assert not foreign, f"{mechanic.kind} writes state it does not own: {sorted(foreign)}"
    for owner in set(OWNERS.values()) - {"engine"}:
        assert REGISTRY[owner].singleton, f"owner {owner} must be a singleton kind"


def test_the_state_checker_sees_subscript_and_augmented_writes() -> None:
    tree = ast.parse(
        "world.state.tier[idx] = 1\nworld.state.goal_points += 2\nx = world.state.tier"
    )
    assert _assigned_state_fields(tree) == {"tier", "goal_points"}


class _Writer(Observer):
    def on_day_end(self, arm: str, world: Any, batch: Any) -> None:
        world.alive[0] = False


class _Counter(Observer):
    def __init__(self) -> None:
        self.days = {"program": 0, "control": 0}
        self.visits = {"program": 0.0, "control": 0.0}

    def on_day_end(self, arm: str, world: Any, batch: Any) -> None:
        self.days[arm] += 1
        self.visits[arm] += batch.idx.size


def test_observers_see_every_day_of_both_arms_and_change_nothing() -> None:
    scenario = _coffee()
    counter = _Counter()
    watched = simulate(scenario, observers=[counter])
    assert counter.days == {"program": 140, "control": 140}
    assert counter.visits["program"] == watched.summary["visits"]
    assert counter.visits["control"] == watched.summary["control_visits"]
    assert watched.to_json() == simulate(scenario).to_json()


def test_observers_cannot_write() -> None:
    with pytest.raises(ValueError, match="read-only"):
        simulate(_coffee(), observers=[_Writer()])


def test_automatic_enrolment_is_the_default_enrolment_mechanic() -> None:
    data = _data(ROOT / "scenarios" / "coffee_punch_card.yaml")
    del data["program"]["enrolment"]
    scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False))
    kinds = [
        (m.kind, m.params.automatic)
        for m in build_program(scenario.program)
        if m.kind == "enrolment"
    ]
    assert kinds == [("enrolment", True)]
    assert simulate(scenario).summary["enrolment_rate"] == 1.0


def test_segments_partition_the_run_and_trends_match_them(shipped_runs: dict[str, Any]) -> None:
    for name, result in shipped_runs.items():
        summary = result.summary_dict()
        segments = summary["segments"]
        assert set(segments) == {s.name for s in result.scenario.population.segments}
        keys = ("customers", "revenue", "control_revenue", "visits", "points_issued")
        keys += ("program_cost", "program_income", "incremental_profit")
        for key in keys:
            total = sum(seg[key] for seg in segments.values())
            assert total == pytest.approx(summary["kpis"][key], rel=1e-9, abs=1e-6), (name, key)
        groups = summary["customer_groups"]
        both = groups["engaged"]["revenue"] + groups["passive"]["revenue"]
        assert both == pytest.approx(summary["kpis"]["revenue"], rel=1e-9), name


def test_segment_trends_observer_adds_up_to_segment_revenue() -> None:
    trends = SegmentTrends()
    result = simulate(_coffee(), observers=[trends])
    frame = trends.frame()
    by_segment = frame[frame["arm"] == "program"].groupby("segment")["revenue"].sum()
    for name, kpis in result.summary_dict()["segments"].items():
        assert by_segment[name] == pytest.approx(kpis["revenue"], rel=1e-9)
    control = frame[frame["arm"] == "control"]["revenue"].sum()
    assert control == pytest.approx(result.summary["control_revenue"], rel=1e-9)
