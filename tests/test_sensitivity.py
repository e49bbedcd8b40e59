"""Global sensitivity: SALib's estimators through loyalsim's code path, on a function with
known Sobol indices (Ishigami) and on the simulator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import shipped

from loyalsim.errors import LoyalsimError
from loyalsim.experiments.scenarios import with_overrides
from loyalsim.experiments.uncertainty.sensitivity import (
    Parameters,
    global_indices,
    parameters_of,
    sensitivity,
)
from loyalsim.scenario.priors import UniformPrior
from loyalsim.scenario.uncertainty import assumption_paths

A, B = 7.0, 0.1
PI = math.pi
# Ishigami & Homma (1990): analytic variance decomposition
VAR = A**2 / 8 + B * PI**4 / 5 + B**2 * PI**8 / 18 + 0.5
V1 = 0.5 * (1 + B * PI**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * PI**8 * (1 / 18 - 1 / 50)
S1 = [V1 / VAR, V2 / VAR, 0.0]
ST = [(V1 + V13) / VAR, V2 / VAR, V13 / VAR]


def ishigami(x: np.ndarray) -> np.ndarray:
    y = np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])
    return y[:, None]


PARAMS = Parameters(("x1", "x2", "x3"), tuple(UniformPrior(low=-PI, high=PI) for _ in range(3)))


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values() -> None:
    table, unit, _ = global_indices("sobol", PARAMS, ishigami, ["y"], 4096, seed=1)
    assert len(unit) == 4096 * 5
    for index, truth in (("S1", S1), ("ST", ST)):
        rows = table[table["index"] == index].set_index("parameter")
        for name, expected in zip(PARAMS.paths, truth, strict=True):
            row = rows.loc[name]
            half = (row.ci_high - row.ci_low) / 2
            assert abs(row.value - expected) < max(3 * half, 0.02), (index, name, row.value)


def test_morris_ranks_the_ishigami_inputs_and_the_values_follow_the_priors() -> None:
    table, unit, _ = global_indices("morris", PARAMS, ishigami, ["y"], 50, seed=3)
    mu_star = table[table["index"] == "mu_star"].set_index("parameter")["value"]
    sigma = table[table["index"] == "sigma"].set_index("parameter")["value"]
    assert mu_star["x1"] > mu_star["x3"] > 0 and mu_star["x2"] > mu_star["x3"]
    # x2 enters additively (sin^2 alone) but non-linearly; x3 only through its interaction
    assert sigma["x3"] > 0
    values = PARAMS.values(unit)
    assert values.min() >= -PI and values.max() <= PI
    np.testing.assert_allclose(sorted(set(np.round(values[:, 0], 9))), [-PI, -PI / 3, PI / 3, PI])


def test_default_parameters_are_the_library_assumptions_and_unknown_ones_are_refused(coffee):
    assert list(parameters_of(coffee).paths) == assumption_paths()
    with pytest.raises(LoyalsimError, match="no prior for it"):
        parameters_of(coffee, ["behaviour.nonsense"])


def test_on_the_simulator_a_parameter_that_does_nothing_gets_index_zero() -> None:
    """The fixed cost moves no customer: its effect on incremental revenue is exactly zero
    (common random numbers at every design point), while the goal gradient matters."""
    small = shipped("coffee_punch_card", size=500, weeks=8, reps=1)
    priors = {
        "economics.fixed_cost_per_year": {"dist": "uniform", "low": 0, "high": 40000},
        "behaviour.goal_gradient": {"dist": "uniform", "low": 0.0, "high": 6.0},
    }
    scenario = with_overrides(small, {"uncertainty": {"priors": priors}})
    study = sensitivity(
        scenario, "morris", ["incremental_revenue", "incremental_profit"], samples=4
    )
    table = study.table
    mu = table[(table["index"] == "mu_star")].set_index(["parameter", "kpi"])["value"]
    assert mu[("economics.fixed_cost_per_year", "incremental_revenue")] == 0.0
    assert mu[("behaviour.goal_gradient", "incremental_revenue")] > 0
    # 40k of yearly fixed cost over 8 weeks is 40000 * 56 / 365 of profit per full range
    assert mu[("economics.fixed_cost_per_year", "incremental_profit")] == pytest.approx(
        40000 * 56 / 365, rel=1e-9
    )
    swing = table[(table["index"] == "swing") & (table["kpi"] == "incremental_profit")]
    cost = swing.set_index("parameter").loc["economics.fixed_cost_per_year", "value"]
    assert cost == pytest.approx(-0.9 * 40000 * 56 / 365, rel=1e-9)
    assert set(study.table.columns) == {
        "parameter",
        "kpi",
        "method",
        "index",
        "value",
        "ci_low",
        "ci_high",
    }
