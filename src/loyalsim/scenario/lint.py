"""Warnings (not errors) about a valid scenario that will not behave as its author expects:
calendar rules that never fire within the horizon, and rewards nobody can plausibly reach.

``loyalsim validate`` prints them; the scenario still runs.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from loyalsim.mechanics.earning import SpendEarningParams, VisitEarningParams
from loyalsim.mechanics.expiry import ExpiryParams
from loyalsim.mechanics.scaling import CAPACITY_TOLERANCE, rounding_error, scaled_count
from loyalsim.scenario.models import Scenario


def _gamma_quantile(q: float, shape: float) -> float:
    """Wilson-Hilferty approximation of the unit-scale gamma quantile (a warning heuristic
    needs no more, and validate stays free of scipy: within a few percent for shape >= 0.5)."""
    z = NormalDist().inv_cdf(q)
    c = 1.0 / (9.0 * shape)
    return shape * max(1.0 - c + z * math.sqrt(c), 0.0) ** 3


NEVER_WITHIN = {
    "review_every_days": "no tier review happens, so nobody moves tier",
    "every_days": "it never runs",
    "first_day": "the event never takes place",
}
"""Calendar fields of mechanics (and of their events) whose first firing is at that day."""

HEAVY_QUANTILE = 0.999
"""A heavy customer: purchase rate at this quantile of the segment's Gamma distribution."""
HEAVY_TICKET = 3.0
"""...spending this many times the segment's mean ticket on every visit."""


def scenario_warnings(scenario: Scenario) -> list[str]:
    """Every warning for ``scenario``, each naming the field path."""
    return (
        _calendar(scenario)
        + _unreachable_rewards(scenario)
        + _scale(scenario)
        + _idle_priors(scenario)
    )


SMALL_POPULATION = 10_000
"""Below this many simulated customers a fixed cost without ``represents`` is suspicious."""


def _scale(scenario: Scenario) -> list[str]:
    """A fixed cost charged to a small population that represents nobody else, and
    capacities that round badly at the simulated scale (docs/scenario-format.md)."""
    pop, econ = scenario.population, scenario.economics
    out = []
    if pop.represents is None and econ.fixed_cost_per_year > 0 and pop.size < SMALL_POPULATION:
        out.append(
            f"economics.fixed_cost_per_year = {econ.fixed_cost_per_year:g} is charged in full to "
            f"population.size = {pop.size} simulated customers; if they stand for a larger "
            "customer base, set population.represents to its size (otherwise cost-to-revenue "
            "is overstated and a search may prefer different designs)"
        )
    if pop.scale == 1.0:
        return out
    for name, spec in scenario.program.items():
        capacities = [(f"program.{name}.max_contacts", getattr(spec, "max_contacts", None))]
        gifts = getattr(spec, "gifts_per_period", None)
        if gifts:
            capacities.append((f"program.{name}.budget_per_period (gifts)", gifts))
        for k, event in enumerate(getattr(spec, "events", []) or []):
            capacities.append((f"program.{name}.events[{k}].capacity", event.capacity))
        for where, count in capacities:
            if count is not None and rounding_error(count, pop.scale) > CAPACITY_TOLERANCE:
                out.append(
                    f"{where} = {count}: at {pop.scale:g} real customers per simulated one it "
                    f"becomes {scaled_count(count, pop.scale)} (exact {count / pop.scale:.2f}); "
                    "simulate more customers for a faithful capacity"
                )
    return out


def _idle_priors(scenario: Scenario) -> list[str]:
    """Priors that a default run ignores (one world runs the nominal values)."""
    spec = scenario.uncertainty
    if spec is None or not spec.priors or spec.worlds > 1:
        return []
    return [
        f"uncertainty.worlds: {len(spec.priors)} prior(s) but one world, so runs use the nominal "
        "values; set uncertainty.worlds or pass --worlds W to draw from them"
    ]


def _program_days(scenario: Scenario) -> tuple[int, str]:
    """Days the program runs (from its launch to the horizon's end) and how to say it."""
    days = scenario.horizon.total_days - scenario.launch_day
    if scenario.launch_day:
        return days, f"{days} days from the launch (day {scenario.launch_day})"
    return days, f"{days}-day horizon"


def _calendar(scenario: Scenario) -> list[str]:
    days, span = _program_days(scenario)
    out = []
    for name, spec in scenario.program.items():
        items = [(f"program.{name}", spec)]
        for i, event in enumerate(getattr(spec, "events", None) or []):
            items.append((f"program.{name}.events[{i}]", event))
        for where, item in items:
            for field, effect in NEVER_WITHIN.items():
                value = getattr(item, field, None)
                if isinstance(value, int) and value >= days:
                    out.append(f"{where}.{field} = {value}: beyond the {span}, so {effect}")
        if not isinstance(spec, ExpiryParams) or spec.policy == "none" or spec.days is None:
            continue
        if spec.days >= days:
            out.append(
                f"program.{name}.days = {spec.days}: no point can expire within the "
                f"{span}, so expiry changes nothing"
            )
    return out


def _heavy_points(scenario: Scenario) -> float:
    """Points a heavy customer of the most active segment earns over the horizon (an upper
    bound for "plausibly reachable")."""
    days, _ = _program_days(scenario)
    mechanics = list(scenario.program.values())
    multiplier = max(
        [t.earn_multiplier for m in mechanics for t in getattr(m, "tiers", None) or []] or [1.0]
    )
    bonus = sum(float(getattr(m, "signup_bonus", 0) or 0) for m in mechanics)
    actions = sum(
        a.points * a.per_week * days / 7
        for m in mechanics
        for a in getattr(m, "actions", None) or []
    )
    best = 0.0
    for seg in scenario.population.segments:
        p = seg.purchase
        rate = _gamma_quantile(HEAVY_QUANTILE, p.r) / p.alpha / p.days_per_unit()
        ticket = HEAVY_TICKET * seg.spend.mean()
        per_visit = 0.0
        for m in mechanics:
            if isinstance(m, VisitEarningParams):
                per_visit += m.points_per_visit
            elif isinstance(m, SpendEarningParams):
                per_visit += m.points_per_unit * ticket
        best = max(best, rate * days * per_visit * multiplier)
    return best + bonus + actions


def _unreachable_rewards(scenario: Scenario) -> list[str]:
    heavy = _heavy_points(scenario)
    out = []
    for name, spec in scenario.program.items():
        for i, reward in enumerate(getattr(spec, "catalogue", None) or []):
            if reward.points > heavy:
                out.append(
                    f"program.{name}.catalogue[{i}].points = {reward.points:,.0f}: no customer can "
                    f"plausibly reach it within the horizon (a heavy customer earns about "
                    f"{heavy:,.0f} points)"
                )
    return out
