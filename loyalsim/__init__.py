"""loyalsim: design customer loyalty programs in a simulator before launching them."""

from loyalsim.errors import LoyalsimError, ScenarioError
from loyalsim.experiments.compare import Arm, Comparison, compare
from loyalsim.experiments.scenarios import load_scenario, with_overrides
from loyalsim.experiments.simulate import simulate
from loyalsim.metrics.results import RunResult
from loyalsim.scenario.models import Scenario

__all__ = [
    "Arm",
    "Comparison",
    "LoyalsimError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "compare",
    "load_scenario",
    "simulate",
    "with_overrides",
]
__version__ = "0.1.0"
