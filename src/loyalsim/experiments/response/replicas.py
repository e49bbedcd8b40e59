"""Replicate the observed data in simulation: a program history and a pilot, in memory.

The simulated history covers the observed history's dates (``start_date`` and horizon set from
them). The simulated pilot is one continuous run from the pre-period's first day to the pilot's
last, with the program launching on the pilot's start (``program_launch``): the program arm
for a random treated share of the customers there at the launch, the control arm for the
others. Before the launch both arms are the same to the bit, so every customer's state (alive,
purchase clock, attachment) carries from the pre-period into the pilot as in one history.
Fixed ``(seed, replication)`` pairs give common random numbers across candidate parameter
vectors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyalsim.engine.recorder import ArmRecord
from loyalsim.engine.rng import generator
from loyalsim.errors import DataError
from loyalsim.experiments.response.history import Pilot, ProgramHistory, typed
from loyalsim.experiments.response.pilot_moments import pilot_start
from loyalsim.experiments.response.simulated import (
    customer_ids,
    dates,
    history_from_record,
    simulate_history,
)
from loyalsim.experiments.simulate import at_simulated_scale, build_population
from loyalsim.scenario.models import Horizon, Scenario


def as_date(value: dt.date | pd.Timestamp) -> dt.date:
    """A calendar date from a date or a timestamp."""
    return pd.Timestamp(value).date()


def refuse_existing_base(scenario: Scenario, start: dt.date, launch: dt.date) -> None:
    """A program launching after the first simulated day cannot already run on it: the
    scenario may then not say so (``population.existing_base``)."""
    if launch > start and scenario.population.existing_base is not None:
        raise DataError(
            f"scenario '{scenario.name}': population.existing_base says the program already "
            f"runs, but the data launch it on {launch} after a pre-period from {start}; "
            "allowed: a scenario without existing_base for a later launch"
        )


def over_period(
    scenario: Scenario, start: dt.date, end: dt.date, launch: dt.date | None = None
) -> Scenario:
    """``scenario`` simulated from ``start`` to ``end`` (inclusive), the program launching on
    ``launch`` (default ``start``)."""
    first, last = as_date(start), as_date(end)
    days = (last - first).days + 1
    offset = 0 if launch is None else (as_date(launch) - first).days
    if not 0 <= offset < days:
        raise DataError(f"launch {launch} outside the simulated period {first} to {last}")
    if launch is not None:
        refuse_existing_base(scenario, first, as_date(launch))
    update = {"start_date": first, "horizon": Horizon(days=days), "program_launch": offset}
    return scenario.model_copy(update=update)


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
    """A pilot shaped like the observed one: one run from the pre-period's start to the
    pilot's end with the program launching on the pilot's start; of the customers there at the
    launch, a random ``treated_share`` gets the program arm's log, the others the control
    arm's (the same customers and luck: common random numbers)."""
    run = over_period(scenario, shape.start, shape.end, shape.launch)
    recorded = simulate_history(run, seed, replication)
    assert recorded.control is not None
    program, control = recorded.program, recorded.control
    population = build_population(at_simulated_scale(run), seed, replication)
    starters = np.flatnonzero(population.arrival_day <= run.launch_day)
    u = generator(seed, replication, "pilot:assignment").random(starters.size)
    treated = np.zeros(program.size, dtype=bool)
    treated[starters[u < shape.treated_share]] = True
    assigned = np.zeros(program.size, dtype=bool)
    assigned[starters] = True
    parts = [_log(program, treated), _log(control, assigned & ~treated)]
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
