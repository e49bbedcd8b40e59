"""Program histories and pilots: the data the program response is calibrated on.

A :class:`ProgramHistory` is what a program that already runs leaves behind: a transaction log
with the points earned and redeemed on each purchase and the reward redeemed, the members with
their enrolment dates (and optionally balances and tiers), optionally the expiry events and the
points that moved without a purchase. A :class:`Pilot` is a log of customers (or stores) some of
whom got the program from a start date, with the assignment table saying who. Both are read from
CSV or Parquet files by :func:`read_history` and :func:`read_pilot` with the messy-data rules of
``loyalsim calibrate`` (docs/calibration.md, "Program histories and pilots"), or built in memory
from a simulated run (:mod:`loyalsim.experiments.response.simulated`).

Frames are sorted by customer (then date), with a plain 0..n-1 index; dates are calendar days
(``datetime64[ns]``); text columns have pandas' string dtype; a missing reward is ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from loyalsim.experiments.calibrate.errors import TransactionLogError
from loyalsim.experiments.calibrate.log_cleaning import (
    clean,
    parse_amounts,
    parse_customers,
    parse_dates,
    parse_optional_dates,
    parse_points,
    parse_text,
)
from loyalsim.experiments.calibrate.log_reader import ColumnSpec, Parts, read_columns
from loyalsim.experiments.response.tables import (
    check_points,
    deduplicated,
    in_window,
    join_rewards,
    keyed,
    parse_group,
    read_table,
)

TRANSACTION_COLUMNS = ("customer", "date", "amount", "points_earned", "points_redeemed", "reward")
"""Columns of a program history's transactions (``reward`` optional in a file)."""
MEMBER_COLUMNS = ("customer", "enrolled")
"""Required columns of a members table; ``balance`` and ``tier`` are optional."""
EXPIRY_COLUMNS = ("customer", "date", "points")
EVENT_COLUMNS = ("customer", "date", "points_earned", "points_redeemed", "reward")
"""Points moved without a purchase (bonuses, partners' points, experiences): ``reward``
optional in a file."""
PILOT_COLUMNS = ("customer", "date", "amount")
"""Columns of a pilot's log; ``store`` is optional (required for a store-level assignment)."""
ASSIGNMENT_COLUMNS = ("group", "start")
"""Columns of an assignment besides its key, ``customer`` (or ``store``, store-level)."""
_POINTS = ("points_earned", "points_redeemed")


@dataclass(frozen=True)
class ProgramHistory:
    """The record of a running program over the observation window ``start`` to ``end``
    (inclusive).

    ``transactions``: customer, date, amount (paid, float64), points_earned, points_redeemed
    (int64), reward (``""`` when none); one row per customer and day. ``members``: customer,
    enrolled (NaT if never enrolled), optionally balance (int64, at the end) and tier.
    ``expiries``: customer, date, points forfeited. ``events``: customer, date, points_earned,
    points_redeemed, reward for points that moved on days without a purchase. ``notes``: the
    cleaning rules applied when reading (the CLI prints them as warnings)."""

    transactions: pd.DataFrame
    members: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    expiries: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pilot:
    """A pilot: ``transactions`` (customer, date, amount, optionally store) of everyone in it
    over ``start`` to ``end``, and ``assignment`` (customer, or store for a store-level pilot;
    group ``treated`` or ``control``; start, the day the program began for them)."""

    transactions: pd.DataFrame
    assignment: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    notes: tuple[str, ...] = ()

    @property
    def by_store(self) -> bool:
        """Whether whole stores, not customers, were assigned."""
        return "customer" not in self.assignment.columns


def read_history(
    path: str | Path,
    members: str | Path | None = None,
    *,
    expiries: str | Path | None = None,
    events: str | Path | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    sep: str | None = None,
    refunds: str = "net",
    keep_duplicates: bool = False,
) -> ProgramHistory:
    """Read a program history: the transactions file at ``path`` and the optional tables.

    The window defaults to the first and last transaction dates; lines outside a given window
    are dropped with a note. Without a members file each customer counts as enrolled on their
    first transaction that earned or redeemed points (noted). Customers of the log missing
    from the members file are added as never enrolled (noted).
    """
    path = Path(path)
    specs = (
        ColumnSpec("customer", "customer", parse_customers),
        ColumnSpec("date", "date", parse_dates),
        ColumnSpec("amount", "amount", parse_amounts),
        ColumnSpec("points_earned", "points_earned", parse_points),
        ColumnSpec("points_redeemed", "points_redeemed", parse_points),
        ColumnSpec("reward", "reward", parse_text, required=False),
    )
    parts = read_columns(path, specs, sep=sep, header=True, what="program history")
    raw = parts.frame(TRANSACTION_COLUMNS)
    if raw.empty:
        raise TransactionLogError(f"{path}: the log contains no transactions")
    if "reward" not in raw:
        raw.insert(len(raw.columns) - 1, "reward", "")
    check_points(raw, parts, _POINTS)
    _note_refund_points(raw, parts)
    log = merge_days(clean(raw, parts, refunds, keep_duplicates), _POINTS)
    first, last = _window(log, start, end)
    log = in_window(log, first, last, parts, "transaction")
    notes = list(parts.notes)
    table = (
        _members(Path(members), log, sep, notes) if members is not None else _inferred(log, notes)
    )
    return ProgramHistory(
        transactions=typed(log),
        members=typed(table),
        start=first,
        end=last,
        expiries=_expiries(Path(expiries), first, last, sep, notes) if expiries else None,
        events=_events(Path(events), first, last, sep, notes) if events else None,
        notes=tuple(notes),
    )


def read_pilot(
    log_path: str | Path,
    assignment_path: str | Path,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    sep: str | None = None,
    refunds: str = "net",
    keep_duplicates: bool = False,
) -> Pilot:
    """Read a pilot: its log (customer, date, amount, optionally store) and its assignment.

    The assignment is by customer when it has a ``customer`` column, else by ``store`` (and the
    log needs a ``store`` column). Assigned customers (stores) without transactions are kept as
    buying nothing, with a note; log lines of customers (stores) not assigned are dropped with
    a note; no overlap at all, or a group with nobody in it, is an error.
    """
    log_path, assignment_path = Path(log_path), Path(assignment_path)
    assignment, notes = _assignment(assignment_path, sep)
    key = "customer" if "customer" in assignment.columns else "store"
    specs = (
        ColumnSpec("customer", "customer", parse_customers),
        ColumnSpec("date", "date", parse_dates),
        ColumnSpec("amount", "amount", parse_amounts),
        ColumnSpec("store", "store", parse_customers, required=key == "store"),
    )
    parts = read_columns(log_path, specs, sep=sep, header=True, what="pilot log")
    raw = parts.frame((*PILOT_COLUMNS, "store"))
    if raw.empty:
        raise TransactionLogError(f"{log_path}: the log contains no transactions")
    log = merge_days(clean(raw, parts, refunds, keep_duplicates), ())
    first, last = _window(log, start, end)
    log = in_window(log, first, last, parts, "transaction")
    log = _assigned_only(log, assignment, key, log_path, assignment_path, parts.notes)
    return Pilot(
        transactions=typed(log),
        assignment=typed(assignment),
        start=first,
        end=last,
        notes=tuple(notes + parts.notes),
    )


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The contract's dtypes: text columns as strings, dates at day resolution in
    ``datetime64[ns]``, points and balances int64, amounts float64; a 0..n-1 index."""
    out = frame.reset_index(drop=True).copy()
    for column in out.columns:
        if column in ("customer", "reward", "tier", "group", "store"):
            out[column] = out[column].astype(str)
        elif column in ("date", "enrolled", "start"):
            out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]").dt.normalize()
        elif column in ("amount",):
            out[column] = out[column].astype(np.float64)
        else:
            out[column] = out[column].astype(np.int64)
    return out


def merge_days(raw: pd.DataFrame, points: tuple[str, ...]) -> pd.DataFrame:
    """One row per customer (and store) and day: amounts and points summed, rewards joined
    with ``+``; sorted by customer, date."""
    keys = ["customer", "date", *(["store"] if "store" in raw.columns else [])]
    if not raw.duplicated(keys).any():
        return raw.sort_values(["customer", "date"], kind="stable").reset_index(drop=True)
    sums = raw.groupby(keys, sort=True)[["amount", *points]].sum()
    if "reward" in raw.columns:
        named = raw[raw["reward"] != ""]
        rewards = named.groupby(keys, sort=True)["reward"].agg(join_rewards)
        sums["reward"] = rewards.reindex(sums.index, fill_value="")
    merged = sums.reset_index()
    return merged[list(raw.columns)].sort_values(["customer", "date"], kind="stable")


def _note_refund_points(raw: pd.DataFrame, parts: Parts) -> None:
    refund = (raw["amount"] < 0).to_numpy()
    if refund.any() and (raw.loc[refund, list(_POINTS)] != 0).any().any():
        earned, redeemed = (int(raw.loc[refund, c].sum()) for c in _POINTS)
        parts.notes.append(
            f"refund lines carried points ({earned:+,} earned, {redeemed:+,} redeemed); they are "
            "dropped with the refund lines (points of purchases are kept as booked)"
        )


def _window(
    log: pd.DataFrame, start: str | pd.Timestamp | None, end: str | pd.Timestamp | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    first = log["date"].min() if start is None else pd.Timestamp(start).normalize()
    last = log["date"].max() if end is None else pd.Timestamp(end).normalize()
    if last < first:
        raise TransactionLogError(f"the observation window ends ({last.date()}) before it "
                                  f"starts ({first.date()}); allowed: start <= end")  # fmt: skip
    return pd.Timestamp(first), pd.Timestamp(last)


def _members(path: Path, log: pd.DataFrame, sep: str | None, notes: list[str]) -> pd.DataFrame:
    specs = (
        ColumnSpec("customer", "customer", parse_customers),
        ColumnSpec("enrolled", "enrolled", parse_optional_dates),
        ColumnSpec("balance", "balance", parse_points, required=False),
        ColumnSpec("tier", "tier", parse_text, required=False),
    )
    frame, parts = read_table(path, specs, "members table", sep)
    if "balance" in frame and (frame["balance"] < 0).any():
        row = int(frame.index[int(np.flatnonzero((frame["balance"] < 0).to_numpy())[0])])
        raise TransactionLogError(
            f"{path}: column 'balance': negative balance on {parts.place(row)}; "
            "allowed: whole numbers >= 0"
        )
    table = keyed(frame, parts, "customer", "members table")
    notes.extend(parts.notes)
    missing = pd.Index(log["customer"].unique()).difference(pd.Index(table["customer"]))
    if missing.size:
        notes.append(
            f"{missing.size} customer(s) of the log are not in {path.name}; counted as never "
            "enrolled"
        )
        extra = pd.DataFrame({"customer": missing.to_numpy(), "enrolled": pd.NaT})
        for column, empty in (("balance", 0), ("tier", "")):
            if column in table:
                extra[column] = empty
        table = pd.concat([table, extra], ignore_index=True).sort_values("customer")
    return table


def _inferred(log: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Without a members file: enrolled on the first transaction with points moving."""
    with_points = log[(log["points_earned"] > 0) | (log["points_redeemed"] > 0)]
    first = with_points.groupby("customer", sort=True)["date"].min()
    customers = np.sort(log["customer"].unique())
    notes.append(
        "no members file: each customer counts as enrolled on their first transaction that "
        "earned or redeemed points"
    )
    return pd.DataFrame({"customer": customers, "enrolled": first.reindex(customers).to_numpy()})


def _expiries(
    path: Path, start: pd.Timestamp, end: pd.Timestamp, sep: str | None, notes: list[str]
) -> pd.DataFrame:
    specs = (
        ColumnSpec("customer", "customer", parse_customers),
        ColumnSpec("date", "date", parse_dates),
        ColumnSpec("points", "points", parse_points),
    )
    frame, parts = read_table(path, specs, "expiry table", sep)
    if (frame["points"] < 0).any():
        row = int(frame.index[int(np.flatnonzero((frame["points"] < 0).to_numpy())[0])])
        raise TransactionLogError(
            f"{path}: column 'points': negative points on {parts.place(row)}; allowed: whole "
            "numbers >= 0 (points forfeited)"
        )
    frame = deduplicated(frame, parts, "expiry table")
    frame = frame.groupby(["customer", "date"], sort=True)["points"].sum().reset_index()
    frame = in_window(frame, start, end, parts, "expiry")
    notes.extend(parts.notes)
    return typed(frame)


def _events(
    path: Path, start: pd.Timestamp, end: pd.Timestamp, sep: str | None, notes: list[str]
) -> pd.DataFrame:
    specs = (
        ColumnSpec("customer", "customer", parse_customers),
        ColumnSpec("date", "date", parse_dates),
        ColumnSpec("points_earned", "points_earned", parse_points),
        ColumnSpec("points_redeemed", "points_redeemed", parse_points),
        ColumnSpec("reward", "reward", parse_text, required=False),
    )
    frame, parts = read_table(path, specs, "points events table", sep)
    if "reward" not in frame:
        frame.insert(len(frame.columns) - 1, "reward", "")
    check_points(frame.assign(amount=0.0), parts, _POINTS)
    frame = deduplicated(frame, parts, "points events table")
    frame = merge_days(frame.assign(amount=0.0), _POINTS).drop(columns="amount")
    frame = in_window(frame, start, end, parts, "points event")
    notes.extend(parts.notes)
    return typed(frame)


def _assignment(path: Path, sep: str | None) -> tuple[pd.DataFrame, list[str]]:
    head = read_columns(
        path,
        (ColumnSpec("customer", "customer", parse_customers, required=False),
         ColumnSpec("store", "store", parse_customers, required=False)),
        sep=sep, header=True, what="pilot assignment",
    )  # fmt: skip
    key = "customer" if "customer" in head.columns else "store"
    if key not in head.columns:
        raise TransactionLogError(
            f"{path}: no 'customer' or 'store' column; allowed: an assignment by customer "
            "(customer, group, start) or by store (store, group, start)"
        )
    specs = (
        ColumnSpec(key, key, parse_customers),
        ColumnSpec("group", "group", parse_group),
        ColumnSpec("start", "start", parse_dates),
        *((ColumnSpec("store", "store", parse_customers, required=False),) if key == "customer"
          else ()),
    )  # fmt: skip
    frame, parts = read_table(path, specs, "pilot assignment", sep)
    table = keyed(frame, parts, key, "pilot assignment")
    for group in ("treated", "control"):
        if not (table["group"] == group).any():
            raise TransactionLogError(
                f"{path}: column 'group': no {group} {key}s; allowed: a pilot with both "
                "treated and control"
            )
    return table, list(parts.notes)


def _assigned_only(
    log: pd.DataFrame,
    assignment: pd.DataFrame,
    key: str,
    log_path: Path,
    assignment_path: Path,
    notes: list[str],
) -> pd.DataFrame:
    assigned = assignment[key].to_numpy()
    known = log[key].isin(assigned).to_numpy()
    if not known.any():
        raise TransactionLogError(
            f"{assignment_path}: column {key!r}: none of its {assigned.size} {key}s is in the "
            f"log {log_path}; allowed: the same {key} ids as the log"
        )
    if not known.all():
        others = log.loc[~known, key].nunique()
        notes.append(
            f"{others} {key}(s) of the log are not in the assignment; their "
            f"{int((~known).sum())} line(s) are dropped"
        )
    silent = pd.Index(assigned).difference(pd.Index(log.loc[known, key].unique())).size
    if silent:
        notes.append(
            f"{silent} assigned {key}(s) have no transactions in the window; counted as "
            "buying nothing"
        )
    return log[known]
