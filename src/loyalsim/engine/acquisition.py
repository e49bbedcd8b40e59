"""Acquisition: new customers arriving over the horizon, segment by segment.

Arrivals are part of the population, drawn before any arm runs (from their own stream), so
the program arm and the no-program control see exactly the same newcomers on the same
days (common random numbers). The mean inflow of segment ``k`` on day ``t`` is
``a_k / 7 * s_t / scale`` (docs/model.md §1b): ``a_k`` new customers per week at the
represented scale, ``s_t`` the population's seasonality, ``scale`` real customers per
simulated one; the day's count is Poisson.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from loyalsim.engine.behaviour import seasonality

if TYPE_CHECKING:
    from loyalsim.scenario.population import PopulationSpec, SegmentSpec


def has_arrivals(spec: PopulationSpec) -> bool:
    """Whether any segment acquires customers."""
    return any(_positive(seg) for seg in spec.segments)


def _positive(seg: SegmentSpec) -> bool:
    value = seg.arrivals_per_week
    return any(v > 0 for v in value) if isinstance(value, list) else value > 0


def arrival_means(spec: PopulationSpec, start: dt.date, days: int) -> np.ndarray:
    """Expected simulated arrivals per segment (rows) and day (columns).

    A number gets the full seasonality (day of week and annual cosine); a list is a
    calibrated weekly inflow, so only the day-of-week pattern spreads it within the week.
    """
    season = seasonality(spec.seasonality, start, days)
    week_pattern = seasonality(
        spec.seasonality.model_copy(update={"annual_amplitude": 0.0}), start, days
    )
    week = np.arange(days) // 7
    out = np.zeros((len(spec.segments), days))
    for k, seg in enumerate(spec.segments):
        value = seg.arrivals_per_week
        if isinstance(value, list):
            weekly = np.asarray(value, dtype=np.float64)[week % len(value)]
            out[k] = weekly / 7.0 * week_pattern
        else:
            out[k] = value / 7.0 * season
    return out / spec.scale


def arrival_counts(means: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Poisson arrivals per segment and day, drawn in a fixed (segment, day) order."""
    return rng.poisson(means)


def arrival_days(counts: np.ndarray) -> list[np.ndarray]:
    """Per segment, the arrival day of each of its newcomers, in day order."""
    days = np.arange(counts.shape[1])
    return [np.repeat(days, row) for row in counts]
