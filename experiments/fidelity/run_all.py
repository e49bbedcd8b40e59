"""Run every fidelity experiment at full scale; write results and the summary table.

python -m experiments.fidelity.run_all            # full scale (a few minutes)
python -m experiments.fidelity.run_all --reduced  # the test scale
"""

from __future__ import annotations

import pkgutil
import re
import sys
from importlib import import_module
from pathlib import Path

import pandas as pd

from experiments.fidelity.harness import FULL, REDUCED, RESULTS, Outcome, save

PACKAGE = Path(__file__).parent
MODULES = tuple(
    import_module(f"experiments.fidelity.{info.name}")
    for info in sorted(pkgutil.iter_modules([str(PACKAGE)]), key=lambda info: info.name)
    if re.fullmatch(r"f\d\d_\w+", info.name)
)
"""Every finding module (``fNN_name.py``) of this package, in number order."""


def main(reduced: bool = False) -> pd.DataFrame:
    scale = REDUCED if reduced else FULL
    outcomes: list[Outcome] = []
    for module in MODULES:
        kwargs = {"sensitivity": True} if module.FINDING.number == 1 and not reduced else {}
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
