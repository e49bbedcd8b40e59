"""Program cost and income per customer, so segments and groups carry their own economics.

Mechanics book each cost or income with the customers it concerns (a reward at its cost to
the redeemer, an experience seat, a tier perk, a contact, a membership fee, ...: the ledger's
``customer_money``). What no customer carries — the operating cost (``fixed_cost_per_year``
and ``cost_per_member_per_month``) and anything booked without customers — is shared out in
proportion to each customer's days as a member in the run (days from joining, or day 0, to
the last visit, or the horizon for those still alive; an assumption: the engine does not keep
the day a member defected). So the per-customer costs add up to the program cost, and any
partition of the customers (the segments) splits it exactly (docs/kpis.md, segments).
"""

from __future__ import annotations

import numpy as np

from loyalsim.engine.simulation import ArmResult
from loyalsim.metrics.summary import daily_accounts


def member_days(arm: ArmResult) -> np.ndarray:
    """Per customer, the days of the run spent as a member (the sharing key)."""
    w = arm.world
    start = np.maximum(w.enrol_day, 0)
    end = np.where(w.alive, w.days, np.minimum(w.last_visit + 1, w.days))
    days = np.where(w.member, np.maximum(end - start, 0), 0)
    return days.astype(np.float64)


def share_out(total: float, key: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``key`` (equally when the key is all zero)."""
    weight = key.sum()
    if weight > 0:
        return total * key / weight
    return np.full(key.size, total / key.size) if key.size else key.astype(np.float64)


def per_customer(arm: ArmResult) -> tuple[np.ndarray, np.ndarray]:
    """Program cost and program income of each population row (they sum to the arm's)."""
    ledger = arm.world.ledger
    costs, income = daily_accounts(arm)
    size = arm.world.pop.size
    key = member_days(arm)

    def attributed(accounts: dict[str, np.ndarray]) -> np.ndarray:
        out = np.zeros(size)
        for account, series in accounts.items():
            carried = ledger.customer_money.get(account)
            mine = np.zeros(size) if carried is None else carried
            out += mine + share_out(float(series.sum()) - float(mine.sum()), key)
        return out

    return attributed(costs), attributed(income)
