"""Finding 1: goal gradient on a buy-10-get-1 card (Kivetz, Urminsky & Zheng 2006)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.fidelity.cards import CARD, shortening, stamp_card_runs
from experiments.fidelity.harness import (
    FULL,
    NOT_REPRODUCED,
    REPRODUCED,
    Finding,
    Outcome,
    Scale,
    figure,
    save,
)

FINDING = Finding(
    1,
    "f01_goal_gradient",
    "Goal gradient",
    "Kivetz, Urminsky & Zheng (2006), J. Marketing Research 43(1)",
    "Inter-purchase time shortens as the card fills; no acceleration without a reward.",
    "card: 15-25% shorter gap from stamp 9->10 than 1->2; control: < 5%",
)
SENSITIVITY = (1.5, 4.5)
"""Other goal-gradient strengths run at full scale: half and one and a half times the default."""


def run(scale: Scale, sensitivity: bool = False) -> Outcome:
    runs = stamp_card_runs(scale)
    card = shortening(runs, "buy-10-get-1")
    control = shortening(runs, "no-reward control")
    table = runs.by_position.assign(goal_gradient="default (3.0)")
    measured = {
        "card_shortening": float(np.mean(card)),
        "control_shortening": float(np.mean(control)),
    }
    if sensitivity:
        for g in SENSITIVITY:
            extra = stamp_card_runs(scale, g)
            measured[f"card_shortening_at_goal_gradient_{g:g}"] = float(
                np.mean(shortening(extra, "buy-10-get-1"))
            )
            table = pd.concat([table, extra.by_position.assign(goal_gradient=f"{g:g}")])
    ok = 0.15 <= measured["card_shortening"] <= 0.25 and measured["control_shortening"] < 0.05
    note = (
        "within band"
        if ok
        else "outside the band: see the sensitivity runs for the goal_gradient it would need"
    )

    def draw(path):
        mean = table.groupby(["goal_gradient", "arm", "position"])["mean_gap"].mean()
        mean = mean.reset_index()

        def plot(ax):
            for (g, arm), part in mean[mean["position"] > 0].groupby(["goal_gradient", "arm"]):
                if arm == "no-reward control" and g != "default (3.0)":
                    continue
                label = arm if arm != "buy-10-get-1" else f"card, goal_gradient {g}"
                ax.plot(part["position"], part["mean_gap"], marker="o", label=label)
            ax.set(xlabel=f"gap from stamp k to k+1 (card of {CARD})", ylabel="mean days")
            ax.legend(fontsize=8)

        figure(path, plot, "Inter-purchase time by stamp position")

    status = REPRODUCED if ok else NOT_REPRODUCED
    return Outcome(FINDING, status, measured, note, table, draw)


if __name__ == "__main__":
    outcome = run(FULL, sensitivity=True)
    print(save(outcome), outcome.row())
