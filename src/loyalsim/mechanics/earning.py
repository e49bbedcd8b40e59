"""Earning rules: points per unit of spend, or per visit."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from loyalsim.engine.hooks import Mechanic
from loyalsim.engine.world import VisitBatch, World
from loyalsim.spec import MAX_POINTS_PER_VISIT, MechanicParams, Money, PointsPerUnit


class SpendEarningParams(MechanicParams):
    """``points_per_unit`` points per currency unit spent (times the member's tier earn
    multiplier), rounded down per transaction."""

    kind: Literal["spend_earning"] = "spend_earning"
    points_per_unit: PointsPerUnit
    min_spend: Money = 0.0


class VisitEarningParams(MechanicParams):
    """``points_per_visit`` points (stamps) for every transaction of at least ``min_spend``
    (times the tier earn multiplier, rounded down)."""

    kind: Literal["visit_earning"] = "visit_earning"
    points_per_visit: Annotated[int, Field(ge=1, le=MAX_POINTS_PER_VISIT)] = 1
    min_spend: Money = 0.0


class SpendEarning(Mechanic[SpendEarningParams]):
    """Spend-based earning (for example 1 point per dollar)."""

    kind = "spend_earning"
    Params = SpendEarningParams

    def bind(self, world: World) -> None:
        world.state.earns_on_spend = True

    def points_per_visit(self, world: World) -> np.ndarray:
        return self.params.points_per_unit * world.pop.mean_spend

    def earn(self, world: World, batch: VisitBatch) -> None:
        earns = batch.member & (batch.spend >= self.params.min_spend)
        idx = batch.idx[earns]
        rate = self.params.points_per_unit * world.state.earn_multiplier[idx]
        points = np.floor(batch.spend[earns] * rate).astype(np.int64)
        world.ledger.issue(idx, points, "purchase", batch.day)

    def describe(self) -> str:
        p = self.params
        text = f"Members earn {p.points_per_unit:g} point(s) per currency unit spent"
        return text + (f" on baskets of at least {p.min_spend:g}." if p.min_spend else ".")


class VisitEarning(Mechanic[VisitEarningParams]):
    """Visit-based earning (a stamp card)."""

    kind = "visit_earning"
    Params = VisitEarningParams

    def bind(self, world: World) -> None:
        world.state.split_threshold = self.params.min_spend

    def points_per_visit(self, world: World) -> float:
        return float(self.params.points_per_visit)

    def earn(self, world: World, batch: VisitBatch) -> None:
        """Stamps per till transaction: a split basket earns one per (even) part."""
        from loyalsim.engine import kernels  # compiled: loads Numba on first use

        idx, points = kernels.stamps(
            batch.idx,
            batch.spend,
            batch.transactions,
            batch.member,
            self.params.min_spend,
            self.params.points_per_visit,
            world.state.earn_multiplier,
        )
        world.ledger.issue(idx, points, "purchase", batch.day)

    def describe(self) -> str:
        p = self.params
        text = f"Members earn {p.points_per_visit} stamp(s) per visit"
        return text + (f" of at least {p.min_spend:g}." if p.min_spend else ".")
