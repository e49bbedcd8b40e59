"""SIGKILL at random moments: an output folder is complete (its provenance.json agrees with its
data) or absent, never half-written; a rerun completes; killing the main process of a
``--jobs`` command ends its workers."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import ROOT, run_cli

from loyalsim.outputs.folder import PROVENANCE, STAGING_PREFIX

COFFEE = str(ROOT / "scenarios" / "coffee_punch_card.yaml")
SMALL = ["--set", "population.size=400", "--set", "horizon={weeks: 6}", "--replications", "2"]
RUN_FILES = ("summary.json", "weekly.csv", "scenario.yaml", "report.html", PROVENANCE)
COMPARE_FILES = ("comparison.csv", "comparison.json", "report.html", PROVENANCE)
CLI = [sys.executable, "-c", "from loyalsim.cli.app import main; main()"]


def start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_when(proc: subprocess.Popen[str], parent: Path, delay: float, staging: bool) -> bool:
    """SIGKILL ``proc`` after ``delay`` seconds, or that long after a staging folder appears
    beside the output (the moment it writes); False if it finished first."""
    deadline = time.monotonic() + 240
    while staging and time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(STAGING_PREFIX) for p in parent.iterdir()):
            break
        time.sleep(0.02)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return True


def assert_complete_or_absent(out: Path, files: tuple[str, ...], seeds: set[int]) -> None:
    if not out.exists():
        return
    present = {p.name for p in out.iterdir()}
    assert set(files) <= present, f"half-written folder: {sorted(present)}"
    record = json.loads((out / PROVENANCE).read_text())
    assert record["seed"] in seeds
    if "summary.json" in files:
        assert json.loads((out / "summary.json").read_text())["seed"] == record["seed"]


@pytest.mark.parametrize(
    ("command", "files"),
    [
        (["run", COFFEE, *SMALL], RUN_FILES),
        (["compare", COFFEE, "--variant", "v:program.expiry.days=30", "--jobs", "2", *SMALL],
         COMPARE_FILES),
    ],
    ids=["run", "compare"],
)  # fmt: skip
def test_sigkill_leaves_the_previous_folder_or_a_complete_new_one(
    tmp_path: Path, command: list[str], files: tuple[str, ...]
) -> None:
    out = tmp_path / "out"
    first = run_cli(*command, "--out", str(out), "--seed", "1")  # in process, like the rerun:
    assert first.returncode == 0, first.stderr  # only the killed commands need a real one
    rng = random.Random(16)
    moments = [(rng.uniform(0.0, 0.4), True), (rng.uniform(0.0, 0.4), True)]
    moments += [(rng.uniform(0.5, 4.0), False)]
    for k, (delay, staging) in enumerate(moments, start=2):
        proc = start([*command, "--out", str(out), "--seed", str(k)])
        kill_when(proc, tmp_path, delay, staging)
        assert_complete_or_absent(out, files, set(range(1, k + 1)))
    done = run_cli(*command, "--out", str(out), "--seed", "9")
    assert done.returncode == 0, done.stderr
    assert_complete_or_absent(out, files, {9})
    assert json.loads((out / PROVENANCE).read_text())["seed"] == 9
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # staging of the killed runs removed


def test_sigkill_of_calibrate_leaves_no_half_written_folder(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(2)
    lines = ["customer,date,amount"]
    for c in range(300):
        for d in sorted(rng.choice(300, int(rng.integers(1, 6)), replace=False)):
            lines.append(f"c{c},2023-{1 + d // 28 % 12:02d}-{1 + d % 28:02d},{rng.gamma(2, 5):.2f}")
    log = tmp_path / "log.csv"
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "cal"
    command = ["calibrate", str(log), "--out", str(out), "--time-unit", "day"]
    files = ("population.yaml", "calibration.json", "report.html", PROVENANCE)
    rng_moments = random.Random(5)
    for delay, staging in [(rng_moments.uniform(0, 0.3), True), (rng_moments.uniform(1, 5), False)]:
        kill_when(start(command), tmp_path, delay, staging)
        assert_complete_or_absent(out, files, {0})
    done = run_cli(*command)  # in process: only the killed commands need a real one
    assert done.returncode == 0, done.stderr
    assert_complete_or_absent(out, files, {0})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal", "log.csv"]


def test_killing_compare_ends_its_workers(tmp_path: Path) -> None:
    command = ["compare", COFFEE, "--variant", "v:program.expiry.days=30", "--jobs", "2"]
    command += [
        "--set",
        "population.size=3000",
        "--replications",
        "6",
        "--out",
        str(tmp_path / "o"),
    ]
    proc = start(command)
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        time.sleep(0.2)
        workers = children(proc.pid)
    assert len(workers) >= 2, "the workers did not start"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(alive(w) for w in workers), "workers outlived their parent"
    assert not (tmp_path / "o").exists()
