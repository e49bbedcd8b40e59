"""Reward catalogue, redemption decisions and the goal-gradient pull of the next reward."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, get_args

import numpy as np
from pydantic import Field, PositiveFloat, model_validator

from loyalsim.engine.hooks import Mechanic
from loyalsim.engine.world import VisitBatch, World
from loyalsim.spec import MechanicParams, Name, Spec

if TYPE_CHECKING:
    from loyalsim.scenario.models import Scenario

NonNegative = Annotated[float, Field(ge=0.0)]
RewardType = Literal["product", "voucher", "experience", "charity"]
REWARD_TYPES: tuple[str, ...] = get_args(RewardType)


class Reward(Spec):
    """A catalogue item: its price in points, its cost to the firm and its value to customers."""

    name: Name
    points: Annotated[int, Field(ge=1)]
    cost: NonNegative
    value: NonNegative
    type: RewardType = "product"
    segment_value: dict[str, PositiveFloat] = Field(default_factory=dict)
    """Perceived value multiplier by segment name (for example charity valued by one segment)."""


class RewardsParams(MechanicParams):
    """The catalogue members redeem points for."""

    kind: Literal["rewards"] = "rewards"
    catalogue: Annotated[list[Reward], Field(min_length=1)]
    voucher_redeem_boost: NonNegative = 1.5
    voucher_attachment: NonNegative = 0.5
    experience_attachment: NonNegative = 2.0
    charity_attachment: NonNegative = 1.5

    @model_validator(mode="after")
    def _unique_names(self) -> RewardsParams:
        names = [r.name for r in self.catalogue]
        if len(set(names)) != len(names):
            raise ValueError(f"reward names must be unique, got {names}")
        return self

    def check_program(self, name: str, scenario: Scenario) -> None:
        """``segment_value`` keys must name segments of the population."""
        segments = {s.name for s in scenario.population.segments}
        for k, reward in enumerate(self.catalogue):
            unknown = sorted(set(reward.segment_value) - segments)
            if unknown:
                raise ValueError(
                    f"program.{name}.catalogue[{k}].segment_value: unknown segment(s) {unknown}; "
                    f"segments are {sorted(segments)}"
                )


class Rewards(Mechanic[RewardsParams]):
    """Members redeem the most valuable reward they can afford; the cheapest one is the goal."""

    kind = "rewards"
    Params = RewardsParams
    reward_types = REWARD_TYPES

    def bind(self, world: World) -> None:
        by_points = sorted(self.params.catalogue, key=lambda r: (r.points, -r.value))
        self._points = np.array([r.points for r in by_points], dtype=np.int64)
        self._value = np.array([r.value for r in by_points])
        self._cost = np.array([r.cost for r in by_points])
        self._types = [r.type for r in by_points]
        p = self.params
        self._is_voucher = np.array([t == "voucher" for t in self._types])
        self._is_experience = np.array([t == "experience" for t in self._types])
        type_gain = {
            "product": 1.0,
            "voucher": p.voucher_attachment,
            "experience": p.experience_attachment,
            "charity": p.charity_attachment,
        }
        self._type_gain = np.array([type_gain[t] for t in self._types])
        # Perceived value by segment (rows) and reward; for each segment and affordable
        # prefix of the catalogue, the reward perceived as most valuable.
        segments = world.pop.segment_names
        self._taste = np.array([[r.segment_value.get(s, 1.0) for r in by_points] for s in segments])
        perceived = self._taste * self._value
        self._best_upto = np.array(
            [[int(np.argmax(row[: k + 1])) for k in range(len(by_points))] for row in perceived]
        )
        self._carry_decay = float(np.exp2(-1.0 / world.behaviour.reset_half_life_days))
        self._carry = np.zeros(world.pop.size)
        """Goal pull carried over after a redemption (partial reset); decays daily."""
        world.state.goal_points = int(self._points[0])
        world.state.catalogue_cost_per_point = float(self._cost[0] / self._points[0])

    def visit_lift(self, world: World, day: int) -> np.ndarray | None:
        """Goal gradient (Kivetz, Urminsky & Zheng 2006), with partial reset after a reward."""
        b = world.behaviour
        self._carry *= self._carry_decay
        pull = world.progress()
        np.maximum(pull, self._carry, out=pull)
        if b.goal_gradient_curvature != 1.0:
            pull **= b.goal_gradient_curvature
        pull *= b.goal_gradient
        pull *= world.tracking()
        return pull

    def redeem(self, world: World, batch: VisitBatch) -> None:
        members = np.flatnonzero(batch.member)
        idx = batch.idx[members]
        balance = world.ledger.balance[idx]
        can = balance >= self._points[0]
        if can.any():
            self._redeem(world, batch, members[can], idx[can], balance[can])
        self._give_up_if_out_of_reach(world, batch.day, idx[~can])

    def _redeem(
        self,
        world: World,
        batch: VisitBatch,
        rows: np.ndarray,
        idx: np.ndarray,
        balance: np.ndarray,
    ) -> None:
        b = world.behaviour
        segment = world.pop.segment[idx]
        affordable = np.searchsorted(self._points, balance, side="right") - 1
        choice = self._best_upto[segment, affordable]
        tracking = world.tracking(idx)
        chance = np.where(tracking, b.engaged_redeem_prob, b.passive_redeem_prob)
        boosted = self._is_voucher[choice]
        chance[boosted] = -np.expm1(
            self.params.voucher_redeem_boost * np.log1p(-np.minimum(chance[boosted], 1 - 1e-12))
        )
        go = world.stream("redemption").uniform(batch.day, idx) < chance
        rows, idx, choice, segment = rows[go], idx[go], choice[go], segment[go]
        if not idx.size:
            return
        points = self._points[choice]
        world.ledger.redeem(idx, points, batch.day)
        counts = np.bincount(choice, minlength=self._points.size)
        for k in np.flatnonzero(counts):
            world.ledger.reward_cost(self._types[k], batch.day, float(self._cost[k] * counts[k]))
        self._carry[idx] = b.reset_carry
        world.feel(
            idx, np.clip(b.attachment_gain_redeem * self._gain(world, idx, choice, segment), 0, 1)
        )
        batch.redeemed[rows] = True
        batch.dropout_factor[rows] *= 1.0 + b.post_reward_dropout

    def _gain(
        self, world: World, idx: np.ndarray, choice: np.ndarray, segment: np.ndarray
    ) -> np.ndarray:
        """Attachment gain factor of a redemption: by reward type, times the segment's taste
        for the reward; experiences count ``2 * experience_seeking`` times more."""
        factor = self._type_gain[choice] * self._taste[segment, choice]
        exp = self._is_experience[choice]
        factor[exp] *= 2.0 * world.pop.traits["experience_seeking"][idx[exp]]
        return factor

    def _give_up_if_out_of_reach(self, world: World, day: int, idx: np.ndarray) -> None:
        """Engaged members who cannot reach the goal within their patience may give up."""
        b = world.behaviour
        idx = idx[world.tracking(idx)]
        if not idx.size:
            return
        missing = self._points[0] - world.ledger.balance[idx]
        per_day = world.pop.rate[idx] * world.state.points_per_visit[idx]
        with np.errstate(divide="ignore"):
            eta = missing / per_day
        out_of_reach = eta > world.state.patience_days
        u = world.stream("give_up").uniform(day, idx)
        world.give_up(idx[out_of_reach & (u < b.give_up_prob)], day)

    def describe(self) -> str:
        items = ", ".join(
            f"{r.name} for {r.points} points (costs {r.cost:g}, worth {r.value:g} to members)"
            for r in self.params.catalogue
        )
        return f"Rewards: {items}."
