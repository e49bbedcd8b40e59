"""Shared set-up for mechanic tests: a small program and paired (CRN) comparisons."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from scipy import stats

from loyalsim.experiments.simulate import simulate
from loyalsim.metrics.results import RunResult
from loyalsim.scenario.loader import validate_data
from loyalsim.scenario.models import Scenario

BASE: dict[str, Any] = {
    "name": "mechanic test",
    "seed": 3,
    "horizon": {"weeks": 26},
    "replications": 4,
    "population": {
        "size": 3000,
        "segments": [
            {
                "name": "frequent",
                "share": 0.4,
                "purchase": {"r": 3.0, "alpha": 3.0, "time_unit": "week"},
                "dropout": {"a": 1.0, "b": 30.0},
                "spend": {"p": 3.0, "q": 4.0, "gamma": 60.0},
                "engaged_share": 0.7,
            },
            {
                "name": "light",
                "share": 0.6,
                "purchase": {"r": 1.0, "alpha": 4.0, "time_unit": "week"},
                "dropout": {"a": 1.0, "b": 8.0},
                "spend": {"p": 3.0, "q": 4.0, "gamma": 45.0},
                "engaged_share": 0.4,
            },
        ],
    },
    "program": {
        "earning": {"kind": "spend_earning", "points_per_unit": 1},
        "rewards": {
            "catalogue": [
                {"name": "gift", "points": 300, "cost": 6.0, "value": 10.0},
                {"name": "voucher", "points": 600, "cost": 12.0, "value": 12.0, "type": "voucher"},
            ]
        },
    },
    "economics": {"gross_margin": 0.4},
}

TIERS: dict[str, Any] = {
    "kind": "tiers",
    "qualify_on": "spend",
    "window_days": 91,
    "review_every_days": 28,
    "tiers": [
        {"name": "base", "threshold": 0},
        {"name": "silver", "threshold": 400, "earn_multiplier": 1.5},
        {"name": "gold", "threshold": 1200, "earn_multiplier": 2.0, "experience_access": True},
    ],
}


def scenario(program: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """The base scenario with extra mechanics (``None`` removes one) and top-level changes."""
    data = copy.deepcopy(BASE)
    for name, spec in (program or {}).items():
        if spec is None:
            data["program"].pop(name)
        else:
            data["program"][name] = spec
    data.update(top)
    return validate_data(data, "test scenario")


def diffs(a: RunResult, b: RunResult, key: str) -> np.ndarray:
    """Per-replication paired differences of a KPI (both runs on the same random numbers)."""
    return a.kpi_table()[key].to_numpy() - b.kpi_table()[key].to_numpy()


def assert_positive(d: np.ndarray, level: float = 0.99) -> None:
    """The mean paired difference is above zero by more than its one-sided t bound."""
    n = d.size
    se = float(np.std(d, ddof=1) / np.sqrt(n))
    bound = float(stats.t.ppf(level, n - 1)) * se
    assert d.mean() > bound, f"mean difference {d.mean():.4g} not above {bound:.4g} (diffs {d})"


def run(s: Scenario) -> RunResult:
    result = simulate(s)
    for r in result.replications:
        assert r.arm is not None
        r.arm.world.ledger.check_identity()
    return result
