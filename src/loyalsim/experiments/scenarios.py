"""Loading scenarios for experiments: the scenario loader with the KPI catalogue plugged in,
so ``search:`` objectives and constraints are checked against the KPIs a run reports
(statically, without simulating)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loyalsim.metrics.catalogue import keys_for
from loyalsim.scenario import loader
from loyalsim.scenario.models import Scenario

with_overrides = loader.with_overrides


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, override and validate a scenario file, its ``search:`` KPIs included."""
    return loader.load_scenario(path, overrides, kpis=keys_for)


def parse_scenario(
    text: str, source: str = "<scenario>", overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Validate scenario YAML ``text``, its ``search:`` KPIs included."""
    return loader.parse_scenario(text, source, overrides, kpis=keys_for)
