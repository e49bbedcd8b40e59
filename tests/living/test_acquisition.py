"""Acquisition: arrivals per segment with seasonality, shared by both arms (common random
numbers), and a stationary business whose arrivals equal its churn."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from support import ROOT

from loyalsim.engine import acquisition
from loyalsim.experiments.simulate import build_population, simulate
from loyalsim.metrics import stats
from loyalsim.scenario.loader import load_scenario, parse_scenario, with_overrides

STEADY = """
name: steady
seed: 11
horizon: {years: 3}
replications: 4
population:
  size: 3000
  segments:
    - name: regulars
      share: 1.0
      purchase: {r: 400.0, alpha: 2000.0, time_unit: day}   # 0.2 visits a day, CV 5%
      dropout: {a: 400.0, b: 39600.0}                       # 1% per visit, CV 5%
      spend: {p: 50.0, q: 400.0, gamma: 399.0}              # ~$50, nearly the same for all
      arrivals_per_week: ARRIVALS
economics: {gross_margin: 0.5}
"""
RATE, DROPOUT, SIZE = 0.2, 0.01, 3000


def steady(arrivals: float) -> str:
    return STEADY.replace("ARRIVALS", repr(float(arrivals)))


def churn_per_week() -> float:
    """Expected defections a week of SIZE customers: a visit (chance 1 - e^-rate a day)
    is a chance to defect."""
    return SIZE * (1.0 - np.exp(-RATE)) * DROPOUT * 7


def test_arrival_means_follow_the_rate_and_the_seasonality() -> None:
    base = load_scenario(ROOT / "scenarios" / "coffee_punch_card.yaml")
    spec = with_overrides(
        base,
        {
            "population.seasonality": {"annual_amplitude": 0.5, "annual_peak_day": 15},
            "population.segments[0].arrivals_per_week": 70.0,
            "population.segments[1].arrivals_per_week": [7.0, 14.0],
        },
    ).population
    means = acquisition.arrival_means(spec, dt.date(2026, 1, 5), 364)
    assert means.shape == (3, 364)
    assert means[2].sum() == 0.0
    assert means[0].mean() == pytest.approx(10.0, rel=0.02)  # 70 a week, annual wave averages out
    assert means[0][:28].mean() > 1.4 * means[0][168:196].mean()  # January peak, July trough
    weeks = means[1].reshape(52, 7).sum(axis=1)
    np.testing.assert_allclose(weeks[::2], 7.0)  # a calibrated inflow is taken week by week
    np.testing.assert_allclose(weeks[1::2], 14.0)


def test_arrivals_are_counted_as_customers_and_poisson_in_number() -> None:
    scenario = parse_scenario(steady(churn_per_week()), "steady.yaml")
    scenario = with_overrides(scenario, {"horizon": {"weeks": 26}})
    result = simulate(scenario)
    expected = churn_per_week() * 26
    arrived = result.kpi_table()["customers"].to_numpy() - SIZE
    assert abs(arrived.mean() - expected) < 4 * np.sqrt(expected / arrived.size)


def test_both_arms_and_every_design_see_the_same_arrivals(coffee) -> None:
    grow = {f"population.segments[{k}].arrivals_per_week": 40.0 * (k + 1) for k in range(3)}
    a = with_overrides(coffee, grow)
    b = with_overrides(a, {"program.rewards.catalogue[0].points": 6})
    pop_a, pop_b = build_population(a, a.seed, 0), build_population(b, b.seed, 0)
    np.testing.assert_array_equal(pop_a.arrival_day, pop_b.arrival_day)
    np.testing.assert_array_equal(pop_a.rate, pop_b.rate)
    assert (pop_a.arrival_day > 0).sum() > 1000
    ra, rb = simulate(a), simulate(b)
    for column in ("control_revenue", "control_alive", "control_visits"):
        np.testing.assert_array_equal(ra.weekly[column], rb.weekly[column])
    assert not np.array_equal(ra.weekly["revenue"], rb.weekly["revenue"])
    # the base customers are those of the closed cohort: arrivals come after them
    closed = build_population(coffee, coffee.seed, 0)
    np.testing.assert_array_equal(pop_a.rate[: closed.size], closed.rate)


def _mean_interval(values: np.ndarray) -> stats.Interval:
    return stats.mean_interval(values)


def test_arrivals_equal_to_churn_keep_the_business_stationary() -> None:
    result = simulate(parse_scenario(steady(churn_per_week()), "steady.yaml"))
    yearly = result.yearly
    control = yearly[yearly["arm"] == "control"]
    alive = control[control["year"] == 3]["alive"].to_numpy()
    interval = _mean_interval(alive)
    half = max(interval.high - interval.mean, 1.0)
    # the alive count after three years is the starting size within 4 standard errors
    assert abs(interval.mean - SIZE) < 2 * half, (interval, SIZE)
    revenue = control.pivot(index="replication", columns="year", values="revenue")
    ratio = (revenue[3] / revenue[1]).to_numpy()
    ratio_ci = _mean_interval(ratio)
    assert ratio_ci.low - 0.01 < 1.0 < ratio_ci.high + 0.01, ratio_ci  # weekly revenue level
    closed = simulate(parse_scenario(steady(0.0), "steady.yaml"), replications=2).yearly
    last = closed[(closed["arm"] == "control") & (closed["year"] == 3)]["alive"]
    assert last.mean() < 0.25 * SIZE  # without arrivals the cohort dies out: the test can fail
