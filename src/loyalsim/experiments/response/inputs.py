"""The files a response calibration reads: a history's tables and a pilot's, found beside
their main file when not given (as ``loyalsim run --transactions`` writes them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from loyalsim.errors import DataError
from loyalsim.experiments.response.history import Pilot, ProgramHistory, read_history, read_pilot

MEMBERS = ("members.csv",)
EXPIRIES = ("expiries.csv", "expiries.parquet")
EVENTS = ("points_events.csv", "points_events.parquet")
PILOT_LOGS = ("pilot_transactions.csv", "pilot_transactions.parquet")


def beside(path: Path, names: tuple[str, ...]) -> Path | None:
    """The first of ``names`` that exists in ``path``'s folder."""
    for name in names:
        if (path.parent / name).is_file():
            return path.parent / name
    return None


@dataclass(frozen=True)
class Inputs:
    """Paths of one calibration's files (``None``: not given and not found)."""

    history: Path
    members: Path | None = None
    expiries: Path | None = None
    events: Path | None = None
    pilot: Path | None = None
    pilot_log: Path | None = None

    @classmethod
    def resolve(
        cls,
        history: str | Path,
        members: str | Path | None = None,
        expiries: str | Path | None = None,
        events: str | Path | None = None,
        pilot: str | Path | None = None,
        pilot_log: str | Path | None = None,
    ) -> Inputs:
        """The given paths, the missing tables looked up beside the history (the pilot's log
        beside the assignment, else the history itself)."""
        main = Path(history)
        assignment = Path(pilot) if pilot is not None else None
        log = Path(pilot_log) if pilot_log is not None else None
        if assignment is not None and log is None:
            log = beside(assignment, PILOT_LOGS) or main
        return cls(
            history=main,
            members=Path(members) if members is not None else beside(main, MEMBERS),
            expiries=Path(expiries) if expiries is not None else beside(main, EXPIRIES),
            events=Path(events) if events is not None else beside(main, EVENTS),
            pilot=assignment,
            pilot_log=log,
        )

    def read(self) -> tuple[ProgramHistory, Pilot | None]:
        """The history and, with an assignment, the pilot (errors name the file and field)."""
        history = read_history(
            self.history, self.members, expiries=self.expiries, events=self.events
        )
        pilot = None
        if self.pilot is not None and self.pilot_log is not None:
            pilot = read_pilot(self.pilot_log, self.pilot)
        return history, pilot

    def as_record(self) -> dict[str, str | None]:
        """The paths as strings, for ``response_calibration.json``."""
        return {
            "history": str(self.history),
            "members": _text(self.members),
            "expiries": _text(self.expiries),
            "events": _text(self.events),
            "pilot": _text(self.pilot),
            "pilot_log": _text(self.pilot_log),
        }


def _text(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def parse_date(value: str | dt.date | None, option: str) -> dt.date | None:
    """A date option (``--calibration-end``, ``--program-launch``) as a date (``YYYY-MM-DD``
    text or a date)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DataError(
            f"{option} {value!r}: not a date; allowed: YYYY-MM-DD such as 2025-09-30"
        ) from None
