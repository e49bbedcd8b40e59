"""Coalition partners: members earn (and may burn) the host's points at partner businesses.

Partners buy the points they issue (``funding_per_point``, program income), the host pays
partners for points burned there (reward cost of type ``partner``), and partner activity
keeps the program in mind: attachment rises and visits to the host get a decaying lift
(cross-visits: Lemon & von Wangenheim 2009; Dorotic, Fok, Verhoef & Bijmolt 2011).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from loyalsim.engine.hooks import Kpi, Mechanic
from loyalsim.engine.world import NEVER, World
from loyalsim.spec import (
    Effect,
    HalfLife,
    MechanicParams,
    Money,
    Name,
    PointsPerUnit,
    PositiveMoney,
    PositivePoints,
    PositiveRate,
    Probability,
    Spec,
)

MAX_PARTNERS = 16
TICKET_SHAPE = 4.0
"""Gamma shape of partner tickets (coefficient of variation 0.5)."""
MAX_AGE = 10_000
"""Days since the last event beyond which the decaying lift is taken as at this age."""


class PartnerBurn(Spec):
    """Redeeming at the partner: ``points`` at a time, with probability ``prob`` at a partner
    visit when the balance allows; the host pays the partner ``cost_per_point``."""

    points: PositivePoints
    prob: Probability
    cost_per_point: Money


class Partner(Spec):
    """A partner business: who shops there, how often, how much, and how it earns points."""

    name: Name
    adoption: Probability
    visits_per_week: PositiveRate
    mean_ticket: PositiveMoney
    points_per_unit: PointsPerUnit
    funding_per_point: Money
    burn: PartnerBurn | None = None


class CoalitionParams(MechanicParams):
    """The partners and how partner activity spills over to the host."""

    kind: Literal["coalition"] = "coalition"
    partners: Annotated[list[Partner], Field(min_length=1, max_length=MAX_PARTNERS)]
    cross_visit_lift: Effect = 0.1
    cross_visit_half_life_days: HalfLife = 14.0
    attachment_gain: Probability = 0.01

    @model_validator(mode="after")
    def _unique_names(self) -> CoalitionParams:
        names = [p.name for p in self.partners]
        if len(set(names)) != len(names):
            raise ValueError(f"partner names must be unique, got {names}")
        return self


class Coalition(Mechanic[CoalitionParams]):
    """Partner transactions of members: earn, burn, fund, and spill over to the host."""

    kind = "coalition"
    Params = CoalitionParams
    accounts = ("partner_income",)
    reward_types = ("partner",)
    KPIS = (
        Kpi("partner_visits", "Partner visits", "count", "higher", additive=True),
        Kpi("partner_points_share", "Share of points issued at partners", "share"),
        Kpi("partner_points_burned", "Points burned at partners", "points", additive=True),
        Kpi("partner_income", "Income from partners", "money", "higher", additive=True),
    )

    def bind(self, world: World) -> None:
        p = self.params
        u = world.stream("coalition:adopt")
        self._shopper = [u.uniform(0, sub=j) < q.adoption for j, q in enumerate(p.partners)]
        self._chance = [-np.expm1(-q.visits_per_week / 7.0) for q in p.partners]
        self._last = np.full(world.pop.size, NEVER, dtype=np.int64)
        decay = float(np.exp2(-1.0 / p.cross_visit_half_life_days))
        self._decay_by_age = decay ** np.arange(MAX_AGE + 1)
        """``decay**days`` for every age (a lookup is faster than a power per member per day)."""
        self._visits = 0
        self._burned = 0

    def points_per_visit(self, world: World) -> np.ndarray:
        """Partner points per day of each partner shopper, expressed per base visit."""
        per_day = sum(
            q.visits_per_week / 7.0 * q.mean_ticket * q.points_per_unit * self._shopper[j]
            for j, q in enumerate(self.params.partners)
        )
        return per_day / np.maximum(world.pop.rate, 1e-9)

    def visit_lift(self, world: World, day: int) -> np.ndarray | None:
        """``cross_visit_lift * 2^(-days since last partner visit / half-life)``."""
        if not self._visits:
            return None
        since = np.minimum(day - self._last, MAX_AGE)
        return self.params.cross_visit_lift * self._decay_by_age[since]

    def close_day(self, world: World, day: int) -> None:
        members = world.member & world.alive
        for j, q in enumerate(self.params.partners):
            idx = np.flatnonzero(members & self._shopper[j])
            idx = idx[world.stream("coalition:visit").uniform(day, idx, sub=j) < self._chance[j]]
            if not idx.size:
                continue
            stream = world.stream(f"coalition:spend:{q.name}")
            spend = stream.gamma(day, idx, TICKET_SHAPE) * (q.mean_ticket / TICKET_SHAPE)
            points = np.floor(spend * q.points_per_unit).astype(np.int64)
            world.ledger.issue(idx, points, f"partner:{q.name}", day)
            if q.funding_per_point:
                world.ledger.money(
                    "partner_income",
                    day,
                    q.funding_per_point * int(points.sum()),
                    who=idx,
                    each=q.funding_per_point * points,
                )
            if q.burn is not None:
                self._burn(world, day, j, q.burn, idx)
            world.feel(idx, self.params.attachment_gain)
            self._last[idx] = day
            self._visits += idx.size

    def _burn(self, world: World, day: int, j: int, burn: PartnerBurn, idx: np.ndarray) -> None:
        idx = idx[world.ledger.balance[idx] >= burn.points]
        idx = idx[world.stream("coalition:burn").uniform(day, idx, sub=j) < burn.prob]
        if not idx.size:
            return
        world.ledger.redeem(idx, np.full(idx.size, burn.points, dtype=np.int64), day)
        world.ledger.reward_cost(
            "partner", day, burn.cost_per_point * burn.points * idx.size, who=idx
        )
        self._burned += burn.points * idx.size

    def kpis(self, world: World) -> dict[str, float]:
        ledger = world.ledger
        earned = sum(
            ledger.issued_by_source.get(f"partner:{q.name}", 0) for q in self.params.partners
        )
        issued = int(ledger.issued.sum())
        return {
            "partner_visits": float(self._visits),
            "partner_points_share": earned / issued if issued else float("nan"),
            "partner_points_burned": float(self._burned),
            "partner_income": float(ledger.daily_money.get("partner_income", np.zeros(1)).sum()),
        }

    def describe(self) -> str:
        names = ", ".join(q.name for q in self.params.partners)
        return f"Members earn and burn points at partners ({names}); partners pay per point issued."
