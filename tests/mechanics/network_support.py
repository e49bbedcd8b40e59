"""Helpers for the network-mechanics tests: small shipped scenarios and paired runs."""

from __future__ import annotations

from typing import Any

from support import shipped

from loyalsim.experiments.simulate import simulate
from loyalsim.scenario.loader import with_overrides
from loyalsim.scenario.models import Scenario


def scenario(name: str, size: int = 2000, weeks: int = 26, reps: int = 2) -> Scenario:
    """A shipped scenario shrunk to test size."""
    return shipped(name, size=size, weeks=weeks, reps=reps)


def kpis(s: Scenario, overrides: dict[str, Any] | None = None) -> list[dict[str, float]]:
    """KPIs of each replication (common random numbers across calls with the same seed)."""
    if overrides:
        s = with_overrides(s, overrides)
    return [r.kpis for r in simulate(s).replications]


def paired(s: Scenario, key: str, low: dict[str, Any], high: dict[str, Any]) -> list[float]:
    """Per-replication difference ``high - low`` of KPI ``key`` on the same replications."""
    a, b = kpis(s, low), kpis(s, high)
    return [hb[key] - ha[key] for ha, hb in zip(a, b, strict=True)]


def assert_increase(diffs: list[float]) -> None:
    """The paired differences are positive beyond two standard errors of their mean."""
    n = len(diffs)
    mean = sum(diffs) / n
    var = sum((d - mean) ** 2 for d in diffs) / (n - 1) if n > 1 else 0.0
    se = (var / n) ** 0.5
    assert mean > 0 and mean > 2 * se, f"differences {diffs}: mean {mean:g}, se {se:g}"
