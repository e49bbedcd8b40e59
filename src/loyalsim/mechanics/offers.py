"""Personalised offers (lifecycle messaging): contact at-risk members with a time-limited
incentive to come back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import model_validator

from loyalsim.engine.hooks import Kpi, Mechanic, Process
from loyalsim.engine.world import NEVER, VisitBatch, World
from loyalsim.mechanics.scaling import scaled_count
from loyalsim.spec import Count, DayCount, Effect, MechanicParams, Money, Points, Probability

if TYPE_CHECKING:
    from loyalsim.scenario.models import Scenario


class OffersParams(MechanicParams):
    """Every ``every_days``, contact alive members inactive for ``inactive_days`` or with
    attachment at most ``max_attachment`` (either rule selects; at least one is needed)."""

    kind: Literal["offers"] = "offers"
    every_days: DayCount = 14
    inactive_days: DayCount | None = 45
    max_attachment: Probability | None = None
    max_contacts: Count | None = None
    contact_cost: Money = 0.10
    offer: Literal["discount", "bonus_points"] = "discount"
    discount: Money = 0.0
    bonus_points: Points = 0
    response_rate: Probability = 0.10
    window_days: DayCount = 14
    lift: Effect = 1.0
    attachment_gain: Probability = 0.02

    @model_validator(mode="after")
    def _coherent(self) -> OffersParams:
        if self.inactive_days is None and self.max_attachment is None:
            raise ValueError("give a target: inactive_days, max_attachment, or both")
        if self.offer == "discount" and self.discount <= 0:
            raise ValueError("offer 'discount' needs a discount above 0 (currency per use)")
        if self.offer == "bonus_points" and self.bonus_points <= 0:
            raise ValueError("offer 'bonus_points' needs bonus_points of at least 1")
        if self.offer == "discount" and self.bonus_points:
            raise ValueError("bonus_points is only used with offer 'bonus_points'")
        if self.offer == "bonus_points" and self.discount:
            raise ValueError("discount is only used with offer 'discount'")
        return self

    def check_program(self, name: str, scenario: Scenario) -> None:
        """Bonus points are worth something only if a catalogue redeems them."""
        if self.offer == "bonus_points" and "rewards" not in {
            m.kind for m in scenario.program.values()
        }:
            raise ValueError(f"program.{name}: offer 'bonus_points' needs a rewards mechanic")


class Offers(Mechanic[OffersParams]):
    """Targeted campaigns: contact cost per message, a response, a visit lift while the offer
    is valid, and the offer's cost when it is used."""

    @classmethod
    def at_scale(cls, params: OffersParams, scale: float) -> OffersParams:
        """The contact cap of a sweep shrinks with the population (at least one contact)."""
        if params.max_contacts is None:
            return params
        return params.model_copy(update={"max_contacts": scaled_count(params.max_contacts, scale)})

    kind = "offers"
    Params = OffersParams
    accounts = ("contact_cost", "offer_cost")
    singleton = False
    KPIS = (
        Kpi("offer_contacts", "Offer contacts", "count", additive=True),
        Kpi("offer_responders", "Offer responders", "count", "higher", additive=True),
        Kpi("offers_used", "Offers used", "count", additive=True),
    )

    def bind(self, world: World) -> None:
        self._until = np.full(world.pop.size, NEVER, dtype=np.int64)
        self.contacts = 0
        self.responders = 0
        self.used = 0

    def processes(self, world: World) -> list[Process]:
        return [self._campaigns(world)]

    def _campaigns(self, world: World) -> Process:
        while True:
            yield world.env.timeout(self.params.every_days)
            day = int(world.env.now)
            if day >= world.days:
                return
            self._campaign(world, day)

    def _campaign(self, world: World, day: int) -> None:
        p = self.params
        idx = np.flatnonzero(world.member & world.alive & (self._until < day))
        target = np.zeros(idx.size, dtype=bool)
        if p.inactive_days is not None:
            seen = np.maximum(world.last_visit[idx], world.enrol_day[idx])
            target |= day - seen >= p.inactive_days
        if p.max_attachment is not None:
            target |= world.attachment_of(idx) <= p.max_attachment
        idx = idx[target]
        stream = self.stream(world, "contact")
        if p.max_contacts is not None and idx.size > p.max_contacts:
            lot = stream.uniform(day, idx, sub=1)
            idx = np.sort(idx[np.argsort(lot, kind="stable")[: p.max_contacts]])
        world.ledger.money("contact_cost", day, p.contact_cost * idx.size, who=idx)
        chance = np.minimum(p.response_rate * world.pop.traits["reward_sensitivity"][idx], 1.0)
        responders = idx[stream.uniform(day, idx) < chance]
        self._until[responders] = day + p.window_days - 1
        self.contacts += idx.size
        self.responders += responders.size

    def visit_lift(self, world: World, day: int) -> np.ndarray | None:
        """Responders visit more while their offer is valid."""
        return self.params.lift * (self._until >= day)

    def earn(self, world: World, batch: VisitBatch) -> None:
        p = self.params
        rows = np.flatnonzero(batch.member & (self._until[batch.idx] >= batch.day))
        if not rows.size:
            return
        idx = batch.idx[rows]
        if p.offer == "bonus_points":
            points = np.full(idx.size, p.bonus_points, dtype=np.int64)
            world.ledger.issue(idx, points, "offer", batch.day)
        else:
            world.ledger.money("offer_cost", batch.day, p.discount * idx.size, who=idx)
        world.feel(idx, p.attachment_gain)
        self._until[idx] = NEVER
        self.used += idx.size

    def kpis(self, world: World) -> dict[str, float]:
        return {
            "offer_contacts": float(self.contacts),
            "offer_responders": float(self.responders),
            "offers_used": float(self.used),
        }

    def describe(self) -> str:
        p = self.params
        rules = []
        if p.inactive_days is not None:
            rules.append(f"no visit for {p.inactive_days} days")
        if p.max_attachment is not None:
            rules.append(f"attachment at most {p.max_attachment:g}")
        what = (
            f"{p.bonus_points} bonus points"
            if p.offer == "bonus_points"
            else (f"a {p.discount:g} discount")
        )
        return (
            f"Every {p.every_days} days, members with {' or '.join(rules)} get {what} valid "
            f"{p.window_days} days (contact {p.contact_cost:g} each)."
        )
