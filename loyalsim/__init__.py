"""loyalsim: design customer loyalty programs in a simulator before launching them."""

from loyalsim.errors import LoyalsimError, ScenarioError
from loyalsim.results import RunResult
from loyalsim.scenario.loader import load_scenario, with_overrides
from loyalsim.scenario.models import Scenario
from loyalsim.simulate import simulate

__all__ = [
    "LoyalsimError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "simulate",
    "with_overrides",
]
__version__ = "0.1.0"
