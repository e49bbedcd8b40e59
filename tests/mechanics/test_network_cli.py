"""The network scenarios run from the CLI; bad mechanic params give one clear message."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import ROOT, run_cli

SMALL = ["--set", "population.size=800", "--set", "horizon={weeks: 8}", "--replications", "1"]
EXPECTED = {
    "coffee_app": ("referred_customers", "action_engaged_share", "transactions_per_visit"),
    "coffee_app_per_visit": ("split_visit_share", "extra_transactions"),
    "restaurant_coalition": ("partner_points_share", "partner_income"),
    "paid_membership": ("paid_members", "membership_fee_income", "renewal_rate"),
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from loyalsim.cli.app import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_network_scenarios_run_from_the_cli(name, tmp_path) -> None:
    out = tmp_path / name
    done = run_cli("run", str(ROOT / "scenarios" / f"{name}.yaml"), "--out", str(out), *SMALL)
    assert done.returncode == 0, done.stderr
    kpis = json.loads((out / "summary.json").read_text())["kpis"]
    for key in EXPECTED[name]:
        assert key in kpis


def test_bad_mechanic_param_is_one_message_without_output(tmp_path) -> None:
    out = tmp_path / "never"
    path = str(ROOT / "scenarios" / "paid_membership.yaml")
    done = cli("run", path, "--out", str(out), "--set", "program.membership.fee=-5")
    assert done.returncode == 2
    assert "program.membership.fee" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert not out.exists()
