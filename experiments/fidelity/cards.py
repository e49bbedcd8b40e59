"""The buy-10-get-1 stamp-card experiment shared by findings 1 and 2 (Kivetz et al. 2006).

Every customer of the coffee population holds a card from day one: one stamp per purchase,
a free coffee at 10 stamps, no expiry. The no-reward control keeps the stamps but has no
reward (so no goal). Inter-purchase gaps are measured per stamp position on complete cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from experiments.fidelity.harness import Recording, Scale, coffee, run_recorded

CARD = 10

STAMPS = {"kind": "visit_earning", "points_per_visit": 1, "min_spend": 0.0}
REWARD = {"catalogue": [{"name": "free coffee", "points": CARD, "cost": 1.1, "value": 4.5}]}


FLAT = {"weekly": [1.0] * 7, "annual_amplitude": 0.0}
"""No seasonality: a card spans weeks, and a seasonal trend would pose as a gradient."""


def card_program(with_reward: bool, goal_gradient: float | None = None) -> dict:
    """Overrides of the card (or the no-reward control); ``goal_gradient`` None = default."""
    program = {"enrolment": {"initial_share": 1.0}, "stamps": STAMPS}
    if with_reward:
        program["rewards"] = REWARD
    out = {"program": program, "population.seasonality": FLAT}
    if goal_gradient is not None:
        out["behaviour.goal_gradient"] = goal_gradient
    return out


def gaps(rec: Recording, with_reward: bool) -> pd.DataFrame:
    """Gaps between consecutive purchases on complete cards. A card is the run of stamps
    between redemptions (every 10 stamps in the no-reward control); ``position`` k (1..9) is
    the gap from the k-th to the (k+1)-th stamp of a card, position 0 the gap from a
    redemption to the next purchase (the first gap of the next card)."""
    v = rec.visits.sort_values(["customer", "day"], kind="stable").reset_index(drop=True)
    cust, day, red = v["customer"].to_numpy(), v["day"].to_numpy(), v["redeemed"].to_numpy()
    same = np.r_[cust[1:] == cust[:-1], False]
    gap = np.r_[day[1:] - day[:-1], 0]
    if with_reward:
        card = v.groupby("customer")["redeemed"].cumsum().to_numpy() - red
        pos = v.groupby([v["customer"], card]).cumcount().to_numpy() + 1
        total = v.groupby("customer")["redeemed"].transform("sum").to_numpy()
        complete = card < total
    else:
        count = v.groupby("customer").cumcount().to_numpy()
        card, pos = count // CARD, count % CARD + 1
        last = v.groupby("customer")["day"].transform("size").to_numpy()
        complete = (card + 1) * CARD <= last
        red = np.zeros_like(red)
    within = same & complete & ~red & (pos <= CARD - 1)
    post = same & red
    frame = pd.DataFrame(
        {
            "customer": np.r_[cust[within], cust[post]],
            "card": np.r_[card[within], card[post]],
            "position": np.r_[pos[within], np.zeros(int(post.sum()), dtype=np.int64)],
            "gap": np.r_[gap[within], gap[post]],
        }
    )
    return frame


@dataclass(frozen=True)
class CardRuns:
    """Per-position mean gaps of each arm and the churn comparison around redemptions."""

    by_position: pd.DataFrame
    """Columns: arm, replication, position, mean_gap, n."""
    churn: pd.DataFrame
    """Columns: replication, visit (redemption / other), visits, defections, rate."""


@lru_cache(maxsize=4)
def stamp_card_runs(scale: Scale, goal_gradient: float | None = None) -> CardRuns:
    """Run the card and the no-reward control for every replication of ``scale``."""
    rows, churn = [], []
    for with_reward, arm in ((True, "buy-10-get-1"), (False, "no-reward control")):
        scenario = coffee(scale, card_program(with_reward, goal_gradient))
        for r in range(scale.replications):
            rec, _ = run_recorded(scenario, scale.seed, r)
            g = gaps(rec, with_reward)
            stats = g.groupby("position")["gap"].agg(["mean", "count"]).reset_index()
            for p, mean, n in stats.itertuples(index=False):
                rows.append({"arm": arm, "replication": r, "position": p, "mean_gap": mean, "n": n})
            if with_reward:
                churn.extend(_churn_after_redemption(rec, r))
    return CardRuns(pd.DataFrame(rows), pd.DataFrame(churn))


def _churn_after_redemption(rec: Recording, replication: int) -> list[dict]:
    """Defections on the day of a visit against those expected from each visitor's own base
    dropout probability (observed / expected), for redemption visits and all other visits:
    comparing raw rates would mix heavy redeemers with light, churn-prone non-redeemers."""
    v = rec.visits
    who = v["customer"].to_numpy()
    died_today = rec.death_day[who] == v["day"].to_numpy()
    expected = rec.dropout[who]
    out = []
    for label, mask in (("redemption", v["redeemed"].to_numpy()), ("other", ~v["redeemed"])):
        mask = np.asarray(mask)
        k, e = int(died_today[mask].sum()), float(expected[mask].sum())
        out.append(
            {
                "replication": replication,
                "visit": label,
                "visits": int(mask.sum()),
                "defections": k,
                "expected": e,
                "observed_over_expected": k / e if e else np.nan,
            }
        )
    return out


def mean_gap(runs: CardRuns, arm: str, position: int) -> np.ndarray:
    """Mean gap at ``position`` per replication."""
    t = runs.by_position
    sel = t[(t["arm"] == arm) & (t["position"] == position)].sort_values("replication")
    return sel["mean_gap"].to_numpy()


def shortening(runs: CardRuns, arm: str) -> np.ndarray:
    """Per replication: 1 - (gap from stamp 9 to 10) / (gap from stamp 1 to 2)."""
    return 1.0 - mean_gap(runs, arm, CARD - 1) / mean_gap(runs, arm, 1)
