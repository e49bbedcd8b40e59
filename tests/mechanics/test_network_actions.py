"""Non-purchase actions: points per action source, attachment and visits rise with them."""

from __future__ import annotations

import pytest
from network_support import assert_increase, kpis, paired, scenario

from loyalsim.errors import ScenarioError
from loyalsim.experiments.simulate import simulate
from loyalsim.scenario.loader import with_overrides


@pytest.fixture(scope="module")
def coffee():
    return scenario("coffee_app", reps=3)


def test_each_action_is_its_own_ledger_source(coffee) -> None:
    run = simulate(coffee).replications[0]
    issued = run.arm.world.ledger.issued_by_source
    assert issued["action:app_checkin"] == 2 * run.kpis["actions_taken"] > 0
    assert run.kpis["action_points"] == issued["action:app_checkin"]
    assert 0 < run.kpis["action_engaged_share"] < 1


def test_actions_raise_attachment_and_visits(coffee) -> None:
    off = {"program.actions.actions[0].adoption": 0.0}
    on = {"program.actions.actions[0].adoption": 1.0, "program.actions.passive_adoption": 1.0}
    attached = {**on, "program.actions.actions[0].attachment_gain": 0.05}
    assert_increase(paired(coffee, "mean_attachment", off, attached))
    assert_increase(paired(coffee, "visits", off, attached))


def test_no_adopters_no_actions(coffee) -> None:
    for k in kpis(coffee, {"program.actions.actions[0].adoption": 0.0}):
        assert k["actions_taken"] == 0.0


def test_action_cost_goes_to_its_account(coffee) -> None:
    run = simulate(with_overrides(coffee, {"program.actions.actions[0].cost_per_action": 0.01}))
    rep = run.replications[0]
    cost = float(rep.arm.world.ledger.daily_money["actions_cost"].sum())
    assert cost == pytest.approx(0.01 * rep.kpis["actions_taken"])


def test_duplicate_action_names_are_rejected(coffee) -> None:
    same = {"name": "x", "points": 1, "per_week": 1.0, "adoption": 0.5}
    with pytest.raises(ScenarioError, match="action names must be unique"):
        with_overrides(coffee, {"program.actions.actions": [same, same]})
