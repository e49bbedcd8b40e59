"""What made an output folder: the command line, the overrides, the version, the time, the
seeds (``provenance.json``, a contract: at least ``command``, ``overrides``,
``loyalsim_version``, ``created``, ``seed``)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

_argv: list[str] | None = None


def remember_argv(argv: Sequence[str]) -> None:
    """Called by the CLI entry point with the arguments it was given (after the program name)."""
    global _argv
    _argv = list(argv)


def command_line() -> str:
    """``loyalsim ARGS...`` as typed (shell-quoted); the running Python command otherwise."""
    args = _argv if _argv is not None else sys.argv[1:]
    return shlex.join(["loyalsim", *args])


def record(
    *,
    overrides: Mapping[str, Any] | None,
    seed: int | None,
    **extra: Any,
) -> dict[str, Any]:
    """The provenance record; ``extra`` adds command-specific fields (replications, ...)."""
    from loyalsim import __version__

    data: dict[str, Any] = {
        "command": command_line(),
        "overrides": {k: _plain(v) for k, v in (overrides or {}).items()},
        "loyalsim_version": _version(__version__),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "python": sys.version.split()[0],
    }
    commit = git_commit()
    if commit is not None:
        data["git_commit"] = commit
    data.update({k: _plain(v) for k, v in extra.items()})
    return data


def _version(fallback: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("loyalsim")
    except PackageNotFoundError:
        return fallback


def _plain(value: Any) -> Any:
    """JSON-safe: paths as text, tuples as lists, other objects by ``str``."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@cache
def git_commit() -> str | None:
    """The commit of the loyalsim source tree when it is a git checkout (``+dirty`` when it has
    uncommitted changes); None for an installed package or without git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = head.stdout.strip()
    return commit + ("+dirty" if dirty.stdout.strip() else "") if commit else None
