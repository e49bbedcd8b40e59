"""A full disk is one clear line (exit 3) and leaves no files behind: commands write onto a
small tmpfs (mounted by the test where it may mount one; the in-process tests of
tests/outputs/test_output_folder.py inject the same OSError everywhere else)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import ROOT

from loyalsim.errors import EXIT_OUTPUT

COFFEE = str(ROOT / "scenarios" / "coffee_punch_card.yaml")
CLI = [sys.executable, "-c", "from loyalsim.cli.app import main; main()"]
SMALL = ["--set", "population.size=300", "--set", "horizon={weeks: 4}", "--replications", "1"]


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    size = getattr(request, "param", "160k")
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); see the injected tests")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def assert_one_line(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == EXIT_OUTPUT, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], done.stderr


def test_run_on_a_full_disk(small_disk: Path) -> None:
    done = subprocess.run([*CLI, "run", COFFEE, *SMALL, "--out", str(small_disk / "run")],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert_one_line(done, "no space left")
    assert list(small_disk.iterdir()) == []


@pytest.mark.parametrize("small_disk", ["48k"], indirect=True)
def test_optimize_on_a_full_disk(small_disk: Path) -> None:
    scenario = ROOT / "scenarios" / "coffee_punch_card.yaml"
    done = subprocess.run(
        [*CLI, "optimize", str(scenario), *SMALL[:4], "--trials", "2", "--out",
         str(small_disk / "opt")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert_one_line(done, "full")
    assert list(small_disk.iterdir()) == []
