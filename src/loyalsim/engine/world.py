"""Runtime state of one simulation arm: who is alive, who is a member, how they feel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from loyalsim.engine.ledger import Ledger
from loyalsim.engine.population import NOT_YET, Population
from loyalsim.engine.rng import CustomerStream
from loyalsim.engine.state import ProgramState

if TYPE_CHECKING:
    from loyalsim.scenario.behaviour import BehaviourSpec, EconomicsSpec

NEVER = -(10**9)
"""Day stamp meaning 'has not happened'."""


@dataclass
class VisitBatch:
    """Today's transactions: arrays aligned with ``idx`` that mechanics read and extend."""

    day: int
    idx: np.ndarray
    spend: np.ndarray
    member: np.ndarray
    dropout_factor: np.ndarray
    redeemed: np.ndarray
    transactions: np.ndarray
    """Till transactions per visit (1 unless a visitor splits the basket); spend is the total."""
    discount: np.ndarray
    """Part of the basket paid by a reward (a free product it replaces, a voucher's money off):
    ``spend`` is what the visitor paid, ``spend + discount`` the basket at shelf prices."""
    reward: np.ndarray
    """Catalogue reward redeemed on the visit: its index in ``ProgramState.reward_names``,
    -1 for none (what a transaction log's reward column records)."""

    @classmethod
    def of(cls, day: int, idx: np.ndarray, spend: np.ndarray, member: np.ndarray) -> VisitBatch:
        n = idx.size
        ones = np.ones(n, dtype=np.int64)
        return cls(
            day,
            idx,
            spend,
            member,
            np.ones(n),
            np.zeros(n, dtype=bool),
            ones,
            np.zeros(n),
            np.full(n, -1, dtype=np.int16),
        )

    @property
    def member_idx(self) -> np.ndarray:
        """Customers among today's visitors who are members."""
        return self.idx[self.member]


class World:
    """State of one run arm. Mechanics read it and change it through its methods."""

    def __init__(
        self,
        env: simpy.Environment,
        population: Population,
        behaviour: BehaviourSpec,
        economics: EconomicsSpec,
        days: int,
        streams: dict[str, CustomerStream],
        seed: int,
        replication: int,
        *,
        start_date: dt.date,
    ) -> None:
        n = population.size
        self.env = env
        self.pop = population
        self.behaviour = behaviour
        self.economics = economics
        self.days = days
        self.start_date = start_date
        """Calendar date of day 0 (the scenario's ``start_date``): see :meth:`date`."""
        self.seed = seed
        self.replication = replication
        self._streams = streams
        self.ledger = Ledger(n, days)
        self.alive = np.zeros(n, dtype=bool)
        self.arrival_day = population.arrival_day.copy()
        """Day each customer arrives (reserve rows: when a mechanic brings them, else NOT_YET)."""
        self.member = np.zeros(n, dtype=bool)
        self.enrol_day = np.full(n, NEVER, dtype=np.int64)
        self.frustrated = np.zeros(n, dtype=bool)
        self.attachment_shift = np.zeros(n)
        self.last_visit = np.full(n, NEVER, dtype=np.int64)
        self.spend_total = np.zeros(n)
        """Each customer's spend over the run so far (per-segment KPIs)."""
        self.visit_total = np.zeros(n, dtype=np.int64)
        """Each customer's visits over the run so far."""
        self.gave_up_day = np.full(n, NEVER, dtype=np.int64)
        self.alive_members = 0
        """Members currently alive (kept by :meth:`enrol` and :meth:`defect`)."""
        self.enrolments = np.zeros(days, dtype=np.int64)
        """Enrolments per day."""
        self.admit: Callable[[np.ndarray, int], None] = self._admit
        """Engine callback that makes customers arrive (alive, and told to the mechanics)."""
        self.state = ProgramState.initial(n, behaviour.patience_days)
        """Facts shared between mechanics, each field with one owner (engine/state.py)."""

    def enrol(self, idx: np.ndarray, day: int) -> np.ndarray:
        """Make customers ``idx`` members from ``day``; returns those who were not members yet."""
        idx = idx[~self.member[idx]]
        self.member[idx] = True
        self.enrol_day[idx] = day
        self.enrolments[day] += idx.size
        self.alive_members += int(np.count_nonzero(self.alive[idx]))
        return idx

    def defect(self, idx: np.ndarray) -> None:
        """Customers ``idx`` (alive) leave for good."""
        self.alive[idx] = False
        self.alive_members -= int(np.count_nonzero(self.member[idx]))

    def date(self, day: int) -> dt.date:
        """The calendar date of simulated ``day`` (for rules tied to the calendar: birthdays,
        anniversaries, the day of the week)."""
        return self.start_date + dt.timedelta(days=day)

    def stream(self, name: str) -> CustomerStream:
        """The counter-based stream of a purpose, shared by every arm of the replication."""
        if name not in self._streams:
            self._streams[name] = CustomerStream(self.seed, self.replication, name, self.pop.size)
        return self._streams[name]

    @property
    def attachment(self) -> np.ndarray:
        """Emotional attachment in [0, 1]: the trait baseline plus the program's shift."""
        return np.clip(self.pop.traits["attachment"] + self.attachment_shift, 0.0, 1.0)

    def attachment_of(self, idx: np.ndarray) -> np.ndarray:
        """Attachment of customers ``idx`` only (cheap for small groups)."""
        level = self.pop.traits["attachment"][idx] + self.attachment_shift[idx]
        return np.clip(level, 0.0, 1.0, out=level)

    def feel(self, idx: np.ndarray, size: float | np.ndarray) -> None:
        """Move attachment of ``idx`` by a bounded step: gains close ``size`` of the gap to 1,
        losses remove ``size`` of the current level."""
        from loyalsim.engine import kernels  # compiled: loads Numba on first use

        kernels.feel(
            _int64(idx),
            np.ascontiguousarray(size, dtype=np.float64).reshape(-1),
            self.pop.traits["attachment"],
            self.attachment_shift,
        )

    def _admit(self, idx: np.ndarray, day: int) -> None:
        self.alive[idx] = True

    def arrive(self, idx: np.ndarray, day: int) -> None:
        """Bring reserve rows ``idx`` in today (for example referred customers)."""
        if (self.arrival_day[idx] != NOT_YET).any():
            raise RuntimeError("only reserve rows that have not arrived can be brought in")
        self.arrival_day[idx] = day
        self.admit(idx, day)

    def give_up(self, idx: np.ndarray, day: int) -> None:
        """Engaged members stop chasing rewards: no goal pull, more churn, less attachment."""
        idx = idx[~self.frustrated[idx]]
        self.frustrated[idx] = True
        self.gave_up_day[idx] = day
        self.feel(idx, -self.behaviour.attachment_loss_give_up)

    def progress(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Share of the way to the next reward, in [0, 1] (0 where there is no goal)."""
        bal = self.ledger.balance if idx is None else self.ledger.balance[idx]
        target = self.state.target_points
        if target is None:
            return np.zeros(bal.shape)
        share = bal / (target if idx is None else target[idx])
        return np.minimum(share, 1.0, out=share)

    def tracking(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Members who track their points: engaged and not given up."""
        if idx is None:
            return self.member & self.pop.engaged & ~self.frustrated
        from loyalsim.engine import kernels  # compiled: loads Numba on first use

        return kernels.tracking_at(self.member, self.pop.engaged, self.frustrated, _int64(idx))


def _int64(idx: np.ndarray) -> np.ndarray:
    """Indices as the contiguous int64 array the kernels take (boolean masks become indices)."""
    if idx.dtype == np.bool_:
        return np.flatnonzero(idx)
    return np.ascontiguousarray(idx, dtype=np.int64)
