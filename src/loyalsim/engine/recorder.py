"""Record an arm's transactions, points moves and enrolments: the raw stuff of a program history.

:class:`TransactionRecorder` is an observer (read-only by construction, so it changes no result).
Each day it keeps, per visit, the customer row, the paid amount (``VisitBatch.spend`` after the
rewards' displacement, exactly what the day's revenue sums), the points the customer earned and
redeemed that day and the catalogue reward redeemed. Points that move for customers who did not
visit (a birthday bonus, a partner's points, an experience booked on a quiet day) are *events*;
forfeits are *expiries*. Per-customer flows are differences of the ledger's per-customer totals
between two day closes; a customer whose totals moved without a visit is found by comparing the
ledger's daily totals with what the visitors account for, so the full O(customers) scan runs only
on such days. The arrays of a day are appended and concatenated once at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from loyalsim.engine.observers import Observer
from loyalsim.engine.population import NOT_YET

if TYPE_CHECKING:
    from loyalsim.engine.simulation import ArmResult
    from loyalsim.engine.world import VisitBatch, World

FLOWS = ("issued", "redeemed", "expired")


@dataclass(frozen=True)
class ArmRecord:
    """What the recorder saw of one arm, in population rows and day numbers (day 0 is
    ``start_date``). Visit arrays are aligned; so are event and expiry arrays."""

    arm: str
    start_date: dt.date
    days: int
    size: int
    launch_day: int
    """Day the program started (``program_launch``; the same in both arms' records)."""
    row: np.ndarray
    """Population row of each visit (int64), in day order, rows ascending within a day."""
    day: np.ndarray
    amount: np.ndarray
    """Paid amount (float64): the basket less the reward's displacement or voucher."""
    earned: np.ndarray
    redeemed: np.ndarray
    reward: np.ndarray
    """Index into ``reward_names`` (int16), -1 for no reward."""
    event_row: np.ndarray
    event_day: np.ndarray
    event_earned: np.ndarray
    event_redeemed: np.ndarray
    expiry_row: np.ndarray
    expiry_day: np.ndarray
    expiry_points: np.ndarray
    enrol_day: np.ndarray
    """Per population row: the day of the (last) enrolment, <= -10**9 for never; may be
    negative for members of an existing base."""
    member: np.ndarray
    """Per population row: a member at the end."""
    arrived: np.ndarray
    """Per population row: arrived by the end (existing-base lapsed members have not)."""
    balance: np.ndarray
    tier: np.ndarray
    reward_names: tuple[str, ...]
    tier_names: tuple[str, ...]
    points_totals: dict[str, int]
    """The ledger's totals over the arm (issued, redeemed, expired) the record accounts for."""


class _Tape:
    """The growing record of one arm."""

    def __init__(self, world: World) -> None:
        n = world.pop.size
        self.last = {k: np.zeros(n, dtype=np.int64) for k in FLOWS}
        """Each customer's ledger totals as last recorded."""
        self.seen = dict.fromkeys(FLOWS, 0)
        self.booked = dict.fromkeys(FLOWS, 0)
        self.visits: list[tuple[np.ndarray, ...]] = []
        self.visit_days: list[int] = []
        self.events: list[tuple[np.ndarray, ...]] = []
        self.expiries: list[tuple[np.ndarray, ...]] = []

    def day(self, world: World, batch: VisitBatch) -> None:
        idx, day, ledger = batch.idx, batch.day, world.ledger
        moved = {}
        for kind in ("issued", "redeemed"):
            now = getattr(ledger, kind)
            moved[kind] = now[idx] - self.last[kind][idx]
            self.last[kind][idx] = now[idx]
            self.seen[kind] += int(moved[kind].sum())
            self.booked[kind] += int(ledger.daily_points[kind][day])
        spend, reward = batch.spend.copy(), batch.reward.copy()
        self.visits.append((idx.copy(), spend, moved["issued"], moved["redeemed"], reward))
        self.visit_days.append(day)
        if self.seen["issued"] != self.booked["issued"] or (
            self.seen["redeemed"] != self.booked["redeemed"]
        ):
            self._events(world, day)
        self.booked["expired"] += int(ledger.daily_points["expired"][day])
        if self.seen["expired"] != self.booked["expired"]:
            self._expiries(world, day)

    def _events(self, world: World, day: int) -> None:
        """Points that moved for customers without a visit today (found by a full scan)."""
        ledger = world.ledger
        earned = ledger.issued - self.last["issued"]
        redeemed = ledger.redeemed - self.last["redeemed"]
        rows = np.flatnonzero((earned != 0) | (redeemed != 0))
        if not rows.size:
            return
        self.events.append(
            (rows, np.full(rows.size, day, dtype=np.int32), earned[rows], redeemed[rows])
        )
        self.last["issued"][rows] = ledger.issued[rows]
        self.last["redeemed"][rows] = ledger.redeemed[rows]
        self.seen["issued"] += int(earned[rows].sum())
        self.seen["redeemed"] += int(redeemed[rows].sum())

    def _expiries(self, world: World, day: int) -> None:
        lost = world.ledger.expired - self.last["expired"]
        rows = np.flatnonzero(lost)
        self.expiries.append((rows, np.full(rows.size, day, dtype=np.int32), lost[rows]))
        self.last["expired"][rows] = world.ledger.expired[rows]
        self.seen["expired"] += int(lost[rows].sum())

    def finish(self, arm: str, world: World) -> ArmRecord:
        last = world.days - 1
        self._events(world, last)  # points booked under another day's date, if any
        self._expiries(world, last)
        counts = np.array([v[0].size for v in self.visits], dtype=np.int64)
        visits = [
            np.concatenate([v[k] for v in self.visits]) if self.visits else np.empty(0)
            for k in range(5)
        ]
        events = _stack(self.events, 4)
        expiries = _stack(self.expiries, 3)
        state = world.state
        return ArmRecord(
            arm=arm,
            start_date=world.start_date,
            days=world.days,
            size=world.pop.size,
            launch_day=state.launch_day,
            row=visits[0].astype(np.int64),
            day=np.repeat(np.array(self.visit_days, dtype=np.int32), counts),
            amount=visits[1].astype(np.float64),
            earned=visits[2].astype(np.int64),
            redeemed=visits[3].astype(np.int64),
            reward=visits[4].astype(np.int16),
            event_row=events[0].astype(np.int64),
            event_day=events[1].astype(np.int32),
            event_earned=events[2].astype(np.int64),
            event_redeemed=events[3].astype(np.int64),
            expiry_row=expiries[0].astype(np.int64),
            expiry_day=expiries[1].astype(np.int32),
            expiry_points=expiries[2].astype(np.int64),
            enrol_day=world.enrol_day.copy(),
            member=world.member.copy(),
            arrived=world.arrival_day < NOT_YET,
            balance=world.ledger.balance.copy(),
            tier=state.tier.copy(),
            reward_names=tuple(state.reward_names),
            tier_names=tuple(state.tier_names),
            points_totals={k: int(getattr(world.ledger, k).sum()) for k in FLOWS},
        )


def _stack(parts: list[tuple[np.ndarray, ...]], width: int) -> list[np.ndarray]:
    if not parts:
        return [np.empty(0, dtype=np.int64) for _ in range(width)]
    return [np.concatenate([p[k] for p in parts]) for k in range(width)]


class TransactionRecorder(Observer):
    """Records the arms ``arms`` of replication ``replication`` (every replication if None).

    After a run, ``records[arm]`` holds an :class:`ArmRecord` (of the last replication seen
    when recording every replication)."""

    def __init__(
        self, replication: int | None = 0, arms: Sequence[str] = ("program", "control")
    ) -> None:
        self.replication = replication
        self.arms = tuple(arms)
        self.records: dict[str, ArmRecord] = {}
        self._tapes: dict[str, _Tape] = {}

    def _wanted(self, arm: str, world: World) -> bool:
        return arm in self.arms and self.replication in (None, world.replication)

    def on_arm_start(self, arm: str, world: World) -> None:
        if self._wanted(arm, world):
            self._tapes[arm] = _Tape(world)

    def on_day_end(self, arm: str, world: World, batch: VisitBatch) -> None:
        tape = self._tapes.get(arm)
        if tape is not None:
            tape.day(world, batch)

    def on_arm_end(self, arm: str, result: ArmResult) -> None:
        tape = self._tapes.pop(arm, None)
        if tape is not None:
            self.records[arm] = tape.finish(arm, result.world)
