"""``loyalsim calibrate-response`` end to end: outputs, a calibrated scenario that feeds
sensitivity and robust optimize, a holdout check, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from support import ROOT, cli, run_cli

from loyalsim.scenario.loader import load_scenario, validate_data

COFFEE = str(ROOT / "scenarios" / "coffee_punch_card.yaml")


@pytest.fixture(scope="module")
def history_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated history written by the public command (``run --transactions``, in process)."""
    folder = tmp_path_factory.mktemp("history") / "run"
    result = run_cli("run", COFFEE, "--set", "population.size=1500", "--replications", "1",
                 "--transactions", "--transactions-format", "csv",
                 "--out", str(folder))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (folder / "transactions.csv").is_file() and (folder / "members.csv").is_file()
    return folder


@pytest.fixture(scope="module")
def calibrated(history_files: Path) -> Path:
    out = history_files.parent / "out"
    result = run_cli(
        "calibrate-response", str(history_files / "transactions.csv"),
        "--scenario", COFFEE, "--set", "population.size=1500",
        "--param", "goal_gradient", "--param", "passive_redeem_prob",
        "--calibration-end", "2026-10-04", "--evaluations", "6", "--simulations", "1",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def test_writes_every_output(calibrated: Path) -> None:
    for name in ("response_calibration.json", "behaviour.yaml", "calibrated_scenario.yaml",
                 "moments_fit.png", "report.html", "provenance.json"):  # fmt: skip
        assert (calibrated / name).is_file(), name
    record = json.loads((calibrated / "response_calibration.json").read_text())
    assert [p["name"] for p in record["params"]] == ["goal_gradient", "passive_redeem_prob"]
    assert set(record["holdout"]) == {"visits_per_customer", "redemptions_per_customer", "breakage"}
    assert all(abs(v["error"]) < 1.0 for v in record["holdout"].values())
    assert json.loads((calibrated / "provenance.json").read_text())["kind"] == "calibrate-response"
    html = (calibrated / "report.html").read_text()
    assert html.index("Executive summary") < html.index("Response parameters")
    fragment = yaml.safe_load((calibrated / "behaviour.yaml").read_text())["behaviour"]
    assert set(fragment) == {"goal_gradient", "passive_redeem_prob"}
    data = yaml.safe_load(Path(COFFEE).read_text())
    with_fragment = validate_data({**data, "behaviour": fragment}, "coffee + behaviour.yaml")
    assert with_fragment.uncertainty is not None
    assert set(with_fragment.uncertainty.priors) == {f"behaviour.{k}" for k in fragment}


def test_calibrated_scenario_feeds_sensitivity_and_robust_optimize(calibrated: Path) -> None:
    path = calibrated / "calibrated_scenario.yaml"
    spec = load_scenario(path)
    assert spec.uncertainty is not None
    assert {"behaviour.goal_gradient", "behaviour.passive_redeem_prob"} <= set(
        spec.uncertainty.priors
    )
    small = ("--set", "population.size=300", "--set", "horizon={weeks: 6}")
    sens = run_cli("sensitivity", str(path), *small, "--samples", "2", "--replications", "1",
               "--out", str(calibrated.parent / "sens"))  # fmt: skip
    assert sens.returncode == 0, sens.stderr
    opt = run_cli("optimize", str(path), *small, "--worlds", "2", "--robust", "mean",
              "--trials", "2", "--out", str(calibrated.parent / "opt"))  # fmt: skip
    assert opt.returncode == 0, opt.stderr


@pytest.mark.parametrize(
    ("extra", "needle", "command"),
    [
        (("--members", "nowhere.csv"), "nowhere.csv", cli),
        (("--param", "no_such_param"), "no_such_param", run_cli),
        (("--calibration-end", "someday"), "--calibration-end", run_cli),
        (("--evaluations", "3"), "--evaluations 3: at least", run_cli),
    ],
    ids=["members", "param", "calibration-end", "evaluations"],
)
def test_bad_input_is_one_error_line_and_writes_nothing(
    history_files: Path, tmp_path: Path, extra: tuple[str, ...], needle: str, command
) -> None:
    """The first case in a real process (the command's exit code and stderr at the process
    boundary), the others in this one (their messages are tested)."""
    out = tmp_path / "never"
    result = command("calibrate-response", str(history_files / "transactions.csv"),
                 "--scenario", COFFEE, "--out", str(out), *extra)  # fmt: skip
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()
