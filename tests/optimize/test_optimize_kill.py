"""A run killed with SIGKILL loses no completed trial, and rerunning completes the study."""

from __future__ import annotations

import os
import random
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


def all_trials(out: Path) -> list[optuna.trial.FrozenTrial]:
    study = optuna.load_study(study_name="tiny-cafe", storage=f"sqlite:///{out / 'study.db'}")
    return study.get_trials()


def test_repeated_sigkills_of_two_workers_end_with_the_requested_complete_trials(
    tiny_file: Path, tmp_path: Path
) -> None:
    """Kill the main process of ``--jobs 2`` three times at random moments: its workers end, no
    completed trial is lost, and the resumed study ends with exactly the requested number of
    complete trials and no trial RUNNING."""
    from test_kill import alive, children

    out = tmp_path / "run"
    rng = random.Random(8)
    target = 12
    seen: dict[int, list[float]] = {}
    for _ in range(3):
        proc = subprocess.Popen(
            [*command(tiny_file, out, target), "--jobs", "2"],
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wanted = len(seen) + rng.randint(1, 3)
        deadline = time.monotonic() + 180
        workers: list[int] = []
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            workers = children(proc.pid) or workers
            try:
                if len(complete(out)) >= wanted:
                    break
            except Exception:  # the schema may not exist yet
                pass
        if proc.poll() is not None:
            break  # finished before the kill: fine, the rerun below checks the end state
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        stop = time.monotonic() + 15
        while time.monotonic() < stop and any(alive(w) for w in workers):
            time.sleep(0.2)
        assert not any(alive(w) for w in workers), "workers outlived their parent"
        settled = complete(out)
        time.sleep(2.0)
        assert complete(out) == settled, "trials were added after the workers should have died"
        for number, values in seen.items():
            assert settled[number] == values
        seen = settled
    rerun = subprocess.run(
        command(tiny_file, out, target), env=environment(), capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    trials = all_trials(out)
    states = [t.state for t in trials]
    assert TrialState.RUNNING not in states
    assert states.count(TrialState.COMPLETE) == target
    surplus = [t for t in trials if t.user_attrs.get("surplus")]
    assert all(t.state == TrialState.PRUNED and not t.params for t in surplus)
    for number, values in seen.items():
        assert complete(out)[number] == values
    assert (out / "recommendation.json").exists() and (out / "provenance.json").exists()
