"""The command line: outputs, exit codes and error messages (never a traceback)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from support import ROOT, cli, run_cli

COFFEE = str(ROOT / "scenarios" / "coffee_punch_card.yaml")
SMALL = ["--set", "population.size=800", "--set", "horizon={weeks: 8}"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """The same run in two fresh interpreters: the first's console and folder, and both
    folders (one pair of real processes serves the output test and the same-bits test)."""
    a, b = (tmp_path_factory.mktemp("run") / "run" for _ in range(2))
    args = ("--replications", "2", "--seed", "3", *SMALL)
    first = cli("run", COFFEE, "--out", str(a), *args)
    assert first.returncode == 0, first.stderr
    assert cli("run", COFFEE, "--out", str(b), *args).returncode == 0
    return first, a, b


def test_run_writes_every_output(two_runs) -> None:
    done, out, _ = two_runs
    summary = json.loads((out / "summary.json").read_text())
    name = summary["scenario"]  # the title says the --set overrides changed the file's design
    assert name.startswith("Coffee chain punch card (modified by --set population.size=800")
    assert summary["seed"] == 3 and summary["replications"] == 2
    made = json.loads((out / "provenance.json").read_text())
    assert made["command"].startswith("loyalsim run ") and "--seed 3" in made["command"]
    assert made["overrides"] == {"population.size": 800, "horizon": {"weeks": 8}}
    assert made["seed"] == 3 and made["kind"] == "run" and made["loyalsim_version"]
    assert made["created"].endswith("+00:00")
    for key in (
        "retention_rate",
        "active_member_rate",
        "revenue",
        "incremental_revenue",
        "incremental_profit",
        "program_cost",
        "cost_to_revenue",
        "roi",
        "points_issued",
        "points_redeemed",
        "points_expired",
        "points_outstanding",
        "breakage_rate",
        "good_breakage_share",
        "liability",
        "redemption_rate",
        "capture_rate",
    ):
        assert key in summary["kpis"], key
        assert len(summary["kpis_per_replication"][key]) == 2
    weekly = pd.read_csv(out / "weekly.csv")
    assert sorted(weekly["replication"].unique()) == [0, 1]
    assert weekly["week"].max() == 8
    for png in ("kpi_trends.png", "points_flows.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Retention" in done.stdout


def test_run_is_byte_identical_across_processes(two_runs) -> None:
    _, a, b = two_runs
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    assert (a / "weekly.csv").read_bytes() == (b / "weekly.csv").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "missing.yaml"), "missing.yaml: 1 problem"),
        (
            ("run", COFFEE, "--set", "program.rewards.catalogue[0].pionts=3"),
            "did you mean 'points'",
        ),
        (("run", COFFEE, "--set", "noequals"), "must look like path=value"),
        (("run", COFFEE, "--replications", "0"), "--replications"),
        (("run", COFFEE, "--seed", "-4"), "--seed"),
        (("validate", str(ROOT / ".gitignore")), "top level must be a mapping"),
    ],
)
def test_user_errors_exit_2_with_a_message_and_no_traceback(args, message, tmp_path) -> None:
    """In this process: the messages (test_cli_errors.py checks them at the process boundary)."""
    done = run_cli(*args, "--out", str(tmp_path / "o")) if args[0] == "run" else run_cli(*args)
    assert done.returncode == 2
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o" / "summary.json").exists()


def test_validate_accepts_every_shipped_scenario() -> None:
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    done = cli("validate", *files)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("ok ") == len(files)


def test_schema_is_json_schema_of_the_format(tmp_path) -> None:
    done = cli("schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert {"name", "horizon", "population", "program", "economics"} <= set(schema["properties"])
    assert cli("schema", "--out", str(tmp_path / "s.json")).returncode == 0
    assert json.loads((tmp_path / "s.json").read_text()) == schema


def test_sensitivity_writes_an_atomic_folder_with_provenance_and_guards_other_results(
    tmp_path,
) -> None:
    out = tmp_path / "sens"
    args = ["--param", "behaviour.goal_gradient", "--param", "behaviour.membership_lift"]
    args += ["--samples", "2", "--replications", "1", "--kpi", "incremental_profit", *SMALL]
    done = cli("sensitivity", COFFEE, "--out", str(out), *args)  # a real process; then in this one
    assert done.returncode == 0, done.stderr
    made = json.loads((out / "provenance.json").read_text())
    assert made["kind"] == "sensitivity" and made["command"].startswith("loyalsim sensitivity ")
    assert made["overrides"] == {"population.size": 800, "horizon": {"weeks": 8}}
    assert {"sensitivity.csv", "tornado.png", "report.html"} <= {p.name for p in out.iterdir()}
    refused = run_cli("run", COFFEE, "--out", str(out), *SMALL)
    assert refused.returncode != 0 and "holds the results of a 'sensitivity' command" in (
        refused.stderr + refused.stdout
    )
    assert "Traceback" not in refused.stderr
    run = tmp_path / "run"
    assert run_cli("run", COFFEE, "--out", str(run), "--replications", "1", *SMALL).returncode == 0
    again = run_cli("sensitivity", COFFEE, "--out", str(run), *args)
    assert again.returncode != 0 and "holds the results of a 'run' command" in (
        again.stderr + again.stdout
    )
    forced = run_cli("sensitivity", COFFEE, "--out", str(run), "--force", *args)
    assert forced.returncode == 0, forced.stderr
    assert json.loads((run / "provenance.json").read_text())["kind"] == "sensitivity"
    assert not (run / "summary.json").exists()  # the old run's files went with it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "sens"]  # no staging left
