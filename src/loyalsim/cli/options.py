"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from loyalsim.scenario.overrides import parse_assignment

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a scenario field by dotted path, e.g. "
        "--set program.rewards.catalogue[0].points=8 (repeatable; the value is read as YAML).",
    ),
]


def overrides_from(assignments: list[str] | None) -> dict[str, Any]:
    """``['a.b=1', ...]`` -> ``{'a.b': 1, ...}`` (later assignments win)."""
    return dict(parse_assignment(a) for a in assignments or [])


def progress_columns(label: str = "[bold]{task.description}") -> tuple:
    """Label, a bar of fixed width, done/total, elapsed and remaining time: about 60
    characters, so the count and the ETA stay visible at 80 columns."""
    return (
        TextColumn(label),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )


def progress_bar() -> Progress:
    """The transient progress bar (on stderr) shared by the simulating commands."""
    return Progress(*progress_columns(), console=Console(stderr=True), transient=True)


WorldsOption = Annotated[
    int | None,
    typer.Option(
        "--worlds",
        min=1,
        help="Parameter worlds drawn from the scenario's priors, each run on the same "
        "replications (default: uncertainty.worlds, else 1 = the nominal values).",
    ),
]
JobsOption = Annotated[int, typer.Option("--jobs", min=1, help="Worker processes.")]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Address of a Dask scheduler (tcp://host:8786) to spread worlds and replications "
        "over its workers; results are identical to a local run.",
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace the --out folder even if it holds other files or results of another "
        "kind or scenario.",
    ),
]


def announce_if_long(budget: Any) -> None:
    """Say a long run's estimated time and memory when it starts (on stderr)."""
    if budget.long:
        Console(stderr=True).print(budget.announcement(), highlight=False)
