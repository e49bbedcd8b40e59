"""Finding 7: a generic points program adds little and can lose money (McKinsey 2013)."""

from __future__ import annotations

import numpy as np

from experiments.fidelity.harness import (
    FULL,
    NOT_REPRODUCED,
    REPRODUCED,
    ROOT,
    Finding,
    Outcome,
    Scale,
    figure,
    save,
)
from loyalsim.experiments.simulate import simulate
from loyalsim.scenario.loader import load_scenario, with_overrides

FINDING = Finding(
    7,
    "f07_incrementality",
    "Incrementality",
    "McKinsey (2013), 'Making loyalty programs pay', 55 companies",
    "A generic points program yields low single-digit incremental sales and can lose money; "
    "the break-even sales lift for a 1%-back grocer is a few percent.",
    "incremental sales 0-5%; break-even lift (program cost / (control sales x margin)) 1-10%",
)


def run(scale: Scale) -> Outcome:
    grocer = load_scenario(ROOT / "scenarios" / "grocer_points_expiry.yaml")
    scenario = with_overrides(
        grocer,
        {
            "population.size": scale.size,
            "horizon": {"weeks": scale.weeks},
            "program.enrolment.signup_bonus": 0,
            # fixed costs scale with the customer base, so break-even does not depend on size
            "economics.fixed_cost_per_year": grocer.economics.fixed_cost_per_year
            * scale.size
            / grocer.population.size,
            **({"behaviour.preset": scale.preset} if scale.preset else {}),
        },
    )
    result = simulate(scenario, seed=scale.seed, replications=scale.replications)
    table = result.kpi_table()[
        ["revenue", "control_revenue", "incremental_revenue_pct", "program_cost",
         "incremental_profit"]
    ].copy()  # fmt: skip
    margin = scenario.economics.gross_margin
    table["break_even_lift"] = table["program_cost"] / (table["control_revenue"] * margin)
    measured = {
        "incremental_sales_pct": float(table["incremental_revenue_pct"].mean()),
        "break_even_lift": float(table["break_even_lift"].mean()),
        "incremental_profit": float(table["incremental_profit"].mean()),
        "profitable_replications": int(np.sum(table["incremental_profit"] > 0)),
    }
    ok = (
        0 < measured["incremental_sales_pct"] < 0.05 and 0.01 <= measured["break_even_lift"] <= 0.10
    )
    note = "within band" if ok else "outside the band: see table"
    if measured["incremental_profit"] < 0:
        note += "; the program loses money against the no-program control"
    table = table.rename_axis("replication").reset_index()

    def draw(path):
        def plot(ax):
            ax.bar(
                ["incremental sales", "break-even lift"],
                [100 * measured["incremental_sales_pct"], 100 * measured["break_even_lift"]],
                color=["tab:green", "tab:red"],
            )
            ax.set(ylabel="% of no-program sales")

        figure(path, plot, "1%-back grocer: sales lift against the lift needed to break even")

    return Outcome(FINDING, REPRODUCED if ok else NOT_REPRODUCED, measured, note, table, draw)


if __name__ == "__main__":
    outcome = run(FULL)
    print(save(outcome), outcome.row())
