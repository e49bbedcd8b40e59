"""Acquisition offers raise the inflow in the program arm only; smaller offers bring a subset
of a larger one's newcomers; the control arm keeps its arrivals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from loyalsim.experiments.simulate import simulate
from loyalsim.scenario.loader import with_overrides


def _growing(coffee, lift: float | None, **offer):
    arrivals = {f"population.segments[{k}].arrivals_per_week": 100.0 for k in range(3)}
    scenario = with_overrides(coffee, {**arrivals, "horizon": {"weeks": 13}, "replications": 1})
    if lift is None:
        return scenario
    spec = {"kind": "acquisition", "inflow_lift": lift, **offer}
    return with_overrides(scenario, {"program.welcome": spec})


def test_an_offer_raises_the_inflow_by_its_lift_in_the_program_arm_only(coffee) -> None:
    plain = simulate(_growing(coffee, None)).replications[0]
    offer = simulate(_growing(coffee, 0.5, bonus_points=3, cost_per_acquired=2.0))
    rep = offer.replications[0]
    base_arrivals = plain.kpis["customers"] - coffee.population.size
    acquired = rep.kpis["acquired_customers"]
    assert acquired == pytest.approx(0.5 * base_arrivals, rel=0.15)
    assert rep.kpis["customers"] == plain.kpis["customers"] + acquired
    assert rep.kpis["acquisition_cost"] == pytest.approx(2.0 * acquired)
    assert rep.points_issued_by_source["acquisition_bonus"] == 3 * acquired
    np.testing.assert_array_equal(plain.weekly["control_alive"], rep.weekly["control_alive"])
    assert rep.kpis["incremental_revenue"] > plain.kpis["incremental_revenue"]


def test_a_smaller_offer_brings_a_subset_and_a_segment_offer_only_its_segment(coffee) -> None:
    small = simulate(_growing(coffee, 0.2)).replications[0]
    large = simulate(_growing(coffee, 0.6)).replications[0]
    assert 0 < small.kpis["acquired_customers"] < large.kpis["acquired_customers"]
    only = simulate(_growing(coffee, 0.6, segments=["tourists"])).replications[0]
    names = coffee.population.segments
    assert only.kpis["acquired_customers"] < large.kpis["acquired_customers"]
    tourists = only.segments["tourists"]["customers"]
    assert tourists > small.segments["tourists"]["customers"]
    commuters = names[0].name
    base = simulate(_growing(coffee, None)).replications[0]
    assert only.segments[commuters]["customers"] == base.segments[commuters]["customers"]


def test_an_offer_for_an_unknown_segment_is_refused(coffee) -> None:
    with pytest.raises(Exception, match="unknown segment"):
        _growing(coffee, 0.3, segments=["nobody"])


def _arrivals_per_day(scenario) -> np.ndarray:
    from loyalsim.engine.population import NOT_YET
    from loyalsim.experiments.simulate import run_replication

    rep = run_replication(scenario, 4, 0)
    assert rep.arm is not None
    days = rep.arm.world.arrival_day
    return np.bincount(days[days != NOT_YET], minlength=rep.arm.world.days)


def test_a_campaign_window_changes_the_inflow_only_inside_it(coffee) -> None:
    plain = _arrivals_per_day(_growing(coffee, None))
    window = _arrivals_per_day(_growing(coffee, 0.8, campaign_start=28, campaign_end=55))
    always = _arrivals_per_day(_growing(coffee, 0.8))
    inside = np.zeros(plain.size, dtype=bool)
    inside[28:56] = True
    np.testing.assert_array_equal(window[~inside], plain[~inside])  # outside: its own arrivals
    assert window[inside].sum() > plain[inside].sum() * 1.5  # inside: the 80% lift
    np.testing.assert_array_equal(window[inside], always[inside])  # the same newcomers
    assert always[~inside].sum() > plain[~inside].sum()


def test_a_campaign_window_given_as_dates_is_the_same_as_days(coffee) -> None:
    start = coffee.start_date
    by_day = _growing(coffee, 0.5, campaign_start=7, campaign_end=20)
    dates = {"campaign_start": str(start + dt.timedelta(days=7)),
             "campaign_end": str(start + dt.timedelta(days=20))}  # fmt: skip
    by_date = _growing(coffee, 0.5, **dates)
    np.testing.assert_array_equal(_arrivals_per_day(by_day), _arrivals_per_day(by_date))


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"campaign_start": 30, "campaign_end": 10}, "campaign_end: 10 is before campaign_start"),
        ({"campaign_start": 400}, "campaign_start: 400 is after the horizon's last day"),
        ({"campaign_start": "2020-01-01"}, "campaign_start: 2020-01-01 is before start_date"),
    ],
)
def test_a_campaign_window_outside_the_horizon_is_refused(coffee, window, message) -> None:
    with pytest.raises(Exception, match=message):
        _growing(coffee, 0.3, **window)
