"""One simulation arm: a SimPy clock driving vectorised daily behaviour and calendar events.

SimPy decides *when* things happen (the daily tick, expiry sweeps, reviews); numpy decides
*what* happens to whom. Calendar processes are registered before the daily tick, so on any
day their events fire first (SimPy orders simultaneous events by scheduling order). A day
runs in the phases of :class:`loyalsim.engine.hooks.Phase`; within a phase mechanics run by
``(kind, name)``, so the order of a scenario's keys never matters.

A program may launch after day 0 (``launch``): until then the program arm runs exactly as
the control arm (no hook, no pressure, no cost; the same draws), so with common random
numbers its days before the launch are the control's to the bit. On the launch day, before
that day's tick, the customers alive join the program as arrivals do (``on_arrive``), then
the mechanics start (``on_start``) and their calendar processes are registered, so those
count from the launch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from loyalsim.engine import existing_base
from loyalsim.engine.behaviour import headroom, reward_pull, seasonality
from loyalsim.engine.hooks import VISIT_HOOKS, Mechanic, Phase, Process, overrides, phase_order
from loyalsim.engine.observers import Observer, read_only
from loyalsim.engine.population import Population
from loyalsim.engine.rng import CustomerStream, VisitPressure
from loyalsim.engine.spend_log import SpendLog
from loyalsim.engine.world import VisitBatch, World
from loyalsim.errors import SimulationError

if TYPE_CHECKING:
    from loyalsim.scenario.behaviour import BehaviourSpec, EconomicsSpec
    from loyalsim.scenario.population import SeasonalitySpec

_NO_LIFT = np.empty(0)
_NO_TARGET = np.empty(0, dtype=np.int64)

DAILY_SERIES = (
    "visits",
    "transactions",
    "member_visits",
    "revenue",
    "base_revenue",
    "shaped_revenue",
    "redemption_discount",
    "member_revenue",
    "alive",
    "members",
    "new_members",
    "dropouts",
    "operating_cost",
    "mean_attachment",
)


@dataclass
class ArmResult:
    """What one arm leaves behind: its world (final state) and its daily series."""

    world: World
    daily: dict[str, np.ndarray]
    mechanics: list[Mechanic[Any]]


class Simulation:
    """Runs one arm (a program design, or the no-program control) for one replication."""

    def __init__(
        self,
        population: Population,
        mechanics: Sequence[Mechanic[Any]],
        behaviour: BehaviourSpec,
        economics: EconomicsSpec,
        seasonality_spec: SeasonalitySpec,
        start: dt.date,
        days: int,
        seed: int,
        replication: int,
        streams: dict[str, CustomerStream],
        observers: Sequence[Observer] = (),
        arm: str = "program",
        launch: int = 0,
        spend_log: SpendLog | None = None,
    ) -> None:
        if not 0 <= launch < days:
            raise SimulationError(f"program launch day {launch} outside the horizon 0..{days - 1}")
        if launch and population.opening is not None:
            raise SimulationError(
                "a program with an existing base runs on day 0: it cannot launch later"
            )
        self.env = simpy.Environment()
        self.mechanics = phase_order(mechanics)
        self.world = World(
            self.env,
            population,
            behaviour,
            economics,
            days,
            streams,
            seed,
            replication,
            start_date=start,
        )
        self.world.admit = self._admit
        self.world.state.launch_day = launch
        self.arm = arm
        self.observers = list(observers)
        self.has_program = bool(self.mechanics)
        self.launch = launch
        self._spend_log = spend_log
        """Baskets of the replication's control arm: filled by a control arm, read by a
        program arm of the same population (:mod:`loyalsim.engine.spend_log`)."""
        self._live = False
        """Whether the program runs (from the launch day on; never in the control arm)."""
        self.season = seasonality(seasonality_spec, start, days)
        self.daily = {k: np.zeros(days) for k in DAILY_SERIES}
        self._arrival_order = np.argsort(population.arrival_day, kind="stable")
        self._arrival_days = population.arrival_day[self._arrival_order]
        if self.has_program:
            self._headroom = headroom(population, behaviour)
            # Attachment shifts lie in [-1, 1], so the multiplier can only turn negative when
            # theta_v * headroom exceeds 1: decide once whether the daily clamp is needed.
            self._clamp_multiplier = behaviour.attachment_visit_effect * self._headroom.max() > 1
            self._pull = reward_pull(population, behaviour)
            self._response = self._headroom * self._pull
        half_life = behaviour.attachment_half_life_days
        self._attachment_decay = float(np.exp2(-1.0 / half_life))
        self._attachment_moved = False
        self._alive_count = 0
        self._live_rate = np.zeros(population.size)
        """Base visit rate of alive customers, 0 for the departed and the not yet arrived."""
        self._on_arrive = self._hooks("on_arrive")
        self._lifts = self._hooks("visit_lift")
        self._shape_phases = [
            hook for phase, name in VISIT_HOOKS.items() if phase <= Phase.SHAPE_BASKET
            for hook in self._hooks(name)
        ]  # fmt: skip
        """Per-visit hooks up to the shaped basket (the engine books the shaped revenue)."""
        self._later_phases = [
            hook for phase, name in VISIT_HOOKS.items() if phase > Phase.SHAPE_BASKET
            for hook in self._hooks(name)
        ]  # fmt: skip
        self._closers = self._hooks("close_day")

    def _hooks(self, name: str) -> list[Callable[..., Any]]:
        """Bound ``name`` hooks of the mechanics that implement it, in phase order."""
        return [getattr(m, name) for m in self.mechanics if overrides(m, name)]

    def run(self) -> ArmResult:
        """Run every day of the horizon and return the final state and daily series."""
        w = self.world
        for m in self.mechanics:
            m.bind(w)
        for m in self.mechanics:
            w.state.points_per_visit += m.points_per_visit(w)
        self._can_earn = w.state.points_per_visit > 0
        from loyalsim.engine import kernels  # compiled: loads Numba on first use

        self._kernels = kernels
        self._visit, self._spend, self._dropout = (
            w.stream(name) for name in ("visit", "spend", "dropout")
        )
        if self.has_program and self.launch == 0:
            existing_base.open_program(w)  # a program that already runs: members, points
            self._live = True
        self._arrive(0)
        if self._live:
            existing_base.settle(w)
            self._start_mechanics()
        elif self.has_program:
            self.env.process(self._launch_on(self.launch))
        self.env.process(self._daily_tick())
        for observer in self.observers:
            with read_only(w):
                observer.on_arm_start(self.arm, w)
        self.env.run(until=w.days)
        self.daily["new_members"] = w.enrolments.astype(np.float64)
        result = ArmResult(w, self.daily, self.mechanics)
        for observer in self.observers:
            with read_only(w):
                observer.on_arm_end(self.arm, result)
        return result

    def _start_mechanics(self) -> None:
        """The mechanics start: ``on_start``, then their calendar processes from today."""
        for m in self.mechanics:
            m.on_start(self.world)
        for m in self.mechanics:
            for process in m.processes(self.world):
                self.env.process(process)

    def _launch_on(self, day: int) -> Process:
        """LAUNCH: on ``day``, before its tick, the customers alive arrive in the program."""
        yield self.env.timeout(day)
        self._live = True
        alive = np.flatnonzero(self.world.alive)
        for hook in self._on_arrive:
            hook(self.world, alive, day)
        self._start_mechanics()

    def _daily_tick(self) -> Process:
        for day in range(self.world.days):
            self._step(day)
            yield self.env.timeout(1)

    def _arrive(self, day: int) -> None:
        lo, hi = np.searchsorted(self._arrival_days, [day, day + 1])
        if hi > lo:
            self._admit(self._arrival_order[lo:hi], day)

    def _admit(self, idx: np.ndarray, day: int) -> None:
        """ARRIVE: customers ``idx`` arrive on ``day`` (on their own, or brought by a mechanic)."""
        self.world.alive[idx] = True
        self._alive_count += idx.size
        self._live_rate[idx] = self.world.pop.rate[idx]
        if self._live:
            for hook in self._on_arrive:
                hook(self.world, idx, day)

    def _step(self, day: int) -> None:
        w = self.world
        if day:
            self._arrive(day)  # day 0's customers arrived before the mechanics started
        # A visit happens when the customer's unit exponential falls below the day's rate,
        # i.e. with probability 1 - exp(-rate): the same draw decides the base (no-program)
        # purchase clock and the program arm's visit, so the two differ only by the program.
        live = self._live
        multiplier = self._multiplier(day) if live else None
        idx, base_tick = self._visit.visit_clock(
            day, self._live_rate, float(self.season[day]), multiplier
        )
        spend = self._baskets(day, idx)
        self.daily["base_revenue"][day] = spend.sum()
        batch = VisitBatch.of(day, idx, spend, w.member[idx])
        for hook in self._shape_phases if live else ():
            hook(w, batch)
        self.daily["shaped_revenue"][day] = batch.spend.sum()
        for hook in self._later_phases if live else ():
            hook(w, batch)
        totals = w.last_visit, w.spend_total, w.visit_total
        self._kernels.record_visits(idx, batch.spend, day, *totals)
        self._churn(day, base_tick, batch)
        self._close_day(day, batch)
        for observer in self.observers:
            with read_only(w, batch):
                observer.on_day_end(self.arm, w, batch)

    def _baskets(self, day: int, idx: np.ndarray) -> np.ndarray:
        """Today's visitors' baskets before the program (spend stream, sub-draws 0..63); the
        control arm records them, a program arm copies those its control arm drew."""
        pop, log = self.world.pop, self._spend_log
        known = log.known(day) if log is not None and self.has_program else None
        spend = self._spend.gamma_scaled(day, idx, pop.spend_shape, pop.spend_rate, known)
        if log is not None and not self.has_program:
            log.record(day, idx, spend)
        return spend

    def _multiplier(self, day: int) -> VisitPressure:
        """PRESSURE: program effect on today's visit rate (docs/model.md §3):
        ``1 + headroom * (member * pull * (L * can_earn + sum of lifts) + theta_v * shift)``,
        computed by the visit clock in its pass over the alive customers."""
        w, b = self.world, self.world.behaviour
        lift = None
        for hook in self._lifts:
            extra = hook(w, day)
            if extra is not None:
                lift = extra if lift is None else lift + extra
        theta = b.attachment_visit_effect if self._attachment_moved else 0.0
        return VisitPressure(
            _NO_LIFT if lift is None else lift,
            b.membership_lift,
            self._can_earn,
            self._pull,
            w.member,
            w.attachment_shift,
            theta,
            self._headroom,
            self._clamp_multiplier,
        )

    def _churn(self, day: int, candidates: np.ndarray, batch: VisitBatch) -> None:
        """CHURN: dropout on the base purchase clock (BG/NBD): the program moves the probability,
        never the number of chances to defect."""
        w, b = self.world, self.world.behaviour
        if not self._live:
            prob = w.pop.dropout[candidates]
        else:
            target = w.state.target_points
            prob = self._kernels.churn_probability(
                candidates,
                w.pop.dropout,
                np.exp(-b.attachment_dropout_effect * w.attachment_shift[candidates]),
                w.frustrated,
                b.frustration_dropout,
                b.progress_lockin,
                self._response,
                w.ledger.balance,
                _NO_TARGET if target is None else target,
                w.member,
                w.pop.engaged,
            )
        stream = self._dropout
        leaving = self._kernels.leavers(
            candidates, prob, batch.idx, batch.dropout_factor, stream.keys, stream.counter(day)
        )
        w.defect(leaving)
        self._live_rate[leaving] = 0.0
        self._alive_count -= leaving.size
        self.daily["dropouts"][day] = leaving.size

    def _close_day(self, day: int, batch: VisitBatch) -> None:
        """CLOSE: the day's series, operating cost, attachment decay, mechanics' close."""
        w, econ, d = self.world, self.world.economics, self.daily
        d["visits"][day] = batch.idx.size
        d["transactions"][day] = batch.transactions.sum()
        d["member_visits"][day] = np.count_nonzero(batch.member)
        d["revenue"][day] = batch.spend.sum()
        d["redemption_discount"][day] = batch.discount.sum()
        d["member_revenue"][day] = batch.spend[batch.member].sum()
        d["alive"][day] = self._alive_count
        if not self._live:
            return  # no program (yet): no members, no cost, no mechanic closes the day
        n_members = w.alive_members
        d["members"][day] = n_members
        cost = econ.fixed_cost_per_year / 365.0
        cost += econ.cost_per_member_per_month * n_members * 12.0 / 365.0
        d["operating_cost"][day] = cost
        if day % 7 == 6 or day == w.days - 1:
            alive_members = np.flatnonzero(w.member & w.alive)
            d["mean_attachment"][day] = (
                float(w.attachment_of(alive_members).mean()) if n_members else np.nan
            )
        self._attachment_moved = self._kernels.decay(w.attachment_shift, self._attachment_decay)
        for hook in self._closers:
            hook(w, day)
