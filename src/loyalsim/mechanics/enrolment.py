"""Enrolment: who joins the program, when, and with what sign-up bonus."""

from __future__ import annotations

from typing import Literal

import numpy as np

from loyalsim.engine.behaviour import reward_pull
from loyalsim.engine.hooks import Mechanic
from loyalsim.engine.world import VisitBatch, World
from loyalsim.spec import Effect, MechanicParams, Points, Probability

_NO_VALUE = np.empty(0)


class EnrolmentParams(MechanicParams):
    """Customers interested in the program join at a visit with their personal propensity
    (times a multiplier), or, ``automatic``, every customer is a member from the day they
    arrive. Interest grows with the benefit a customer expects (docs/model.md §5)."""

    kind: Literal["enrolment"] = "enrolment"
    signup_bonus: Points = 0
    initial_share: Probability = 0.0
    propensity_multiplier: Effect = 1.0
    automatic: bool = False
    """Every customer joins on arrival (the default when a program has no enrolment)."""


class Enrolment(Mechanic[EnrolmentParams]):
    """Enrol customers on arrival (automatic) or interested non-members at their visits;
    credit the sign-up bonus."""

    kind = "enrolment"
    Params = EnrolmentParams
    enrols_members = True

    def bind(self, world: World) -> None:
        self._head_start = np.zeros(world.pop.size, dtype=np.int64)
        """Sign-up bonus each customer got (shared as ProgramState.head_start)."""
        self._pull = reward_pull(world.pop, world.behaviour)
        """Each customer's reward pull (fixed traits): it scales their expected benefit."""
        if self.params.signup_bonus:
            world.state.head_start = self._head_start

    def on_arrive(self, world: World, idx: np.ndarray, day: int) -> None:
        if self.params.automatic:
            self._enrol(world, idx, day)

    def on_start(self, world: World) -> None:
        if self.params.automatic:
            return
        day = world.state.launch_day
        starters = np.flatnonzero(world.alive)  # customers there when the program starts
        u = world.stream("enrolment").uniform(day, starters, sub=1)
        self._enrol(world, starters[u < self.params.initial_share], day)

    def enrol(self, world: World, batch: VisitBatch) -> None:
        """Interested non-members join at a visit with their propensity (one compiled pass:
        ``loyalsim.mechanics.enrolment_kernels``)."""
        if self.params.automatic:
            return
        from loyalsim.mechanics import enrolment_kernels  # compiled: imported on first use

        pop, stream = world.pop, world.stream("enrolment")
        value_per_point = world.state.goal_value_per_point
        rows, idx = enrolment_kernels.joiners(
            batch.idx,
            batch.member,
            pop.traits["enrol_propensity"],
            self.params.propensity_multiplier,
            stream.keys,
            stream.counter(batch.day),
            stream.counter(0, 2),
            world.behaviour.enrol_benefit_half,
            pop.rate,
            world.state.points_per_visit,
            _NO_VALUE if value_per_point is None else value_per_point,
            self._pull,
        )
        self._enrol(world, idx, batch.day)
        batch.member[rows] = True

    def _enrol(self, world: World, idx: np.ndarray, day: int) -> None:
        idx = world.enrol(idx, day)
        if self.params.signup_bonus:
            bonus = np.full(idx.size, self.params.signup_bonus, dtype=np.int64)
            world.ledger.issue(idx, bonus, "signup_bonus", day)
            self._head_start[idx] = self.params.signup_bonus

    def describe(self) -> str:
        p = self.params
        if p.automatic:
            text = "Every customer is a member from their first day (automatic enrolment)"
        else:
            text = "Customers join at a visit with their personal propensity"
            if p.propensity_multiplier != 1.0:
                text += f" (x{p.propensity_multiplier:g})"
            if p.initial_share:
                text += f"; {p.initial_share:.0%} are members from the launch"
        if p.signup_bonus:
            text += f"; joining earns a {p.signup_bonus}-point bonus"
        return text + "."
