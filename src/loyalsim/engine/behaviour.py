"""Vectorised behavioural equations shared by the engine (see docs/model.md)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from loyalsim.engine.population import Population

if TYPE_CHECKING:
    from loyalsim.scenario.behaviour import BehaviourSpec
    from loyalsim.scenario.population import SeasonalitySpec


def seasonality(spec: SeasonalitySpec, start: dt.date, days: int) -> np.ndarray:
    """Visit-rate factor per day: day-of-week pattern (Monday first, mean 1) times an annual
    cosine ``1 + amplitude * cos(2 pi (day_of_year - peak) / 365.25)``."""
    weekly = np.asarray(spec.weekly) / np.mean(spec.weekly)
    dates = np.datetime64(start, "D") + np.arange(days)
    monday_first = (dates.view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    year_start = dates.astype("datetime64[Y]").astype("datetime64[D]")
    day_of_year = (dates - year_start).astype(np.int64) + 1
    angle = 2 * np.pi * (day_of_year - spec.annual_peak_day) / 365.25
    return weekly[monday_first] * (1.0 + spec.annual_amplitude * np.cos(angle))


def headroom(pop: Population, behaviour: BehaviourSpec) -> np.ndarray:
    """Room to buy more often: ``1 / (1 + (lambda / (ref * mean lambda))^2)``.

    Light buyers can respond to a program; heavy buyers are near their ceiling and barely
    move (Liu 2007; Hartmann & Viard 2008). Every program-driven lift of the visit rate is
    scaled by it.
    """
    ref = behaviour.light_buyer_ref * float(np.mean(pop.rate[pop.regular]))
    return 1.0 / (1.0 + (pop.rate / ref) ** 2)


def reward_pull(pop: Population, behaviour: BehaviourSpec) -> np.ndarray:
    """How strongly rewards pull a customer: sensitivity x dilution by rival programs
    ``1 / (1 + omega * n_rival)`` (Meyer-Waarden 2007; Colloquy / Bond loyalty census)."""
    dilution = 1.0 / (1.0 + behaviour.rival_dilution * pop.traits["rival_memberships"])
    return pop.traits["reward_sensitivity"] * dilution


def responsiveness(pop: Population, behaviour: BehaviourSpec) -> np.ndarray:
    """Headroom x reward pull: how much program pressure moves each customer."""
    return headroom(pop, behaviour) * reward_pull(pop, behaviour)
