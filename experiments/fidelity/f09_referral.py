"""Finding 9: referred customers defect less and are worth more (Schmitt, Skiera & Van den
Bulte 2011).

"Comparable non-referred customers" are the *same* customers without the referred traits: the
referral design is run twice on common random numbers, once as shipped and once with
``dropout_reduction = 0`` and ``spend_premium = 0``. The customers compared are those referred
on the same day in both runs (the same reserve rows: same segment, traits, arrival day and
random streams), so the only difference is having come through a referral — the matched
comparison the study approximates with covariates, here exact.
"""

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
from loyalsim.engine.world import NEVER
from loyalsim.mechanics.referral import Referral

FINDING = Finding(
    9,
    "f09_referral",
    "Referral",
    "Schmitt, Skiera & Van den Bulte (2011), J. Marketing 75(1)",
    "Referred customers defect about 18% less and are worth at least 16% more.",
    "against the same customers without the referred traits (common random numbers): "
    "defection by the horizon 10-25% lower; margin (spend x gross margin) >= 16% higher",
)
NEUTRAL = {"program.referral.dropout_reduction": 0.0, "program.referral.spend_premium": 0.0}


def _arm(scale: Scale, r: int, overrides: dict | None = None):
    scenario = shipped("coffee_app", scale, overrides)
    rec, arm = run_recorded(scenario, scale.seed, r)
    referral = next(m for m in arm.mechanics if isinstance(m, Referral))
    n = arm.world.pop.size
    spend = np.bincount(rec.visits["customer"], rec.visits["spend"], minlength=n)
    margin = scenario.economics.gross_margin
    return referral._referred_day, rec.death_day >= 0, margin * spend


def run(scale: Scale) -> Outcome:
    rows = []
    for r in range(scale.replications):
        day_a, dead_a, value_a = _arm(scale, r)
        day_b, dead_b, value_b = _arm(scale, r, NEUTRAL)
        same = (day_a != NEVER) & (day_a == day_b)
        rows.append(
            {
                "replication": r,
                "referred_in_both": int(same.sum()),
                "defected_referred": float(dead_a[same].mean()),
                "defected_without_traits": float(dead_b[same].mean()),
                "margin_referred": float(value_a[same].mean()),
                "margin_without_traits": float(value_b[same].mean()),
            }
        )
    table = pd.DataFrame(rows)
    table["defection_reduction"] = 1 - table["defected_referred"] / table["defected_without_traits"]
    table["value_premium"] = table["margin_referred"] / table["margin_without_traits"] - 1
    n = len(table)
    measured = {
        "defection_reduction": float(table["defection_reduction"].mean()),
        "defection_reduction_se": float(table["defection_reduction"].std(ddof=1) / np.sqrt(n)),
        "value_premium": float(table["value_premium"].mean()),
        "value_premium_se": float(table["value_premium"].std(ddof=1) / np.sqrt(n)),
        "referred_in_both": float(table["referred_in_both"].mean()),
    }
    churn_ok = 0.10 <= measured["defection_reduction"] <= 0.25
    value_ok = measured["value_premium"] >= 0.16
    status = (
        REPRODUCED
        if churn_ok and value_ok
        else PARTIAL
        if churn_ok or value_ok
        else (NOT_REPRODUCED)
    )
    notes = []
    if not churn_ok:
        notes.append(
            "defection by the horizon falls less than the 18% per-visit dropout reduction: "
            "heavy visitors among the referred defect within the year either way"
        )
    if not value_ok:
        notes.append(
            "value premium below 16%: the default spend_premium (10%, halving every 180 days) "
            "plus the lower churn give less within the horizon"
        )
    note = "; ".join(notes) or "within band (the 18% per-visit dropout reduction is an input)"

    def draw(path):
        def plot(ax):
            x = np.arange(2)
            a = [table["defected_referred"].mean(), table["margin_referred"].mean()]
            b = [table["defected_without_traits"].mean(), table["margin_without_traits"].mean()]
            rel = [x_ / y_ for x_, y_ in zip(a, b, strict=True)]
            ax.bar(x, rel, color=["tab:blue", "tab:green"])
            ax.axhline(1, color="black", lw=0.8)
            ax.set_xticks(x, ["defected by horizon", "margin to horizon"])
            ax.set(ylabel="referred / same customers without referred traits")

        figure(path, plot, "Referred customers vs themselves without the referral")

    return Outcome(FINDING, status, measured, note, table, draw)


if __name__ == "__main__":
    outcome = run(FULL)
    print(save(outcome), outcome.row())
