"""Result folders as the commands write them: data files, figures and the report.

One place for what ``run`` and ``compare`` write, used by the CLI and by the Python API
(:meth:`loyalsim.RunResult.save`, :meth:`loyalsim.Comparison.save`), so a folder written from
a notebook is the folder the command would have written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loyalsim.experiments.compare import Comparison
from loyalsim.metrics.results import RunResult
from loyalsim.outputs.files import prepare_dir, write_text
from loyalsim.outputs.tables import write_table
from loyalsim.report import comparison_figures
from loyalsim.report.run_figures import write_run_folder


def save_run(result: RunResult, directory: str | Path) -> Path:
    """summary.json, weekly.csv/.parquet, scenario.yaml and the trend figures."""
    out = prepare_dir(directory)
    write_run_folder(result, out)
    return out


def save_comparison(
    result: Comparison, directory: str | Path, common: Mapping[str, Any] | None = None
) -> Path:
    """comparison.csv, comparison_segments.csv (each with a .parquet copy), comparison.json,
    the comparison figures and one run folder per design. ``common`` records the ``--set``
    overrides applied to every arm."""
    out = prepare_dir(directory)
    write_table(result.table, out / "comparison.csv")
    write_table(result.segment_table(), out / "comparison_segments.csv")
    data = {**result.to_dict(), "set": dict(common or {})}
    write_text(out / "comparison.json", json.dumps(data, indent=2, allow_nan=False) + "\n")
    for arm in result.arms:
        write_run_folder(result.runs[arm.name], prepare_dir(out / arm.name))
    comparison_figures.kpi_distributions(result, out / "kpi_distributions.png")
    comparison_figures.weekly_trends(result, out / "weekly_trends.png")
    return out
