"""A tiny hand-built world for hook-level mechanic tests.

End-to-end tests simulate thousands of customers and check directions of effect; these
helpers build a world of a handful of customers whose every trait is set by hand, so a
test can call one hook directly and assert its exact effect (points, balances, tiers,
money). Nothing here runs the daily engine: a test calls the hooks in the order the engine
would (docs/extending.md, "Testing a mechanic").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import simpy

from loyalsim.engine.hooks import VISIT_HOOKS, Mechanic, overrides, phase_order
from loyalsim.engine.population import NOT_YET, TRAITS, Population
from loyalsim.engine.world import VisitBatch, World
from loyalsim.mechanics import REGISTRY
from loyalsim.scenario.behaviour import BehaviourSpec, EconomicsSpec

START = dt.date(2026, 1, 5)
"""Day 0 of the tiny worlds (a Monday, like the scenario default)."""


def population(
    n: int = 4,
    *,
    rate: float | Sequence[float] = 0.2,
    mean_spend: float | Sequence[float] = 10.0,
    engaged: bool | Sequence[bool] = True,
    segment: int | Sequence[int] = 0,
    segment_names: Sequence[str] = ("all",),
    reserve: int = 0,
    **traits: float | Sequence[float],
) -> Population:
    """``n`` customers arriving on day 0 and ``reserve`` extra rows that never arrive by
    themselves, with the given traits (a scalar for everyone, or one value per row, reserve
    rows included). Unnamed traits are 0.5, except
    ``rival_memberships`` (0) and ``enrol_propensity`` (0: nobody joins by chance)."""
    size = n + reserve

    def column(value: Any, dtype: Any = float) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=dtype), (size,)).copy()

    defaults = {name: 0.5 for name in TRAITS} | {"rival_memberships": 0.0, "enrol_propensity": 0.0}
    unknown = set(traits) - set(defaults)
    if unknown:
        raise ValueError(f"unknown traits {sorted(unknown)}; traits are {list(TRAITS)}")
    shape = 4.0
    arrival = np.zeros(size, dtype=np.int64)
    arrival[n:] = NOT_YET
    return Population(
        segment=column(segment, np.int16),
        segment_names=list(segment_names),
        rate=column(rate),
        dropout=column(0.0),
        spend_shape=column(shape),
        spend_rate=shape / column(mean_spend),
        engaged=column(engaged, bool),
        traits={name: column(traits.get(name, value)) for name, value in defaults.items()},
        arrival_day=arrival,
    )


def world(
    pop: Population | None = None,
    *,
    days: int = 60,
    seed: int = 7,
    start: dt.date = START,
    behaviour: dict[str, Any] | None = None,
) -> World:
    """A world on ``pop`` (default :func:`population`) whose regular rows are alive, with
    default behaviour (``behaviour`` overrides fields) and no member yet."""
    pop = population() if pop is None else pop
    w = World(
        simpy.Environment(),
        pop,
        BehaviourSpec(**(behaviour or {})),
        EconomicsSpec(gross_margin=0.4),
        days,
        {},
        seed,
        0,
        start_date=start,
    )
    w.alive[pop.regular] = True
    return w


def members(w: World, idx: Sequence[int] | None = None, day: int = 0) -> np.ndarray:
    """Enrol customers ``idx`` (all regular rows if None) on ``day``; returns their indices."""
    rows = np.flatnonzero(w.pop.regular) if idx is None else np.asarray(idx, dtype=np.int64)
    w.enrol(rows, day)
    return rows


def mechanic(params: dict[str, Any], w: World, name: str | None = None) -> Mechanic[Any]:
    """The mechanic of ``params['kind']`` built from ``params`` (validated as in a scenario)
    and bound to ``w``; ``points_per_visit`` is added to program state as the engine does."""
    cls = REGISTRY[params["kind"]]
    m = cls(name or params["kind"], cls.Params.model_validate(params))
    m.bind(w)
    w.state.points_per_visit = w.state.points_per_visit + m.points_per_visit(w)
    return m


def batch(
    w: World,
    day: int,
    idx: Sequence[int],
    spend: float | Sequence[float] = 10.0,
) -> VisitBatch:
    """Today's visits of customers ``idx`` with baskets ``spend``; membership as the world
    has it (the engine builds the batch the same way)."""
    rows = np.asarray(idx, dtype=np.int64)
    basket = np.broadcast_to(np.asarray(spend, dtype=float), rows.shape).copy()
    return VisitBatch.of(day, rows, basket, w.member[rows].copy())


def start_processes(w: World, mechanics: Sequence[Mechanic[Any]]) -> None:
    """Register the mechanics' calendar processes on the world's clock (as the engine does);
    ``w.env.run(until=d)`` then fires every event scheduled before day ``d``."""
    for m in mechanics:
        for process in m.processes(w):
            w.env.process(process)


def run_days(
    w: World,
    mechanics: Sequence[Mechanic[Any]],
    days: Iterable[int],
    visits: dict[int, VisitBatch] | None = None,
) -> None:
    """Run ``days`` (consecutive, from the clock's current day) as the engine orders a day:
    the calendar events of the day, the visit hooks on ``visits[day]`` phase by phase, then
    every mechanic's ``close_day``. (No visit clock, pressure or churn: tests choose who
    visits.)"""
    ordered = phase_order(mechanics)
    for day in days:
        w.env.run(until=day + 1)
        visit = (visits or {}).get(day)
        if visit is not None:
            for hook in VISIT_HOOKS.values():
                for m in ordered:
                    if overrides(m, hook):
                        getattr(m, hook)(w, visit)
        for m in ordered:
            m.close_day(w, day)
