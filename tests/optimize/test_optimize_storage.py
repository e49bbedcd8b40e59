"""The SQLite study storage: write-ahead log, so a trial's small commits do not each wait for the
disk, and nothing committed is lost when a process is killed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import optuna

from loyalsim.experiments.optimize.storage import open_storage, quiet_optuna


def _journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def test_a_sqlite_study_uses_the_write_ahead_log(tmp_path: Path) -> None:
    quiet_optuna()
    path = tmp_path / "study.db"
    study = optuna.create_study(storage=open_storage(f"sqlite:///{path}"), study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert _journal_mode(path) == "wal"
    assert len(optuna.load_study(study_name="s", storage=f"sqlite:///{path}").trials) == 3


def test_trials_committed_before_a_kill_survive_it(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    code = (
        "import os, optuna, sys;"
        "from loyalsim.experiments.optimize.storage import open_storage, quiet_optuna;"
        "quiet_optuna();"
        "s = optuna.create_study(storage=open_storage('sqlite:///' + sys.argv[1]), study_name='s');"
        "s.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=5);"
        "os.kill(os.getpid(), 9)"  # no clean close: the log is not checkpointed into the file
    )
    run = subprocess.run([sys.executable, "-c", code, str(path)], check=False)
    assert run.returncode == -9
    assert (tmp_path / "study.db-wal").exists()  # the trials are still in the log only
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{path}")
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 5
