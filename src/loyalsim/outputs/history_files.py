"""Write simulated program histories and pilots in exactly the format the readers take.

``write_history`` writes ``transactions.<fmt>`` (customer, date, amount, points_earned,
points_redeemed, reward), ``members.csv`` (customer, enrolled[, balance, tier]) and, when there
are any, ``expiries.<fmt>`` and ``points_events.<fmt>``; ``write_log`` writes a log of customer,
date, amount (the control arm's, ``control_transactions.<fmt>``); ``write_pilot`` writes
``pilot_transactions.<fmt>`` and ``pilot_assignment.csv``. ``<fmt>`` is ``parquet`` or ``csv``;
CSV dates are ``YYYY-MM-DD``, an empty cell is no date (never enrolled) or no reward. Every file
is written atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loyalsim.experiments.response.history import Pilot, ProgramHistory
from loyalsim.experiments.response.simulated import (
    Recorded,
    control_log,
    history_from_record,
    pilot_from_records,
)
from loyalsim.outputs.files import write_atomic

FORMATS = ("parquet", "csv")


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """A frame as CSV (dates as YYYY-MM-DD) or Parquet, by the suffix of ``path``; a log (a
    frame with dates) in date order, as a till would write it (the readers sort by customer)."""
    if "date" in frame.columns:
        frame = frame.sort_values(["date", "customer"], kind="stable")
    if path.suffix == ".csv":
        write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, date_format="%Y-%m-%d"))
    else:
        write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))


def write_history(history: ProgramHistory, directory: Path, fmt: str = "parquet") -> list[str]:
    """The history's files in ``directory``; returns their names."""
    _check(fmt)
    files = {
        f"transactions.{fmt}": history.transactions,
        "members.csv": history.members,
        f"expiries.{fmt}": history.expiries,
        f"points_events.{fmt}": history.events,
    }
    written = []
    for name, frame in files.items():
        if frame is not None:
            write_frame(frame, directory / name)
            written.append(name)
    return written


def write_log(log: pd.DataFrame, path: Path) -> None:
    """A log of customer, date, amount (the control arm's)."""
    write_frame(log[["customer", "date", "amount"]], path)


def write_pilot(pilot: Pilot, directory: Path, fmt: str = "parquet") -> list[str]:
    """``pilot_transactions.<fmt>`` and ``pilot_assignment.csv``; returns their names."""
    _check(fmt)
    names = [f"pilot_transactions.{fmt}", "pilot_assignment.csv"]
    write_frame(pilot.transactions, directory / names[0])
    write_frame(pilot.assignment, directory / names[1])
    return names


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not allowed; allowed: {', '.join(FORMATS)}")


def write_simulated(
    recorded: Recorded, directory: Path, fmt: str = "parquet", pilot_share: float | None = None
) -> list[str]:
    """What ``loyalsim run --transactions`` writes: the program arm's history, the control
    arm's log and, with ``pilot_share``, a simulated customer-level pilot."""
    written = write_history(history_from_record(recorded.program), directory, fmt)
    if recorded.control is not None:
        name = f"control_transactions.{fmt}"
        write_log(control_log(recorded.control), directory / name)
        written.append(name)
    if pilot_share is not None:
        written += write_pilot(pilot_from_records(recorded, pilot_share), directory, fmt)
    return written
