"""The data files of a run folder: summary.json, weekly.csv and yearly.csv (each with a
.parquet copy) and the scenario as run."""

from __future__ import annotations

from pathlib import Path

import yaml

from loyalsim.metrics.results import RunResult
from loyalsim.outputs.files import write_text
from loyalsim.outputs.tables import write_table
from loyalsim.scenario.models import Scenario


def write_run(result: RunResult, directory: Path) -> None:
    """summary.json, weekly.csv and yearly.csv (every replication, each with a .parquet copy)
    and the scenario as run."""
    write_text(directory / "summary.json", result.to_json())
    write_text(directory / "scenario.yaml", scenario_yaml(result.scenario))
    write_table(result.weekly, directory / "weekly.csv")
    write_table(result.yearly, directory / "yearly.csv")


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as run (overrides applied, defaults filled in), as YAML."""
    data = scenario.model_dump(mode="json", by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
