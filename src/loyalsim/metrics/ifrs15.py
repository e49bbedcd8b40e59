"""Points liability under IFRS 15 / ASC 606: deferral of the price allocated to points.

Points earned with a purchase are a *material right*: part of the transaction price pays for
them (IFRS 15.B39-B43). Per period:

1. allocation by relative stand-alone selling prices (IFRS 15.73-80):
   ``SSP_points = points earned x point value x (1 - estimated breakage)`` and
   ``allocated = sales x SSP_points / (sales + SSP_points)`` (the goods' SSP is the price paid);
2. the allocated amount is deferred (a contract liability) and recognised as points are
   redeemed, in proportion to the points expected to be redeemed:
   ``cumulative recognised = cumulative allocated x min(1, redeemed / (earned x (1 - b)))``;
3. a changed breakage estimate ``b`` moves recognition prospectively by a cumulative
   catch-up (IFRS 15 Illustrative Example 52, IE267-IE270): earlier allocations are not
   revisited, recognition to date is recomputed with the new expected total.

Sales are treated as one portfolio per day (IFRS 15.4 practical expedient). Points issued
without a purchase (sign-up bonus, referral, surprise) carry no consideration: they are not
part of the deferral, and redemptions are attributed to purchase points pro rata to the
cumulative mix of points issued.

A program that already runs (``population.existing_base``) starts with outstanding points: an
*opening* contract liability of ``opening points x point value x (1 - b on day 0)`` (the
stand-alone selling price of the rights outstanding; an assumption, the historical allocation
being unknown). It is released as the opening points close: each opening point redeemed or
expired recognises ``opening liability / opening points`` (the ledger closes a customer's
opening points first, they are the oldest). So ``opening liability + allocated - recognised =
closing liability`` on every day. See docs/accounting.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loyalsim.engine.simulation import ArmResult
from loyalsim.mechanics.rewards import RewardsParams
from loyalsim.scenario.accounting import AccountingSpec
from loyalsim.scenario.models import Scenario

PURCHASE_SOURCE = "purchase"
"""Ledger source of points earned with a purchase (the only points with consideration)."""


def allocate(sales: np.ndarray, ssp_points: np.ndarray) -> np.ndarray:
    """Price allocated to points by relative stand-alone selling prices (0 when both are 0)."""
    sales = np.asarray(sales, dtype=float)
    ssp_points = np.asarray(ssp_points, dtype=float)
    total = sales + ssp_points
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, sales * ssp_points / np.where(total > 0, total, 1.0), 0.0)


def cumulative_recognised(
    allocated_to_date: np.ndarray, redeemed_to_date: np.ndarray, expected_to_date: np.ndarray
) -> np.ndarray:
    """Revenue recognised to date: allocated x redeemed / expected redemptions (capped at 1)."""
    allocated_to_date = np.asarray(allocated_to_date, dtype=float)
    redeemed = np.asarray(redeemed_to_date, dtype=float)
    expected = np.asarray(expected_to_date, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(expected > 0, redeemed / np.where(expected > 0, expected, 1.0), 0.0)
    return allocated_to_date * np.minimum(share, 1.0)


@dataclass(frozen=True)
class PointsAccounts:
    """Daily accounting series of one arm (currency, except ``breakage_estimate``)."""

    allocated: np.ndarray
    """Price of the day's sales allocated to the points earned with them."""
    recognised: np.ndarray
    """Points revenue recognised on the day (negative when a catch-up reverses some)."""
    deferred_revenue: np.ndarray
    """Contract liability at the end of the day."""
    breakage_estimate: np.ndarray
    """The breakage estimate in force on the day."""
    opening_liability: float = 0.0
    """Contract liability on day 0 (the outstanding points of an existing base)."""
    opening_recognised: np.ndarray | None = None
    """Part of ``recognised`` that releases the opening liability (None: no opening points)."""


def schedule(
    sales: np.ndarray,
    points_earned: np.ndarray,
    points_redeemed: np.ndarray,
    point_value: float,
    breakage: np.ndarray,
) -> PointsAccounts:
    """Allocation, recognition and liability per period from per-period flows.

    ``points_redeemed`` are redemptions of points that carried consideration and
    ``breakage[t]`` the estimate in force in period ``t``.
    """
    earned = np.asarray(points_earned, dtype=float)
    breakage = np.asarray(breakage, dtype=float)
    allocated = allocate(sales, earned * point_value * (1.0 - breakage))
    allocated_to_date = np.cumsum(allocated)
    expected = np.cumsum(earned) * (1.0 - breakage)
    recognised_to_date = cumulative_recognised(
        allocated_to_date, np.cumsum(points_redeemed), expected
    )
    recognised = np.diff(recognised_to_date, prepend=0.0)
    return PointsAccounts(
        allocated, recognised, allocated_to_date - recognised_to_date, breakage.copy()
    )


def with_opening(
    accounts: PointsAccounts, opening_points: int, opening_closed: np.ndarray, point_value: float
) -> PointsAccounts:
    """``accounts`` of the points earned in the run plus the opening liability of
    ``opening_points`` outstanding on day 0, released per opening point closed (redeemed or
    expired) on each day (``opening_closed``)."""
    if opening_points <= 0:
        return accounts
    liability = opening_points * point_value * (1.0 - float(accounts.breakage_estimate[0]))
    closed_to_date = np.cumsum(np.asarray(opening_closed, dtype=float))
    released_to_date = liability * np.minimum(closed_to_date / opening_points, 1.0)
    released = np.diff(released_to_date, prepend=0.0)
    return PointsAccounts(
        allocated=accounts.allocated,
        recognised=accounts.recognised + released,
        deferred_revenue=accounts.deferred_revenue + (liability - released_to_date),
        breakage_estimate=accounts.breakage_estimate,
        opening_liability=liability,
        opening_recognised=released,
    )


def point_value(scenario: Scenario) -> float:
    """Value of a point to members: the setting, else the goal reward's value per point."""
    if scenario.accounting.point_value is not None:
        return scenario.accounting.point_value
    for spec in scenario.program.values():
        if isinstance(spec, RewardsParams):
            goal = min(spec.catalogue, key=lambda r: (r.points, -r.value))
            return goal.value / goal.points
    return 0.0


def breakage_path(
    spec: AccountingSpec, issued: np.ndarray, redeemed: np.ndarray, expired: np.ndarray
) -> np.ndarray:
    """The breakage estimate in force each day: fixed, or re-estimated from experience on a
    calendar (share of closed points that expired; applies from the review day onwards)."""
    days = issued.size
    path = np.full(days, spec.breakage_estimate)
    if spec.reestimate == "fixed":
        return path
    issued_cum, redeemed_cum = np.cumsum(issued), np.cumsum(redeemed)
    expired_cum = np.cumsum(expired)
    current = spec.breakage_estimate
    for day in range(spec.reestimate_every_days, days, spec.reestimate_every_days):
        seen = day - 1  # evidence up to the end of the previous day
        closed = redeemed_cum[seen] + expired_cum[seen]
        if closed > 0 and closed >= spec.min_closed_share * issued_cum[seen]:
            current = min(float(expired_cum[seen] / closed), 0.99)
        path[day:] = current
    return path


def points_accounts(scenario: Scenario, arm: ArmResult) -> PointsAccounts:
    """The IFRS 15 points accounts of one arm, per day."""
    ledger = arm.world.ledger
    days = arm.world.days
    issued = ledger.daily_points["issued"]
    redeemed = ledger.daily_points["redeemed"]
    expired = ledger.daily_points["expired"]
    earned = ledger.daily_issued_by_source.get(PURCHASE_SOURCE, np.zeros(days, dtype=np.int64))
    with np.errstate(invalid="ignore", divide="ignore"):
        mix = np.cumsum(earned) / np.where(np.cumsum(issued) > 0, np.cumsum(issued), 1)
    redeemed_new = redeemed - ledger.daily_opening["redeemed"]  # opening points close first
    redeemed_purchase = np.diff(np.cumsum(redeemed_new) * mix, prepend=0.0)
    breakage = breakage_path(scenario.accounting, issued, redeemed, expired)
    value = point_value(scenario)
    accounts = schedule(arm.daily["member_revenue"], earned, redeemed_purchase, value, breakage)
    closed = ledger.daily_opening["redeemed"] + ledger.daily_opening["expired"]
    return with_opening(accounts, int(ledger.opening.sum()), closed, value)
