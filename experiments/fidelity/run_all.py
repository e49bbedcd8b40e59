"""Run every fidelity experiment at full scale; write results and the summary table.

python -m experiments.fidelity.run_all            # full scale (a few minutes)
python -m experiments.fidelity.run_all --reduced  # the test scale
"""

from __future__ import annotations

import sys

import pandas as pd

from experiments.fidelity import (
    f01_goal_gradient,
    f02_post_reward_reset,
    f03_light_heavy,
    f04_demotion,
    f05_breakage,
    f06_transaction_splitting,
    f07_incrementality,
    f08_surprise,
    f09_referral,
    f10_rival_memberships,
    f11_endowed_progress,
)
from experiments.fidelity.harness import FULL, REDUCED, RESULTS, Outcome, save

MODULES = (
    f01_goal_gradient,
    f02_post_reward_reset,
    f03_light_heavy,
    f04_demotion,
    f05_breakage,
    f06_transaction_splitting,
    f07_incrementality,
    f08_surprise,
    f09_referral,
    f10_rival_memberships,
    f11_endowed_progress,
)


def main(reduced: bool = False) -> pd.DataFrame:
    scale = REDUCED if reduced else FULL
    outcomes: list[Outcome] = []
    for module in MODULES:
        kwargs = {"sensitivity": True} if module is f01_goal_gradient and not reduced else {}
        outcome = module.run(scale, **kwargs)
        save(outcome)
        outcomes.append(outcome)
        print(f"{outcome.finding.number:>2}. {outcome.finding.title}: {outcome.status}")
    table = pd.DataFrame([o.row() for o in outcomes])
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "summary.csv", index=False)
    (RESULTS / "summary.md").write_text(markdown(table))
    return table


def markdown(table: pd.DataFrame) -> str:
    """A GitHub markdown table (no extra dependency)."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main(reduced="--reduced" in sys.argv)
