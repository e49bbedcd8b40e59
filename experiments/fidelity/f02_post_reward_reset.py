"""Finding 2: post-reward reset (Kivetz et al. 2006) and churn right after redemption."""

from __future__ import annotations

import numpy as np

from experiments.fidelity.cards import CARD, mean_gap, stamp_card_runs
from experiments.fidelity.harness import (
    FULL,
    NOT_REPRODUCED,
    PARTIAL,
    REPRODUCED,
    Finding,
    Outcome,
    Scale,
    figure,
    save,
)

FINDING = Finding(
    2,
    "f02_post_reward_reset",
    "Post-reward reset",
    "Kivetz, Urminsky & Zheng (2006); Dreze & Nunes (2011)",
    "The first gap on the next card is longer than the last gap on the previous card and "
    "shorter than the first gap on it; churn rises right after redemption.",
    "last gap < first gap after reward < first gap of previous card; "
    "defections on redemption visits / expected > other visits",
)


def run(scale: Scale) -> Outcome:
    runs = stamp_card_runs(scale)
    arm = "buy-10-get-1"
    first, last, after = (mean_gap(runs, arm, p) for p in (1, CARD - 1, 0))
    churn = runs.churn.groupby("visit")[["defections", "expected"]].sum()
    ratio = (churn.loc["redemption", "defections"] / churn.loc["redemption", "expected"]) / (
        churn.loc["other", "defections"] / churn.loc["other", "expected"]
    )
    measured = {
        "gap_first_stamp": float(np.mean(first)),
        "gap_last_stamp": float(np.mean(last)),
        "gap_after_reward": float(np.mean(after)),
        "churn_ratio_after_redemption": float(ratio),
    }
    ordered = (
        measured["gap_last_stamp"] < measured["gap_after_reward"] < measured["gap_first_stamp"]
    )
    churn_up = ratio > 1.0
    status = REPRODUCED if ordered and churn_up else PARTIAL if churn_up else NOT_REPRODUCED
    note = (
        "within band"
        if status == REPRODUCED
        else (
            "churn after redemption rises (post_reward_dropout), but the gap after a reward is "
            "not longer than the last gap: with no real goal gradient on the card (finding 1) "
            "there is little acceleration to reset"
        )
    )
    table = runs.by_position[runs.by_position["arm"] == arm]

    def draw(path):
        mean = table.groupby("position")["mean_gap"].mean()

        def plot(ax):
            ax.bar(
                ["last gap\n(9->10)", "first gap after\nreward", "first gap\n(1->2)"],
                [mean[CARD - 1], mean[0], mean[1]],
                color=["tab:blue", "tab:orange", "tab:gray"],
            )
            ax.set(ylabel="mean days between purchases")
            ax.set_ylim(0.9 * min(mean[CARD - 1], mean[0], mean[1]), None)

        figure(path, plot, f"Post-reward reset (defection ratio after redemption {ratio:.2f})")

    return Outcome(FINDING, status, measured, note, runs.churn, draw)


if __name__ == "__main__":
    outcome = run(FULL)
    print(save(outcome), outcome.row())
