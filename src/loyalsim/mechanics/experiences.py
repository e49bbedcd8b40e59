"""Experiential rewards: scheduled events with limited seats (a SimPy container per event).

Members who want a seat and get one gain more attachment than a product reward gives;
members who want one and miss out are disappointed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
import simpy
from pydantic import Field, model_validator

from loyalsim.engine.hooks import Kpi, Mechanic, Process
from loyalsim.engine.world import World
from loyalsim.mechanics.scaling import scaled_count
from loyalsim.mechanics.tiers import TiersParams
from loyalsim.spec import (
    MAX_DAYS,
    Count,
    DayCount,
    Effect,
    MechanicParams,
    Money,
    Name,
    Points,
    Probability,
    Spec,
)

if TYPE_CHECKING:
    from loyalsim.scenario.models import Scenario


class Event(Spec):
    """An event held on ``first_day`` and then every ``every_days`` (once if omitted)."""

    name: Name
    first_day: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 30
    every_days: DayCount | None = None
    capacity: Count
    cost_per_seat: Money
    access: Literal["members", "tier", "points"] = "members"
    points_price: Points = 0

    @model_validator(mode="after")
    def _price_matches_access(self) -> Event:
        if self.access == "points" and self.points_price == 0:
            raise ValueError("access 'points' needs a points_price of at least 1")
        if self.access != "points" and self.points_price:
            raise ValueError(f"points_price is only used with access 'points', not '{self.access}'")
        return self


class ExperiencesParams(MechanicParams):
    """Events, how many members want a seat (``demand``), and how seats and misses feel."""

    kind: Literal["experiences"] = "experiences"
    events: Annotated[list[Event], Field(min_length=1)]
    demand: Probability = 0.2
    value_premium: Effect = 1.0
    disappointment_loss: Probability = 0.05

    @model_validator(mode="after")
    def _unique_names(self) -> ExperiencesParams:
        names = [e.name for e in self.events]
        if len(set(names)) != len(names):
            raise ValueError(f"event names must be unique, got {names}")
        return self

    def check_program(self, name: str, scenario: Scenario) -> None:
        """Tier-only events need tiers that grant access; points events need points."""
        specs = list(scenario.program.values())
        if any(e.access == "tier" for e in self.events):
            tiers = [m for m in specs if isinstance(m, TiersParams)]
            if not tiers or not any(t.experience_access for t in tiers[0].tiers):
                raise ValueError(
                    f"program.{name}: an event with access 'tier' needs a tiers mechanic with "
                    "at least one tier having experience_access: true"
                )
        kinds = {m.kind for m in specs}
        if any(e.access == "points" for e in self.events) and not kinds & {
            "spend_earning",
            "visit_earning",
        }:
            raise ValueError(
                f"program.{name}: an event with access 'points' needs a way to earn points"
            )


class Experiences(Mechanic[ExperiencesParams]):
    """Capacity-limited events; seats go to higher tiers first, then by lot."""

    @classmethod
    def at_scale(cls, params: ExperiencesParams, scale: float) -> ExperiencesParams:
        """Seats per event shrink with the population (at least one seat is kept;
        ``loyalsim validate`` warns when rounding moves a capacity by more than 10%)."""
        events = [
            e.model_copy(update={"capacity": scaled_count(e.capacity, scale)})
            for e in params.events
        ]
        return params.model_copy(update={"events": events})

    kind = "experiences"
    Params = ExperiencesParams
    singleton = False
    reward_types = ("experience",)
    KPIS = (
        Kpi("experience_attendees", "Experience attendees", "count", "higher", additive=True),
        Kpi(
            "experience_disappointed",
            "Members turned away from experiences",
            "count",
            "lower",
            additive=True,
        ),
    )

    def bind(self, world: World) -> None:
        self.attendees = 0
        self.disappointed = 0

    def processes(self, world: World) -> list[Process]:
        return [self._event(world, e) for e in self.params.events]

    def _event(self, world: World, event: Event) -> Process:
        seats = simpy.Container(world.env, capacity=event.capacity, init=event.capacity)
        yield world.env.timeout(event.first_day)
        while int(world.env.now) < world.days:
            day = int(world.env.now)
            wanting = self._wanting(world, event, day)
            stream = self.stream(world, f"event:{event.name}")
            lot = stream.uniform(day, wanting, sub=1)
            order = np.lexsort((lot, -world.state.tier[wanting]))
            taken = min(int(seats.level), wanting.size)
            # Seats are allocated atomically at the start of the day (before anyone can spend
            # the points), then held in the container for the event and released after it.
            self._hold(world, event, wanting[order[:taken]], wanting[order[taken:]], day)
            if taken:
                yield seats.get(taken)
                yield seats.put(taken)
            if event.every_days is None:
                return
            yield world.env.timeout(event.every_days)

    def _wanting(self, world: World, event: Event, day: int) -> np.ndarray:
        """Eligible members who want a seat: ``min(1, 2 * demand * experience_seeking)``."""
        eligible = world.member & world.alive
        if event.access == "tier":
            eligible &= world.state.tier_experience_access[world.state.tier]
        elif event.access == "points":
            eligible &= world.ledger.balance >= event.points_price
        idx = np.flatnonzero(eligible)
        seeking = world.pop.traits["experience_seeking"][idx]
        want = np.minimum(2.0 * self.params.demand * seeking, 1.0)
        u = self.stream(world, f"event:{event.name}").uniform(day, idx)
        return idx[u < want]

    def _hold(
        self, world: World, event: Event, seated: np.ndarray, missed: np.ndarray, day: int
    ) -> None:
        b, p = world.behaviour, self.params
        seeking = world.pop.traits["experience_seeking"]
        if event.access == "points" and seated.size:
            price = np.full(seated.size, event.points_price, dtype=np.int64)
            world.ledger.redeem(seated, price, day)
        if seated.size:
            world.ledger.reward_cost(
                "experience", day, event.cost_per_seat * seated.size, who=seated
            )
        gain = b.attachment_gain_redeem * (1.0 + p.value_premium * 2.0 * seeking[seated])
        world.feel(seated, np.clip(gain, 0.0, 1.0))
        loss = np.clip(p.disappointment_loss * 2.0 * seeking[missed], 0.0, 1.0)
        world.feel(missed, -loss)
        self.attendees += seated.size
        self.disappointed += missed.size

    def kpis(self, world: World) -> dict[str, float]:
        return {
            "experience_attendees": float(self.attendees),
            "experience_disappointed": float(self.disappointed),
        }

    def describe(self) -> str:
        items = ", ".join(
            f"{e.name} ({e.capacity} seats, {e.access}"
            + (f", {e.points_price} points" if e.points_price else "")
            + (f", every {e.every_days} days" if e.every_days else ", once")
            + ")"
            for e in self.params.events
        )
        return f"Experiences: {items}."
