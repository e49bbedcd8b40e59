"""Who responds and who is subsidised: KPIs per segment and per group of customers.

Every group compares the same customers in the program arm and in the control arm (common
random numbers make that a paired, customer-level comparison). Segments partition the
customers, so their additive KPIs (customers, revenue, visits, points, program cost and
income, incremental profit) sum to the run's totals; program cost and income are attributed
per customer by :mod:`loyalsim.metrics.attribution`. Groups are engaged and passive
customers and, in tiered programs, members by the tier they hold at the horizon
(``tier:<name>``).

:class:`SegmentTrends` is an observer that records the weekly revenue and visits of each
segment in both arms (for trend plots and checks).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loyalsim.engine.observers import Observer
from loyalsim.engine.simulation import ArmResult
from loyalsim.engine.world import VisitBatch, World
from loyalsim.metrics.attribution import per_customer
from loyalsim.metrics.summary import ControlArm

SEGMENT_KPIS = (
    "customers",
    "retention_rate",
    "control_retention_rate",
    "incremental_retention",
    "enrolment_rate",
    "visits",
    "control_visits",
    "revenue",
    "control_revenue",
    "incremental_revenue",
    "incremental_revenue_pct",
    "incremental_revenue_per_customer",
    "incremental_gross_margin",
    "program_cost",
    "program_income",
    "incremental_profit",
    "points_issued",
    "points_redeemed",
)
"""The KPIs of each segment and group (same keys and meanings as the run's KPIs)."""


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def group_kpis(
    mask: np.ndarray,
    arm: ArmResult,
    control: ControlArm,
    margin: float,
    money: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, float]:
    """The KPIs of the customers in ``mask`` (one flag per population row); ``money``: the
    per-customer program cost and income (:func:`~loyalsim.metrics.attribution.per_customer`,
    computed when not given)."""
    w = arm.world
    cost, income = per_customer(arm) if money is None else money
    program_cost, program_income = float(cost[mask].sum()), float(income[mask].sum())
    arrived = mask & (w.arrival_day < w.days)
    control_arrived = mask & control.customer_arrived
    n = int(np.count_nonzero(arrived))
    revenue = float(w.spend_total[mask].sum())
    control_revenue = float(control.customer_spend[mask].sum())
    alive = int(np.count_nonzero(w.alive & arrived))
    control_alive = int(np.count_nonzero(control.customer_alive & control_arrived))
    incremental = revenue - control_revenue
    return {
        "customers": float(n),
        "retention_rate": _ratio(alive, n),
        "control_retention_rate": _ratio(control_alive, int(np.count_nonzero(control_arrived))),
        "incremental_retention": _ratio(alive - control_alive, n),
        "enrolment_rate": _ratio(int(np.count_nonzero(w.member & arrived)), n),
        "visits": float(w.visit_total[mask].sum()),
        "control_visits": float(control.customer_visits[mask].sum()),
        "revenue": revenue,
        "control_revenue": control_revenue,
        "incremental_revenue": incremental,
        "incremental_revenue_pct": _ratio(incremental, control_revenue),
        "incremental_revenue_per_customer": _ratio(incremental, n),
        "incremental_gross_margin": incremental * margin,
        "program_cost": program_cost,
        "program_income": program_income,
        "incremental_profit": incremental * margin + program_income - program_cost,
        "points_issued": float(w.ledger.issued[mask].sum()),
        "points_redeemed": float(w.ledger.redeemed[mask].sum()),
    }


def segment_kpis(arm: ArmResult, control: ControlArm, margin: float) -> dict[str, Any]:
    """Segment name -> KPI -> value."""
    pop = arm.world.pop
    money = per_customer(arm)
    return {
        name: group_kpis(pop.segment == k, arm, control, margin, money)
        for k, name in enumerate(pop.segment_names)
    }


def customer_groups(arm: ArmResult, control: ControlArm, margin: float) -> dict[str, Any]:
    """Engaged and passive customers, and members by final tier: group -> KPI -> value."""
    w = arm.world
    money = per_customer(arm)
    out = {
        "engaged": group_kpis(w.pop.engaged, arm, control, margin, money),
        "passive": group_kpis(~w.pop.engaged, arm, control, margin, money),
    }
    for k, name in enumerate(w.state.tier_names):
        held = w.member & w.alive & (w.state.tier == k)
        out[f"tier:{name}"] = group_kpis(held, arm, control, margin, money)
    return out


class SegmentTrends(Observer):
    """Weekly revenue and visits of each segment, in each arm it watches."""

    def __init__(self) -> None:
        self._rows: list[tuple[str, int, int, float, int]] = []
        self._names: list[str] = []

    def on_arm_start(self, arm: str, world: World) -> None:
        self._names = world.pop.segment_names

    def on_day_end(self, arm: str, world: World, batch: VisitBatch) -> None:
        segment = world.pop.segment[batch.idx]
        k = len(world.pop.segment_names)
        revenue = np.bincount(segment, weights=batch.spend, minlength=k)
        visits = np.bincount(segment, minlength=k)
        week = batch.day // 7 + 1
        for s in range(k):
            self._rows.append((arm, week, s, float(revenue[s]), int(visits[s])))

    def frame(self) -> pd.DataFrame:
        """One row per arm, week and segment: ``revenue`` and ``visits`` (summed over the
        replications it watched)."""
        rows = pd.DataFrame(self._rows, columns=["arm", "week", "segment", "revenue", "visits"])
        rows["segment"] = [self._names[s] for s in rows["segment"]]
        return rows.groupby(["arm", "week", "segment"], sort=True).sum().reset_index()
