"""Parameter worlds: common random numbers across worlds, two kinds of spread, same bits."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from support import run_cli, shipped
from test_cli import COFFEE, SMALL

from loyalsim.errors import SimulationError
from loyalsim.experiments.scenarios import with_overrides
from loyalsim.experiments.uncertainty.worlds import simulate_worlds, world_values
from loyalsim.metrics import stats
from loyalsim.metrics.worlds import monte_carlo_interval, world_interval

COST_PRIOR = {"economics.fixed_cost_per_year": {"dist": "uniform", "low": 0, "high": 50000}}


@pytest.fixture(scope="module")
def coffee_small():
    return shipped("coffee_punch_card", size=600, weeks=8, reps=2)


def with_priors(scenario, priors, worlds=3):
    return with_overrides(scenario, {"uncertainty": {"worlds": worlds, "priors": priors}})


def test_worlds_share_the_luck_a_cost_prior_moves_profit_by_exactly_the_cost(coffee_small):
    """Fixed cost changes no customer's behaviour: every world has the same revenue, bit for
    bit (common random numbers), and profit moves by exactly the prorated cost."""
    result = simulate_worlds(with_priors(coffee_small, COST_PRIOR, worlds=4))
    revenue = result.kpi_matrix("incremental_revenue")
    assert np.array_equal(revenue, np.repeat(revenue[:1], 4, axis=0))
    low, high = result.world_intervals()["incremental_revenue"]
    assert low == high
    costs = np.asarray(result.draws["economics.fixed_cost_per_year"])
    profit = result.kpi_matrix("incremental_profit")
    days = coffee_small.horizon.total_days
    expected = -(costs - costs[0])[:, None] / 365.0 * days
    np.testing.assert_allclose(profit - profit[:1], np.repeat(expected, 2, axis=1), rtol=1e-9)


def test_same_seed_same_bits_in_any_process_and_world_count(coffee_small):
    priors = {"behaviour.goal_gradient": {"dist": "lognormal", "median": 1.0, "sigma": 0.8}}
    scenario = with_priors(coffee_small, priors, worlds=3)
    serial = simulate_worlds(scenario)
    serial_json = serial.to_json()  # once: a worlds summary takes seconds to build
    assert simulate_worlds(scenario, jobs=2).to_json() == serial_json
    more = simulate_worlds(scenario, worlds=5)
    assert more.draws["behaviour.goal_gradient"][:3] == serial.draws["behaviour.goal_gradient"]
    first = json.loads(more.to_json())["kpis_per_world"]["incremental_profit"][:3]
    assert first == json.loads(serial_json)["kpis_per_world"]["incremental_profit"]


def test_draws_do_not_depend_on_the_order_or_number_of_other_priors(coffee_small):
    one = {"behaviour.goal_gradient": {"dist": "uniform", "low": 0.1, "high": 3}}
    two = {"behaviour.reset_carry": {"dist": "uniform", "low": 0, "high": 1}, **one}
    a = world_values(with_priors(coffee_small, one), 6, seed=7)
    b = world_values(with_priors(coffee_small, dict(reversed(two.items()))), 6, seed=7)
    assert a["behaviour.goal_gradient"] == b["behaviour.goal_gradient"]
    assert world_values(with_priors(coffee_small, one), 6, seed=8) != a


def test_summary_separates_world_spread_from_monte_carlo_noise(coffee_small):
    priors = {"behaviour.goal_gradient": {"dist": "uniform", "low": 0.0, "high": 6.0}}
    result = simulate_worlds(with_priors(coffee_small, priors, worlds=5))
    summary = json.loads(result.to_json())
    profit = result.kpi_matrix("incremental_profit")
    means = profit.mean(axis=1)
    assert summary["kpis_per_world"]["incremental_profit"] == pytest.approx(list(means))
    assert summary["kpis"]["incremental_profit"] == pytest.approx(profit.mean())
    assert summary["kpis_world_interval95"]["incremental_profit"] == pytest.approx(
        list(np.quantile(means, [0.025, 0.975]))
    )
    # Monte Carlo interval: pooled within-world variance, W (R - 1) degrees of freedom
    resid = profit - means[:, None]
    sd = math.sqrt((resid**2).sum() / (5 * 1))
    half = stats.t_quantile(0.95, 5) * sd / math.sqrt(10)
    assert summary["kpis_ci95"]["incremental_profit"] == pytest.approx(
        [profit.mean() - half, profit.mean() + half]
    )
    assert summary["kpis"]["prob_incremental_profit_positive"] == pytest.approx(np.mean(means > 0))
    assert summary["worlds"]["count"] == 5 and summary["replications"] == 2
    # the goal gradient matters far more than the luck of two replications
    lo, hi = summary["kpis_world_interval95"]["incremental_profit"]
    mc_lo, mc_hi = summary["kpis_ci95"]["incremental_profit"]
    assert hi - lo > mc_hi - mc_lo


def test_interval_helpers_follow_their_definitions() -> None:
    matrix = np.array([[1.0, 3.0], [10.0, 12.0], [5.0, np.nan]])
    interval = monte_carlo_interval(matrix)
    assert interval.mean == pytest.approx(31 / 5) and interval.n == 5
    # residuals -1, 1, -1, 1 over 2 degrees of freedom: sd sqrt(2)
    half = stats.t_quantile(0.95, 2) * math.sqrt(2) / math.sqrt(5)
    assert interval.high - interval.mean == pytest.approx(half)
    assert math.isnan(monte_carlo_interval(np.array([[1.0], [2.0]])).low)
    assert all(math.isnan(v) for v in world_interval(np.array([4.0])))


def test_more_worlds_than_one_need_priors(coffee_small):
    with pytest.raises(SimulationError, match="has no priors"):
        simulate_worlds(coffee_small, worlds=3)


def test_run_with_worlds_writes_both_intervals_and_the_probability(tmp_path) -> None:
    out = tmp_path / "w"
    prior = "uncertainty={worlds: 3, priors: {behaviour.goal_gradient: {dist: library}}}"
    done = run_cli("run", COFFEE, "--out", str(out), "--replications", "2", *SMALL, "--set", prior)
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert 0 <= summary["kpis"]["prob_incremental_profit_positive"] <= 1
    assert len(summary["kpis_per_world"]["revenue"]) == 3
    assert "P(incremental profit > 0)" in done.stdout
    bad = run_cli("run", COFFEE, "--out", str(out), *SMALL, "--worlds", "3")
    assert bad.returncode == 2 and "has no priors" in bad.stderr and "Traceback" not in bad.stderr
