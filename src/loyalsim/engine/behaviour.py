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
    """Room to buy more often: ``1 / (1 + (lambda / lambda_ceiling)^k)``.

    ``lambda_ceiling`` is an absolute category rate (``headroom_visits_per_week``), not the
    simulated population's mean, so a customer's response does not depend on who else is
    simulated. Light buyers can respond to a program; heavy buyers are near their ceiling and
    barely move (Liu 2007; Hartmann & Viard 2008). Every program-driven lift of the visit rate
    is scaled by it.
    """
    ceiling = behaviour.headroom_visits_per_week / 7.0
    return 1.0 / (1.0 + (pop.rate / ceiling) ** behaviour.headroom_steepness)


def reward_rate(
    value: np.ndarray | float,
    points: np.ndarray | float,
    points_per_visit: np.ndarray | float,
    mean_spend: np.ndarray | float,
) -> np.ndarray:
    """What a reward gives back per unit of effort: perceived value over the spend needed to
    reach it, ``value / (points / points_per_visit * mean_spend)`` (a rebate rate, free of the
    points' denomination and of the currency)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        visits_needed = np.asarray(points, dtype=np.float64) / points_per_visit
        rate = np.asarray(value, dtype=np.float64) / (visits_needed * mean_spend)
    return np.nan_to_num(rate, nan=0.0, posinf=0.0)


def value_per_effort(
    rate: np.ndarray, visits_needed: np.ndarray, behaviour: BehaviourSpec
) -> np.ndarray:
    """Pull of a reward: ``r (r_ref + r_half) / (r_ref (r + r_half)) * max(0, 1 - 1 / n)``.

    ``r`` is its rebate rate: 1 at the reference rate ``r_ref`` (a card giving about 10% back),
    proportional to ``r`` for modest rates, saturating at ``1 + r_half / r_ref`` for very
    generous rewards. ``n`` is the visits needed to earn it: a reward the next purchase earns
    anyway pulls no purchase forward (docs/model.md §3: reward value and effort). A reward worth
    nothing pulls nobody.
    """
    ref, half = behaviour.value_ref_rate, behaviour.value_half_rate
    distance = np.maximum(1.0 - 1.0 / np.maximum(visits_needed, 1.0), 0.0)
    return rate * (ref + half) / (ref * (rate + half)) * distance


def reward_pull(
    pop: Population, behaviour: BehaviourSpec, idx: np.ndarray | None = None
) -> np.ndarray:
    """How strongly rewards pull a customer (all, or ``idx``): sensitivity x dilution by rival
    programs ``1 / (1 + omega * n_rival)`` (Meyer-Waarden 2007; Colloquy / Bond loyalty census)."""
    rivals = pop.traits["rival_memberships"]
    sensitivity = pop.traits["reward_sensitivity"]
    if idx is not None:
        rivals, sensitivity = rivals[idx], sensitivity[idx]
    return sensitivity / (1.0 + behaviour.rival_dilution * rivals)


def responsiveness(pop: Population, behaviour: BehaviourSpec) -> np.ndarray:
    """Headroom x reward pull: how much program pressure moves each customer."""
    return headroom(pop, behaviour) * reward_pull(pop, behaviour)


def save_or_redeem_target(
    value_per_point: np.ndarray,
    points: np.ndarray,
    balance: np.ndarray,
    points_per_day: np.ndarray,
    impatience: np.ndarray,
) -> np.ndarray:
    """The reward each member works towards: ``argmax_k (v_k / p_k) exp(-rho T_k)``.

    ``value_per_point`` (customers x rewards) is the perceived value per point of each reward,
    ``T_k = max(p_k - balance, 0) / points_per_day`` the expected days until the balance
    affords it and ``rho`` the member's impatience per day. An affordable target is redeemed;
    a dearer target with a better value per point is saved for (stockpiling: Stourm, Bradlow &
    Fader 2015). Ties go to the cheaper reward.
    """
    missing = np.maximum(points[None, :] - balance[:, None], 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = missing / points_per_day[:, None]
        wait[missing == 0] = 0.0
        decay = np.exp(-impatience[:, None] * wait)
    decay[np.isinf(wait)] = 0.0  # a reward the member cannot earn towards is no goal
    return np.argmax(value_per_point * decay, axis=1)
