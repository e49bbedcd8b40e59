"""The shipped tier scenarios: run, stay exact in the ledger, repeat bit for bit, use every
mechanic of this package, and write structured KPIs."""

from __future__ import annotations

import json

import pytest
from support import ROOT, shipped

from loyalsim.experiments.simulate import simulate
from loyalsim.scenario.loader import load_scenario

NAMES = ("beauty_tiers", "hotel_tiers_experiences")


@pytest.mark.parametrize("name", NAMES)
def test_runs_deterministically_with_exact_ledger(name) -> None:
    s = shipped(name, size=2000, weeks=30, reps=2)
    first = simulate(s)
    for r in first.replications:
        assert r.arm is not None
        r.arm.world.ledger.check_identity()
    assert first.to_json() == simulate(s).to_json()
    kpis = json.loads(first.to_json())["kpis"]
    assert isinstance(kpis["tier_share"], dict)
    assert isinstance(kpis["tier_migration"], dict)
    assert isinstance(kpis["reward_cost_by_type"], dict)
    assert 0.0 <= kpis["mean_attachment"] <= 1.0


def test_every_new_mechanic_is_used_by_a_shipped_scenario() -> None:
    kinds = set()
    for name in NAMES:
        kinds |= {
            m.kind for m in load_scenario(ROOT / "scenarios" / f"{name}.yaml").program.values()
        }
    assert {"tiers", "experiences", "surprise", "offers"} <= kinds
    types = {
        r.type
        for name in NAMES
        for m in load_scenario(ROOT / "scenarios" / f"{name}.yaml").program.values()
        if m.kind == "rewards"
        for r in m.catalogue  # type: ignore[union-attr]
    }
    assert {"product", "voucher", "charity"} <= types
