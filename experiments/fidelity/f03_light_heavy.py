"""Finding 3: the program lifts light and moderate buyers; heavy buyers barely change (Liu 2007)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.fidelity.harness import (
    FULL,
    NOT_REPRODUCED,
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
    3,
    "f03_light_heavy",
    "Light vs heavy buyers",
    "Liu (2007), J. Marketing 71(4); Hartmann & Viard (2008)",
    "The program lifts light and moderate buyers; heavy buyers barely change.",
    "visit lift of light and moderate thirds > 0; heavy third < half the light lift and < 2%",
)
GROUPS = ("light", "moderate", "heavy")


def run(scale: Scale) -> Outcome:
    scenario = coffee(scale)
    rows = []
    for r in range(scale.replications):
        prog, _ = run_recorded(scenario, scale.seed, r, with_program=True)
        ctrl, _ = run_recorded(scenario, scale.seed, r, with_program=False)
        n = prog.rate.size
        third = np.digitize(prog.rate, np.quantile(prog.rate, [1 / 3, 2 / 3]))
        v_prog = np.bincount(prog.visits["customer"], minlength=n)
        v_ctrl = np.bincount(ctrl.visits["customer"], minlength=n)
        for g, name in enumerate(GROUPS):
            sel = third == g
            lift = v_prog[sel].sum() / v_ctrl[sel].sum() - 1.0
            rows.append({"replication": r, "buyers": name, "visit_lift": lift})
    table = pd.DataFrame(rows)
    lift = table.groupby("buyers")["visit_lift"].mean()
    measured = {f"lift_{g}": float(lift[g]) for g in GROUPS}
    ok = (
        lift["light"] > 0
        and lift["moderate"] > 0
        and lift["heavy"] < 0.5 * lift["light"]
        and lift["heavy"] < 0.02
    )
    note = "within band" if ok else "see table: lift by thirds of the base visit rate"

    def draw(path):
        def plot(ax):
            ax.bar(GROUPS, [100 * lift[g] for g in GROUPS], color="tab:green")
            ax.axhline(0, color="black", lw=0.8)
            ax.set(ylabel="visits with program vs control (%)", xlabel="thirds of base visit rate")

        figure(path, plot, "Program lift by buyer weight (same customers, same luck)")

    return Outcome(FINDING, REPRODUCED if ok else NOT_REPRODUCED, measured, note, table, draw)


if __name__ == "__main__":
    outcome = run(FULL)
    print(save(outcome), outcome.row())
