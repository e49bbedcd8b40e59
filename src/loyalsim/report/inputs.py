"""Read the result files of a run, compare or optimize directory, with clear errors.

Each reader returns ``None`` when its file is absent (its report section is then left out)
and raises :class:`~loyalsim.errors.DataError` when the file exists but is unusable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from loyalsim.errors import DataError, LoyalsimError
from loyalsim.experiments.scenarios import load_scenario
from loyalsim.scenario.models import Scenario

RESULT_FILES = (
    "summary.json",
    "comparison.csv",
    "recommendation.json",
    "trials.csv",
    "calibration.json",
    "sensitivity.csv",
    "response_calibration.json",
)
"""A directory with none of these holds no results to report on."""


@dataclass
class RunFiles:
    """One design's run outputs (a run directory, or one arm of a comparison)."""

    directory: Path
    summary: dict[str, Any] | None
    weekly: pd.DataFrame | None
    scenario: Scenario | None


@dataclass
class ComparisonFiles:
    table: pd.DataFrame
    meta: dict[str, Any]
    arms: dict[str, RunFiles] = field(default_factory=dict)
    segments: pd.DataFrame | None = None
    """``comparison_segments.csv``: paired differences per segment and customer group."""

    @property
    def base(self) -> str:
        return arm_name(self.meta.get("base")) or str(self.table["variant"].iloc[0])

    @property
    def variants(self) -> list[str]:
        names = [arm_name(v) for v in self.meta.get("variants", [])]
        found = [n for n in names if n]
        return found or [v for v in dict.fromkeys(self.table["variant"]) if v != self.base]


@dataclass
class OptimizeFiles:
    trials: pd.DataFrame | None
    pareto: pd.DataFrame | None
    recommendation: dict[str, Any] | None


@dataclass
class ReportInputs:
    """Everything found in a result directory."""

    directory: Path
    run: RunFiles
    comparison: ComparisonFiles | None
    optimize: OptimizeFiles | None
    calibration: dict[str, Any] | None = None
    """``calibration.json`` as written by ``loyalsim calibrate``."""
    sensitivity: SensitivityFiles | None = None
    """``sensitivity.csv`` and ``sensitivity.json`` as written by ``loyalsim sensitivity``."""
    response: dict[str, Any] | None = None
    """``response_calibration.json`` as written by ``loyalsim calibrate-response``."""


@dataclass
class SensitivityFiles:
    table: pd.DataFrame
    meta: dict[str, Any]


COMPARISON_COLUMNS = ("variant", "kpi", "mean", "base_mean", "diff", "ci_low", "ci_high")
SEGMENT_COLUMNS = ("variant", "grouping", "segment", *COMPARISON_COLUMNS[1:])


def arm_name(entry: Any) -> str | None:
    """comparison.json names arms either as strings or as ``{"name": ...}`` objects."""
    if isinstance(entry, dict):
        entry = entry.get("name")
    return str(entry) if entry is not None else None


def read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def read_csv(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: not a readable CSV table ({exc})") from None
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise DataError(f"{path}: missing column(s) {', '.join(absent)}")
    return frame


def read_scenario(path: Path) -> Scenario | None:
    return load_scenario(path) if path.is_file() else None


def read_run(directory: Path) -> RunFiles:
    summary = read_json(directory / "summary.json")
    if summary is not None:
        for key in ("kpis", "kpis_ci95", "kpis_per_replication"):
            if not isinstance(summary.get(key), dict):
                raise DataError(f"{directory / 'summary.json'}: '{key}' missing or not an object")
    weekly = read_csv(directory / "weekly.csv", ("week",))
    return RunFiles(directory, summary, weekly, read_scenario(directory / "scenario.yaml"))


def read_comparison(directory: Path) -> ComparisonFiles | None:
    table = read_csv(directory / "comparison.csv", COMPARISON_COLUMNS)
    if table is None:
        return None
    meta = read_json(directory / "comparison.json") or {}
    segments = read_csv(directory / "comparison_segments.csv", SEGMENT_COLUMNS)
    files = ComparisonFiles(table=table, meta=meta, segments=segments)
    for name in [files.base, *files.variants]:
        sub = directory / name
        if sub.is_dir():
            files.arms[name] = read_run(sub)
    return files


def read_optimize(directory: Path) -> OptimizeFiles | None:
    trials = read_csv(directory / "trials.csv", ("number",))
    pareto = read_csv(directory / "pareto.csv", ("number",))
    rec = read_json(directory / "recommendation.json")
    if rec is not None and not isinstance(rec.get("designs", []), list):
        raise DataError(f"{directory / 'recommendation.json'}: 'designs' must be a list")
    if trials is None and pareto is None and rec is None:
        return None
    return OptimizeFiles(trials, pareto, rec)


def read_inputs(directory: str | Path) -> ReportInputs:
    """Everything reportable in ``directory``; an error if it is missing or holds no results."""
    path = Path(directory)
    if not path.exists():
        raise LoyalsimError(f"{path}: no such directory")
    if not path.is_dir():
        raise LoyalsimError(f"{path}: not a directory")
    if not any((path / name).is_file() for name in RESULT_FILES):
        raise LoyalsimError(
            f"{path}: no results to report on (expected one of {', '.join(RESULT_FILES)}, "
            "as written by loyalsim run, compare, optimize, calibrate or calibrate-response)"
        )
    return ReportInputs(
        path,
        read_run(path),
        read_comparison(path),
        read_optimize(path),
        read_json(path / "calibration.json"),
        read_sensitivity(path),
        read_json(path / "response_calibration.json"),
    )


def read_sensitivity(directory: Path) -> SensitivityFiles | None:
    from loyalsim.experiments.uncertainty.sensitivity import COLUMNS

    table = read_csv(directory / "sensitivity.csv", COLUMNS)
    if table is None:
        return None
    return SensitivityFiles(table, read_json(directory / "sensitivity.json") or {})
