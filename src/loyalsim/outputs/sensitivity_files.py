"""The data files of a sensitivity study: sensitivity.csv, design.csv, sensitivity.json and
the scenario as studied."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from loyalsim.experiments.uncertainty.sensitivity import SensitivityStudy
from loyalsim.outputs.files import write_atomic, write_text

SENSITIVITY_FILES = ("sensitivity.csv", "design.csv", "sensitivity.json", "scenario.yaml")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def write_sensitivity(study: SensitivityStudy, scenario_text: str, directory: Path) -> None:
    """Write every data file of ``study`` into ``directory`` (atomically, one by one)."""
    write_atomic(directory / "sensitivity.csv", lambda t: study.table.to_csv(t, index=False))
    write_atomic(directory / "design.csv", lambda t: study.design_frame().to_csv(t, index=False))
    meta = _clean({**study.meta(), "scenario": study_name(scenario_text)})
    write_text(directory / "sensitivity.json", json.dumps(meta, indent=2, allow_nan=False) + "\n")
    write_text(directory / "scenario.yaml", scenario_text)


def study_name(scenario_text: str) -> str:
    import yaml

    return str((yaml.safe_load(scenario_text) or {}).get("name", ""))
