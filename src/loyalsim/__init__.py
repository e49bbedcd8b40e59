"""loyalsim: design customer loyalty programs in a simulator before launching them.

The public names are imported on first use (module ``__getattr__``), so ``import loyalsim``
and the CLI's ``--help``/``--version``/``validate`` do not pay for pandas, scipy, optuna or
matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loyalsim.api import (
        Compared,
        ResponseCalibrated,
        Run,
        calibrate_response,
        compare,
        simulate,
    )
    from loyalsim.errors import LoyalsimError, ScenarioError
    from loyalsim.experiments.compare import Arm, Comparison
    from loyalsim.experiments.scenarios import load_scenario, with_overrides
    from loyalsim.metrics.results import RunResult
    from loyalsim.scenario.models import Scenario

_PUBLIC = {
    "Arm": "loyalsim.experiments.compare",
    "Compared": "loyalsim.api",
    "Comparison": "loyalsim.experiments.compare",
    "LoyalsimError": "loyalsim.errors",
    "ResponseCalibrated": "loyalsim.api",
    "Run": "loyalsim.api",
    "RunResult": "loyalsim.metrics.results",
    "Scenario": "loyalsim.scenario.models",
    "ScenarioError": "loyalsim.errors",
    "calibrate_response": "loyalsim.api",
    "compare": "loyalsim.api",
    "load_scenario": "loyalsim.experiments.scenarios",
    "simulate": "loyalsim.api",
    "with_overrides": "loyalsim.experiments.scenarios",
}
"""Public name -> the module that defines it."""

__all__ = [
    "Arm",
    "Compared",
    "Comparison",
    "LoyalsimError",
    "ResponseCalibrated",
    "Run",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "calibrate_response",
    "compare",
    "load_scenario",
    "simulate",
    "with_overrides",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access and cache the name here."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'loyalsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
