"""Transaction splitting: it appears under per-visit earning and vanishes per dollar."""

from __future__ import annotations

import numpy as np
import pytest
from network_support import assert_increase, kpis, paired, scenario

from loyalsim.engine.world import VisitBatch
from loyalsim.errors import ScenarioError
from loyalsim.experiments.simulate import simulate
from loyalsim.mechanics.earning import VisitEarning, VisitEarningParams
from loyalsim.scenario.loader import with_overrides


@pytest.fixture(scope="module")
def per_visit():
    return scenario("coffee_app_per_visit", reps=3)


def test_per_visit_earning_makes_splitters_split(per_visit) -> None:
    for k in kpis(per_visit):
        assert k["transactions_per_visit"] > 1.0
        assert k["split_visit_share"] > 0.0
        assert k["transactions"] - k["visits"] == k["extra_transactions"]


def test_spend_based_earning_removes_splitting() -> None:
    for k in kpis(scenario("coffee_app")):
        assert k["transactions_per_visit"] == 1.0
        assert k["extra_transactions"] == 0.0
        assert k["split_visit_share"] == 0.0


def test_switching_the_same_design_to_per_dollar_stops_splitting(per_visit) -> None:
    per_dollar = {"program.stars": {"kind": "spend_earning", "points_per_unit": 2}}
    for k in kpis(per_visit, per_dollar):
        assert k["transactions"] == k["visits"]


def test_splitting_raises_points_and_reward_cost(per_visit) -> None:
    off, on = {"program.splitting.share": 0.0}, {"program.splitting.share": 0.6}
    assert_increase(paired(per_visit, "points_issued", off, on))
    assert_increase(paired(per_visit, "reward_cost", off, on))


def test_extra_tickets_are_costed(per_visit) -> None:
    run = simulate(per_visit, replications=1).replications[0]
    ledger = run.arm.world.ledger
    cost = float(ledger.daily_money["transaction_cost"].sum())
    assert cost == pytest.approx(0.05 * run.kpis["extra_transactions"])


def test_split_basket_earns_per_ticket_and_keeps_its_spend(per_visit) -> None:
    """A $9 basket split in 3 earns 3 stamps; the batch spend is untouched."""
    arm = simulate(with_overrides(per_visit, {"replications": 1}), replications=1)
    world = arm.replications[0].arm.world
    earning = VisitEarning("stamps", VisitEarningParams(points_per_visit=1, min_spend=2.0))
    idx = np.flatnonzero(world.alive)[:3]
    before = world.ledger.issued[idx].copy()
    batch = VisitBatch.of(world.days - 1, idx, np.array([9.0, 9.0, 3.0]), np.ones(3, bool))
    batch.transactions[:] = [3, 1, 2]
    earning.earn(world, batch)
    assert (world.ledger.issued[idx] - before).tolist() == [3, 1, 0]
    assert batch.spend.tolist() == [9.0, 9.0, 3.0]


def test_bad_splitting_params_are_named(per_visit) -> None:
    with pytest.raises(ScenarioError, match=r"program\.splitting\.max_transactions"):
        with_overrides(per_visit, {"program.splitting.max_transactions": 1})
