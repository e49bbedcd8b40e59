"""The search section: structure, and checks against the scenario it belongs to."""

from __future__ import annotations

import pytest

from loyalsim.errors import ScenarioError
from loyalsim.experiments.scenarios import parse_scenario
from loyalsim.scenario.search import ConstraintSpec, ObjectiveSpec, ParameterSpec


def problems(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "tiny.yaml")
    return str(info.value)


def test_valid_search_loads(tiny_text: str) -> None:
    search = parse_scenario(tiny_text).search
    assert search is not None
    assert list(search.parameters) == [
        "program.rewards.catalogue[0].points",
        "program.stamps.min_spend",
        "program.expiry",
    ]
    assert search.parameters["program.rewards.catalogue[0].points"].is_int
    assert not search.parameters["program.stamps.min_spend"].is_int
    assert search.constraints[0].op == "<=" and search.constraints[0].bound == 0.03


def test_unknown_kpi_gets_did_you_mean(tiny_text: str) -> None:
    text = problems(tiny_text.replace("kpi: cost_to_revenue,", "kpi: cost_to_revnue,"))
    assert "search.objectives[1].kpi: unknown KPI 'cost_to_revnue'" in text
    assert "did you mean 'cost_to_revenue'?" in text


def test_unknown_constraint_kpi(tiny_text: str) -> None:
    text = problems(tiny_text.replace("cost_to_revenue <= 0.03", "liabilty <= 100"))
    assert "search.constraints[0].kpi: unknown KPI 'liabilty'; did you mean 'liability'?" in text


def test_missing_path_is_named(tiny_text: str) -> None:
    text = problems(tiny_text.replace("program.stamps.min_spend:", "program.stamps.min_spnd:"))
    assert "'program.stamps.min_spnd' does not exist in the scenario" in text
    assert "did you mean 'min_spend'?" in text
    text = problems(tiny_text.replace("catalogue[0].points", "catalogue[3].points"))
    assert "no list item [3]" in text


def test_every_value_must_validate(tiny_text: str) -> None:
    text = problems(tiny_text.replace("{low: 3, high: 12}", "{low: 0, high: 12}"))
    assert "value 0 gives an invalid scenario" in text
    assert "program.rewards.catalogue[0].points" in text
    text = problems(tiny_text.replace("{policy: inactivity, days: 14}", "{policy: inactivity}"))
    assert "gives an invalid scenario" in text and "needs 'days'" in text


def test_errors_carry_line_numbers(tiny_text: str) -> None:
    text = problems(tiny_text.replace("kpi: cost_to_revenue,", "kpi: cost_to_revnue,"))
    line = next(i for i, s in enumerate(tiny_text.splitlines(), 1) if "direction: minimize" in s)
    assert f"line {line}:" in text


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"low": 1, "high": 2, "choices": [1, 2]}, "not both"),
        ({"low": 1}, "give 'low' and 'high'"),
        ({"low": 3, "high": 1}, "must not exceed"),
        ({"low": 0.0, "high": 1.0, "log": True}, "log scale needs low > 0"),
        ({"low": 1.0, "high": 2.0, "log": True, "step": 0.5}, "cannot be combined"),
        ({"low": 1, "high": 2.5, "type": "int"}, "whole"),
        ({"choices": [1, 1]}, "distinct"),
    ],
)
def test_parameter_structure(spec: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ParameterSpec.model_validate(spec)


def test_choices_keep_sub_documents() -> None:
    spec = ParameterSpec.model_validate([{"policy": "none"}, {"policy": "inactivity", "days": 9}])
    labels = spec.grid()
    assert labels == ['{"policy":"none"}', '{"days":9,"policy":"inactivity"}']
    assert spec.decode(labels[1]) == {"policy": "inactivity", "days": 9}


def test_grid_values() -> None:
    assert ParameterSpec(low=0.0, high=1.0, step=0.25).grid() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ParameterSpec(low=2, high=8, step=3).grid() == [2, 5, 8]
    with pytest.raises(ValueError, match="needs a 'step'"):
        ParameterSpec(low=0.0, high=1.0).grid()


def test_objective_and_constraint_shorthands() -> None:
    assert ObjectiveSpec.model_validate({"retention_rate": "maximise"}).direction == "maximize"
    assert ObjectiveSpec.model_validate("min cost_to_revenue").kpi == "cost_to_revenue"
    c = ConstraintSpec.model_validate({"kpi": "liability", "max": 500})
    assert (c.op, c.bound, c.violation(600.0), c.violation(400.0)) == ("<=", 500.0, 100.0, -100.0)
    ge = ConstraintSpec.model_validate("retention_rate >= 0.4")
    assert ge.violation(0.5) == pytest.approx(-0.1) and ge.violation(float("nan")) == float("inf")
    with pytest.raises(ValueError, match="must look like"):
        ConstraintSpec.model_validate("cost_to_revenue < 0.05")


def test_default_objectives(tiny_text: str) -> None:
    text = tiny_text.split("  objectives:")[0] + "  replications: 1\n"
    search = parse_scenario(text).search
    assert search is not None
    assert [(o.kpi, o.direction) for o in search.objectives] == [
        ("incremental_profit", "maximize"),
        ("cost_to_revenue", "minimize"),
        ("bad_breakage_rate", "minimize"),
    ]


def test_shipped_scenario_search_validates() -> None:
    from pathlib import Path

    from loyalsim.experiments.scenarios import load_scenario

    root = Path(__file__).resolve().parents[2]
    assert load_scenario(root / "scenarios" / "coffee_punch_card.yaml").search is not None
