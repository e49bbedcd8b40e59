"""Helpers shared by tests: the shipped scenarios, shrunk to test size."""

from __future__ import annotations

from pathlib import Path

from loyalsim.scenario.loader import load_scenario, with_overrides
from loyalsim.scenario.models import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def small(scenario: Scenario, size: int = 3000, weeks: int = 26, reps: int = 2) -> Scenario:
    """The same design on fewer customers and a shorter horizon."""
    return with_overrides(
        scenario,
        {"population.size": size, "horizon": {"weeks": weeks}, "replications": reps},
    )


def shipped(name: str, **shrink: int) -> Scenario:
    """A shipped scenario by file stem, shrunk with :func:`small`."""
    return small(load_scenario(ROOT / "scenarios" / f"{name}.yaml"), **shrink)
