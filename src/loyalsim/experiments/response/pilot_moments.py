"""Moments of a pilot: lift in visits by group of pre-period visits and the retention
difference, treated against control (docs/calibration.md, "Calibrating the program response")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from loyalsim.experiments.response.history import Pilot
from loyalsim.experiments.response.moments import (
    Columns,
    Contributions,
    Moment,
    MomentDesign,
    MomentSet,
    days_from,
)


def pilot_start(pilot: Pilot) -> dt.date:
    """The day the program started for the first assigned customers (the pre-period ends)."""
    return pd.Timestamp(pd.to_datetime(pilot.assignment["start"]).min()).date()


def _pilot_frame(pilot: Pilot) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Treated flag per assigned customer and the log's visits as (customer, day from the
    pilot's start) pairs, one per customer and day."""
    assign, tx = pilot.assignment, pilot.transactions
    if "customer" not in assign.columns:  # a store-level pilot: customers by their first store
        first = tx.sort_values("date", kind="stable").drop_duplicates("customer")
        stores = assign.set_index("store")
        keep = first["store"].isin(stores.index)
        assign = pd.DataFrame(
            {
                "customer": first.loc[keep, "customer"].to_numpy(),
                "group": stores.loc[first.loc[keep, "store"], "group"].to_numpy(),
            }
        )
    index = pd.Index(assign["customer"])
    treated = np.asarray(assign["group"].to_numpy() == "treated", dtype=bool)
    cust = index.get_indexer(pd.Index(tx["customer"]))
    day = days_from(tx["date"], pilot_start(pilot))
    keep = cust >= 0
    span = 1 << 20
    pair = np.unique(cust[keep] * span + (day[keep] + span // 2))
    return treated, pair // span, pair % span - span // 2, len(index)


def pilot_contributions(pilot: Pilot, design: MomentDesign) -> tuple[Contributions, MomentSet]:
    """Per-customer sums behind the pilot moments, over assigned customers with a visit in the
    pre-period (every assigned customer, in one lift group, when the log has no pre-period):
    lift in visits per customer by group of pre-period visits, and the retention difference
    (share visiting in the pilot's last ``lapse_days`` days, treated minus control)."""
    treated, cust, day, n = _pilot_frame(pilot)
    last = (pd.Timestamp(pilot.end).date() - pilot_start(pilot)).days
    pre = np.bincount(cust[day < 0], minlength=n)
    during = (day >= 0) & (day <= last)
    visits = np.bincount(cust[during], minlength=n).astype(float)
    late = np.bincount(cust[during & (day > last - design.lapse_days)], minlength=n) > 0
    cols = Columns(n)
    out: list[Moment] = []
    has_pre = bool((day < 0).any())
    seen = pre > 0 if has_pre else np.ones(n, dtype=bool)  # no pre-period: everyone
    everyone = np.arange(n)
    edges = (1.0 if has_pre else -np.inf, *design.lift_edges, np.inf)
    for g in range(len(edges) - 1):
        grp = seen & (pre >= edges[g]) & (pre < edges[g + 1])
        t, c = everyone[grp & treated], everyone[grp & ~treated]
        a = cols.add(f"lift_{g}:treated_visits", t, visits[t])
        b = cols.add(f"lift_{g}:treated", t)
        c1 = cols.add(f"lift_{g}:control_visits", c, visits[c])
        d = cols.add(f"lift_{g}:control", c)
        label = f"visits per customer, treated over control minus 1, pre-period group {g + 1}"
        out.append(Moment(f"pilot_lift_{g}", "pilot lift", label, a, b, c1, d, "rel"))
    t, c = everyone[seen & treated], everyone[seen & ~treated]
    a = cols.add("retention:treated_active", t, late[t].astype(float))
    b = cols.add("retention:treated", t)
    c1 = cols.add("retention:control_active", c, late[c].astype(float))
    d = cols.add("retention:control", c)
    label = f"share visiting in the last {design.lapse_days} days, treated minus control"
    out.append(Moment("pilot_retention_diff", "pilot retention", label, a, b, c1, d, "diff"))
    return cols.result(), MomentSet(tuple(out))


def pre_period_visits(pilot: Pilot) -> np.ndarray:
    """Pre-period visits of each assigned customer with at least one (for the lift groups)."""
    _, cust, day, n = _pilot_frame(pilot)
    pre = np.bincount(cust[day < 0], minlength=n)
    return pre[pre > 0]
