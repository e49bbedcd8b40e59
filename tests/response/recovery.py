"""Shared set-up of the recovery tests: a history simulated from known parameters."""

from __future__ import annotations

import datetime as dt

from support import ROOT

from loyalsim.experiments.response.calibrate import ResponseCalibration, calibrate_response
from loyalsim.experiments.response.estimate import Settings
from loyalsim.experiments.response.replicas import over_period, replicate_history
from loyalsim.scenario.loader import load_scenario, with_overrides
from loyalsim.scenario.models import Scenario

TRUTH = {"goal_gradient": 2.5, "passive_redeem_prob": 0.15, "enrol_benefit_half": 12.0}
"""Known parameters of the simulated history (library defaults 3.5, 0.25 and 20)."""
START, END = dt.date(2026, 1, 5), dt.date(2026, 12, 31)


def scenario(size: int) -> Scenario:
    """The coffee punch card with ``size`` customers (library behaviour defaults)."""
    base = load_scenario(ROOT / "scenarios" / "coffee_punch_card.yaml")
    return with_overrides(base, {"population.size": size})


def recover(size: int, data_seed: int, settings: Settings) -> ResponseCalibration:
    """Simulate a history at ``TRUTH`` (seed ``data_seed``) and calibrate on it from the
    library defaults, with other seeds (no shared luck between data and fit)."""
    truth = with_overrides(scenario(size), {f"behaviour.{k}": v for k, v in TRUTH.items()})
    observed = replicate_history(over_period(truth, START, END), data_seed, 0)
    return calibrate_response(scenario(size), observed, None, list(TRUTH), settings)
