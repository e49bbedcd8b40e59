"""``loyalsim.calibrate_response``: the command from Python, the same folder as the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from recovery import END, START, scenario
from support import ROOT

import loyalsim
from loyalsim.errors import DataError, OutputError
from loyalsim.experiments.response.replicas import over_period, replicate_history
from loyalsim.outputs.history_files import write_history
from loyalsim.report.response_folder import FILES
from loyalsim.scenario.loader import with_overrides

COFFEE = ROOT / "scenarios" / "coffee_punch_card.yaml"
NAMES = ["goal_gradient", "passive_redeem_prob"]


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 600-customer history written as ``run --transactions`` writes it (members beside)."""
    truth = with_overrides(scenario(600), {"behaviour.goal_gradient": 3.0})
    folder = tmp_path_factory.mktemp("history")
    write_history(replicate_history(over_period(truth, START, END), 9, 0), folder, "csv")
    return folder / "transactions.csv"


def test_calibrates_and_saves_the_commands_folder(history_file: Path, tmp_path: Path) -> None:
    result = loyalsim.calibrate_response(
        history_file,
        COFFEE,
        overrides={"population.size": 600},
        params=NAMES,
        evaluations=7,
        simulations=1,
        bootstrap=50,
        seed=1,
    )
    assert isinstance(result, loyalsim.ResponseCalibrated)
    assert list(result.estimates) == NAMES
    assert result.used["members"] == str(history_file.parent / "members.csv")  # found beside
    assert result.calibration.fit.evaluations <= 7
    for name in NAMES:
        lo, hi = result.intervals[name]
        assert lo <= result.estimates[name] <= hi
    assert set(result.pinned) == set(NAMES)
    folder = result.save(tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, "provenance.json"])
    saved = json.loads((folder / "response_calibration.json").read_text())
    assert saved == json.loads(json.dumps(result.record()))
    assert [p["name"] for p in saved["params"]] == NAMES
    fragment = yaml.safe_load((folder / "behaviour.yaml").read_text())["behaviour"]
    assert set(fragment) == set(NAMES)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(OutputError):  # a folder holding something else is kept without force
        result.save(other)
    assert (other / "notes.txt").read_text() == "mine"
    again = loyalsim.calibrate_response(
        history_file, scenario(600), params=NAMES, evaluations=7, simulations=1, bootstrap=50,
        seed=1,
    )  # fmt: skip
    assert again.calibration.fit.u.tolist() == result.calibration.fit.u.tolist()


def test_bad_input_raises_the_commands_error(history_file: Path) -> None:
    with pytest.raises(DataError, match="--calibration-end"):
        loyalsim.calibrate_response(history_file, COFFEE, calibration_end="someday")
    with pytest.raises(DataError, match="no_such_param"):
        loyalsim.calibrate_response(history_file, scenario(600), params=["no_such_param"])
