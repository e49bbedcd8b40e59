"""``loyalsim run --transactions`` end to end (in process; a refused flag in a subprocess): the
files, their format, the same bits with any --jobs, and the same history as the in-memory path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support import cli, run_cli, shipped

from loyalsim.experiments.response.history import read_history, read_pilot
from loyalsim.experiments.response.simulated import history_from_record, simulate_history
from loyalsim.outputs.run_folder import scenario_yaml
from loyalsim.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.yaml"
    path.write_text(scenario_yaml(shipped("coffee_app", size=800, weeks=12, reps=2)))
    return path


def test_run_writes_the_history_of_replication_1(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = run_cli(
        "run", str(scenario_file), "--out", str(out), "--transactions",
        "--transactions-format", "csv", "--pilot-share", "0.5",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "replication 1 (of 2; the others are not written)" in " ".join(done.stdout.split())
    for name in ("transactions.csv", "members.csv", "control_transactions.csv",
                 "pilot_transactions.csv", "pilot_assignment.csv", "summary.json"):  # fmt: skip
        assert (out / name).is_file(), name
    header = (out / "transactions.csv").read_text().splitlines()[0]
    assert header == "customer,date,amount,points_earned,points_redeemed,reward"
    assert (out / "control_transactions.csv").read_text().startswith("customer,date,amount\n")
    assert (out / "pilot_assignment.csv").read_text().startswith("customer,group,start\n")
    expected = history_from_record(simulate_history(load_scenario(scenario_file)).program)
    events = out / "points_events.csv"
    read = read_history(
        out / "transactions.csv",
        out / "members.csv",
        events=events if events.exists() else None,
        start=expected.start,
        end=expected.end,
    )
    pd.testing.assert_frame_equal(read.transactions, expected.transactions, check_exact=True)
    pd.testing.assert_frame_equal(read.members, expected.members, check_exact=True)
    pilot = read_pilot(out / "pilot_transactions.csv", out / "pilot_assignment.csv")
    assert set(pilot.assignment["group"]) == {"treated", "control"}


def test_the_written_files_do_not_depend_on_jobs(scenario_file: Path, tmp_path: Path) -> None:
    written = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        done = run_cli(
            "run", str(scenario_file), "--out", str(out), "--transactions", "--pilot-share",
            "0.3", "--worlds", "2", "--jobs", jobs,
            "--set", "uncertainty={priors: {behaviour.goal_gradient: library}}",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "not of a world" in done.stdout
        written[jobs] = {
            p.name: p.read_bytes()
            for p in out.iterdir()
            if (p.suffix in (".parquet", ".csv") and "transactions" in p.name) or p.name in (
                "members.csv", "pilot_assignment.csv", "points_events.parquet", "expiries.parquet"
            )
        }  # fmt: skip
    assert "transactions.parquet" in written["1"] and "pilot_assignment.csv" in written["1"]
    assert written["1"] == written["2"]


def test_a_pilot_share_outside_0_1_is_refused(scenario_file: Path, tmp_path: Path) -> None:
    done = cli("run", str(scenario_file), "--out", str(tmp_path / "r"), "--pilot-share", "1")
    assert done.returncode == 2
    assert done.stderr.count("error:") == 1 and "--pilot-share" in done.stderr
    assert not (tmp_path / "r").exists()
