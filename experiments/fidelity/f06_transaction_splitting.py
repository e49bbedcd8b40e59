"""Finding 6: visit-based earning invites transaction splitting; spend-based earning removes it
and changes the reward rate of low-ticket customers (Starbucks Rewards change, 2016)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.fidelity.harness import (
    FULL,
    NOT_REPRODUCED,
    PARTIAL,
    REPRODUCED,
    Finding,
    Outcome,
    Scale,
    figure,
    run_recorded,
    save,
    shipped,
)
from loyalsim.engine.population import NOT_YET
from loyalsim.engine.world import NEVER
from loyalsim.scenario.models import Scenario

FINDING = Finding(
    6,
    "f06_transaction_splitting",
    "Transaction splitting",
    "Starbucks Rewards change (2016)",
    "Visit-based earning invites transaction splitting; spend-based earning removes it and "
    "changes the reward rate of low-ticket customers.",
    "per visit: transactions per member visit > 1 and reward cost above the same design "
    "without splitters; per dollar: exactly 1; reward cost per dollar of the low-ticket third "
    "falls when switching to per-dollar earning, more than the high-ticket third's",
)
ARMS = ("per_visit", "per_visit_no_splitters", "per_dollar")
THIRDS = ("low", "middle", "high")


def scenarios(scale: Scale) -> dict[str, Scenario]:
    """Stars per visit (Starbucks before April 2016), the same without splitters, and stars
    per dollar (after), all on one population and seed (common random numbers)."""
    per_visit = shipped("coffee_app_per_visit", scale)
    return {
        "per_visit": per_visit,
        "per_visit_no_splitters": shipped(
            "coffee_app_per_visit", scale, {"program.splitting.share": 0.0}
        ),
        "per_dollar": shipped("coffee_app", scale),
    }


def _reward_cost(scenario: Scenario, redeemed_points: np.ndarray) -> np.ndarray:
    """Cost of each visit's redemption (one reward at most per visit: points -> item)."""
    items = scenario.program["rewards"].catalogue
    cost = np.zeros(redeemed_points.size)
    for item in items:
        cost[redeemed_points == item.points] = item.cost
    return cost


def _measure(scenario: Scenario, scale: Scale, r: int) -> dict[str, float]:
    rec, arm = run_recorded(scenario, scale.seed, r)
    world = arm.world
    v = rec.visits
    enrolled_on = world.enrol_day[v["customer"].to_numpy()]
    member = (enrolled_on != NEVER) & (enrolled_on <= v["day"].to_numpy())
    n = world.pop.size
    mean_ticket = world.pop.mean_spend
    regular = np.flatnonzero(world.pop.arrival_day != NOT_YET)
    cuts = np.quantile(mean_ticket[regular], [1 / 3, 2 / 3])
    third = np.digitize(mean_ticket, cuts)
    cost = _reward_cost(scenario, v["redeemed_points"].to_numpy())
    who = v["customer"].to_numpy()[member]
    spend = np.bincount(who, v["spend"].to_numpy()[member], minlength=n)
    paid = np.bincount(who, cost[member], minlength=n)
    out = {
        "transactions_per_member_visit": float(v["transactions"].to_numpy()[member].mean()),
        "reward_cost": float(cost.sum()),
        "member_spend": float(spend.sum()),
    }
    enrolled = world.enrol_day != NEVER
    for g, name in enumerate(THIRDS):
        sel = enrolled & (third == g)
        out[f"reward_rate_{name}"] = float(paid[sel].sum() / spend[sel].sum())
    return out


def run(scale: Scale) -> Outcome:
    rows = []
    for name, scenario in scenarios(scale).items():
        for r in range(scale.replications):
            rows.append({"arm": name, "replication": r, **_measure(scenario, scale, r)})
    table = pd.DataFrame(rows)
    by = table.set_index(["arm", "replication"])

    def paired(a: str, b: str, col: str) -> tuple[float, float]:
        """Mean and standard error over replications of ``col`` in ``a`` relative to ``b``."""
        ratio = by.loc[a, col] / by.loc[b, col] - 1.0
        se = float(ratio.std(ddof=1) / np.sqrt(ratio.size)) if ratio.size > 1 else float("nan")
        return float(ratio.mean()), se

    mean = table.groupby("arm").mean(numeric_only=True)
    split_cost, split_cost_se = paired("per_visit", "per_visit_no_splitters", "reward_cost")
    low, low_se = paired("per_dollar", "per_visit", "reward_rate_low")
    high, high_se = paired("per_dollar", "per_visit", "reward_rate_high")
    measured = {
        "tpv_per_visit": float(mean.loc["per_visit", "transactions_per_member_visit"]),
        "tpv_per_dollar": float(mean.loc["per_dollar", "transactions_per_member_visit"]),
        "reward_cost_from_splitting": split_cost,
        "reward_cost_from_splitting_se": split_cost_se,
        "reward_rate_low_per_visit": float(mean.loc["per_visit", "reward_rate_low"]),
        "reward_rate_low_per_dollar": float(mean.loc["per_dollar", "reward_rate_low"]),
        "reward_rate_change_low": low,
        "reward_rate_change_low_se": low_se,
        "reward_rate_change_high": high,
        "reward_rate_change_high_se": high_se,
    }
    splitting_ok = (
        measured["tpv_per_visit"] > 1.0 and measured["tpv_per_dollar"] == 1.0 and split_cost > 0
    )
    rate_ok = low < 0 and low < high
    status = (
        REPRODUCED
        if splitting_ok and rate_ok
        else PARTIAL
        if splitting_ok or rate_ok
        else NOT_REPRODUCED
    )
    notes = []
    if not splitting_ok:
        notes.append("splitting does not appear under per-visit earning or survives per-dollar")
    if not rate_ok:
        notes.append("the low-ticket reward rate does not fall more than the high-ticket one")
    note = "; ".join(notes) or (
        "within band; splitting share and ticket floor are assumptions (no published rate)"
    )

    def draw(path):
        def plot(ax):
            x = np.arange(len(THIRDS))
            for k, arm in enumerate(ARMS):
                vals = [100 * mean.loc[arm, f"reward_rate_{g}"] for g in THIRDS]
                ax.bar(x + (k - 1) * 0.27, vals, width=0.27, label=arm.replace("_", " "))
            ax.set_xticks(x, [f"{g} ticket" for g in THIRDS])
            ax.set(ylabel="reward cost per dollar of member spend (%)")
            ax.legend(fontsize=8)

        figure(path, plot, "Reward rate by ticket size: stars per visit vs stars per dollar")

    return Outcome(FINDING, status, measured, note, table, draw)


if __name__ == "__main__":
    outcome = run(FULL)
    print(save(outcome), outcome.row())
