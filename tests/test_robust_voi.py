"""Robust objectives over worlds, comparisons over worlds, the value of information and the
Dask scale-out."""

from __future__ import annotations

import numpy as np
import pytest
from support import shipped

from loyalsim.experiments.compare import Arm
from loyalsim.experiments.scenarios import with_overrides
from loyalsim.experiments.uncertainty.compare_worlds import NO_PROGRAM, compare_over_worlds
from loyalsim.experiments.uncertainty.robust import aggregate
from loyalsim.experiments.uncertainty.voi import evpi, evppi, noise_floor, voi_table
from loyalsim.experiments.uncertainty.worlds import simulate_worlds

GG = {"behaviour.goal_gradient": {"dist": "uniform", "low": 0.0, "high": 6.0}}
COST = {"economics.fixed_cost_per_year": {"dist": "uniform", "low": 0, "high": 40000}}


def test_robust_statistics_take_the_unfavourable_side() -> None:
    x = np.arange(1.0, 11.0)  # 1..10
    assert aggregate(x, "mean", 0.1, "maximize") == 5.5
    assert aggregate(x, "quantile", 0.1, "maximize") == pytest.approx(np.quantile(x, 0.1))
    assert aggregate(x, "quantile", 0.1, "minimize") == pytest.approx(np.quantile(x, 0.9))
    assert aggregate(x, "cvar", 0.2, "maximize") == 1.5  # mean of the worst two
    assert aggregate(x, "cvar", 0.2, "minimize") == 9.5
    assert aggregate(x, "cvar", 0.01, "maximize") == 1.0  # at least one world


def test_value_of_information_on_a_decision_with_a_known_answer() -> None:
    """Design A pays 1 when theta > 0.5 and -1 otherwise, B pays 0: knowing theta is worth
    0.5 (pick A in the upper half), and a parameter unrelated to the payoffs is worth ~0."""
    rng = np.random.default_rng(3)
    theta = rng.random(400)
    other = rng.random(400)
    values = np.vstack([np.where(theta > 0.5, 1.0, -1.0), np.zeros(400)])
    p = np.mean(theta > 0.5)
    assert evpi(values) == pytest.approx(p - max(2 * p - 1, 0.0), abs=1e-12)
    assert evppi(values, theta) == pytest.approx(evpi(values), abs=0.06)
    assert evppi(values, other) < noise_floor(values) + 0.05
    table = voi_table(values, ["A", "B"], {"theta": theta, "other": other})
    assert list(table["parameter"]) == ["theta", "other"]
    assert bool(table.loc[0, "above_noise_floor"]) and table.loc[0, "best_when_high"] == "A"
    assert table.loc[0, "best_when_low"] == "B"
    # relabelling the designs or reordering the worlds changes nothing
    perm = rng.permutation(400)
    again = voi_table(values[::-1][:, perm], ["B", "A"], {"theta": theta[perm]})
    assert again.loc[0, "evppi"] == pytest.approx(table.loc[0, "evppi"], abs=1e-12)


@pytest.fixture(scope="module")
def small():
    return shipped("coffee_punch_card", size=500, weeks=8, reps=2)


def test_compare_over_worlds_pairs_designs_on_luck_and_assumptions(small):
    """A variant that only adds fixed cost: in every world it loses exactly that cost, so it
    beats the base in no world, and the value of information of the cost is zero for
    choosing between the two (the base wins everywhere)."""
    base = with_overrides(small, {"uncertainty": {"worlds": 3, "priors": {**GG}}})
    costly = with_overrides(base, {"economics.fixed_cost_per_year": 10000})
    result = compare_over_worlds([Arm("base", base), Arm("costly", costly)])
    row = result.worlds_table.set_index(["variant", "kpi"]).loc[("costly", "incremental_profit")]
    profit_b = result.runs["base"].kpi_matrix("incremental_profit")
    profit_c = result.runs["costly"].kpi_matrix("incremental_profit")
    cost_gap = (25000 - 10000) * 56 / 365  # the shipped 25,000 a year against 10,000
    np.testing.assert_allclose(profit_c - profit_b, cost_gap, rtol=1e-9)
    assert row["prob_better"] == 1.0 and row["world_low"] == pytest.approx(row["world_high"])
    revenue = result.worlds_table.set_index(["variant", "kpi"]).loc[("costly", "revenue")]
    assert revenue["diff"] == 0.0 and revenue["mc_low"] == revenue["mc_high"] == 0.0
    assert set(result.voi["best_when_low"]) <= {"base", "costly", NO_PROGRAM}
    assert result.voi["parameter"].tolist() == ["behaviour.goal_gradient"]


def test_a_local_process_pool_and_a_dask_cluster_give_the_same_bits(small):
    distributed = pytest.importorskip("dask.distributed")
    scenario = with_overrides(small, {"uncertainty": {"worlds": 2, "priors": {**GG, **COST}}})
    serial = simulate_worlds(scenario).to_json()
    assert simulate_worlds(scenario, jobs=2).to_json() == serial
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        processes=True,
    ) as cluster:
        on_dask = simulate_worlds(scenario, scheduler=cluster.scheduler_address).to_json()
    assert on_dask == serial


def test_trial_kpis_over_worlds_use_the_robust_statistic_on_objectives_and_constraints(small):
    from loyalsim.experiments.uncertainty.robust import robust_kpis
    from loyalsim.metrics.worlds import world_means
    from loyalsim.scenario.search import SearchSpec

    scenario = with_overrides(
        small, {"uncertainty": {"worlds": 4, "priors": GG, "objective": "cvar", "level": 0.25}}
    )
    result = simulate_worlds(scenario)
    search = SearchSpec.model_validate(
        {
            "parameters": {"program.enrolment.signup_bonus": {"low": 0, "high": 2}},
            "objectives": ["maximize incremental_profit"],
            "constraints": ["cost_to_revenue <= 0.5"],
        }
    )
    kpis = robust_kpis(result, search)
    profit = world_means(result.kpi_matrix("incremental_profit"))
    assert kpis["incremental_profit"] == profit.min()  # the worst of 4 worlds (25%)
    cost = world_means(result.kpi_matrix("cost_to_revenue"))
    assert kpis["cost_to_revenue"] == cost.max()  # a '<=' constraint judged on the upper tail
    assert kpis["revenue"] == result.summary["revenue"]  # other KPIs: means
    assert kpis["prob_incremental_profit_positive"] == np.mean(profit > 0)
