"""Finding 11: endowed progress (Nunes & Dreze 2006): a card of 10 with 2 stamps given is
completed more often than a card of 8 with none, though both need 8 purchases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from experiments.fidelity.cards import FLAT
from experiments.fidelity.harness import (
    FULL,
    NOT_REPRODUCED,
    PARTIAL,
    REPRODUCED,
    Finding,
    Outcome,
    Scale,
    coffee,
    figure,
    run_recorded,
    save,
)

FINDING = Finding(
    11,
    "f11_endowed_progress",
    "Endowed progress",
    "Nunes & Dreze (2006), J. Consumer Research 32(4)",
    "Of two cards needing eight purchases, the one presented as 10 stamps with 2 given is "
    "completed more often (34% vs 19% at a car wash) and faster.",
    "completion of the endowed card / the plain card: > 1 beyond 1.96 SE (direction) and "
    "1.3-2.3 (size: the published 1.79 with a wide margin for a different category)",
)
CARDS = {"plain 8": (8, 0), "10 with 2 given": (10, 2)}
WEEKS = 8
"""A short window, as in the study: about a quarter to a third of the plain cards complete."""


def card(scale: Scale, points: int, bonus: int):
    program = {
        "enrolment": {"initial_share": 1.0, "signup_bonus": bonus},
        "stamps": {"kind": "visit_earning", "points_per_visit": 1},
        "rewards": {"catalogue": [{"name": "free coffee", "points": points, "cost": 1.1,
                                   "value": 4.5}]},
    }  # fmt: skip
    return coffee(scale, {"program": program, "population.seasonality": FLAT})


def run(scale: Scale) -> Outcome:
    short = dataclasses.replace(scale, weeks=WEEKS)
    rows = []
    for label, (points, bonus) in CARDS.items():
        scenario = card(short, points, bonus)
        for r in range(short.replications):
            _, arm = run_recorded(scenario, short.seed, r)
            w = arm.world
            done = float(np.mean(w.ledger.redeemed[w.member] > 0))
            rows.append({"card": label, "replication": r, "completion": done})
    table = pd.DataFrame(rows)
    wide = table.pivot(index="replication", columns="card", values="completion")
    ratio = (wide["10 with 2 given"] / wide["plain 8"]).to_numpy()
    se = float(ratio.std(ddof=1) / np.sqrt(ratio.size)) if ratio.size > 1 else float("nan")
    measured = {
        "completion_plain": float(wide["plain 8"].mean()),
        "completion_endowed": float(wide["10 with 2 given"].mean()),
        "completion_ratio": float(ratio.mean()),
        "completion_ratio_se": se,
    }
    direction = measured["completion_ratio"] - 1.96 * se > 1.0
    size = 1.3 <= measured["completion_ratio"] <= 2.3
    status = REPRODUCED if direction and size else PARTIAL if direction else NOT_REPRODUCED
    note = (
        "within band"
        if status == REPRODUCED
        else (
            "direction reproduced, size not: the head start raises the early pull "
            "(behaviour.endowed_progress), but completion within the window is driven mostly "
            "by base visit rates; the study's abandonment (motivation) channel is not modelled"
        )
    )

    def draw(path):
        def plot(ax):
            mean = table.groupby("card")["completion"].mean()
            ax.bar(list(mean.index), 100 * mean.to_numpy(), color=["tab:grey", "tab:green"])
            ax.set(ylabel=f"cards completed within {WEEKS} weeks (%)")

        figure(path, plot, "Endowed progress: same eight purchases, different framing")

    return Outcome(FINDING, status, measured, note, table, draw)


if __name__ == "__main__":
    outcome = run(FULL)
    print(save(outcome), outcome.row())
