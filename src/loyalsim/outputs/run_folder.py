"""The data files of a run folder: summary.json, weekly.csv, yearly.csv and the scenario as run."""

from __future__ import annotations

from pathlib import Path

import yaml

from loyalsim.metrics.results import RunResult
from loyalsim.outputs.files import write_atomic, write_text
from loyalsim.scenario.models import Scenario


def write_run(result: RunResult, directory: Path) -> None:
    """summary.json, weekly.csv and yearly.csv (every replication), the scenario as run."""
    write_text(directory / "summary.json", result.to_json())
    write_text(directory / "scenario.yaml", scenario_yaml(result.scenario))
    write_atomic(directory / "weekly.csv", lambda tmp: result.weekly.to_csv(tmp, index=False))
    write_atomic(directory / "yearly.csv", lambda tmp: result.yearly.to_csv(tmp, index=False))


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as run (overrides applied, defaults filled in), as YAML."""
    data = scenario.model_dump(mode="json", by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
