"""Multi-year P&L: one row per simulated year and arm, NPV and payback against the control.

A year is 365 days from the start date (the last one may be shorter, its ``days`` says so).
Flows are summed over the year, stocks taken at its last day. Incremental profit follows
the summary's identity day by day: ``(revenue - control revenue) * margin + program income
- program cost``. The IFRS 15 columns roll the contract liability forward: each year's
``deferred_revenue_opening + points_revenue_allocated - recognised_points_revenue`` is its
``deferred_revenue`` (year end), the next year's opening (the first year's opening is the
liability of an existing base's day-0 points). The control arm's rows carry its own revenue
and zero program flows, so ``yearly.csv`` lists both arms side by side (docs/kpis.md, "Years").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from loyalsim.engine.observers import Observer
from loyalsim.engine.simulation import ArmResult
from loyalsim.engine.world import VisitBatch, World
from loyalsim.metrics.ifrs15 import points_accounts
from loyalsim.metrics.summary import ControlArm, cost_per_point, daily_accounts
from loyalsim.scenario.models import DAYS_PER_YEAR, Scenario

YEARLY_COLUMNS = (
    "year",
    "arm",
    "start",
    "days",
    "revenue",
    "incremental_revenue",
    "incremental_profit",
    "cumulative_incremental_profit",
    "discounted_incremental_profit",
    "program_cost",
    "liability",
    "deferred_revenue_opening",
    "points_revenue_allocated",
    "recognised_points_revenue",
    "deferred_revenue",
    "points_issued",
    "points_expired",
    "breakage_rate",
    "members",
    "alive",
)
"""Columns of ``yearly.csv`` before the tier mix (``tier_share.<tier>``, tiered programs)."""


def year_ends(days: int) -> np.ndarray:
    """Index of the last day of each simulated year (the horizon's last day ends the last)."""
    ends = np.arange(DAYS_PER_YEAR - 1, days, DAYS_PER_YEAR)
    if not ends.size or ends[-1] != days - 1:
        ends = np.append(ends, days - 1)
    return ends


def discount_factors(days: int, rate: float) -> np.ndarray:
    """Per day ``(1 + rate) ** -(t / 365)``: day ``t``'s money in day-0 money."""
    return (1.0 + rate) ** (-np.arange(days) / DAYS_PER_YEAR)


def daily_incremental_profit(scenario: Scenario, arm: ArmResult, control: ControlArm) -> np.ndarray:
    """Incremental profit of each day (the summary's identity, day by day)."""
    costs, income = daily_accounts(arm)
    margin = scenario.economics.gross_margin
    delta = arm.daily["revenue"] - control.daily["revenue"]
    out = delta * margin - sum(costs.values())
    for series in income.values():
        out = out + series
    return np.asarray(out, dtype=np.float64)


def payback_days(cumulative: np.ndarray, launch: int = 0) -> float:
    """Days from the program's ``launch`` until cumulative incremental profit is non-negative
    for good: 0 if it never dips below zero, NaN when it is still negative at the horizon
    (never pays back). Before the launch both arms are the same, so it is 0 there."""
    if cumulative[-1] < 0:
        return float("nan")
    negative = np.flatnonzero(cumulative < 0)
    return float(negative[-1] + 1 - launch) if negative.size else 0.0


def horizon_kpis(scenario: Scenario, arm: ArmResult, control: ControlArm) -> dict[str, float]:
    """``incremental_profit_npv``, ``payback_days`` and ``pays_back`` of one replication."""
    daily = daily_incremental_profit(scenario, arm, control)
    rate = scenario.economics.discount_rate
    payback = payback_days(np.cumsum(daily), scenario.launch_day)
    return {
        "incremental_profit_npv": float((daily * discount_factors(daily.size, rate)).sum()),
        "payback_days": payback,
        "pays_back": float(not np.isnan(payback)),
    }


class TierMixByYear(Observer):
    """Records the program arm's count of alive members per tier at each year's end."""

    def __init__(self, days: int) -> None:
        self._ends = set(year_ends(days).tolist())
        self.counts: list[np.ndarray] = []
        self.tier_names: list[str] = []

    def on_day_end(self, arm: str, world: World, batch: VisitBatch) -> None:
        if arm != "program" or batch.day not in self._ends:
            return
        self.tier_names = list(world.state.tier_names)
        held = world.state.tier[world.member & world.alive]
        self.counts.append(np.bincount(held, minlength=len(self.tier_names)))


def yearly(
    scenario: Scenario,
    arm: ArmResult,
    control: ControlArm,
    tier_mix: TierMixByYear | None = None,
) -> pd.DataFrame:
    """The yearly table of one replication: the program arm's years, then the control's."""
    days = arm.world.days
    ends = year_ends(days)
    starts = np.concatenate([[0], ends[:-1] + 1])
    year_of_day = np.searchsorted(ends, np.arange(days))
    costs, _ = daily_accounts(arm)
    program_cost = np.asarray(sum(costs.values()), dtype=np.float64) + np.zeros(days)
    incremental = daily_incremental_profit(scenario, arm, control)
    discounted = incremental * discount_factors(days, scenario.economics.discount_rate)
    ledger = arm.world.ledger

    def per_year(series: np.ndarray) -> np.ndarray:
        return np.bincount(year_of_day, weights=series, minlength=ends.size)

    accounts = points_accounts(scenario, arm)
    deferred = accounts.deferred_revenue
    opening_deferred = np.concatenate([[accounts.opening_liability], deferred[ends[:-1]]])
    points = ledger.daily_points
    flows = np.cumsum(points["issued"] - points["redeemed"] - points["expired"])
    outstanding = int(ledger.opening.sum()) + flows
    issued, expired = per_year(points["issued"]), per_year(points["expired"])
    with np.errstate(all="ignore"):
        breakage = np.where(issued > 0, expired / np.maximum(issued, 1), np.nan)
    dates = [scenario.start_date + dt.timedelta(days=int(s)) for s in starts]
    program = pd.DataFrame(
        {
            "year": np.arange(1, ends.size + 1),
            "arm": "program",
            "start": [d.isoformat() for d in dates],
            "days": ends - starts + 1,
            "revenue": per_year(arm.daily["revenue"]),
            "incremental_revenue": per_year(arm.daily["revenue"] - control.daily["revenue"]),
            "incremental_profit": per_year(incremental),
            "cumulative_incremental_profit": np.cumsum(per_year(incremental)),
            "discounted_incremental_profit": per_year(discounted),
            "program_cost": per_year(program_cost),
            "liability": outstanding[ends] * cost_per_point(arm),
            "deferred_revenue_opening": opening_deferred,
            "points_revenue_allocated": per_year(accounts.allocated),
            "recognised_points_revenue": per_year(accounts.recognised),
            "deferred_revenue": deferred[ends],
            "points_issued": issued,
            "points_expired": expired,
            "breakage_rate": breakage,
            "members": arm.daily["members"][ends],
            "alive": arm.daily["alive"][ends],
        }
    )
    if tier_mix is not None and tier_mix.counts:
        counts = np.vstack(tier_mix.counts).astype(np.float64)
        totals = counts.sum(axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            shares = np.where(totals > 0, counts / np.maximum(totals, 1), np.nan)
        for j, name in enumerate(tier_mix.tier_names):
            program[f"tier_share.{name}"] = shares[:, j]
    zero = np.zeros(ends.size)
    control_rows = program[["year", "start", "days"]].assign(
        arm="control",
        revenue=per_year(control.daily["revenue"]),
        incremental_revenue=zero,
        incremental_profit=zero,
        cumulative_incremental_profit=zero,
        discounted_incremental_profit=zero,
        program_cost=zero,
        liability=zero,
        deferred_revenue_opening=zero,
        points_revenue_allocated=zero,
        recognised_points_revenue=zero,
        deferred_revenue=zero,
        points_issued=zero,
        points_expired=zero,
        breakage_rate=np.nan,
        members=zero,
        alive=control.daily["alive"][ends],
    )
    return pd.concat([program, control_rows.reindex(columns=program.columns)], ignore_index=True)
