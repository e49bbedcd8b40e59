"""KPIs of one replication: the summary a program owner lives by and its weekly trend.

Every key is defined in docs/kpis.md. Money follows one identity:
``profit = revenue * gross_margin + program_income - program_cost``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyalsim.engine.hooks import Mechanic
from loyalsim.engine.simulation import ArmResult
from loyalsim.engine.world import World
from loyalsim.mechanics import REGISTRY
from loyalsim.metrics.catalogue import (
    combined_keys,
    cost_accounts,
    declared_accounts,
    instance_key,
    reward_types,
)
from loyalsim.metrics.ifrs15 import points_accounts
from loyalsim.scenario.models import Scenario

FLOW_SERIES = (
    "visits",
    "transactions",
    "member_visits",
    "revenue",
    "base_revenue",
    "shaped_revenue",
    "redemption_discount",
    "member_revenue",
    "new_members",
    "dropouts",
)
STOCK_SERIES = ("alive", "members")


@dataclass(frozen=True)
class ControlArm:
    """What KPIs need from the no-program arm: its daily series and its survivors."""

    daily: dict[str, np.ndarray]
    customer_alive: np.ndarray
    """Per customer: alive at the horizon."""
    customer_arrived: np.ndarray
    """Per customer: arrived within the horizon."""
    customer_spend: np.ndarray
    """Per customer: spend over the run."""
    customer_visits: np.ndarray
    """Per customer: visits over the run."""

    @classmethod
    def of(cls, arm: ArmResult) -> ControlArm:
        w = arm.world
        arrived = w.arrival_day < w.days
        return cls(
            daily=arm.daily,
            customer_alive=w.alive.copy(),
            customer_arrived=arrived,
            customer_spend=w.spend_total.copy(),
            customer_visits=w.visit_total.copy(),
        )

    @property
    def alive(self) -> int:
        """Customers alive at the horizon."""
        return int(np.count_nonzero(self.customer_alive))

    @property
    def arrived(self) -> int:
        """Customers who arrived within the horizon."""
        return int(np.count_nonzero(self.customer_arrived))


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def daily_accounts(arm: ArmResult) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Daily cost accounts (operating cost first) and income accounts of one arm: the one
    rule both the summary and the weekly series use."""
    money = arm.world.ledger.daily_money
    declared = declared_accounts({type(m) for m in arm.mechanics})
    undeclared = sorted(set(money) - set(declared))
    if undeclared:
        raise RuntimeError(f"money booked in undeclared account(s) {undeclared}")
    zeros = np.zeros(arm.world.days)
    costs = {"operating_cost": arm.daily["operating_cost"]}
    costs.update({a: money.get(a, zeros) for a in cost_accounts(declared)})
    income = {a: money.get(a, zeros) for a in declared if a not in costs}
    return costs, income


def money_accounts(arm: ArmResult) -> tuple[float, float, dict[str, float]]:
    """Program cost, program income and each cost account's total for one arm."""
    daily_costs, daily_income = daily_accounts(arm)
    costs = {a: float(series.sum()) for a, series in daily_costs.items()}
    income = sum(float(series.sum()) for series in daily_income.values())
    return sum(costs.values()), income, costs


def cost_per_point(arm: ArmResult) -> float:
    """Cost of a redeemed point: realised reward cost per point redeemed, else the catalogue's."""
    ledger = arm.world.ledger
    redeemed = int(ledger.redeemed.sum())
    reward_cost = float(ledger.daily_money.get("reward_cost", np.zeros(1)).sum())
    if redeemed:
        return reward_cost / redeemed
    return arm.world.state.catalogue_cost_per_point


def summarise(scenario: Scenario, arm: ArmResult, control: ControlArm) -> dict[str, float]:
    """Summary KPIs of one replication from the program arm and the control arm."""
    w = arm.world
    ledger = w.ledger
    days = w.days
    margin = scenario.economics.gross_margin
    arrived = int(np.count_nonzero(w.arrival_day < days))
    alive, control_alive = int(w.alive.sum()), control.alive
    members_ever = int(np.count_nonzero(w.member & (w.arrival_day < days)))
    window = scenario.kpi.active_window_days
    active_members = int(np.count_nonzero(w.member & w.alive & (w.last_visit >= days - window)))

    revenue = float(arm.daily["revenue"].sum())
    control_revenue = float(control.daily["revenue"].sum())
    discount = float(arm.daily["redemption_discount"].sum())
    base_revenue = float(arm.daily["base_revenue"].sum())
    shaped_revenue = float(arm.daily["shaped_revenue"].sum())
    program_cost, program_income, costs = money_accounts(arm)
    profit = revenue * margin + program_income - program_cost
    control_profit = control_revenue * margin

    issued = int(ledger.issued.sum())
    opening = int(ledger.opening.sum())
    held = issued + opening  # every point the run had to honour (day-0 balances included)
    redeemed = int(ledger.redeemed.sum())
    expired = int(ledger.expired.sum())
    outstanding = int(ledger.balance.sum())
    engaged = w.pop.engaged & w.member
    dead = ~w.alive
    lost_bad = int(ledger.balance[dead & engaged].sum())
    lost_good = int(ledger.balance[dead & ~engaged].sum())
    bad = ledger.expired_engaged + lost_bad
    good = (expired - ledger.expired_engaged) + lost_good
    engaged_members = int(engaged.sum())
    alive_members = w.member & w.alive
    accounts = points_accounts(scenario, arm)

    kpis = {
        "customers": float(arrived),
        "retention_rate": _ratio(alive, arrived),
        "control_retention_rate": _ratio(control_alive, control.arrived),
        "incremental_retention": _ratio(alive - control_alive, arrived),
        "members": float(members_ever),
        "enrolment_rate": _ratio(members_ever, arrived),
        "active_member_rate": _ratio(active_members, members_ever),
        "visits": float(arm.daily["visits"].sum()),
        "transactions": float(arm.daily["transactions"].sum()),
        "transactions_per_visit": _ratio(
            float(arm.daily["transactions"].sum()), float(arm.daily["visits"].sum())
        ),
        "control_visits": float(control.daily["visits"].sum()),
        "revenue": revenue,
        "control_revenue": control_revenue,
        "incremental_revenue": revenue - control_revenue,
        "incremental_revenue_pct": _ratio(revenue - control_revenue, control_revenue),
        "gross_revenue": revenue + discount,
        "redemption_discount": discount,
        "incremental_gross_revenue": revenue + discount - control_revenue,
        "incremental_revenue_frequency": base_revenue - control_revenue,
        "incremental_revenue_basket": shaped_revenue - base_revenue,
        "gross_margin": revenue * margin,
        "program_cost": program_cost,
        "program_income": program_income,
        "reward_cost": costs.get("reward_cost", 0.0),
        "operating_cost": costs["operating_cost"],
        "profit": profit,
        "control_profit": control_profit,
        "incremental_profit": profit - control_profit,
        "cost_to_revenue": _ratio(program_cost, revenue),
        "roi": _ratio(profit - control_profit, program_cost),
        "points_opening": float(opening),
        "points_issued": float(issued),
        "points_redeemed": float(redeemed),
        "points_expired": float(expired),
        "points_outstanding": float(outstanding),
        "breakage_rate": _ratio(good + bad, held),
        "good_breakage_share": _ratio(good, good + bad),
        "bad_breakage_rate": _ratio(bad, held),
        "liability": outstanding * cost_per_point(arm),
        "redemption_rate": _ratio(redeemed, held),
        "capture_rate": _ratio(float(arm.daily["member_revenue"].sum()), revenue),
        "engaged_member_share": _ratio(engaged_members, members_ever),
        "gave_up_share": _ratio(int((w.frustrated & engaged).sum()), engaged_members),
        "mean_attachment": float(w.attachment[alive_members].mean())
        if alive_members.any()
        else float("nan"),
        "points_revenue_allocated": float(accounts.allocated.sum()),
        "recognised_points_revenue": float(accounts.recognised.sum()),
        "deferred_revenue": float(accounts.deferred_revenue[-1]),
        "deferred_revenue_opening": accounts.opening_liability,
        "breakage_estimate": float(accounts.breakage_estimate[-1]),
    }
    kpis.update(member_effects(w, control))
    for reward_type, cost in reward_cost_by_type(arm).items():
        kpis[f"reward_cost_by_type.{reward_type}"] = cost
    for account, cost in costs.items():
        kpis[f"cost_by_account.{account}"] = cost
    kpis.update(mechanic_kpis(arm.mechanics, w))
    return kpis


def member_effects(w: World, control: ControlArm) -> dict[str, float]:
    """Members against non-members (what a naive analysis sees) and against themselves
    without the program (the causal effect), as relative revenue per customer."""
    arrived = w.arrival_day < w.days
    members, others = w.member & arrived, ~w.member & arrived
    per_member = _ratio(float(w.spend_total[members].sum()), int(np.count_nonzero(members)))
    per_other = _ratio(float(w.spend_total[others].sum()), int(np.count_nonzero(others)))
    naive = per_member / per_other - 1.0 if per_other else float("nan")
    without = float(control.customer_spend[members].sum())
    causal = _ratio(float(w.spend_total[members].sum()), without) - 1.0
    adjusted = segment_adjusted_premium(w.spend_total, members, others, w.pop.segment)
    return {
        "naive_member_premium": naive,
        "causal_member_effect": causal,
        "naive_to_causal_ratio": _ratio(naive, causal),
        "segment_adjusted_member_premium": adjusted,
        "segment_adjusted_to_causal_ratio": _ratio(adjusted, causal),
    }


def segment_adjusted_premium(
    spend: np.ndarray, members: np.ndarray, others: np.ndarray, segment: np.ndarray
) -> float:
    """Members' revenue over what non-members of the same segments spend per customer, with
    the members' segment mix, minus 1 (direct standardisation): the naive comparison with the
    observed household type held fixed, as a share-of-wallet regression with household
    covariates but no correction for endogenous membership makes it (Leenheer et al. 2007).
    Segments without members or without non-members are left out; NaN if none is left."""
    n = int(segment.max()) + 1 if segment.size else 0
    n_members = np.bincount(segment[members], minlength=n)
    n_others = np.bincount(segment[others], minlength=n)
    member_spend = np.bincount(segment[members], weights=spend[members], minlength=n)
    other_spend = np.bincount(segment[others], weights=spend[others], minlength=n)
    both = (n_members > 0) & (n_others > 0)
    if not both.any():
        return float("nan")
    expected = float((n_members[both] * other_spend[both] / n_others[both]).sum())
    return _ratio(float(member_spend[both].sum()), expected) - 1.0


def mechanic_kpis(mechanics: list[Mechanic[Any]], world: World) -> dict[str, float]:
    """The mechanics' scalar KPIs: singletons as declared, repeatable kinds per instance
    (``key.<instance>``) plus their totals (:func:`~loyalsim.metrics.catalogue.combined_keys`)."""
    out: dict[str, float] = {}
    by_kind: dict[str, list[dict[str, float]]] = {}
    for m in mechanics:
        values = m.kpis(world)
        if m.singleton:
            out.update(values)
            continue
        out.update({instance_key(key, m.name): v for key, v in values.items()})
        by_kind.setdefault(m.kind, []).append(values)
    for kind, parts in by_kind.items():
        for key in combined_keys(REGISTRY[kind], len(parts)):
            out[key] = float(sum(part[key] for part in parts))
    return out


def reward_cost_by_type(arm: ArmResult) -> dict[str, float]:
    """Cost of rewards given out, by reward type (every type, zero when unused)."""
    spent = arm.world.ledger.cost_by_type
    unknown = sorted(set(spent) - set(reward_types()))
    if unknown:
        raise RuntimeError(f"reward cost booked under undeclared type(s) {unknown}")
    return {t: float(spent.get(t, 0.0)) for t in reward_types()}


def structured(scenario: Scenario, arm: ArmResult) -> dict[str, Any]:
    """Nested KPIs of one replication: ``reward_cost_by_type`` and the mechanics' own
    (``tier_share``, ``tier_migration``); values are floats, NaN where undefined."""
    out: dict[str, Any] = {"reward_cost_by_type": reward_cost_by_type(arm)}
    for m in arm.mechanics:
        out.update(m.structured_kpis(arm.world))
    return out


def weekly(scenario: Scenario, arm: ArmResult, control: ControlArm) -> pd.DataFrame:
    """Weekly trends: flows summed over each week, stocks at the week's last day."""
    days = arm.world.days
    week = np.arange(days) // 7
    ledger = arm.world.ledger
    columns: dict[str, Any] = {"week": week + 1}  # built whole: one frame, not column inserts
    for name in FLOW_SERIES:
        columns[name] = arm.daily[name]
    columns["control_visits"] = control.daily["visits"]
    columns["control_revenue"] = control.daily["revenue"]
    for kind in ("issued", "redeemed", "expired"):
        columns[f"points_{kind}"] = ledger.daily_points[kind]
    costs, income_accounts = daily_accounts(arm)
    columns.update({**costs, **income_accounts})
    frame = pd.DataFrame(columns)
    income_columns = list(income_accounts)
    extra = {"program_cost": frame[list(costs)].sum(axis=1)}
    if "reward_cost" not in frame:
        extra["reward_cost"] = pd.Series(0.0, index=frame.index)
    accounts = points_accounts(scenario, arm)
    extra["recognised_points_revenue"] = pd.Series(accounts.recognised, index=frame.index)
    frame = pd.concat([frame, pd.DataFrame(extra)], axis=1)
    sums = frame.groupby("week", sort=True).sum()
    net = ledger.daily_points["issued"] - ledger.daily_points["redeemed"]
    opening = int(ledger.opening.sum())
    last = pd.DataFrame(
        {
            "week": week + 1,
            **{name: arm.daily[name] for name in STOCK_SERIES},
            "control_alive": control.daily["alive"],
            "points_outstanding": opening + np.cumsum(net - ledger.daily_points["expired"]),
            "mean_attachment": arm.daily["mean_attachment"],
            "deferred_revenue": accounts.deferred_revenue,
        }
    )
    stocks = last.groupby("week", sort=True).last()
    out = sums.join(stocks)
    margin = scenario.economics.gross_margin
    income = out[income_columns].sum(axis=1) if income_columns else 0.0
    derived: dict[str, Any] = {"program_income": income}
    derived["incremental_revenue"] = out["revenue"] - out["control_revenue"]
    gross = out["revenue"] + out["redemption_discount"]
    derived["gross_revenue"] = gross
    derived["incremental_gross_revenue"] = gross - out["control_revenue"]
    derived["incremental_revenue_frequency"] = out["base_revenue"] - out["control_revenue"]
    derived["incremental_revenue_basket"] = out["shaped_revenue"] - out["base_revenue"]
    derived["incremental_profit"] = (
        derived["incremental_revenue"] * margin + income - out["program_cost"]
    )
    derived["liability"] = out["points_outstanding"] * cost_per_point(arm)
    arrived = max(int(np.count_nonzero(arm.world.arrival_day < days)), 1)
    derived["retention_rate"] = out["alive"] / arrived
    derived["control_retention_rate"] = out["control_alive"] / max(control.arrived, 1)
    derived["capture_rate"] = out["member_revenue"] / out["revenue"].where(out["revenue"] > 0)
    out = pd.concat([out, pd.DataFrame(derived, index=out.index)], axis=1)
    starts = np.datetime64(scenario.start_date, "D") + 7 * np.arange(out.shape[0])
    out.insert(0, "week_start", starts.astype(str))
    return out.reset_index()
