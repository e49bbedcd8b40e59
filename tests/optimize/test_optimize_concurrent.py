"""Three ``optimize`` commands started together on an empty storage all succeed (the losers of
the race to create the schema retry), the study records every trial once, and together they
end with exactly the requested complete trials (a trial that would overshoot is closed unrun as
a surplus PRUNED trial)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import optuna
from optuna.trial import TrialState

CLI = [sys.executable, "-c", "from loyalsim.cli.app import main; main()"]


def start_three(tiny_file: Path, tmp_path: Path, storage: str, trials_target: int = 6) -> None:
    procs = [
        subprocess.Popen(
            [
                *CLI,
                "optimize",
                str(tiny_file),
                "--out",
                str(tmp_path / f"out{k}"),
                "--trials",
                str(trials_target),
                "--storage",
                storage,
                "--study-name",
                "together",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(3)
    ]
    errors = [p.communicate(timeout=600)[1] for p in procs]
    for proc, error in zip(procs, errors, strict=True):
        assert proc.returncode == 0, error
    study = optuna.load_study(study_name="together", storage=storage)
    trials = study.get_trials()
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == trials_target
    others = [t for t in trials if t.state != TrialState.COMPLETE]
    assert all(t.state == TrialState.PRUNED and t.user_attrs.get("surplus") for t in others)
    assert all(not t.params for t in others)  # never sampled, never simulated
    for k in range(3):
        assert (tmp_path / f"out{k}" / "provenance.json").exists()


def test_three_commands_on_an_empty_sqlite_storage(tiny_file: Path, tmp_path: Path) -> None:
    start_three(tiny_file, tmp_path, f"sqlite:///{tmp_path / 'shared.db'}")
