"""``loyalsim report``: write a self-contained report.html for a result directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def report(
    directory: Annotated[
        Path, typer.Argument(help="A directory written by loyalsim run, compare or optimize.")
    ],
) -> None:
    """Write DIR/report.html: one file with every table and figure, viewable offline."""
    from loyalsim.report import write_report

    path = write_report(directory)
    Console().print(f"wrote {path}")
