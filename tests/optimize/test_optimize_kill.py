"""A run killed with SIGKILL loses no completed trial, and rerunning completes the study."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

ROOT = Path(__file__).resolve().parents[2]


def command(path: Path, out: Path, trials: int) -> list[str]:
    args = ["optimize", str(path), "--out", str(out), "--trials", str(trials)]
    return [sys.executable, "-c", "from loyalsim.cli.app import main; main()", *args]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def complete(out: Path) -> dict[int, list[float]]:
    study = optuna.load_study(study_name="tiny-cafe", storage=f"sqlite:///{out / 'study.db'}")
    return {t.number: t.values for t in study.get_trials(states=(TrialState.COMPLETE,))}


def test_sigkill_loses_no_completed_trial(tiny_file: Path, tmp_path: Path) -> None:
    text = tiny_file.read_text().replace("size: 300", "size: 1500").replace("weeks: 4", "weeks: 10")
    path = tmp_path / "slower.yaml"
    path.write_text(text)
    out = tmp_path / "run"
    proc = subprocess.Popen(
        command(path, out, 500),
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        before: dict[int, list[float]] = {}
        while time.monotonic() < deadline and len(before) < 3:
            time.sleep(0.3)
            if (out / "study.db").exists():
                try:
                    before = complete(out)
                except Exception:  # the schema may not exist yet
                    before = {}
        assert len(before) >= 3, "no trial completed within two minutes"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    survived = complete(out)
    assert len(survived) >= len(before)
    for number, values in before.items():
        assert survived[number] == values
    target = len(survived) + 2
    rerun = subprocess.run(
        command(path, out, target), env=environment(), capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    after = complete(out)
    assert len(after) == target
    for number, values in survived.items():
        assert after[number] == values
    assert (out / "recommendation.json").exists()
