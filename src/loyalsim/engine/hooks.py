"""The mechanic protocol: one program rule behind a few optional, vectorised hooks.

A simulated day runs in fixed phases (docs/extending.md)::

    arrive -> pressure -> visits -> enrol -> shape basket -> earn -> redeem -> react
           -> churn -> close

Each phase with mechanic work has one hook; a mechanic overrides the hooks it needs. Within a
phase, mechanics run in a stable order, by ``(kind, instance name)``, never by their position
in the scenario file, so the key order of ``program:`` cannot change a result.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

import numpy as np

from loyalsim.spec import MechanicParams

if TYPE_CHECKING:
    from loyalsim.engine.rng import CustomerStream
    from loyalsim.engine.world import VisitBatch, World

Process = Generator[Any, Any, None]
"""A SimPy process generator (a calendar process such as a review or an expiry sweep)."""


class Phase(IntEnum):
    """The phases of a simulated day, in the order they run."""

    ARRIVE = 0
    """New customers become alive (``on_arrive``: automatic enrolment)."""
    PRESSURE = 1
    """Program pressure on today's visit rate (``visit_lift``, summed)."""
    ENROL = 2
    """Visitors join (``enrol``); later phases see them as members."""
    SHAPE_BASKET = 3
    """Baskets take their final shape: spend, till transactions (``shape_basket``)."""
    EARN = 4
    """Points are earned on the shaped baskets (``earn``)."""
    REDEEM = 5
    """Members redeem (``redeem``)."""
    REACT = 6
    """Reactions to the visit: qualification, churn factors (``react``)."""
    CHURN = 7
    """The engine draws dropout on the base purchase clock (no mechanic hook)."""
    CLOSE = 8
    """End of day: accruals, daily processes (``close_day``)."""


VISIT_HOOKS: dict[Phase, str] = {
    Phase.ENROL: "enrol",
    Phase.SHAPE_BASKET: "shape_basket",
    Phase.EARN: "earn",
    Phase.REDEEM: "redeem",
    Phase.REACT: "react",
}
"""The per-visit hook of each visit phase."""

Unit = Literal["count", "money", "share", "ratio", "points", "days", "attachment"]
Better = Literal["higher", "lower", "neither"]


@dataclass(frozen=True)
class Kpi:
    """One KPI's definition: what it means, how to show it and how it combines.

    ``key`` may end in ``.*`` for a family with one key per item (``tier_share.*``).
    ``additive`` KPIs sum over the instances of a repeatable mechanic and over breakdown
    items; ``breakdown_of`` names the total that a ``.*`` family's items sum to.
    """

    key: str
    label: str
    unit: Unit
    better: Better = "neither"
    additive: bool = False
    breakdown_of: str | None = None
    weekly: bool = False
    """Also a column of ``weekly.csv`` (computed per week by the same rule)."""
    headline: bool = False
    """Shown in the console table and first in reports."""
    description: str = ""
    aggregate: Literal["mean"] = "mean"
    """How replications combine (the mean, with a Student-t interval)."""


P = TypeVar("P", bound=MechanicParams)


class Mechanic(Generic[P]):
    """Base class of program mechanics, generic over their ``Params`` spec.

    A mechanic declares its ``Params`` (with a ``kind`` literal used in YAML), its KPIs
    (``KPIS``), whether a program may hold several instances (``singleton``), may schedule
    calendar processes, and reacts to phase hooks with vectorised effects that go through
    the ledger and the world's methods. It writes only the program-state fields it owns
    (:class:`loyalsim.engine.state.ProgramState`). Every hook is optional.
    """

    kind: ClassVar[str]
    Params: ClassVar[type[MechanicParams]]
    singleton: ClassVar[bool] = True
    """At most one instance per program (its streams and KPI keys need no namespace)."""
    enrols_members: ClassVar[bool] = False
    """Decides who joins; without such a mechanic every arriving customer is enrolled."""
    KPIS: ClassVar[tuple[Kpi, ...]] = ()
    """The scalar KPIs :meth:`kpis` returns (keys without the instance suffix)."""
    reward_types: ClassVar[tuple[str, ...]] = ()
    """Reward types whose cost this mechanic books (``reward_cost_by_type.*``, in the
    ``reward_cost`` account)."""
    accounts: ClassVar[tuple[str, ...]] = ()
    """Other money accounts it books: costs, or income when the name ends in ``_income``."""

    def __init__(self, name: str, params: P) -> None:
        self.name = name
        self.params = params

    # -- identity and namespaces --
    @property
    def namespace(self) -> str:
        """Prefix of this instance's streams: empty for singletons, else kind and name."""
        return "" if self.singleton else f"{self.kind}[{self.name}]:"

    def stream(self, world: World, purpose: str) -> CustomerStream:
        """This instance's random stream for ``purpose`` (instances never share draws)."""
        return world.stream(self.namespace + purpose)

    @classmethod
    def kpi_keys(cls, params: Any) -> list[str]:
        """The scalar KPI keys an instance with ``params`` reports (families expanded)."""
        return [k.key for k in cls.KPIS]

    # -- set-up --
    @classmethod
    def at_scale(cls, params: Any, scale: float) -> Any:
        """The params for a population whose simulated customers each stand for ``scale``
        real ones (``population.represents``): absolute capacities shrink by ``scale``;
        rates, prices and shares need no change, so the default returns ``params``."""
        return params

    @classmethod
    def reserve_rows(cls, params: Any, population_size: int) -> int:
        """Rows to reserve in the population for customers this mechanic may bring in."""
        return 0

    @classmethod
    def bytes_per_row(cls, params: Any) -> int:
        """Memory per population row beyond a few scalars (histories, lots), for the
        memory estimate made before a run."""
        return 0

    def bind(self, world: World) -> None:
        """Prepare state before day 0 (allocate arrays, set owned program state, lots)."""

    def points_per_visit(self, world: World) -> np.ndarray | float:
        """Points a member can expect per base visit from this mechanic (for time-to-goal)."""
        return 0.0

    def on_start(self, world: World) -> None:
        """Act on the launch day (``world.state.launch_day``, day 0 by default), after every
        mechanic is bound and before that day's tick (for example enrol day-one members)."""

    def processes(self, world: World) -> Iterable[Process]:
        """Calendar processes to run on the world's SimPy environment (registered on the
        launch day, so their timeouts count from it)."""
        return ()

    # -- the day, phase by phase --
    def on_arrive(self, world: World, idx: np.ndarray, day: int) -> None:
        """ARRIVE: customers ``idx`` have just arrived (on the launch day: every customer
        alive, as the program reaches them)."""

    def visit_lift(self, world: World, day: int) -> np.ndarray | None:
        """PRESSURE: extra visit-rate lift for members today, before sensitivity scaling."""
        return None

    def enrol(self, world: World, batch: VisitBatch) -> None:
        """ENROL: visitors join (set ``batch.member`` for those who do)."""

    def shape_basket(self, world: World, batch: VisitBatch) -> None:
        """SHAPE_BASKET: change today's spend or till transactions per visit."""

    def earn(self, world: World, batch: VisitBatch) -> None:
        """EARN: credit points for today's baskets."""

    def redeem(self, world: World, batch: VisitBatch) -> None:
        """REDEEM: members spend points."""

    def react(self, world: World, batch: VisitBatch) -> None:
        """REACT: react to today's visits (qualification, ``batch.dropout_factor``)."""

    def close_day(self, world: World, day: int) -> None:
        """CLOSE: end of day (accrue costs, update per-day state)."""

    # -- results --
    def kpis(self, world: World) -> dict[str, float]:
        """Scalar KPIs (keys declared in ``KPIS``; families like ``tier_share.gold``)."""
        return {}

    def structured_kpis(self, world: World) -> dict[str, Any]:
        """Nested KPIs (shares by tier, a migration matrix) for ``summary.json``'s ``kpis``."""
        return {}

    def describe(self) -> str:
        """The rule in plain words, for reports."""
        return f"{self.kind}: {self.params.model_dump(exclude={'kind'})}"


def overrides(mechanic: Mechanic[Any], hook: str) -> bool:
    """Whether ``mechanic`` implements ``hook`` (the engine skips the no-op defaults)."""
    return getattr(type(mechanic), hook) is not getattr(Mechanic, hook)


def phase_order(mechanics: Iterable[Mechanic[Any]]) -> list[Mechanic[Any]]:
    """Mechanics in the stable order every phase uses: by kind, then instance name."""
    return sorted(mechanics, key=lambda m: (m.kind, m.name))
