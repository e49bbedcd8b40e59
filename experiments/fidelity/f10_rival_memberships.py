"""Finding 10: activity in the program falls as memberships in rival programs rise."""

from __future__ import annotations

import itertools

import numpy as np

from experiments.fidelity.harness import (
    FULL,
    NOT_REPRODUCED,
    REPRODUCED,
    Finding,
    Outcome,
    Scale,
    coffee,
    figure,
    save,
)
from loyalsim.experiments.compare import Arm, compare
from loyalsim.scenario.loader import with_overrides

FINDING = Finding(
    10,
    "f10_rival_memberships",
    "Rival memberships",
    "Colloquy loyalty census (2015); Bond Loyalty Report (~14 memberships, about half active)",
    "Activity in this program falls as memberships in rival programs rise.",
    "incremental visits strictly decrease with the mean number of rival memberships",
)
MEANS = (0.5, 3.0, 7.0, 14.0)
"""Poisson means (Poisson needs a positive mean; 0.5 stands in for 'almost none')."""


def _rivals(scenario, mean: float):
    n = len(scenario.population.segments)
    dist = {"dist": "poisson", "mean": mean}
    return {f"population.segments[{i}].rival_memberships": dist for i in range(n)}


def run(scale: Scale) -> Outcome:
    base = coffee(scale)
    arms = [Arm(f"rivals_{m:g}", with_overrides(base, _rivals(base, m))) for m in MEANS]
    result = compare(arms[0], arms[1:], scale.replications, scale.seed)
    t = result.table
    table = t[t["kpi"].isin(["incremental_revenue_pct", "active_member_rate"])]
    table = table.reset_index(drop=True)
    visits = {}
    for arm in arms:
        k = result.runs[arm.name].kpi_table()
        visits[arm.name] = float(np.mean(k["visits"] / k["control_visits"] - 1.0))
    lifts = [visits[a.name] for a in arms]
    measured = {f"visit_lift_rivals_{m:g}": v for m, v in zip(MEANS, lifts, strict=True)}
    ok = all(a > b for a, b in itertools.pairwise(lifts))
    note = "within band" if ok else "not monotone: see table"

    def draw(path):
        def plot(ax):
            ax.plot(MEANS, [100 * v for v in lifts], marker="o")
            ax.set(xlabel="mean rival memberships per customer", ylabel="visit lift vs control (%)")

        figure(path, plot, "Program activity against rival memberships")

    return Outcome(FINDING, REPRODUCED if ok else NOT_REPRODUCED, measured, note, table, draw)


if __name__ == "__main__":
    outcome = run(FULL)
    print(save(outcome), outcome.row())
