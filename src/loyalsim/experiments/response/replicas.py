"""Replicate the observed data in simulation: a program history and a pilot, in memory.

The simulated history covers the observed history's dates (``start_date`` and horizon set from
them). The simulated pilot runs a no-program pre-period on the same customers (its own random
streams, replication offset ``PRE_PERIOD``), then the pilot period with the program arm for a
random treated share of the customers and the control arm for the others (the engine has no
delayed launch, so the pre-period is a separate no-program run). Fixed ``(seed, replication)``
pairs give common random numbers across candidate parameter vectors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyalsim.engine.recorder import ArmRecord, TransactionRecorder
from loyalsim.engine.rng import generator
from loyalsim.experiments.response.history import Pilot, ProgramHistory, typed
from loyalsim.experiments.response.pilot_moments import pilot_start
from loyalsim.experiments.response.simulated import (
    customer_ids,
    dates,
    history_from_record,
    simulate_history,
)
from loyalsim.experiments.simulate import at_simulated_scale, build_population, run_arm
from loyalsim.scenario.models import Horizon, Scenario

PRE_PERIOD = 1_000_003
"""Replication offset of the pilot's pre-period streams (independent of the pilot period's)."""


def as_date(value: dt.date | pd.Timestamp) -> dt.date:
    """A calendar date from a date or a timestamp."""
    return pd.Timestamp(value).date()


def over_period(scenario: Scenario, start: dt.date, end: dt.date) -> Scenario:
    """``scenario`` simulated from ``start`` to ``end`` (inclusive)."""
    first, last = as_date(start), as_date(end)
    days = (last - first).days + 1
    return scenario.model_copy(update={"start_date": first, "horizon": Horizon(days=days)})


def replicate_history(scenario: Scenario, seed: int, replication: int) -> ProgramHistory:
    """The program arm's history over the scenario's horizon."""
    recorded = simulate_history(scenario, seed, replication, control=False)
    return history_from_record(recorded.program)


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
        return cls(as_date(pilot.start), pilot_start(pilot), as_date(pilot.end), share)


def _log(record: ArmRecord, keep: np.ndarray) -> pd.DataFrame:
    sel = keep[record.row]
    return pd.DataFrame(
        {
            "customer": customer_ids(record.row[sel], record.size),
            "date": dates(record, record.day[sel]),
            "amount": record.amount[sel],
        }
    )


def replicate_pilot(scenario: Scenario, shape: PilotShape, seed: int, replication: int) -> Pilot:
    """A pilot shaped like the observed one: a no-program pre-period, then the program arm for
    a random ``treated_share`` of the day-0 customers and the control arm for the others."""
    pilot_scenario = over_period(scenario, shape.launch, shape.end)
    recorded = simulate_history(pilot_scenario, seed, replication)
    assert recorded.control is not None
    program, control = recorded.program, recorded.control
    engine = at_simulated_scale(pilot_scenario)
    population = build_population(engine, seed, replication)
    starters = np.flatnonzero(population.arrival_day == 0)
    u = generator(seed, replication, "pilot:assignment").random(starters.size)
    treated = np.zeros(program.size, dtype=bool)
    treated[starters[u < shape.treated_share]] = True
    assigned = np.zeros(program.size, dtype=bool)
    assigned[starters] = True
    parts = []
    pre_days = (shape.launch - shape.start).days
    if pre_days > 0:
        pre = engine.model_copy(
            update={"start_date": shape.start, "horizon": Horizon(days=pre_days)}
        )
        recorder = TransactionRecorder(None, arms=("control",))
        run_arm(pre, population, seed, replication + PRE_PERIOD, {}, False, [recorder])
        parts.append(_log(recorder.records["control"], assigned))
    parts.append(_log(program, treated))
    parts.append(_log(control, assigned & ~treated))
    tx = pd.concat(parts, ignore_index=True).sort_values(["customer", "date"], kind="stable")
    assignment = pd.DataFrame(
        {
            "customer": customer_ids(starters, program.size),
            "group": np.where(treated[starters], "treated", "control").astype(object),
            "start": pd.Timestamp(shape.launch),
        }
    )
    return Pilot(
        typed(tx.reset_index(drop=True)),
        typed(assignment),
        pd.Timestamp(shape.start),
        pd.Timestamp(shape.end),
    )
