"""Every CLI error is one ``error:`` line (plus an optional ``hint:``) with a documented exit
code, argument-parsing errors of the framework included; output folders are checked before
anything is simulated."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import support
from support import ROOT, run_cli

from loyalsim.errors import EXIT_INPUT, EXIT_OUTPUT

COFFEE = str(ROOT / "scenarios" / "coffee_punch_card.yaml")


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return support.cli(*args, cwd=cwd, timeout=120)


def assert_one_error(done: subprocess.CompletedProcess[str], code: int) -> list[str]:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == code, done.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in done.stderr
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("hint: ")), done.stderr
    assert not re.search("[╭│╰]", done.stderr), "a boxed panel"
    return lines


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run"], "Missing argument"),
        (["run", COFFEE, "--bogus", "1"], "No such option: --bogus"),
        (["run", COFFEE, "--replications", "abc"], "Invalid value for '--replications'"),
        (["run", COFFEE, "--seed", "-1"], "Invalid value for '--seed'"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["compare", COFFEE, "--jobs"], "requires an argument"),
        (["calibrate", "log.csv", "--time-unit", "fortnight"], "Invalid value for '--time-unit'"),
    ],
)
def test_argument_errors_are_one_line_with_a_hint(args: list[str], fragment: str) -> None:
    lines = assert_one_error(cli(*args), EXIT_INPUT)
    assert fragment in lines[0]
    assert lines[1].startswith("hint: see 'loyalsim") and lines[1].endswith("--help'")


def test_a_huge_echoed_value_is_cut(tmp_path: Path) -> None:
    done = cli("run", COFFEE, "--out", str(tmp_path / "o"), "--set", "x" * 100_000 + "=1")
    lines = assert_one_error(done, EXIT_INPUT)
    assert len(done.stderr) < 5_000 and "more characters" in lines[0]


def test_out_is_checked_before_simulating(tmp_path: Path) -> None:
    """In this process (the messages, not the process boundary, are tested; the tests above run
    real processes)."""
    other = tmp_path / "cmp"
    other.mkdir()
    (other / "provenance.json").write_text(json.dumps({"kind": "compare", "subject": "x"}))
    (other / "comparison.csv").write_text("kept")
    lines = assert_one_error(run_cli("run", COFFEE, "--out", str(other)), EXIT_OUTPUT)
    assert "holds the results of a 'compare' command" in lines[0] and "--force" in lines[1]
    assert (other / "comparison.csv").read_text() == "kept"
    assert_one_error(run_cli("run", COFFEE, "--out", ""), EXIT_OUTPUT)
    (tmp_path / "file").write_text("x")
    assert_one_error(run_cli("optimize", COFFEE, "--out", str(tmp_path / "file")), EXIT_OUTPUT)
    assert_one_error(run_cli("optimize", COFFEE, "--storage", "", "--out", "o"), EXIT_INPUT)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp", "file"]


@pytest.mark.parametrize("name", ["report.html", "comparison.csv", "summary.JSON", "a" * 101])
def test_design_names_that_clash_with_output_files_are_refused(tmp_path: Path, name: str) -> None:
    """In this process, like the test above."""
    out = tmp_path / "cmp"
    done = run_cli(
        "compare", COFFEE, "--variant", f"{name}:program.expiry.days=30", "--out", str(out)
    )
    assert_one_error(done, EXIT_INPUT)
    assert not out.exists()
