"""The Python face of loyalsim: ``loyalsim.simulate``, ``loyalsim.compare`` and
``loyalsim.calibrate_response`` return results that also write what the commands write (and
the first two display themselves in a notebook).

:class:`Run` is a :class:`~loyalsim.metrics.results.RunResult` and :class:`Compared` a
:class:`~loyalsim.experiments.compare.Comparison`, with ``save(dir)`` (the command's folder),
``report(dir)`` (that folder and its ``report.html``) and ``_repr_html_``. They live here, on
top of the pipeline, because writing folders and reports is the report layer's job; the
result classes below stay free of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from loyalsim.experiments import compare as comparing
from loyalsim.experiments import simulate as simulating
from loyalsim.experiments.compare import Arm, Comparison
from loyalsim.experiments.response.calibrate import ResponseCalibration
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


@dataclass(frozen=True)
class ResponseCalibrated:
    """A response calibration that can write its folder (as ``loyalsim calibrate-response``
    does): estimates, intervals and the identifiability report, and ``save(dir)``."""

    calibration: ResponseCalibration
    scenario: Scenario
    """The input scenario (``calibrated_scenario.yaml`` adds the calibrated priors to it)."""
    used: dict[str, Any]
    """Inputs and settings, as recorded in ``response_calibration.json``."""

    @property
    def estimates(self) -> dict[str, float]:
        """Estimate of each parameter (by behaviour field name)."""
        fit = self.calibration.fit
        return {p.name: fit.value(k) for k, p in enumerate(fit.params)}

    @property
    def intervals(self) -> dict[str, tuple[float, float]]:
        """95% interval of each parameter (NaN where the data do not move it)."""
        fit = self.calibration.fit
        return {p.name: fit.interval(k) for k, p in enumerate(fit.params)}

    @property
    def pinned(self) -> dict[str, bool]:
        """Whether the data pinned each parameter down (docs/calibration.md, identifiability)."""
        return dict(self.calibration.identification.pinned)

    def record(self) -> dict[str, Any]:
        """The content of ``response_calibration.json``."""
        from loyalsim.outputs.response_files import record

        return record(self.calibration, self.used, Path(self.used["history"]).name)

    def save(self, directory: str | Path, force: bool = False) -> Path:
        """Write the command's folder (all or nothing: response_calibration.json,
        behaviour.yaml, calibrated_scenario.yaml, moments_fit.png, report.html and
        provenance.json); ``force`` replaces a folder holding something else. Returns it."""
        from loyalsim.outputs.folder import claim
        from loyalsim.report.response_folder import write_response_folder

        history = self.used["history"]
        inputs = (history, self.used["scenario"])
        place = claim(directory, "calibrate-response", Path(history).name, force, inputs=inputs)
        write_response_folder(place, self.calibration, self.scenario, self.used, Path(history).name)
        return place.target


def calibrate_response(
    history: str | Path,
    scenario: Scenario | str | Path,
    *,
    members: str | Path | None = None,
    expiries: str | Path | None = None,
    events: str | Path | None = None,
    pilot: str | Path | None = None,
    pilot_log: str | Path | None = None,
    params: Sequence[str] | None = None,
    calibration_end: str | dt.date | None = None,
    program_launch: str | dt.date | None = None,
    overrides: Mapping[str, Any] | None = None,
    simulations: int = 2,
    evaluations: int = 60,
    time_limit: float = 720.0,
    bootstrap: int = 200,
    seed: int = 0,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> ResponseCalibrated:
    """``loyalsim calibrate-response`` from Python: the same arguments as its options (files
    not given are looked up beside the history and the pilot's assignment), the scenario as a
    path or a :class:`Scenario`, ``overrides`` as ``--set``. Returns the fit without writing
    anything; :meth:`ResponseCalibrated.save` writes the command's folder."""
    from loyalsim.experiments.response.calibrate import calibrate_response as run
    from loyalsim.experiments.response.estimate import Settings
    from loyalsim.experiments.response.inputs import Inputs, parse_date
    from loyalsim.scenario.loader import load_scenario, with_overrides

    end = parse_date(calibration_end, "--calibration-end")
    launch = parse_date(program_launch, "--program-launch")
    if isinstance(scenario, Scenario):
        spec = with_overrides(scenario, dict(overrides)) if overrides else scenario
        scenario_file = None
    else:
        spec = load_scenario(scenario, dict(overrides or {}))
        scenario_file = str(scenario)
    inputs = Inputs.resolve(history, members, expiries, events, pilot, pilot_log)
    observed, trial = inputs.read()
    settings = Settings(
        simulations=simulations,
        seed=seed,
        bootstrap=bootstrap,
        max_evaluations=evaluations,
        time_limit_s=time_limit,
        jobs=jobs,
    )
    result = run(spec, observed, trial, params, settings, end, progress, launch)
    used = {
        **inputs.as_record(),
        "scenario": scenario_file or spec.name,
        "simulations": simulations,
        "evaluations": evaluations,
        "time_limit": time_limit,
        "bootstrap": bootstrap,
        "seed": seed,
        "jobs": jobs,
        "program_launch": launch.isoformat() if launch is not None else None,
    }
    return ResponseCalibrated(result, spec, used)
