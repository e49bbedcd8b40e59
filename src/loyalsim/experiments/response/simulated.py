"""Simulated program histories and pilots, in memory: data with a known truth.

:func:`simulate_history` runs one replication of a scenario with a
:class:`~loyalsim.engine.recorder.TransactionRecorder` (both arms, no KPIs computed) and returns
the :class:`Recorded` arms; :func:`history_from_record` and :func:`pilot_from_records` turn them
into a :class:`~loyalsim.experiments.response.history.ProgramHistory` and a
:class:`~loyalsim.experiments.response.history.Pilot` exactly as :func:`read_history` and
:func:`read_pilot` would read the files ``loyalsim run --transactions`` writes. Customer ids are
``c`` and the population row, zero-padded (``c00042``); dates count from the scenario's
``start_date``; a customer is known to the firm (listed in ``members``) when they bought or ever
enrolled.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyalsim.engine.population import Population
from loyalsim.engine.recorder import ArmRecord, TransactionRecorder
from loyalsim.engine.rng import CustomerStream, generator
from loyalsim.engine.spend_log import SpendLog
from loyalsim.engine.world import NEVER
from loyalsim.experiments.lru import Lru
from loyalsim.experiments.response.history import Pilot, ProgramHistory, typed
from loyalsim.experiments.simulate import (
    at_simulated_scale,
    build_population,
    control_key,
    run_arm,
)
from loyalsim.scenario.models import Scenario


@dataclass(frozen=True)
class Recorded:
    """The recorded arms of one replication (``control`` is None when not simulated)."""

    program: ArmRecord
    control: ArmRecord | None
    seed: int
    replication: int


def simulate_history(
    scenario: Scenario, seed: int | None = None, replication: int = 0, control: bool = True
) -> Recorded:
    """Simulate replication ``replication`` of ``scenario`` (its program arm, and its control
    arm unless ``control=False``) with a recorder; the same population and streams as
    ``simulate`` uses for that replication, so the same customers and luck.

    The recorded control arm is kept for the next call on the same population and launch
    day: a calibration simulates one pilot per parameter point, and the control arm reads no
    behaviour or program parameter (the program arm then copies its baskets)."""
    seed = scenario.seed if seed is None else seed
    engine_scenario = at_simulated_scale(scenario)
    population = build_population(engine_scenario, seed, replication)
    streams: dict[str, CustomerStream] = {}
    record, spend_log = None, None
    if control:
        record, spend_log = _recorded_control(
            engine_scenario, population, seed, replication, streams
        )
    recorder = TransactionRecorder(replication)
    run_arm(engine_scenario, population, seed, replication, streams, True, [recorder], spend_log)
    return Recorded(recorder.records["program"], record, seed, replication)


_CONTROL_RECORDS: Lru[tuple[ArmRecord, SpendLog]] = Lru(4)
"""Recorded control arms kept (about 40 bytes per visit each): a calibration's replications."""


def _recorded_control(
    scenario: Scenario,
    population: Population,
    seed: int,
    replication: int,
    streams: dict[str, CustomerStream],
) -> tuple[ArmRecord, SpendLog]:
    key = json.dumps(
        {
            "control": control_key(scenario, seed, replication, population.size),
            "launch": scenario.launch_day,  # the record states it
        }
    )
    cached = _CONTROL_RECORDS.get(key)
    if cached is not None:
        return cached
    recorder = TransactionRecorder(replication)
    log = SpendLog(scenario.horizon.total_days)
    run_arm(scenario, population, seed, replication, streams, False, [recorder], log)
    record = recorder.records["control"]
    for value in vars(record).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # shared by the calls that meet it in the cache
    return _CONTROL_RECORDS.put(key, (record, log))


def customer_ids(rows: np.ndarray, size: int) -> np.ndarray:
    """``c`` and the population row, zero-padded to the population's width."""
    width = len(str(max(size - 1, 0)))
    if not np.size(rows):
        return np.empty(0, dtype=object)
    return np.char.add("c", np.char.zfill(np.asarray(rows).astype(str), width)).astype(object)


def dates(record: ArmRecord, days: np.ndarray) -> np.ndarray:
    """Calendar dates (``datetime64[ns]``) of simulated days."""
    origin = np.datetime64(record.start_date, "D")
    return (origin + np.asarray(days, dtype="timedelta64[D]")).astype("datetime64[ns]")


def window(record: ArmRecord) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The observation window of a simulated arm: its first and last day."""
    start = pd.Timestamp(record.start_date)
    return start, start + pd.Timedelta(days=record.days - 1)


def history_from_record(record: ArmRecord) -> ProgramHistory:
    """The program history of a recorded program arm, as :func:`read_history` reads the files
    ``loyalsim run --transactions`` writes (with ``start``/``end`` set to the horizon)."""
    names = np.array([*record.reward_names, ""], dtype=object)  # index -1 is ""
    order = np.lexsort((record.day, record.row))
    transactions = pd.DataFrame(
        {
            "customer": customer_ids(record.row[order], record.size),
            "date": dates(record, record.day[order]),
            "amount": record.amount[order],
            "points_earned": record.earned[order],
            "points_redeemed": record.redeemed[order],
            "reward": names[record.reward[order]],
        }
    )
    start, end = window(record)
    return ProgramHistory(
        transactions=typed(transactions),
        members=typed(members_frame(record)),
        start=start,
        end=end,
        expiries=_unless_empty(typed(_expiries(record))),
        events=_unless_empty(typed(_events(record))),
    )


def _unless_empty(frame: pd.DataFrame) -> pd.DataFrame | None:
    return None if frame.empty else frame


def members_frame(record: ArmRecord) -> pd.DataFrame:
    """Customers known to the firm at the end: those who bought or ever enrolled, with the
    enrolment date (NaT if never), the balance and, with tiers, the tier."""
    enrolled = record.enrol_day > NEVER
    known = enrolled.copy()
    known[record.row] = True
    rows = np.flatnonzero(known)
    frame = pd.DataFrame(
        {
            "customer": customer_ids(rows, record.size),
            "enrolled": np.where(
                enrolled[rows],
                dates(record, np.where(enrolled[rows], record.enrol_day[rows], 0)),
                np.datetime64("NaT"),
            ),
        }
    )
    if record.arm == "program":
        frame["balance"] = record.balance[rows]
        if record.tier_names:
            frame["tier"] = np.array(record.tier_names, dtype=object)[record.tier[rows]]
    return frame


def _expiries(record: ArmRecord) -> pd.DataFrame:
    order = np.lexsort((record.expiry_day, record.expiry_row))
    frame = pd.DataFrame(
        {
            "customer": customer_ids(record.expiry_row[order], record.size),
            "date": dates(record, record.expiry_day[order]),
            "points": record.expiry_points[order],
        }
    )
    return frame.groupby(["customer", "date"], sort=True, as_index=False).agg(
        points=("points", "sum")
    )


def _events(record: ArmRecord) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "row": record.event_row,
            "day": record.event_day,
            "points_earned": record.event_earned,
            "points_redeemed": record.event_redeemed,
        }
    )
    frame = frame.groupby(["row", "day"], sort=True, as_index=False).sum()
    return pd.DataFrame(
        {
            "customer": customer_ids(frame["row"].to_numpy(), record.size),
            "date": dates(record, frame["day"].to_numpy()),
            "points_earned": frame["points_earned"].to_numpy(),
            "points_redeemed": frame["points_redeemed"].to_numpy(),
            "reward": "",
        }
    )


def control_log(record: ArmRecord) -> pd.DataFrame:
    """A recorded arm's log as customer, date, amount (the control arm's, for instance)."""
    order = np.lexsort((record.day, record.row))
    return typed(
        pd.DataFrame(
            {
                "customer": customer_ids(record.row[order], record.size),
                "date": dates(record, record.day[order]),
                "amount": record.amount[order],
            }
        )
    )


def pilot_from_records(recorded: Recorded, share: float = 0.5) -> Pilot:
    """A customer-level pilot simulated from both arms: every customer who ever arrived in
    either arm is treated with probability ``share`` (a stream of the run's seed), taking
    their program-arm log, else control, taking their control-arm log; the pilot starts on the
    program's launch (``program_launch``): the days before it are the pre-period, the same in
    both arms (the pilot has none when the program runs from the first day)."""
    program, control = recorded.program, recorded.control
    if control is None:
        raise ValueError("a pilot needs the control arm: simulate_history(..., control=True)")
    if not 0.0 < share < 1.0:
        raise ValueError(f"share {share} is not allowed; allowed: strictly between 0 and 1")
    rows = np.flatnonzero(program.arrived | control.arrived)
    u = generator(recorded.seed, recorded.replication, "pilot").random(program.size)
    treated = u < share
    logs = []
    for record, wanted in ((program, treated), (control, ~treated)):
        keep = wanted[record.row]
        logs.append((record.row[keep], record.day[keep], record.amount[keep]))
    row, day, amount = (np.concatenate(parts) for parts in zip(*logs, strict=True))
    order = np.lexsort((day, row))
    start, end = window(program)
    launch = program.start_date + dt.timedelta(days=program.launch_day)
    transactions = pd.DataFrame(
        {
            "customer": customer_ids(row[order], program.size),
            "date": dates(program, day[order]),
            "amount": amount[order],
        }
    )
    assignment = pd.DataFrame(
        {
            "customer": customer_ids(rows, program.size),
            "group": np.where(treated[rows], "treated", "control").astype(object),
            "start": np.datetime64(dt.datetime.combine(launch, dt.time()), "ns"),
        }
    )
    return Pilot(typed(transactions), typed(assignment), start, end)
