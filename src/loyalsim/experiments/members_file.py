"""Read an existing base's member list (``population.existing_base.members_file``).

Columns: ``customer_id``, ``joined`` (ISO date, on or before the start date), ``balance``
(whole points, >= 0), optionally ``tier`` (a tier name, empty for none) and ``status``
(``active`` or ``lapsed``; default active). Errors name the file, the row and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path

import numpy as np

from loyalsim.engine.existing_base import MemberRecords
from loyalsim.errors import DataError

REQUIRED = ("customer_id", "joined", "balance")
FIELD = "population.existing_base.members_file"


def read_members(path: Path, start: dt.date) -> MemberRecords:
    """The member list at ``path``, with join days counted from ``start``."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise DataError(f"{FIELD} = {path}: cannot read the file ({exc.strerror})") from None
    return _read(path, start, stamp)


@lru_cache(maxsize=4)
def _read(path: Path, start: dt.date, stamp: int) -> MemberRecords:
    joined: list[int] = []
    balance: list[int] = []
    tier: list[str] = []
    lapsed: list[bool] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(
                f"{path}: missing column(s) {', '.join(missing)} (need customer_id, joined, "
                "balance; optional tier, status)"
            )
        for line, row in enumerate(reader, start=2):
            where = f"{path}, line {line}"
            try:
                day = (dt.date.fromisoformat(row["joined"].strip()) - start).days
            except ValueError:
                raise DataError(
                    f"{where}: joined {row['joined']!r} is not a date YYYY-MM-DD"
                ) from None
            if day > 0:
                raise DataError(f"{where}: joined {row['joined']} is after the start date {start}")
            try:
                points = int(row["balance"])
            except ValueError:
                raise DataError(
                    f"{where}: balance {row['balance']!r} is not a whole number"
                ) from None
            if points < 0:
                raise DataError(f"{where}: balance {points} is negative")
            status = (row.get("status") or "active").strip()
            if status not in ("active", "lapsed"):
                raise DataError(f"{where}: status {status!r} must be active or lapsed")
            joined.append(day)
            balance.append(points)
            tier.append((row.get("tier") or "").strip())
            lapsed.append(status == "lapsed")
    if not joined:
        raise DataError(f"{path}: no members listed")
    return MemberRecords(
        joined_day=np.array(joined, dtype=np.int64),
        balance=np.array(balance, dtype=np.int64),
        tier=tier,
        lapsed=np.array(lapsed, dtype=bool),
    )
