"""Surprise and delight: unexpected gifts from a budget per period, at random or targeted."""

from __future__ import annotations

from typing import Literal

import numpy as np

from loyalsim.engine.hooks import Kpi, Mechanic, Process
from loyalsim.engine.world import World
from loyalsim.spec import DayCount, Effect, MechanicParams, Money, PositiveMoney, Probability


class SurpriseParams(MechanicParams):
    """Every ``every_days``, ``floor(budget_per_period / cost_per_gift)`` gifts go to members
    chosen by ``targeting``."""

    kind: Literal["surprise"] = "surprise"
    every_days: DayCount = 30
    budget_per_period: Money
    cost_per_gift: PositiveMoney
    targeting: Literal["random", "at_risk", "high_value", "low_attachment"] = "random"
    at_risk_days: DayCount = 60
    gain: Probability = 0.10
    low_attachment_boost: Effect = 1.0

    @property
    def gifts_per_period(self) -> int:
        return int(self.budget_per_period // self.cost_per_gift)


class Surprise(Mechanic[SurpriseParams]):
    """Unexpected rewards: a bigger attachment gain per dollar than an expected reward."""

    kind = "surprise"
    Params = SurpriseParams
    accounts = ("surprise_cost",)
    singleton = False
    KPIS = (Kpi("surprise_gifts", "Surprise gifts", "count", additive=True),)

    @classmethod
    def at_scale(cls, params: SurpriseParams, scale: float) -> SurpriseParams:
        """The budget per period shrinks with the population (so do the gifts it buys)."""
        return params.model_copy(update={"budget_per_period": params.budget_per_period / scale})

    def bind(self, world: World) -> None:
        self.gifts = 0

    def processes(self, world: World) -> list[Process]:
        return [self._drops(world)] if self.params.gifts_per_period else []

    def _drops(self, world: World) -> Process:
        while True:
            yield world.env.timeout(self.params.every_days)
            day = int(world.env.now)
            if day >= world.days:
                return
            self._drop(world, day)

    def _drop(self, world: World, day: int) -> None:
        p = self.params
        chosen = self._targets(world, day)[: p.gifts_per_period]
        if not chosen.size:
            return
        world.ledger.money("surprise_cost", day, p.cost_per_gift * chosen.size, who=chosen)
        a = world.attachment_of(chosen)
        sensitivity = world.pop.traits["surprise_sensitivity"][chosen]
        size = p.gain * sensitivity * (1.0 + p.low_attachment_boost * (1.0 - a))
        world.feel(chosen, np.clip(size, 0.0, 1.0))
        self.gifts += chosen.size

    def _targets(self, world: World, day: int) -> np.ndarray:
        """Alive members in gift order: best targets first, ties broken by lot."""
        p = self.params
        idx = np.flatnonzero(world.member & world.alive)
        if p.targeting == "at_risk":
            seen = np.maximum(world.last_visit[idx], world.enrol_day[idx])
            idx = idx[day - seen >= p.at_risk_days]
        lot = self.stream(world, "lottery").uniform(day, idx)
        if p.targeting == "high_value":
            value = world.pop.rate[idx] * world.pop.mean_spend_of(idx)
            return idx[np.lexsort((lot, -value))]
        if p.targeting == "low_attachment":
            return idx[np.lexsort((lot, world.attachment_of(idx)))]
        return idx[np.argsort(lot, kind="stable")]

    def kpis(self, world: World) -> dict[str, float]:
        return {"surprise_gifts": float(self.gifts)}

    def describe(self) -> str:
        p = self.params
        return (
            f"Every {p.every_days} days, {p.gifts_per_period} surprise gifts "
            f"({p.cost_per_gift:g} each) go to {p.targeting.replace('_', ' ')} members."
        )
