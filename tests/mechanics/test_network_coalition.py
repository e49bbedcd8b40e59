"""Coalition partners: earn, burn, partner funding, and cross-visits to the host."""

from __future__ import annotations

import pytest
from network_support import assert_increase, paired, scenario

from loyalsim.errors import ScenarioError
from loyalsim.experiments.simulate import simulate
from loyalsim.scenario.loader import with_overrides


@pytest.fixture(scope="module")
def coalition():
    return scenario("restaurant_coalition", reps=3)


def test_partner_funding_and_burn_costs_follow_the_points(coalition) -> None:
    run = simulate(coalition).replications[0]
    ledger = run.arm.world.ledger
    cinema = ledger.issued_by_source["partner:cinema"]
    rides = ledger.issued_by_source["partner:rides"]
    assert cinema > 0 and rides > 0
    income = float(ledger.daily_money["partner_income"].sum())
    assert income == pytest.approx(0.008 * cinema + 0.01 * rides)
    assert run.kpis["program_income"] == pytest.approx(income)
    burned = run.kpis["partner_points_burned"]
    assert burned > 0 and burned % 500 == 0
    assert ledger.cost_by_type["partner"] == pytest.approx(0.009 * burned)


def test_cross_visits_raise_host_visits(coalition) -> None:
    off = {"program.partners.cross_visit_lift": 0.0}
    on = {"program.partners.cross_visit_lift": 1.0}
    assert_increase(paired(coalition, "visits", off, on))


def test_partner_activity_raises_attachment(coalition) -> None:
    off = {"program.partners.attachment_gain": 0.0}
    on = {"program.partners.attachment_gain": 0.1}
    assert_increase(paired(coalition, "mean_attachment", off, on))


def test_more_partner_funding_is_more_income(coalition) -> None:
    low = {"program.partners.partners[1].funding_per_point": 0.005}
    high = {"program.partners.partners[1].funding_per_point": 0.02}
    assert_increase(paired(coalition, "program_income", low, high))


def test_bad_partner_params_are_named(coalition) -> None:
    with pytest.raises(ScenarioError, match=r"program\.partners\.partners\[0\]\.burn\.prob"):
        with_overrides(coalition, {"program.partners.partners[0].burn.prob": 1.5})
    with pytest.raises(ScenarioError, match="did you mean 'adoption'"):
        with_overrides(coalition, {"program.partners.partners[0].adoptoin": 0.5})
