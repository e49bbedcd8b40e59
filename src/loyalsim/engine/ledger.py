"""Append-only points and money accounts, per customer and per day.

Mechanics ask the ledger to issue, redeem and expire points; they never touch balances.
The ledger keeps ``issued - redeemed - expired == balance`` exactly (integer points) for
every customer and in total, and refuses operations that would break it.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

_NO_ACTIVITY = np.empty(0, dtype=np.int64)
"""Expiry is no activity: the debit kernel stamps no last-activity day."""


def _aligned(points: np.ndarray | int, idx: np.ndarray) -> np.ndarray:
    """Points as a contiguous int64 array aligned with ``idx`` (a scalar is broadcast)."""
    points = np.asarray(points, dtype=np.int64)
    if points.shape != idx.shape:
        points = np.broadcast_to(points, idx.shape)
    return np.ascontiguousarray(points)


class LedgerError(RuntimeError):
    """A mechanic asked for an operation that would break the points identity (a bug)."""


class Ledger:
    """Points per customer (int64) and daily totals of points and money for one run arm."""

    def __init__(self, size: int, days: int) -> None:
        self.days = days
        self.issued = np.zeros(size, dtype=np.int64)
        self.redeemed = np.zeros(size, dtype=np.int64)
        self.expired = np.zeros(size, dtype=np.int64)
        self.balance = np.zeros(size, dtype=np.int64)
        self.opening = np.zeros(size, dtype=np.int64)
        """Points each customer held on day 0 (a program that already runs)."""
        self.opening_left = np.zeros(size, dtype=np.int64)
        """Opening points not yet redeemed or expired (they are each customer's oldest points,
        so redemptions and expiries take them first)."""
        self.daily_opening: dict[str, np.ndarray] = {
            k: np.zeros(days, dtype=np.int64) for k in ("redeemed", "expired")
        }
        """Opening points redeemed and expired per day (part of ``daily_points``)."""
        self.last_activity = np.full(size, -(10**9), dtype=np.int64)
        """Last day each customer earned or redeemed points (for inactivity expiry)."""
        self.daily_points: dict[str, np.ndarray] = {
            k: np.zeros(days, dtype=np.int64) for k in ("issued", "redeemed", "expired")
        }
        self.daily_money: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(days))
        self.issued_by_source: dict[str, int] = defaultdict(int)
        self.daily_issued_by_source: dict[str, np.ndarray] = defaultdict(
            lambda: np.zeros(days, dtype=np.int64)
        )
        self.cost_by_type: dict[str, float] = defaultdict(float)
        self.customer_money: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(size))
        """Per customer, the part of each money account booked with the customers it concerns
        (``who``); what was booked without them is shared out by the metrics."""
        self.expired_engaged = 0
        self._lots: np.ndarray | None = None
        self._lot_days = 0
        self._lot_origin = 0

    # -- lots (only when a fixed-period expiry needs to know when points were earned) --
    def enable_lots(self, period_days: int, lifetime_periods: int, origin: int = 0) -> None:
        """Track points by the period they were earned in, for first-in-first-out expiry;
        periods count from day ``origin`` (the program's launch, where the sweeps start)."""
        if self.issued.any():
            raise LedgerError("lots must be enabled before any points are issued")
        self._lot_days = period_days
        self._lot_origin = origin
        self._lots = np.zeros((self.balance.size, lifetime_periods), dtype=np.int64)

    def _slot(self, day: int) -> int:
        assert self._lots is not None
        return ((day - self._lot_origin) // self._lot_days) % self._lots.shape[1]

    # -- points --
    def open_balances(
        self,
        idx: np.ndarray,
        points: np.ndarray,
        earned_over: np.ndarray,
        last_activity: np.ndarray,
    ) -> None:
        """Day-0 balances of an existing base (before any issue), earned evenly over the
        ``earned_over`` days up to each customer's ``last_activity`` (< 0). With lots, the
        points go to the lots of those days still alive on day 0 (older ones count as the
        oldest alive lot; the newest gets the remainder)."""
        points = np.asarray(points, dtype=np.int64)
        last_activity = np.asarray(last_activity, dtype=np.int64)
        if self.issued.any() or self.opening.any():
            raise LedgerError("opening balances come before any other points")
        if self._lot_origin:
            raise LedgerError("opening balances are held on day 0: lots must count from day 0")
        if points.size and (points.min() < 0 or last_activity.max() >= 0):
            raise LedgerError("opening balances must be non-negative and earned before day 0")
        self.opening[idx] = points
        self.opening_left[idx] = points
        self.balance[idx] += points
        self.last_activity[idx] = last_activity
        if self._lots is None:
            return
        n = self._lots.shape[1]
        oldest_alive = -max(n - 1, 1)
        newest = np.maximum(last_activity // self._lot_days, oldest_alive)
        span = -(-np.asarray(earned_over, dtype=np.int64) // self._lot_days)
        oldest = np.clip(newest - np.maximum(span, 1) + 1, oldest_alive, newest)
        share, rest = np.divmod(points, newest - oldest + 1)
        for period in range(-1, oldest_alive - 1, -1):
            here = (oldest <= period) & (period <= newest)
            amount = share[here] + np.where(newest[here] == period, rest[here], 0)
            self._lots[idx[here], period % n] += amount

    def issue(self, idx: np.ndarray, points: np.ndarray, source: str, day: int) -> None:
        """Credit ``points`` (non-negative integers) to customers ``idx`` (unique)."""
        from loyalsim.engine import ledger_kernels  # compiled: loads Numba on first use

        idx = np.asarray(idx)
        idx = np.flatnonzero(idx) if idx.dtype == np.bool_ else idx.astype(np.int64, copy=False)
        points = _aligned(points, idx)
        total = ledger_kernels.credit(
            idx, points, day, self.issued, self.balance, self.last_activity
        )
        if total < 0:
            raise LedgerError(f"negative issue from {source}")
        if self._lots is not None:
            self._lots[idx, self._slot(day)] += points
        self.daily_points["issued"][day] += total
        self.issued_by_source[source] += total
        self.daily_issued_by_source[source][day] += total

    def redeem(self, idx: np.ndarray, points: np.ndarray, day: int) -> None:
        """Debit redeemed ``points`` from customers ``idx`` (unique), oldest lots first."""
        points = self._debit("redeemed", idx, points, day, self.last_activity)
        if self._lots is not None:
            self._consume_lots(idx, points, day)

    def _debit(
        self, kind: str, idx: np.ndarray, points: np.ndarray, day: int, activity: np.ndarray
    ) -> np.ndarray:
        """Redeem or expire (``kind``) ``points`` of customers ``idx`` (unique), opening
        points first (they are the oldest); ``activity``: the last-activity array to stamp,
        or empty. Returns the points as int64."""
        from loyalsim.engine import ledger_kernels  # compiled: loads Numba on first use

        idx = np.ascontiguousarray(idx, dtype=np.int64)
        points = _aligned(points, idx)
        account = self.redeemed if kind == "redeemed" else self.expired
        total, opening = ledger_kernels.debit(
            idx, points, day, account, self.balance, activity, self.opening_left
        )
        if total < 0:
            noun = "redemption" if kind == "redeemed" else "expiry"
            raise LedgerError(f"{noun} exceeds balance or is negative")
        self.daily_points[kind][day] += total
        self.daily_opening[kind][day] += opening
        return points

    def _consume_lots(self, idx: np.ndarray, points: np.ndarray, day: int) -> None:
        assert self._lots is not None
        n = self._lots.shape[1]
        order = (np.arange(1, n + 1) + self._slot(day)) % n  # oldest slot first
        lots = self._lots[np.ix_(idx, order)]
        before = np.cumsum(lots, axis=1) - lots
        take = np.clip(points[:, None] - before, 0, lots)
        self._lots[np.ix_(idx, order)] = lots - take

    def _forfeit(self, idx: np.ndarray, points: np.ndarray, day: int, engaged: np.ndarray) -> None:
        points = self._debit("expired", idx, points, day, _NO_ACTIVITY)
        self.expired_engaged += int(points[engaged].sum())

    def expire_lot(self, day: int, engaged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Forfeit the lot that reaches its lifetime at the start of ``day``'s period.

        ``engaged`` (one flag per customer) marks whose forfeits are bad breakage.
        Returns the customers hit and the points each lost.
        """
        assert self._lots is not None
        column = self._lots[:, self._slot(day)]
        idx = np.flatnonzero(column)
        points = column[idx].copy()
        column[idx] = 0
        self._forfeit(idx, points, day, engaged[idx])
        return idx, points

    def expire_all(self, idx: np.ndarray, day: int, engaged: np.ndarray) -> np.ndarray:
        """Forfeit the whole balance of customers ``idx``; returns the points forfeited."""
        points = self.balance[idx].copy()
        self._forfeit(idx, points, day, engaged)
        if self._lots is not None:
            self._lots[idx] = 0
        return points

    # -- money --
    def money(
        self,
        account: str,
        day: int,
        amount: float,
        who: np.ndarray | None = None,
        each: np.ndarray | None = None,
    ) -> None:
        """Add ``amount`` to a money account (revenue, reward_cost, operating_cost, ...);
        ``who``: the customers it concerns, ``each``: their parts (default equal parts)."""
        self.daily_money[account][day] += amount
        if who is not None:
            self._attribute(account, amount, who, each)

    def reward_cost(
        self,
        reward_type: str,
        day: int,
        amount: float,
        who: np.ndarray | None = None,
        each: np.ndarray | None = None,
    ) -> None:
        """Record the cost of rewards given out, by reward type (``who``/``each`` as in
        :meth:`money`)."""
        self.daily_money["reward_cost"][day] += amount
        self.cost_by_type[reward_type] += amount
        if who is not None:
            self._attribute("reward_cost", amount, who, each)

    def _attribute(
        self, account: str, amount: float, who: np.ndarray, each: np.ndarray | None
    ) -> None:
        if not who.size:
            return
        from loyalsim.engine import ledger_kernels  # compiled: loads Numba on first use

        parts = np.full(who.size, amount / who.size) if each is None else each
        ledger_kernels.scatter_add(
            self.customer_money[account],
            np.ascontiguousarray(who, dtype=np.int64),
            np.ascontiguousarray(np.broadcast_to(parts, who.shape), dtype=np.float64),
        )

    # -- checks --
    def check_identity(self) -> None:
        """Raise if any customer's or the total points identity fails."""
        flows = self.opening + self.issued - self.redeemed - self.expired
        if not np.array_equal(flows, self.balance):
            raise LedgerError(
                "per-customer identity opening + issued = redeemed + expired + balance fails"
            )
        if self.balance.min(initial=0) < 0:
            raise LedgerError("negative balance")
        accounts = {"issued": self.issued, "redeemed": self.redeemed, "expired": self.expired}
        for kind, per_customer in accounts.items():
            if int(self.daily_points[kind].sum()) != int(per_customer.sum()):
                raise LedgerError(f"daily {kind} points disagree with customer accounts")
        if self._lots is not None and not np.array_equal(self._lots.sum(axis=1), self.balance):
            raise LedgerError("lots disagree with balances")
        closed = sum(int(series.sum()) for series in self.daily_opening.values())
        if (self.opening_left > self.balance).any() or closed != int(
            (self.opening - self.opening_left).sum()
        ):
            raise LedgerError("opening points closed disagree with opening balances")
