"""Read the tables of program histories and pilots with the messy-log rules of ``calibrate``.

Each table is read by :func:`~loyalsim.experiments.calibrate.log_reader.read_columns` with the
value parsers of :mod:`~loyalsim.experiments.calibrate.log_cleaning`, so bad files get the same
one-line errors (file, column, line, what is allowed) and the same notes. Keyed tables (members,
assignments) drop exact duplicate lines with a note and refuse a key listed twice with different
values, naming both lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from loyalsim.experiments.calibrate.errors import TransactionLogError
from loyalsim.experiments.calibrate.log_cleaning import label, parse_text
from loyalsim.experiments.calibrate.log_reader import Column, ColumnSpec, Parts, read_columns

GROUPS = ("treated", "control")


def read_table(
    path: Path, specs: Sequence[ColumnSpec], what: str, sep: str | None
) -> tuple[pd.DataFrame, Parts]:
    """The columns ``specs`` of the file (a ``hash`` column of each whole line added)."""
    parts = read_columns(path, specs, sep=sep, header=True, what=what)
    frame = parts.frame([s.name for s in specs])
    if frame.empty:
        raise TransactionLogError(f"{path}: the {what} has no rows")
    return frame, parts


def deduplicated(frame: pd.DataFrame, parts: Parts, what: str) -> pd.DataFrame:
    """The table without exact duplicate lines (noted) and without its ``hash`` column."""
    duplicated = frame["hash"].duplicated().to_numpy()
    if duplicated.any():
        first = int(np.flatnonzero(duplicated)[0])
        parts.notes.append(
            f"{parts.path}: {int(duplicated.sum())} exact duplicate line(s) of the {what} "
            f"dropped (the first on {parts.place(first)})"
        )
    return frame[~duplicated].drop(columns="hash")


def keyed(frame: pd.DataFrame, parts: Parts, key: str, what: str) -> pd.DataFrame:
    """One row per ``key``: exact duplicate lines dropped (noted), conflicting ones refused."""
    frame = deduplicated(frame, parts, what)
    repeated = frame[key].duplicated(keep=False).to_numpy()
    if repeated.any():
        rows = frame.index[repeated]
        value = frame.loc[rows[0], key]
        again = [r for r in rows if frame.loc[r, key] == value]
        raise TransactionLogError(
            f"{parts.path}: column {key!r}: {value!r} is listed on {parts.place(int(again[0]))} "
            f"and again, differently, on {parts.place(int(again[1]))}; allowed: one line per "
            f"{key}"
        )
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def parse_group(parts: Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    """``treated`` or ``control`` (case and surrounding spaces ignored)."""
    text = pd.Series(parse_text(parts, values, spec, offset)).str.lower()
    bad = ~text.isin(GROUPS).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise TransactionLogError(
            f"{parts.path}: column {label(spec)}: group {str(values.iloc[row])!r} on "
            f"{parts.place(offset + row)} is not allowed; allowed: {', '.join(GROUPS)}"
        )
    return text.to_numpy(dtype=object)


def check_points(frame: pd.DataFrame, parts: Parts, columns: Sequence[str]) -> None:
    """Points may be negative only on refund lines (a clawback, dropped with the refund)."""
    purchase = (frame["amount"] >= 0).to_numpy()
    for column in columns:
        bad = purchase & (frame[column] < 0).to_numpy()
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            value, row = int(frame[column].iloc[first]), int(frame.index[first])
            raise TransactionLogError(
                f"{parts.path}: column {column!r}: {value} on {parts.place(row)} is negative on "
                "a purchase; allowed: whole numbers >= 0 "
                "(negative only on a refund line, a negative amount)"
            )


def join_rewards(names: pd.Series) -> str:
    """The rewards redeemed by one customer on one day: distinct names joined by ``+``."""
    found = sorted({n for n in names if n})
    return "+".join(found)


def in_window(
    frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, parts: Parts, what: str
) -> pd.DataFrame:
    """Rows dated within ``start`` to ``end`` (inclusive); the others dropped with a note."""
    inside = ((frame["date"] >= start) & (frame["date"] <= end)).to_numpy()
    if not inside.all():
        parts.notes.append(
            f"{int((~inside).sum())} {what} line(s) outside the observation window "
            f"{start.date()} to {end.date()} dropped"
        )
    return frame[inside]
