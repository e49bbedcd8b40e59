"""The mechanic protocol: one program rule behind a few optional, vectorised hooks."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any, ClassVar

import numpy as np

from loyalsim.engine.world import VisitBatch, World
from loyalsim.scenario.spec import Spec

Process = Generator[Any, Any, None]
"""A SimPy process generator (a calendar process such as a review or an expiry sweep)."""


class Mechanic:
    """Base class of program mechanics.

    A mechanic declares its ``Params`` spec (with a ``kind`` literal used in YAML), may
    schedule calendar processes, and reacts to engine hooks with vectorised effects that go
    through the ledger and the world's methods. Every hook is optional.
    """

    kind: ClassVar[str]
    Params: ClassVar[type[Spec]]

    def __init__(self, name: str, params: Any) -> None:
        self.name = name
        self.params = params

    @classmethod
    def reserve_rows(cls, params: Any, population_size: int) -> int:
        """Rows to reserve in the population for customers this mechanic may bring in."""
        return 0

    def bind(self, world: World) -> None:
        """Prepare state before day 0 (allocate arrays, declare the goal, enable lots)."""

    def on_start(self, world: World) -> None:
        """Act on day 0, after every mechanic is bound (for example enrol the existing base)."""

    def processes(self, world: World) -> Iterable[Process]:
        """Calendar processes to run on the world's SimPy environment."""
        return ()

    def visit_lift(self, world: World, day: int) -> np.ndarray | None:
        """Extra visit-rate lift for members today, before personal sensitivity scaling."""
        return None

    def before_visit(self, world: World, batch: VisitBatch) -> None:
        """Shape today's baskets before any mechanic reacts (spend, transactions per visit)."""

    def on_visit(self, world: World, batch: VisitBatch) -> None:
        """React to today's transactions (enrol, earn, redeem, ...)."""

    def on_day_end(self, world: World, day: int) -> None:
        """Close the day (accrue costs, update per-day state)."""

    def kpis(self, world: World) -> dict[str, float]:
        """Scalar KPIs this mechanic adds to the summary (flat keys like ``tier_share.gold``)."""
        return {}

    def structured_kpis(self, world: World) -> dict[str, Any]:
        """Nested KPIs (shares by tier, a migration matrix) for ``summary.json``'s ``kpis``."""
        return {}

    def describe(self) -> str:
        """The rule in plain words, for reports."""
        return f"{self.kind}: {self.params.model_dump(exclude={'kind'})}"
