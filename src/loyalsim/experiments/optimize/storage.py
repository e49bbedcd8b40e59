"""Where a study lives: SQLite in the output directory by default, or a journal file or a
PostgreSQL (any SQLAlchemy) URL shared by many workers.

RDB storages run a heartbeat, so a trial whose worker died (SIGKILL, lost machine) is marked
FAIL once it has been silent for the grace period, and does not stay RUNNING forever.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import optuna
import sqlalchemy
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

from loyalsim.errors import LoyalsimError, OutputError

HEARTBEAT_SECONDS = 10
GRACE_SECONDS = 60
_RDB_SCHEMES = ("sqlite:", "postgresql:", "postgresql+", "mysql:", "mysql+")


STUDY_FILES = ("study.db", "study.db-journal", "study.db-wal", "study.db-shm")
"""The default SQLite study and its journal files, kept in the output folder."""


def default_url(out: Path) -> str:
    """``sqlite:///<out>/study.db`` (absolute, so worker processes find the same file)."""
    return f"sqlite:///{(out / 'study.db').resolve()}"


def open_storage(url: str) -> BaseStorage:
    """The Optuna storage for ``url``: ``sqlite:///f.db``, ``postgresql://...`` or
    ``journal:///path/study.log`` (a plain path ending in ``.log`` is a journal file too)."""
    try:
        if url.startswith("journal:") or (":" not in url and url.endswith((".log", ".jsonl"))):
            path = url.removeprefix("journal:").removeprefix("//")
            if not path:
                raise LoyalsimError(f"--storage {url}: give a file, e.g. journal:///tmp/study.log")
            return JournalStorage(JournalFileBackend(path))
        if url.startswith(_RDB_SCHEMES):
            sqlite = url.startswith("sqlite:")
            kwargs = {"connect_args": {"timeout": 60}} if sqlite else {}
            storage = retrying(
                lambda: RDBStorage(
                    url,
                    engine_kwargs=kwargs,
                    heartbeat_interval=HEARTBEAT_SECONDS,
                    grace_period=GRACE_SECONDS,
                )
            )
            if sqlite:
                write_ahead_log(storage)
            return storage
    except LoyalsimError:
        raise
    except ImportError:
        raise LoyalsimError(
            f"--storage {url}: the database driver is not installed "
            "(for PostgreSQL: pip install 'psycopg[binary]')"
        ) from None
    except Exception as exc:  # connection refused, bad credentials, unreadable file...
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        kind = OutputError if any(w in reason for w in _WRITE_FAILURES) else LoyalsimError
        raise kind(
            f"--storage {url}: cannot open storage ({type(exc).__name__}: {reason})"
        ) from None
    raise LoyalsimError(
        f"--storage {url}: unsupported URL (use sqlite:///FILE, postgresql://USER@HOST/DB or "
        "journal:///FILE)"
    )


def write_ahead_log(storage: RDBStorage) -> None:
    """Every later connection of a SQLite study uses its write-ahead log, committed without a
    sync: a trial writes some twenty small transactions, and with the default rollback journal
    each waits for the disk (two workers of a 200-trial coffee study spent a third of their
    storage time there). A killed process loses nothing committed; a power cut may lose the
    last transactions, never the file. Readers (the dashboard, a resumed study) see the log."""

    def on_connect(connection: Any, _record: object) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    sqlalchemy.event.listen(storage.engine, "connect", on_connect)
    storage.engine.dispose()  # connections opened while the schema was checked reconnect


_WRITE_FAILURES = ("disk is full", "readonly", "read-only", "unable to open database file")
"""SQLite reasons that are output failures (exit 3), not a bad URL."""
SCHEMA_ATTEMPTS = 6
T = TypeVar("T")


def retrying(make: Callable[[], T], attempts: int = SCHEMA_ATTEMPTS) -> T:
    """``make()``, retried after a short random pause when it fails: commands started together on
    an empty database race to create its schema (``table studies already exists``, a duplicate
    ``CREATE TYPE``); the losers find the schema complete on the next attempt."""
    for attempt in range(1, attempts + 1):
        try:
            return make()
        except ImportError:
            raise
        except Exception:
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0.1, 0.4) * attempt)
    raise AssertionError("unreachable")


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO; loyalsim shows its own progress instead."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
