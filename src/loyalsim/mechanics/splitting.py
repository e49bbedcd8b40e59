"""Transaction splitting: members who ring one basket up as several tickets when a
per-transaction earning rule (stamps per visit) makes that pay.

Starbucks replaced per-visit stars with per-dollar stars in April 2016 because members
split orders into several transactions to collect more stars. Under spend-based earning
splitting gains nothing, so the same customers stop doing it.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from loyalsim.engine.hooks import Kpi, Mechanic
from loyalsim.engine.world import VisitBatch, World
from loyalsim.spec import MechanicParams, Money, PositiveMoney, Probability


class SplittingParams(MechanicParams):
    """``share`` of point-tracking members split a basket into up to ``max_transactions``
    tickets of at least ``max(min_spend, min_ticket)`` whenever per-visit earning pays."""

    kind: Literal["splitting"] = "splitting"
    share: Probability = 0.15
    max_transactions: Annotated[int, Field(ge=2, le=10)] = 3
    min_ticket: PositiveMoney = 1.5
    cost_per_transaction: Money = 0.0


class Splitting(Mechanic[SplittingParams]):
    """Splits the baskets of splitters; inert when no rule rewards more transactions."""

    kind = "splitting"
    Params = SplittingParams
    accounts = ("transaction_cost",)
    KPIS = (
        Kpi("split_visit_share", "Member visits split into several tickets", "share", "lower"),
        Kpi(
            "extra_transactions",
            "Extra till transactions from splitting",
            "count",
            "lower",
            additive=True,
        ),
    )

    def bind(self, world: World) -> None:
        u = world.stream("splitting").uniform(0)
        self._splitter = u < self.params.share
        self._visits = 0
        self._split_visits = 0
        self._extra = 0

    def shape_basket(self, world: World, batch: VisitBatch) -> None:
        self._visits += int(np.count_nonzero(batch.member))
        if world.state.split_threshold is None:
            return
        p = self.params
        rows = np.flatnonzero(batch.member)
        idx = batch.idx[rows]
        keen = self._splitter[idx] & world.tracking(idx)
        rows = rows[keen]
        ticket = max(world.state.split_threshold, p.min_ticket)
        parts = np.minimum(np.floor(batch.spend[rows] / ticket), p.max_transactions)
        split = parts >= 2
        rows, parts = rows[split], parts[split].astype(np.int64)
        batch.transactions[rows] = parts
        extra = int(parts.sum()) - rows.size
        self._split_visits += rows.size
        self._extra += extra
        if p.cost_per_transaction and extra:
            each = p.cost_per_transaction * (parts - 1)
            world.ledger.money(
                "transaction_cost",
                batch.day,
                p.cost_per_transaction * extra,
                who=batch.idx[rows],
                each=each,
            )

    def kpis(self, world: World) -> dict[str, float]:
        share = self._split_visits / self._visits if self._visits else float("nan")
        return {"split_visit_share": share, "extra_transactions": float(self._extra)}

    def describe(self) -> str:
        p = self.params
        return (
            f"{p.share:.0%} of point-tracking members split a basket into up to "
            f"{p.max_transactions} tickets when per-visit earning makes it pay."
        )
