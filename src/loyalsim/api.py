"""The Python face of loyalsim: ``loyalsim.simulate`` and ``loyalsim.compare`` return results
that also write what the commands write and display themselves in a notebook.

:class:`Run` is a :class:`~loyalsim.metrics.results.RunResult` and :class:`Compared` a
:class:`~loyalsim.experiments.compare.Comparison`, with ``save(dir)`` (the command's folder),
``report(dir)`` (that folder and its ``report.html``) and ``_repr_html_``. They live here, on
top of the pipeline, because writing folders and reports is the report layer's job; the
result classes below stay free of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from loyalsim.experiments import compare as comparing
from loyalsim.experiments import simulate as simulating
from loyalsim.experiments.compare import Arm, Comparison
from loyalsim.metrics.results import RunResult
from loyalsim.scenario.models import Scenario


@dataclass
class Run(RunResult):
    """A run that can write its folder and report (as ``loyalsim run`` does)."""

    @classmethod
    def of(cls, result: RunResult) -> Run:
        return cls(**{f.name: getattr(result, f.name) for f in fields(RunResult)})

    def save(self, directory: str | Path) -> Path:
        """Write summary.json, weekly.csv and .parquet, scenario.yaml and the trend figures
        (no report); returns the folder."""
        from loyalsim.report.folders import save_run

        return save_run(self, directory)

    def report(self, directory: str | Path) -> Path:
        """Write the run folder and its ``report.html``; returns the report's path."""
        from loyalsim.report import write_report

        return write_report(self.save(directory))

    def _repr_html_(self) -> str:
        """Notebook display: the headline KPIs with their 95% intervals."""
        from loyalsim.report.notebook import run_html

        return run_html(self)


@dataclass
class Compared(Comparison):
    """A comparison that can write its folder and report (as ``loyalsim compare`` does)."""

    @classmethod
    def of(cls, result: Comparison) -> Compared:
        return cls(**{f.name: getattr(result, f.name) for f in fields(Comparison)})

    def save(self, directory: str | Path, common: Mapping[str, Any] | None = None) -> Path:
        """Write comparison.csv/.parquet/.json, the figures and one run folder per design
        (no report); ``common`` records overrides applied to every design. Returns the folder."""
        from loyalsim.report.folders import save_comparison

        return save_comparison(self, directory, common)

    def report(self, directory: str | Path) -> Path:
        """Write the comparison folder and its ``report.html``; returns the report's path."""
        from loyalsim.report import write_report

        return write_report(self.save(directory))

    def _repr_html_(self) -> str:
        """Notebook display: each variant's paired differences on the judged KPIs."""
        from loyalsim.report.notebook import comparison_html

        return comparison_html(self)


def simulate(scenario: Scenario, **options: Any) -> Run:
    """:func:`loyalsim.experiments.simulate.simulate` (same arguments), as a :class:`Run`."""
    return Run.of(simulating.simulate(scenario, **options))


def compare(base: Scenario | Arm, variants: Sequence[Scenario | Arm], **options: Any) -> Compared:
    """:func:`loyalsim.experiments.compare.compare` (same arguments), as :class:`Compared`."""
    return Compared.of(comparing.compare(base, variants, **options))
