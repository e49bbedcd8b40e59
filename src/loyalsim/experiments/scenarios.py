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
from loyalsim.scenario.uncertainty import PROB_KPI

with_overrides = loader.with_overrides


def reported_kpis(scenario: Scenario) -> list[str]:
    """The KPI keys a run reports, and ``prob_incremental_profit_positive`` when the scenario
    has priors (a world-sampled run reports it; optimisation may target it)."""
    keys = keys_for(scenario)
    if scenario.uncertainty is not None and scenario.uncertainty.priors:
        keys = [*keys, PROB_KPI]
    return keys


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, override and validate a scenario file, its ``search:`` KPIs included."""
    return loader.load_scenario(path, overrides, kpis=reported_kpis)


def parse_scenario(
    text: str, source: str = "<scenario>", overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Validate scenario YAML ``text``, its ``search:`` KPIs included."""
    return loader.parse_scenario(text, source, overrides, kpis=reported_kpis)


def marked(scenario: Scenario, overrides: Mapping[str, Any] | None, how: str = "--set") -> Scenario:
    """The scenario with its name and description saying it was modified (``how``: by which
    flag), so titles of results and reports never claim the file's design after overrides."""
    if not overrides:
        return scenario
    import json

    changes = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in overrides.items())
    if len(changes) > 2000:
        changes = changes[:1999] + "…"
    note = f"modified by {how} {changes}"
    name = f"{scenario.name} ({note})"
    if len(name) > _NAME_LIMIT:
        name = name[: _NAME_LIMIT - 2] + "…)"
    description = (scenario.description + "\n\n" if scenario.description else "") + note[0].upper()
    description += note[1:] + "."
    return scenario.model_copy(update={"name": name, "description": description})


_NAME_LIMIT = 200
