"""Replicate the observed data in simulation: a program history and a pilot, in memory.

The simulated history covers the observed history's dates (``start_date`` and horizon set from
them); the simulated pilot runs a no-program pre-period on the same customers (its own random
streams, replication offset ``PRE_PERIOD``), then the pilot period with the program arm for the
treated customers and the control arm for the others. Fixed ``(seed, replication)`` pairs give
common random numbers across candidate parameter vectors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyalsim.engine.rng import generator
from loyalsim.experiments.response.history import (
    HistoryRecorder,
    Pilot,
    ProgramHistory,
    history_from_recorder,
)
from loyalsim.experiments.response.moments import pilot_start
from loyalsim.experiments.simulate import at_simulated_scale, build_population, run_arm
from loyalsim.scenario.models import Horizon, Scenario

PRE_PERIOD = 1_000_003
"""Replication offset of the pilot's pre-period streams (independent of the pilot period's)."""


def over_period(scenario: Scenario, start: dt.date, end: dt.date) -> Scenario:
    """``scenario`` simulated from ``start`` to ``end`` (inclusive)."""
    days = (end - start).days + 1
    return scenario.model_copy(update={"start_date": start, "horizon": Horizon(days=days)})


def replicate_history(scenario: Scenario, seed: int, replication: int) -> ProgramHistory:
    """The program arm's history over the scenario's horizon."""
    scenario = at_simulated_scale(scenario)
    population = build_population(scenario, seed, replication)
    recorder = HistoryRecorder()
    run_arm(scenario, population, seed, replication, {}, True, [recorder])
    return history_from_recorder(recorder, "program")


@dataclass(frozen=True)
class PilotShape:
    """What a simulated pilot copies from the observed one: its dates and treated share."""

    start: dt.date
    launch: dt.date
    end: dt.date
    treated_share: float

    @classmethod
    def of(cls, pilot: Pilot) -> PilotShape:
        share = float((pilot.assignment["group"] == "treated").mean())
        return cls(pilot.start, pilot_start(pilot), pilot.end, share)


def replicate_pilot(scenario: Scenario, shape: PilotShape, seed: int, replication: int) -> Pilot:
    """A pilot shaped like the observed one: a no-program pre-period, then the program arm for
    a random ``treated_share`` of the customers and the control arm for the others."""
    pilot_scenario = at_simulated_scale(over_period(scenario, shape.launch, shape.end))
    population = build_population(pilot_scenario, seed, replication)
    pre_days = (shape.launch - shape.start).days
    parts = []
    if pre_days > 0:
        pre = pilot_scenario.model_copy(
            update={"start_date": shape.start, "horizon": Horizon(days=pre_days)}
        )
        recorder = HistoryRecorder()
        run_arm(pre, population, seed, replication + PRE_PERIOD, {}, False, [recorder])
        parts.append(recorder.frames("control")[0])
    recorder = HistoryRecorder()
    run_arm(pilot_scenario, population, seed, replication, {}, True, [recorder])
    run_arm(pilot_scenario, population, seed, replication, {}, False, [recorder])
    starters = np.flatnonzero(population.arrival_day == 0)
    u = generator(seed, replication, "pilot:assignment").random(starters.size)
    ids = np.char.add("c", starters.astype(str)).astype(object)
    treated = pd.Index(ids[u < shape.treated_share])
    program_tx = recorder.frames("program")[0]
    control_tx = recorder.frames("control")[0]
    parts.append(program_tx[program_tx["customer"].isin(treated)])
    parts.append(control_tx[~control_tx["customer"].isin(treated)])
    tx = pd.concat(parts, ignore_index=True)[["customer", "date", "amount"]]
    assignment = pd.DataFrame(
        {
            "customer": ids,
            "group": np.where(u < shape.treated_share, "treated", "control"),
            "start": pd.Timestamp(shape.launch),
        }
    )
    return Pilot(tx, assignment, shape.start, shape.end)
