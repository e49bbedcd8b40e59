"""``loyalsim check-data``: read a program history or a pilot as calibration will, and summarise it.

The same readers, rules and errors as the response calibration, without fitting anything: a quick
way to see whether a client's files are usable and what the cleaning rules did to them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from loyalsim.experiments.response.history import Pilot, ProgramHistory


def check_data(
    history: Annotated[
        Path, typer.Argument(help="Transactions of a program history (or, with --pilot, the log).")
    ],
    members: Annotated[
        Path | None, typer.Option(help="Members table: customer, enrolled[, balance, tier].")
    ] = None,
    expiries: Annotated[
        Path | None, typer.Option(help="Expiry events: customer, date, points.")
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(help="Points moved without a purchase: customer, date, points_earned, ..."),
    ] = None,
    pilot: Annotated[
        Path | None,
        typer.Option(help="Pilot assignment (customer or store, group, start); HISTORY: its log."),
    ] = None,
) -> None:
    """Check a program history or a pilot (docs/calibration.md, "Program histories and pilots")."""
    from loyalsim.experiments.response.history import read_history, read_pilot

    warn = Console(stderr=True, soft_wrap=True)
    if pilot is not None:
        data: ProgramHistory | Pilot = read_pilot(history, pilot)
    else:
        data = read_history(history, members, expiries=expiries, events=events)
    for note in data.notes:
        warn.print(f"[bold yellow]warning:[/] {escape(note)}", highlight=False)
    Console().print(escape(summary(data)), highlight=False)


def summary(data: ProgramHistory | Pilot) -> str:
    """A few lines on what was read."""
    from loyalsim.experiments.response.calibrate import late_points_start
    from loyalsim.experiments.response.history import Pilot
    from loyalsim.experiments.response.pilot_moments import pilot_start

    t = data.transactions
    first = data.start.date()
    window = f"{first} to {data.end.date()}"
    lines = [f"{len(t):,} transactions of {t['customer'].nunique():,} customers, {window}"]
    if isinstance(data, Pilot):
        key = "store" if data.by_store else "customer"
        groups = data.assignment["group"].value_counts()
        lines.append(
            f"pilot by {key}: {groups.get('treated', 0):,} treated, "
            f"{groups.get('control', 0):,} control"
        )
        launch = pilot_start(data)
        pre = (launch - first).days
        lines.append(
            f"pre-period {first} to {launch - dt.timedelta(days=1)} ({pre} days), pilot from "
            f"{launch}"
            if pre > 0
            else f"no pre-period: the log starts on the pilot's start {launch} (the lift is "
            "then one group of every assigned customer)"
        )
        return "\n".join(lines)
    enrolled = int(data.members["enrolled"].notna().sum())
    redeemed = int((t["points_redeemed"] > 0).sum())
    lines.append(
        f"{enrolled:,} of {len(data.members):,} known customers enrolled; "
        f"{int(t['points_earned'].sum()):,} points earned, {redeemed:,} visits with a redemption"
    )
    if data.expiries is not None:
        lines.append(f"{int(data.expiries['points'].sum()):,} points expired")
    if data.events is not None:
        lines.append(f"{len(data.events):,} points events without a purchase")
    moved = late_points_start(data)
    if moved is not None:
        lines.append(
            f"no points moved and nobody enrolled before {moved}, {(moved - first).days} days "
            f"into the log: if the program launched then, calibrate-response --program-launch "
            f"{moved}"
        )
    return "\n".join(lines)
