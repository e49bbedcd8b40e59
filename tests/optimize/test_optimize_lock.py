"""Two ``optimize`` commands given the same ``--out`` at the same time: the second is refused
with one ``error:`` line (exit 3) and the first finishes untouched; the lock file is removed on
exit, and one left by a killed command is taken over."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from loyalsim.errors import EXIT_OUTPUT, OutputError
from loyalsim.outputs.lock import lock_path, locked

CLI = [sys.executable, "-c", "from loyalsim.cli.app import main; main()"]


def optimize(path: Path, out: Path, trials: int) -> list[str]:
    return [*CLI, "optimize", str(path), "--out", str(out), "--trials", str(trials)]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_command_on_the_same_out_is_refused(tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared"
    first = subprocess.Popen(
        optimize(tiny_file, out, 30), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "study.db").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lock_path(out).read_text().strip() == str(first.pid)
        second = subprocess.run(
            optimize(tiny_file, out, 30), capture_output=True, text=True, timeout=120
        )
        assert first.poll() is None, "the first command ended before the second started"
    finally:
        _, first_err = first.communicate(timeout=600)
    assert second.returncode == EXIT_OUTPUT
    lines = second.stderr.strip().splitlines()
    assert lines[0] == (
        f"error: --out {out}: another loyalsim command (PID {first.pid}) is writing this folder"
    )
    assert all(line.startswith(("error:", "hint:")) for line in lines) and len(lines) <= 2
    assert first.returncode == 0, first_err
    assert (out / "provenance.json").exists() and (out / "recommendation.json").exists()
    assert not lock_path(out).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared", "tiny.yaml"]


def test_a_stale_lock_of_a_killed_command_is_taken_over(tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "res"
    lock_path(out).write_text(f"{dead_pid()}\n")
    done = subprocess.run(optimize(tiny_file, out, 2), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (out / "provenance.json").exists()
    assert not lock_path(out).exists()


def test_the_lock_is_exclusive_and_released_with_the_folders_it_made(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out"
    with locked(target, "a/b/out"):
        assert lock_path(target).read_text().strip().isdigit()
        refused = pytest.raises(OutputError, match=r"another loyalsim command \(PID \d+\)")
        with refused, locked(target, "a/b/out"):
            pass
    assert list(tmp_path.iterdir()) == []  # lock removed, and the parents it had to create
    with locked(target, "a/b/out"):  # free again
        pass
