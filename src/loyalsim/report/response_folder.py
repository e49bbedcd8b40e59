"""The folder ``calibrate-response`` writes, used by the CLI and by
:func:`loyalsim.calibrate_response` (the Python API), so both write the same files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from loyalsim.experiments.response.calibrate import ResponseCalibration
from loyalsim.outputs import provenance
from loyalsim.outputs.files import write_text
from loyalsim.outputs.folder import Claim, staged
from loyalsim.outputs.response_files import calibrated_scenario, fragment_yaml, record
from loyalsim.report.build import write_report
from loyalsim.report.response_figures import plot_moments
from loyalsim.scenario.models import Scenario

FILES = (
    "response_calibration.json",
    "behaviour.yaml",
    "calibrated_scenario.yaml",
    "moments_fit.png",
    "report.html",
)
"""What the folder holds besides ``provenance.json``."""


def write_response_folder(
    place: Claim,
    result: ResponseCalibration,
    scenario: Scenario,
    used: Mapping[str, Any],
    label: str,
) -> dict[str, Any]:
    """Write every file of :data:`FILES` into the claimed folder, all or nothing (staged, then
    put in place with ``provenance.json``); returns the ``response_calibration.json`` record.
    ``scenario`` is the input scenario (the calibrated one adds the priors to it), ``used``
    the inputs and settings to record."""
    data = record(result, dict(used), label)
    prov = provenance.record(
        overrides={},
        seed=used.get("seed"),
        replications=used.get("simulations"),
        log=used["history"],
    )
    with staged(place, prov) as staging:
        write_text(staging / FILES[0], json.dumps(data, indent=2) + "\n")
        write_text(staging / FILES[1], fragment_yaml(result, label))
        write_text(staging / FILES[2], calibrated_scenario(scenario, result, label))
        plot_moments(data, staging / FILES[3])
        write_report(staging)
    return data
