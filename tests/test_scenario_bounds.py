"""Every number a scenario holds is finite and bounded (issue #16 items 2, 4 and 9): the schema
states the bounds, the loader enforces them, points cannot overflow, and a run that cannot fit
in memory is refused with the estimate before anything is allocated."""

from __future__ import annotations

import math
import resource
import subprocess
import sys

import pytest
from test_scenario import MINIMAL

from loyalsim.errors import ScenarioError, SimulationError
from loyalsim.experiments import budget
from loyalsim.scenario.loader import parse_scenario
from loyalsim.scenario.magnitudes import MAX_TOTAL_POINTS, points_upper_estimate
from loyalsim.scenario.schema import model_properties, scenario_schema
from loyalsim.spec import SEED_MAX


def numeric_leaves(node: object, path: str):
    """(path, schema) of every number or integer in a property schema, through unions,
    list items and mapping values."""
    if not isinstance(node, dict):
        return
    if node.get("type") in ("number", "integer"):
        yield path, node
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            yield from numeric_leaves(sub, path)
    yield from numeric_leaves(node.get("items"), path + "[]")
    yield from numeric_leaves(node.get("additionalProperties"), path + "{}")


def test_every_numeric_field_states_finite_bounds_in_the_schema() -> None:
    schema = scenario_schema()
    unbounded, seen = [], 0
    for name, model in [("Scenario", schema), *schema["$defs"].items()]:
        for field, prop in model_properties(model).items():
            for path, leaf in numeric_leaves(prop, f"{name}.{field}"):
                seen += 1
                low = leaf.get("minimum", leaf.get("exclusiveMinimum"))
                high = leaf.get("maximum", leaf.get("exclusiveMaximum"))
                if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
                    unbounded.append(path)
    assert seen > 140  # the walk finds the fields (guards the test itself)
    assert unbounded == []


def test_seed_bound_is_what_every_rng_accepts() -> None:
    import numpy as np

    np.random.RandomState(SEED_MAX)  # Optuna's samplers seed this; 2**32 would raise
    with pytest.raises(ValueError):
        np.random.RandomState(SEED_MAX + 1)
    assert parse_scenario(MINIMAL.replace("name: minimal", f"name: x\nseed: {SEED_MAX}")).seed


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "test.yaml")
    return info.value.problems


SEGMENT = "population.segments[0]"
REWARD = "program.rewards.catalogue[0]"


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("gamma: 20.0", "gamma: .inf", f"{SEGMENT}.spend.gamma"),
        ("gamma: 20.0", "gamma: 1e308", f"{SEGMENT}.spend.gamma"),
        ("p: 3.0", "p: 1.0e+300", f"{SEGMENT}.spend.p"),
        ("cost: 5,", "cost: .inf,", f"{REWARD}.cost"),
        ("value: 5}", "value: 1e308}", f"{REWARD}.value"),
        ("b: 10.0", "b: .inf", f"{SEGMENT}.dropout.b"),
        ("alpha: 2.0", "alpha: 1e308", f"{SEGMENT}.purchase.alpha"),
        ("gross_margin: 0.3}", "gross_margin: 0.3, fixed_cost_per_year: .inf}", "economics"),
        ("points: 100", "points: 18446744073709551616", f"{REWARD}.points"),
        ("name: minimal", "name: x\nseed: 18446744073709551616", "seed"),
        ("name: minimal", "name: x\nreplications: 1000000000000000000", "replications"),
        ("size: 100", "size: 10000000000000", "population.size"),
        ("{weeks: 4}", "{days: 1000000000}", "horizon.days"),
        ("points_per_unit: 1", "points_per_unit: 1e14", "program.earning.points_per_unit"),
        ("share: 1.0", "share: 1.0\n      attachment: 5.0", f"{SEGMENT}.attachment"),
        (
            "share: 1.0",
            "share: 1.0\n      enrol_propensity: {dist: uniform, low: -5, high: 7}",
            f"{SEGMENT}.enrol_propensity",
        ),
        (
            "share: 1.0",
            "share: 1.0\n      attachment: {dist: gamma, shape: 2.0, scale: 0.1}",
            f"{SEGMENT}.attachment",
        ),
        (
            "share: 1.0",
            "share: 1.0\n      reward_sensitivity: {dist: uniform, low: -1, high: 1}",
            f"{SEGMENT}.reward_sensitivity",
        ),
        ("name: minimal", "name: " + "x" * 201, "name"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_extreme_values_are_refused_naming_the_field(old: str, new: str, path: str) -> None:
    text = MINIMAL.replace(old, new)
    assert text != MINIMAL
    found = problems(text)
    assert len(found) == 1 and f": {path}" in f": {found[0].split(': ', 1)[-1]}", found


def test_probability_traits_accept_distributions_within_unit_interval() -> None:
    traits = (
        "attachment: {dist: beta, a: 2, b: 3}\n      enrol_propensity: "
        "{dist: uniform, low: 0.2, high: 0.8}\n      experience_seeking: 0.4"
    )
    s = parse_scenario(MINIMAL.replace("share: 1.0", "share: 1.0\n      " + traits))
    segment = s.population.segments[0]
    assert segment.enrol_propensity.support() == (0.2, 0.8)
    assert segment.experience_seeking.support() == (0.4, 0.4)


def test_the_unit_rule_message_says_what_is_allowed() -> None:
    text = MINIMAL.replace(
        "share: 1.0", "share: 1.0\n      enrol_propensity: {dist: uniform, low: -5, high: 7}"
    )
    (message,) = problems(text)
    assert "probability in [0, 1]" in message and "uniform(low=-5, high=7) reaches -5 to 7" in (
        message
    )
    assert "beta" in message


def test_points_that_could_overflow_are_refused_before_the_run() -> None:
    text = (
        MINIMAL.replace("size: 100", "size: 100000000")
        .replace("{weeks: 4}", "{days: 36525}")
        .replace("points_per_unit: 1", "points_per_unit: 10000")
        .replace("alpha: 2.0", "alpha: 0.2")
    )
    (message,) = problems(text)
    assert "points arithmetic could overflow" in message
    small = parse_scenario(MINIMAL)
    assert 0 < points_upper_estimate(small) < MAX_TOTAL_POINTS


def test_points_estimate_bounds_what_a_run_issues() -> None:
    from loyalsim.experiments.simulate import simulate

    scenario = parse_scenario(MINIMAL)
    result = simulate(scenario, replications=1)
    issued = sum(result.replications[0].points_issued_by_source.values())
    assert 0 < issued <= points_upper_estimate(scenario)


def test_memory_estimate_scales_with_rows_and_kept_replications() -> None:
    scenario = parse_scenario(MINIMAL.replace("size: 100", "size: 1000000"))
    one = budget.estimate(scenario, 1)
    three = budget.estimate(scenario, 3)
    assert one.rows == 1_000_000
    assert one.memory == pytest.approx(budget.PROCESS_BYTES + 1_000_000 * budget.ROW_BYTES)
    assert three.memory - one.memory == pytest.approx(2 * 1_000_000 * budget.KEPT_ROW_BYTES)
    assert three.customer_days == 3 * one.customer_days == 3 * 2 * 1_000_000 * 28


def test_a_run_that_cannot_fit_is_refused_with_the_estimate(monkeypatch) -> None:
    from loyalsim.experiments.simulate import simulate

    monkeypatch.setattr(budget, "available_memory", lambda: 1e8)
    with pytest.raises(SimulationError, match=r"needs about .* but only 100 MB is available"):
        simulate(parse_scenario(MINIMAL))


def test_a_long_run_announces_its_estimate(monkeypatch, tmp_path) -> None:
    from typer.testing import CliRunner

    from loyalsim.cli.app import app

    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL)
    monkeypatch.setattr(budget, "LONG_RUN_SECONDS", 0.0)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "estimated run time about 0 s (5.6e+03 customer-days)" in result.output


def test_the_cli_refuses_a_population_beyond_memory(tmp_path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(MINIMAL.replace("size: 100", "size: 20000000"))
    out = tmp_path / "out"
    limit = 3 * 2**30  # 3 GiB of address space: the estimate (14 GB) cannot fit on any machine

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    code = "from loyalsim.cli.app import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limited,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "needs about" in done.stderr and "is available" in done.stderr
    assert not out.exists()
