"""All-or-nothing output folders.

A command builds its whole output folder in a hidden staging folder beside the target
(``PARENT/.loyalsim-staging-PID-TOKEN/NAME``), writes ``provenance.json`` last, and then puts it in
place with one rename (an atomic exchange with the previous folder where the kernel offers
``renameat2(RENAME_EXCHANGE)``, else two renames). So a failure or a SIGKILL at any moment leaves
the previous complete folder, or (in the instant between the two fallback renames) none, never a
half-written one. Staging folders of dead processes are removed by the next command writing
beside them.

Before anything is computed, :func:`claim` checks that the target may be replaced: it must be
new, empty, or hold results of the same kind and subject (its ``provenance.json`` says so);
anything else is refused unless ``force``. OS errors (permission denied, disk full, read-only
file system) become one :class:`~loyalsim.errors.OutputError` line and the staging folder is
removed.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loyalsim.errors import OutputError

PROVENANCE = "provenance.json"
STAGING_PREFIX = ".loyalsim-staging-"
KINDS = ("run", "compare", "optimize", "calibrate", "calibrate-response")

KNOWN_FILES: Mapping[str, frozenset[str]] = {
    "optimize": frozenset({"study.db", "study.db-journal", "study.db-wal", "study.db-shm"}),
}  # the same names as loyalsim.experiments.optimize.storage.STUDY_FILES
"""Files a folder of that kind may hold without a provenance record (the live study of an
interrupted first optimisation, which the rerun resumes)."""


@dataclass(frozen=True)
class Claim:
    """A checked output target: where the folder goes, what it will hold, and whether it
    replaces an existing folder."""

    target: Path
    kind: str
    subject: str
    replaces: bool
    foreign: bool = False
    """The target held something else and ``force`` allowed replacing it."""


def claim(
    out: str | Path,
    kind: str,
    subject: str,
    force: bool = False,
    inputs: tuple[str | Path, ...] = (),
) -> Claim:
    """Check that ``out`` can become a ``kind`` folder for ``subject`` (scenario name, log file).

    Raises :class:`OutputError` (one line) if the path is empty, is a file, lies under a file,
    is not writable, or holds something else (other files, or results of another kind or
    subject) and ``force`` is not given. A folder holding one of the ``inputs`` is never
    replaced unless it is a loyalsim folder of this kind (``--force`` must not delete the
    data it reads)."""
    text = str(out)
    if not text.strip():
        raise OutputError("--out '': give a folder name", hint="for example --out runs/mine")
    target = Path(os.path.abspath(os.path.expanduser(text)))
    if target == Path(target.anchor):
        raise OutputError(f"--out {out}: cannot replace the root folder")
    if target.exists() and not target.is_dir():
        raise OutputError(f"--out {out}: exists and is not a folder")
    _check_parent(out, target.parent)
    replaces = target.is_dir()
    foreign = False
    if replaces:
        try:
            _check_owner(out, target, kind, subject)
        except OutputError:
            if not force:
                raise
            foreign = True
            for path in inputs:
                if Path(os.path.abspath(path)).is_relative_to(target):
                    raise OutputError(
                        f"--out {out}: holds the input {path}; replacing the folder would "
                        "delete it",
                        hint="choose another folder for the outputs",
                    ) from None
    if replaces and not os.access(target.parent, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: permission denied on {target.parent} (cannot replace)")
    return Claim(target, kind, subject, replaces, foreign)


def _check_parent(out: str | Path, parent: Path) -> None:
    """The nearest existing ancestor must be a writable folder."""
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"--out {out}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: permission denied (cannot write in {probe})")


def _check_owner(out: str | Path, target: Path, kind: str, subject: str) -> None:
    try:
        entries = sorted(p.name for p in target.iterdir())
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot read the folder ({exc.strerror})") from None
    if not entries:
        return
    record = read_provenance(target)
    if record is None:
        if set(entries) <= KNOWN_FILES.get(kind, frozenset()):
            return
        shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise OutputError(
            f"--out {out}: the folder holds files loyalsim did not write ({shown})",
            hint="choose a new folder, or pass --force to replace the whole folder",
        )
    was_kind, was_subject = record.get("kind"), record.get("subject")
    if was_kind != kind:
        raise OutputError(
            f"--out {out}: holds the results of a '{was_kind}' command, not '{kind}'",
            hint="choose another folder, or pass --force to replace it",
        )
    if was_subject != subject:
        raise OutputError(
            f"--out {out}: holds {kind} results for '{_cut(was_subject)}', not '{_cut(subject)}'",
            hint="choose another folder, or pass --force to replace it",
        )


def _cut(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_provenance(folder: Path) -> dict[str, Any] | None:
    """The folder's provenance record, or None when it has none (or an unreadable one)."""
    try:
        data = json.loads((folder / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextmanager
def staged(
    place: Claim, provenance: Mapping[str, Any], keep: tuple[str, ...] = ()
) -> Iterator[Path]:
    """Yield a staging folder named like the target; on success write ``provenance.json`` and
    put the folder in place. ``keep`` names files of the existing target carried over by hard
    link (the live study database of ``optimize``). On any error the staging folder is removed
    and OS errors become one :class:`OutputError` line."""
    target = place.target
    remove_stale_staging(target.parent)
    holder = target.parent / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        holder.mkdir()
        staging = holder / target.name
        staging.mkdir()
    except OSError as exc:
        shutil.rmtree(holder, ignore_errors=True)
        raise os_error(target, exc) from None
    try:
        yield staging
        for name in keep:
            _carry(target / name, staging / name)
        from loyalsim.outputs.files import write_text

        record = {"kind": place.kind, "subject": place.subject, **provenance}
        write_text(staging / PROVENANCE, json.dumps(record, indent=2, allow_nan=False) + "\n")
        _commit(staging, target)
    except OSError as exc:
        raise os_error(target, exc) from None
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def os_error(target: Path, exc: OSError) -> OutputError:
    """One line for an OS error while writing ``target``."""
    reason = {
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "disk quota exceeded",
        errno.EROFS: "read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    where = f" ({exc.filename})" if exc.filename and Path(str(exc.filename)) != target else ""
    return OutputError(f"cannot write {target}: {reason}{where}; nothing was written")


def _carry(source: Path, destination: Path) -> None:
    if not source.exists():
        return
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _commit(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; the previous target (if any) ends up inside the staging
    holder, which the caller removes."""
    if not target.exists():
        try:
            os.rename(staging, target)
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if _exchange(staging, target):
        return
    old = staging.with_name(staging.name + ".old")
    os.rename(target, old)
    os.rename(staging, target)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False if the
    kernel, C library or file system does not offer it."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def remove_stale_staging(parent: Path) -> None:
    """Remove staging folders beside ``parent``'s entries left by processes that died."""
    try:
        entries = list(parent.glob(f"{STAGING_PREFIX}*"))
    except OSError:
        return
    for entry in entries:
        pid_text = entry.name.removeprefix(STAGING_PREFIX).split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def rewriting(folder: str | Path) -> Iterator[Path]:
    """Rewrite files of an existing result folder all-or-nothing (``loyalsim report``): a
    staging copy made of hard links (copies where links fail) is changed and swapped in."""
    target = Path(os.path.abspath(folder))
    if not target.is_dir():
        raise OutputError(f"{folder}: no such folder")
    remove_stale_staging(target.parent)
    holder = target.parent / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        holder.mkdir()
        staging = holder / target.name
        shutil.copytree(target, staging, copy_function=_link_or_copy, symlinks=True)
        yield staging
        _commit(staging, target)
    except OSError as exc:
        raise os_error(target, exc) from None
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
