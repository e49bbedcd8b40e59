"""After ``--set``, every report's title (and the scenario description it shows) says the
design was modified and how, in each kind of report; ``calibrate`` has no scenario to modify
and refuses ``--set`` with one error line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, run_cli

from loyalsim.errors import EXIT_INPUT

CLI = [sys.executable, "-c", "from loyalsim.cli.app import main; main()"]
COFFEE = str(ROOT / "scenarios" / "coffee_punch_card.yaml")
SET = ["--set", "population.size=400", "--set", "horizon={weeks: 4}"]
NOTE = 'modified by --set population.size=400, horizon={"weeks": 4}'
SEARCH = ["--set", "search.replications=1", "--set", "search.recommend_replications=2"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """In this process: the titles do not depend on the process boundary."""
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return done


def title_and_text(report: Path) -> tuple[str, str]:
    html = report.read_text(encoding="utf-8")
    title = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert title is not None
    text = re.sub(r"<[^>]+>", " ", html).replace("&quot;", '"')
    return title.group(1).replace("&quot;", '"'), " ".join(text.split())


@pytest.mark.parametrize(
    ("kind", "args", "starts"),
    [
        ("run", ["--replications", "2"], "Coffee chain punch card ("),
        ("compare", ["--variant", "long:program.expiry.days=360", "--replications", "2"],
         "Comparison of designs: Coffee chain punch card ("),
        ("optimize", ["--trials", "2", *SEARCH],
         "Optimisation of the program design: Coffee chain punch card ("),
        ("sensitivity", ["--method", "morris", "--samples", "2", "--replications", "1",
                         "--param", "behaviour.goal_gradient", "--param", "behaviour.reset_carry",
                         "--kpi", "incremental_profit"],
         "Sensitivity to uncertain assumptions: Coffee chain punch card ("),
    ],
)  # fmt: skip
def test_the_title_and_description_say_modified_by_set(
    tmp_path: Path, kind: str, args: list[str], starts: str
) -> None:
    out = tmp_path / kind
    run(kind, COFFEE, *SET, *args, "--out", str(out))
    title, text = title_and_text(out / "report.html")
    assert title.startswith(starts) and NOTE in title, title
    assert NOTE[0].upper() + NOTE[1:] in text  # the scenario description says it too


def test_calibrate_has_no_design_to_modify_and_refuses_set(tmp_path: Path) -> None:
    log = ROOT / "examples" / "transactions_example.csv"
    done = subprocess.run(
        [*CLI, "calibrate", str(log), "--set", "population.size=400", "--out", str(tmp_path / "c")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == EXIT_INPUT
    assert done.stderr.startswith("error: No such option: --set")
    assert not (tmp_path / "c").exists()
