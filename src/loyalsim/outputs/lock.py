"""One command at a time per output folder: a lock file beside it.

``optimize`` works in its output folder for a long time (the live study database is there), so
two commands given the same ``--out`` would interleave their trials and overwrite each other's
results. :func:`locked` takes ``PARENT/.loyalsim-lock-NAME`` with an exclusive ``flock`` and
writes the holder's PID into it; a second command refuses with one line naming that PID. The
kernel drops the ``flock`` when its holder dies (SIGKILL included), so a lock file left by a
killed process (its PID dead) is stale and taken over by the next command. The file is removed
on exit, with the folders the lock had to create.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from loyalsim.errors import OutputError

LOCK_PREFIX = ".loyalsim-lock-"


def lock_path(target: Path) -> Path:
    """The lock file of output folder ``target``."""
    return target.parent / f"{LOCK_PREFIX}{target.name}"


@contextmanager
def locked(target: Path, shown: str | Path) -> Iterator[None]:
    """Hold the lock of output folder ``target`` (``shown``: the ``--out`` as typed)."""
    created = _make_parents(target.parent)
    path = lock_path(target)
    try:
        fd = _acquire(path, shown)
    except BaseException:
        _remove_empty(created)
        raise
    try:
        yield
    finally:
        with suppress(OSError):
            path.unlink()
        os.close(fd)
        _remove_empty(created)


def _acquire(path: Path, shown: str | Path) -> int:
    """Open, lock and stamp ``path``; retry when another holder removed it meanwhile."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(
                f"--out {shown}: cannot create the lock {path} ({exc.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise OutputError(
                f"--out {shown}: another loyalsim command{holder} is writing this folder",
                hint="wait for it to finish, or choose another --out",
            ) from None
        if _same_file(fd, path):
            with suppress(OSError):  # the PID only names the holder (a full disk may refuse it)
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)  # the previous holder removed the file between our open and lock


def _holder(fd: int) -> str:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return f" (PID {text})" if text.isdigit() else ""


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing ancestors; return the ones created (deepest first)."""
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    try:
        for path in reversed(missing):
            path.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot create {folder}: {exc.strerror}") from None
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for path in folders:
        try:
            path.rmdir()
        except OSError:
            return
