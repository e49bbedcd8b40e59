"""Write result files atomically, so an interrupted or failed run never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from loyalsim.errors import LoyalsimError

if TYPE_CHECKING:
    import pandas as pd


def prepare_dir(path: str | Path) -> Path:
    """Create the output directory (and parents), with a clear error if that is impossible."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LoyalsimError(f"--out {out}: cannot create directory ({exc.strerror})") from None
    if not out.is_dir():
        raise LoyalsimError(f"--out {out}: exists and is not a directory")
    return out


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs are for sharing
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text(path: Path, text: str) -> None:
    """Atomically write UTF-8 text."""

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomic(path, write)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as CSV, atomically (no index column)."""
    write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
