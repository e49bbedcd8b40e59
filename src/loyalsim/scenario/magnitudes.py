"""How many points a scenario can issue, checked before a run so points arithmetic cannot overflow.

Points are int64 in the engine (balances, lots, daily totals). Every field is bounded on its own,
but a product of large values (a huge population times a long horizon times many points per
visit) could still pass 2**63. :func:`points_upper_estimate` bounds the points one arm issues to
all customers over the horizon from the spec alone, without knowing each mechanic: it takes the
largest earning rate, award and multiplier written anywhere in the program and applies them to
every award opportunity (visits plus any per-week or per-year rates). It overestimates on purpose;
:data:`MAX_TOTAL_POINTS` leaves a factor of about 90 below int64's limit for the tails of the
spend distribution.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loyalsim.scenario.models import Scenario

MAX_TOTAL_POINTS = 1e17
"""Most points one arm may be expected to issue in total (int64 holds 9.2e18)."""

_RATE_FIELDS = {"per_week": 7.0, "visits_per_week": 7.0, "referrals_per_year": 365.0}
"""Rates of award opportunities other than visits, and their period in days."""


def points_upper_estimate(scenario: Scenario) -> float:
    """An upper estimate of all points one arm issues over the horizon."""
    program = {k: v.model_dump() for k, v in scenario.program.items()}
    values = list(_numbers(program))
    per_unit = max((v for k, v in values if k == "points_per_unit"), default=0.0)
    multiplier = max((v for k, v in values if k == "earn_multiplier"), default=1.0)
    awards = [v for k, v in values if k in ("points_per_visit", "points_price") or _awards(k)]
    award = max(awards, default=0.0)
    tickets = [v for k, v in values if k == "mean_ticket"]
    extra_per_day = sum(v / _RATE_FIELDS[k] for k, v in values if k in _RATE_FIELDS)
    days = scenario.horizon.total_days
    total = 0.0
    for segment in scenario.population.segments:
        visits = segment.purchase.r / segment.purchase.alpha / segment.purchase.days_per_unit()
        spend = max([segment.spend.mean(), *tickets])
        per_event = per_unit * spend * max(multiplier, 1.0) + award * max(multiplier, 1.0)
        total += scenario.population.size * segment.share * (visits + extra_per_day) * per_event
    return total * days


def _awards(key: str) -> bool:
    return key == "points" or key.endswith("_points") or key.endswith("_bonus")


def _numbers(node: Any, key: str = "") -> Iterator[tuple[str, float]]:
    """Every (field name, number) pair in plain spec data, at any depth."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numbers(v, str(k))
    elif isinstance(node, list):
        for item in node:
            yield from _numbers(item, key)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield key, float(node)


def points_problem(scenario: Scenario) -> str | None:
    """Why the scenario's points could overflow, or None."""
    estimate = points_upper_estimate(scenario)
    if estimate <= MAX_TOTAL_POINTS:
        return None
    return (
        f"points arithmetic could overflow: up to about {estimate:.3g} points could be issued "
        f"(population.size x visits x horizon x points per visit); at most "
        f"{MAX_TOTAL_POINTS:.0e} are safe. Lower points_per_unit, the points awarded, "
        "population.size or the horizon"
    )
