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
    from loyalsim.outputs.folder import rewriting
    from loyalsim.report import REPORT_NAME, write_report
    from loyalsim.report.inputs import read_inputs

    read_inputs(directory)  # a clear error for a missing folder or one without results
    with rewriting(directory) as staging:  # all-or-nothing: the folder is swapped in whole
        write_report(staging)
    Console().print(f"wrote {directory / REPORT_NAME}")
