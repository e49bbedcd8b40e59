"""Moments of a program history: visit gaps by progress, gaps around a reward, affording to
redeeming, churn after a reward, by balance and after a forfeit, enrolment by early frequency
(docs/calibration.md, "Calibrating the program response")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyalsim.experiments.response.history import ProgramHistory
from loyalsim.experiments.response.moments import (
    Columns,
    Contributions,
    Moment,
    MomentDesign,
    MomentSet,
    days_from,
)

PROGRESS_EDGES = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Bins of progress to the goal (balance after the visit over the cheapest reward's price);
a last bin holds balances that afford a reward."""
BALANCE_EDGES = (0.0, 1 / 3, 2 / 3)
"""Bins of progress at the churn cut-off date."""


@dataclass(frozen=True)
class _Visits:
    """A history's transactions as sorted arrays, with balances and gaps."""

    cust: np.ndarray
    day: np.ndarray
    earned: np.ndarray
    redeemed: np.ndarray
    bal_before: np.ndarray
    bal_after: np.ndarray
    member: np.ndarray
    gap: np.ndarray
    has_next: np.ndarray
    remaining: np.ndarray
    n_customers: int
    enrol_day: np.ndarray
    last_day: int


def _codes(history: ProgramHistory) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    tx = history.transactions
    members = history.members
    extra = [
        t["customer"] for t in (history.expiries, getattr(history, "events", None)) if t is not None
    ]
    index = pd.Index(pd.unique(pd.concat([tx["customer"], members["customer"], *extra])))
    cust = index.get_indexer(pd.Index(tx["customer"]))
    return index, cust, index.get_indexer(pd.Index(members["customer"]))


def _visits(history: ProgramHistory) -> _Visits:
    index, cust, mcust = _codes(history)
    n = len(index)
    tx = history.transactions
    day = days_from(tx["date"], history.start)
    earned = tx["points_earned"].to_numpy(np.int64)
    redeemed = tx["points_redeemed"].to_numpy(np.int64)
    order = np.lexsort((day, cust))
    cust, day, earned, redeemed = cust[order], day[order], earned[order], redeemed[order]
    if cust.size > 1:  # same-day rows of one customer are one visit
        same = (cust[1:] == cust[:-1]) & (day[1:] == day[:-1])
        if same.any():
            start = np.flatnonzero(np.concatenate(([True], ~same)))
            earned, redeemed = np.add.reduceat(earned, start), np.add.reduceat(redeemed, start)
            cust, day = cust[start], day[start]
    enrol_day = np.full(n, np.iinfo(np.int64).max // 4, dtype=np.int64)
    enrolled = history.members["enrolled"]
    known = enrolled.notna().to_numpy()
    enrol_day[mcust[known]] = days_from(enrolled[known], history.start)
    # balances: visits and forfeits in date order (an expiry sweep runs before the day's visits)
    delta = earned - redeemed
    e_cust = np.zeros(0, dtype=np.int64)
    e_day = np.zeros(0, dtype=np.int64)
    e_pts = np.zeros(0, dtype=np.int64)
    if history.expiries is not None and len(history.expiries):
        ex = history.expiries
        e_cust = index.get_indexer(pd.Index(ex["customer"]))
        e_day = days_from(ex["date"], history.start)
        e_pts = ex["points"].to_numpy(np.int64)
    events = getattr(history, "events", None)
    if events is not None and len(events):  # points moved on days without a visit
        e_cust = np.concatenate((e_cust, index.get_indexer(pd.Index(events["customer"]))))
        e_day = np.concatenate((e_day, days_from(events["date"], history.start)))
        moved = events["points_redeemed"].to_numpy(np.int64) - events["points_earned"].to_numpy(
            np.int64
        )
        e_pts = np.concatenate((e_pts, moved))
    ev_cust = np.concatenate((e_cust, cust))
    ev_day = np.concatenate((e_day, day))
    ev_kind = np.concatenate((np.zeros(e_cust.size, np.int64), np.ones(cust.size, np.int64)))
    ev_delta = np.concatenate((-e_pts, delta))
    ev_order = np.lexsort((ev_kind, ev_day, ev_cust))
    running = np.cumsum(ev_delta[ev_order])
    first = np.flatnonzero(np.r_[True, ev_cust[ev_order][1:] != ev_cust[ev_order][:-1]])
    group_start = np.repeat(first, np.diff(np.r_[first, ev_order.size]))
    before_group = np.where(group_start > 0, running[group_start - 1], 0)
    after = np.empty(ev_order.size, dtype=np.int64)
    after[ev_order] = running - before_group
    opening = np.zeros(n, dtype=np.int64)
    if "balance" in history.members.columns:
        final = np.zeros(n, dtype=np.int64)
        final[mcust] = history.members["balance"].fillna(0).to_numpy(np.int64)
        net = np.bincount(ev_cust, weights=ev_delta, minlength=n).astype(np.int64)
        opening = np.maximum(final - net, 0)
    bal_after = after[e_cust.size :] + opening[cust]
    bal_before = bal_after - delta
    last_day = (pd.Timestamp(history.end) - pd.Timestamp(history.start)).days
    has_next = np.r_[cust[1:] == cust[:-1], False]
    gap = np.r_[np.diff(day), 0]
    return _Visits(
        cust=cust,
        day=day,
        earned=earned,
        redeemed=redeemed,
        bal_before=bal_before,
        bal_after=bal_after,
        member=day >= enrol_day[cust],
        gap=np.where(has_next, gap, np.iinfo(np.int64).max // 4),
        has_next=has_next,
        remaining=last_day - day,
        n_customers=n,
        enrol_day=enrol_day,
        last_day=last_day,
    )


def _forfeit_lapses(
    history: ProgramHistory, v: _Visits, k: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Forfeits (expiry events) with at least ``k`` days left, and whether the customer made
    no visit within ``k`` days after it."""
    ex = history.expiries
    if ex is None or not len(ex):
        return None
    index, _, _ = _codes(history)
    e_cust = index.get_indexer(pd.Index(ex["customer"]))
    e_day = days_from(ex["date"], history.start)
    keep = v.last_day - e_day >= k
    e_cust, e_day = e_cust[keep], e_day[keep]
    key = v.cust * (v.last_day + 10) + v.day
    pos = np.searchsorted(key, e_cust * (v.last_day + 10) + e_day)  # first visit on/after
    found = pos < key.size
    nxt_cust = np.where(found, v.cust[np.minimum(pos, key.size - 1)], -1)
    nxt_day = np.where(found, v.day[np.minimum(pos, key.size - 1)], 0)
    returned = (nxt_cust == e_cust) & (nxt_day - e_day <= k)
    return e_cust, (~returned).astype(float)


def history_contributions(
    history: ProgramHistory, design: MomentDesign
) -> tuple[Contributions, MomentSet]:
    """Per-customer sums behind every history moment, and the moments they make."""
    v = _visits(history)
    cols = Columns(v.n_customers)
    out: list[Moment] = []
    goal = float(design.goal_points)
    cap, k = design.gap_cap_days, design.lapse_days
    capped = np.minimum(v.gap, cap).astype(float)
    seen = v.remaining >= cap  # the capped gap is observed
    redeem = v.redeemed > 0
    progress = v.bal_after / goal
    plain = v.member & ~redeem & seen
    edges = (*PROGRESS_EDGES, np.inf)
    for b in range(len(edges) - 1):
        lo, hi = edges[b], edges[b + 1]
        sel = plain & (progress >= lo) & (progress < hi)
        label = f"progress {lo:.2f}-{hi:.2f}" if np.isfinite(hi) else "affords a reward"
        name = f"gap_progress_{b}"
        cols.ratio(
            out,
            name,
            "visit hazard by progress",
            f"mean gap (days, capped at {cap}) after a visit, {label}",
            v.cust[sel],
            capped[sel],
        )
    after = redeem & seen
    cols.ratio(
        out,
        "gap_after_reward",
        "gaps around a reward",
        "gap after the redemption visit",
        v.cust[after],
        capped[after],
    )
    second = np.r_[False, redeem[:-1] & v.has_next[:-1]] & seen & v.member
    cols.ratio(
        out,
        "gap_second_after_reward",
        "gaps around a reward",
        "gap after the visit following a redemption",
        v.cust[second],
        capped[second],
    )
    prev_gap = np.r_[0, np.minimum(np.diff(v.day), cap)].astype(float)
    has_prev = np.r_[False, v.cust[1:] == v.cust[:-1]]
    before = redeem & has_prev
    cols.ratio(
        out,
        "gap_before_reward",
        "gaps around a reward",
        "gap before the redemption visit",
        v.cust[before],
        prev_gap[before],
    )
    affords = v.member & (v.bal_before + v.earned >= goal)
    first = affords & (v.bal_before < goal)
    later = affords & (v.bal_before >= goal)
    cols.ratio(
        out,
        "redeem_first_afford",
        "affording to redeeming",
        "share redeeming at the first visit that affords a reward",
        v.cust[first],
        redeem[first].astype(float),
    )
    cols.ratio(
        out,
        "redeem_later_afford",
        "affording to redeeming",
        "share redeeming at a later visit that still affords one",
        v.cust[later],
        redeem[later].astype(float),
    )
    lapse_seen = v.member & (v.remaining >= k)
    lapse = (~v.has_next | (v.gap > k)).astype(float)
    sel = lapse_seen & redeem
    cols.ratio(
        out,
        "lapse_after_reward",
        "churn",
        f"no visit within {k} days after a redemption",
        v.cust[sel],
        lapse[sel],
    )
    sel = lapse_seen & ~redeem
    cols.ratio(
        out,
        "lapse_after_plain",
        "churn",
        f"no visit within {k} days after a visit without one",
        v.cust[sel],
        lapse[sel],
    )
    _churn_by_balance(cols, out, v, design, goal)
    if design.forfeits:
        lapses = _forfeit_lapses(history, v, k)
        if lapses is not None:
            cols.ratio(
                out,
                "lapse_after_forfeit",
                "churn",
                f"no visit within {k} days after a forfeit",
                lapses[0],
                lapses[1],
            )
        else:
            cols.ratio(
                out,
                "lapse_after_forfeit",
                "churn",
                f"no visit within {k} days after a forfeit",
                np.zeros(0, np.int64),
                np.zeros(0),
            )
    _enrolment_by_frequency(cols, out, v, design)
    return cols.result(), MomentSet(tuple(out))


def _churn_by_balance(
    cols: Columns, out: list[Moment], v: _Visits, design: MomentDesign, goal: float
) -> None:
    """Members active before the cut-off (``lapse_days`` before the end) by their progress
    then: the share with no visit after it."""
    cut = v.last_day - design.lapse_days
    upto = v.day <= cut
    last_pos = np.full(v.n_customers, -1)
    idx = np.flatnonzero(upto)
    last_pos[v.cust[idx]] = idx  # sorted: the last visit on or before the cut wins
    who = np.flatnonzero(last_pos >= 0)
    pos = last_pos[who]
    active = (v.day[pos] > cut - design.active_days) & (v.enrol_day[who] <= cut)
    who, pos = who[active], pos[active]
    churned = (~v.has_next[pos]).astype(float)
    share = v.bal_after[pos] / goal
    edges = (*BALANCE_EDGES, np.inf)
    for b in range(len(edges) - 1):
        sel = (share >= edges[b]) & (share < edges[b + 1])
        hi = f"{edges[b + 1]:.2f}" if np.isfinite(edges[b + 1]) else "+"
        cols.ratio(
            out,
            f"churn_balance_{b}",
            "churn",
            f"no visit in the last {design.lapse_days} days, progress {edges[b]:.2f}-{hi} "
            "at the cut-off",
            who[sel],
            churned[sel],
        )


def _enrolment_by_frequency(
    cols: Columns, out: list[Moment], v: _Visits, design: MomentDesign
) -> None:
    """Customers not members on the first day, by their visits in the first ``pre_days``
    days: the share who joined by the end."""
    early = np.bincount(v.cust[v.day < design.pre_days], minlength=v.n_customers)
    eligible = (early > 0) & (v.enrol_day > 0)
    joined = (v.enrol_day <= v.last_day).astype(float)
    edges = (*design.frequency_edges, np.inf)
    for b in range(len(edges) - 1):
        who = np.flatnonzero(eligible & (early >= edges[b]) & (early < edges[b + 1]))
        hi = f"-{edges[b + 1] - 1:g}" if np.isfinite(edges[b + 1]) else "+"
        cols.ratio(
            out,
            f"enrol_frequency_{b}",
            "enrolment",
            f"share joining, {edges[b]:g}{hi} visits in the first {design.pre_days} days",
            who,
            joined[who],
        )
