"""Non-purchase actions: points for reviews, app check-ins, healthy behaviour.

Each action has its own adopters (drawn once), a daily rate among them, a points award and
an attachment gain: engaging with the brand between purchases deepens the relationship
(van Doorn et al. 2010; Kumar et al. 2010; docs/mechanics-network.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from loyalsim.engine.hooks import Kpi, Mechanic
from loyalsim.engine.world import World
from loyalsim.spec import MechanicParams, Money, Name, Points, PositiveRate, Probability, Spec

MAX_ACTIONS = 16


class Action(Spec):
    """One rewarded action: ``adoption`` of engaged members ever do it (passive members
    ``adoption * passive_adoption``), adopters do it ``per_week`` times a week on average."""

    name: Name
    points: Points
    per_week: PositiveRate
    adoption: Probability
    attachment_gain: Probability = 0.01
    cost_per_action: Money = 0.0


class ActionsParams(MechanicParams):
    """The catalogue of rewarded non-purchase actions."""

    kind: Literal["actions"] = "actions"
    actions: Annotated[list[Action], Field(min_length=1, max_length=MAX_ACTIONS)]
    passive_adoption: Probability = 0.3

    @model_validator(mode="after")
    def _unique_names(self) -> ActionsParams:
        names = [a.name for a in self.actions]
        if len(set(names)) != len(names):
            raise ValueError(f"action names must be unique, got {names}")
        return self


class Actions(Mechanic[ActionsParams]):
    """Members take rewarded actions between visits; each action earns points and attachment."""

    kind = "actions"
    Params = ActionsParams
    accounts = ("actions_cost",)
    KPIS = (
        Kpi("actions_taken", "Non-purchase actions taken", "count", "higher", additive=True),
        Kpi("action_points", "Points earned by actions", "points", additive=True),
        Kpi("action_engaged_share", "Members who took an action", "share", "higher"),
    )

    def bind(self, world: World) -> None:
        p = self.params
        stream = world.stream("actions:adopt")
        scale = np.where(world.pop.engaged, 1.0, p.passive_adoption)
        self._adopter = [
            stream.uniform(0, sub=j) < a.adoption * scale for j, a in enumerate(p.actions)
        ]
        self._chance = [-np.expm1(-a.per_week / 7.0) for a in p.actions]
        self._acted = np.zeros(world.pop.size, dtype=bool)
        self._count = 0

    def points_per_visit(self, world: World) -> np.ndarray:
        """Action points per day of each adopter, expressed per base visit."""
        per_day = sum(
            a.points * a.per_week / 7.0 * self._adopter[j]
            for j, a in enumerate(self.params.actions)
        )
        return per_day / np.maximum(world.pop.rate, 1e-9)

    def close_day(self, world: World, day: int) -> None:
        members = world.member & world.alive
        stream = world.stream("actions")
        for j, a in enumerate(self.params.actions):
            idx = np.flatnonzero(members & self._adopter[j])
            idx = idx[stream.uniform(day, idx, sub=j) < self._chance[j]]
            if not idx.size:
                continue
            if a.points:
                world.ledger.issue(
                    idx, np.full(idx.size, a.points, dtype=np.int64), f"action:{a.name}", day
                )
            world.feel(idx, a.attachment_gain)
            if a.cost_per_action:
                world.ledger.money("actions_cost", day, a.cost_per_action * idx.size, who=idx)
            self._acted[idx] = True
            self._count += idx.size

    def kpis(self, world: World) -> dict[str, float]:
        members = int(world.member.sum())
        points = sum(
            world.ledger.issued_by_source.get(f"action:{a.name}", 0) for a in self.params.actions
        )
        return {
            "actions_taken": float(self._count),
            "action_points": float(points),
            "action_engaged_share": self._acted.sum() / members if members else float("nan"),
        }

    def describe(self) -> str:
        items = ", ".join(
            f"{a.name} ({a.points} points, {a.per_week:g}/week by {a.adoption:.0%} of the engaged)"
            for a in self.params.actions
        )
        return f"Members earn points for non-purchase actions: {items}."
