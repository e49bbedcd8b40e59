"""Reward catalogue, redemption decisions and the goal-gradient pull of the next reward."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, get_args

import numpy as np
from pydantic import Field, model_validator

from loyalsim.engine.behaviour import (
    reward_pull,
    reward_rate,
    save_or_redeem_target,
    value_per_effort,
)
from loyalsim.engine.hooks import Kpi, Mechanic
from loyalsim.engine.world import VisitBatch, World
from loyalsim.spec import MAX_EFFECT, Effect, MechanicParams, Money, Name, PositivePoints, Spec

if TYPE_CHECKING:
    from loyalsim.scenario.models import Scenario

_NO_HEAD_START = np.zeros(0, dtype=np.int64)
_NONE = np.zeros(0)

RewardType = Literal["product", "voucher", "experience", "charity"]
REWARD_TYPES: tuple[str, ...] = get_args(RewardType)


class Reward(Spec):
    """A catalogue item: its price in points, its cost to the firm and its value to customers."""

    name: Name
    points: PositivePoints
    cost: Money
    value: Money
    type: RewardType = "product"
    segment_value: dict[str, Annotated[float, Field(gt=0.0, le=MAX_EFFECT)]] = Field(
        default_factory=dict
    )
    """Perceived value multiplier by segment name (for example charity valued by one segment)."""
    displacement: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """Share of the reward's value that replaces paid spend on the redemption visit; by default
    ``behaviour.product_displacement`` for products, 1 for vouchers (money off), 0 otherwise."""


class RewardsParams(MechanicParams):
    """The catalogue members redeem points for."""

    kind: Literal["rewards"] = "rewards"
    catalogue: Annotated[list[Reward], Field(min_length=1)]
    voucher_redeem_boost: Effect = 1.5
    voucher_attachment: Effect = 0.5
    experience_attachment: Effect = 2.0
    charity_attachment: Effect = 1.5

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
    """Members work towards the reward with the best value per point they expect to reach soon
    enough (saving for a dearer one when it is worth the wait) and are pulled by it in
    proportion to its value per unit of effort (goal gradient); passive members redeem the most
    valuable reward they can afford when prompted. A redeemed reward pays for part of the
    basket (displacement) and costs the firm its cost price."""

    kind = "rewards"
    Params = RewardsParams
    reward_types = REWARD_TYPES
    KPIS = (
        Kpi(
            "saver_share",
            "Engaged members who saved past a reward",
            "share",
            description="Engaged members who, able to afford a reward, kept saving for a "
            "dearer one with a better value per point (stockpiling).",
        ),
    )

    def bind(self, world: World) -> None:
        by_points = sorted(self.params.catalogue, key=lambda r: (r.points, -r.value))
        self._points = np.array([r.points for r in by_points], dtype=np.int64)
        self._value = np.array([r.value for r in by_points])
        self._cost = np.array([r.cost for r in by_points])
        self._types = [r.type for r in by_points]
        p, b = self.params, world.behaviour
        self._is_voucher = np.array([t == "voucher" for t in self._types])
        self._is_experience = np.array([t == "experience" for t in self._types])
        self._has_experience = bool(self._is_experience.any())
        type_gain = {
            "product": 1.0,
            "voucher": p.voucher_attachment,
            "experience": p.experience_attachment,
            "charity": p.charity_attachment,
        }
        self._type_gain = np.array([type_gain[t] for t in self._types])
        default_displacement = {
            "product": b.product_displacement,
            "voucher": 1.0,
            "experience": 0.0,
            "charity": 0.0,
        }
        self._displacement = np.array(
            [
                default_displacement[r.type] if r.displacement is None else r.displacement
                for r in by_points
            ]
        )
        # Perceived value by segment (rows) and reward; for each segment and affordable
        # prefix of the catalogue, the reward perceived as most valuable.
        segments = world.pop.segment_names
        self._taste = np.array([[r.segment_value.get(s, 1.0) for r in by_points] for s in segments])
        perceived = self._taste * self._value
        self._best_upto = np.array(
            [[int(np.argmax(row[: k + 1])) for k in range(len(by_points))] for row in perceived]
        )
        self._carry_decay = float(np.exp2(-1.0 / b.reset_half_life_days))
        self._carry = np.zeros(world.pop.size)
        """Goal pull carried over after a redemption (partial reset); decays daily."""
        n = world.pop.size
        self._target = np.zeros(n, dtype=np.int64)
        """Index of the reward each customer works towards (the cheapest until a visit)."""
        self._saved = np.zeros(n, dtype=bool)
        """Engaged members who passed up an affordable reward to save for a dearer one."""
        per_day = b.impatience_per_year / 365.0
        self._impatience = per_day * world.stream("impatience").exponential(0, np.arange(n))
        """Each customer's impatience per day (heterogeneous: mean times a unit exponential)."""
        world.state.goal_points = int(self._points[0])
        self._target_points = np.full(n, self._points[0], dtype=np.int64)
        """Points price of each customer's target (shared as ProgramState.target_points)."""
        world.state.target_points = self._target_points
        world.state.catalogue_cost_per_point = float(self._cost[0] / self._points[0])
        self._target_value: np.ndarray | None = None
        """Cache of :meth:`target_pull` for every customer, kept by :meth:`_retarget`."""
        self._target_value_ppv: np.ndarray | None = None
        """The points-per-visit array the cache was computed with (it is fixed before day 0)."""
        world.state.reward_names = [r.name for r in by_points]
        taste = self._taste[world.pop.segment, 0]
        world.state.goal_value_per_point = taste * (self._value[0] / self._points[0])

    def _perceived(self, world: World, idx: np.ndarray) -> np.ndarray:
        """Perceived value of every reward (customers x rewards): value x segment taste, and
        experiences ``2 * experience_seeking`` times more (reward-type tastes)."""
        value = self._taste[world.pop.segment[idx]] * self._value
        if self._is_experience.any():
            seeking = 2.0 * world.pop.traits["experience_seeking"][idx]
            value[:, self._is_experience] *= seeking[:, None]
        return value

    def _retarget(self, world: World, idx: np.ndarray) -> None:
        """Update the target reward of customers ``idx`` (docs/model.md §3, saving)."""
        if self._points.size == 1:
            return  # a one-reward catalogue: it is everybody's target, whatever the balance
        target = save_or_redeem_target(
            self._perceived(world, idx) / self._points,
            self._points,
            world.ledger.balance[idx],
            world.pop.rate[idx] * world.state.points_per_visit[idx],
            self._impatience[idx],
        )
        self._target[idx] = target
        self._target_points[idx] = self._points[target]
        if self._target_value is not None and self._cache_valid(world):
            self._target_value[idx] = self.target_pull(world, idx)

    def _cache_valid(self, world: World) -> bool:
        return self._target_value_ppv is world.state.points_per_visit

    def target_value(self, world: World) -> np.ndarray:
        """:meth:`target_pull` of every customer (cached: targets move only at visits)."""
        if self._target_value is None or not self._cache_valid(world):
            self._target_value_ppv = world.state.points_per_visit
            self._target_value = self.target_pull(world, np.arange(world.pop.size))
        return self._target_value

    def target_pull(self, world: World, idx: np.ndarray) -> np.ndarray:
        """Value-per-effort factor ``V`` of the target reward of customers ``idx``."""
        target = self._target[idx]
        value = self._value[target] * self._taste[world.pop.segment[idx], target]
        exp = self._is_experience[target]
        value[exp] *= 2.0 * world.pop.traits["experience_seeking"][idx[exp]]
        points = self._points[target]
        ppv = world.state.points_per_visit[idx]
        rate = reward_rate(value, points, ppv, world.pop.mean_spend_of(idx))
        with np.errstate(divide="ignore"):
            visits_needed = points / ppv
        return value_per_effort(rate, visits_needed, world.behaviour)

    def visit_lift(self, world: World, day: int) -> np.ndarray | None:
        """Goal gradient (Kivetz, Urminsky & Zheng 2006) towards each member's target, scaled
        by the target's value per unit of effort (:meth:`target_pull`), with partial reset
        after a reward. Progress is felt: until their first redemption, the points given free
        on joining weigh ``1 + endowed_progress`` times (Nunes & Dreze 2006). One compiled
        passes over the customers (``loyalsim.mechanics.reward_kernels``)."""
        from loyalsim.mechanics import reward_kernels  # compiled: imported on first use

        b, ledger = world.behaviour, world.ledger
        head_start = world.state.head_start
        if head_start is None or b.endowed_progress == 0:
            head_start = _NO_HEAD_START
        if b.goal_gradient_curvature == 1.0:
            return reward_kernels.goal_pull(
                self._carry,
                self._carry_decay,
                ledger.balance,
                ledger.redeemed,
                head_start,
                b.endowed_progress,
                self._target_points,
                world.member,
                world.pop.engaged,
                world.frustrated,
                b.goal_gradient,
                self.target_value(world),
            )
        pull = reward_kernels.felt_progress(
            self._carry,
            self._carry_decay,
            ledger.balance,
            ledger.redeemed,
            head_start,
            b.endowed_progress,
            self._target_points,
        )
        pull **= b.goal_gradient_curvature  # numpy's power, between the two passes
        return reward_kernels.scale_pull(
            pull,
            world.member,
            world.pop.engaged,
            world.frustrated,
            b.goal_gradient,
            self.target_value(world),
        )

    def shape_basket(self, world: World, batch: VisitBatch) -> None:
        """Points pressure (Taylor & Neslin 2005): tracking members who earn on spend buy more
        per visit as they near their target, ``spend x (1 + B s d V progress^gamma)``."""
        b = world.behaviour
        if not world.state.earns_on_spend or b.basket_gradient == 0:
            return
        rows = np.flatnonzero(batch.member)
        idx = batch.idx[rows]
        keep = world.tracking(idx)
        rows, idx = rows[keep], idx[keep]
        pressure = world.progress(idx)
        if b.goal_gradient_curvature != 1.0:
            pressure **= b.goal_gradient_curvature
        pressure *= b.basket_gradient * reward_pull(world.pop, b, idx)
        pressure *= self.target_value(world)[idx]
        batch.spend[rows] *= 1.0 + pressure

    def redeem(self, world: World, batch: VisitBatch) -> None:
        from loyalsim.mechanics import reward_kernels  # compiled: imported on first use

        members = np.flatnonzero(batch.member)
        idx = batch.idx[members]
        self._retarget(world, idx)  # today's points are in: the target may have moved
        can, tracking, out_of_reach = reward_kernels.plan_redemptions(
            idx,
            world.ledger.balance,
            self._target_points,
            int(self._points[0]),
            world.member,
            world.pop.engaged,
            world.frustrated,
            self._saved,
            world.state.points_per_visit,
            world.pop.rate,
            float(world.state.patience_days),
        )
        if can.any():
            ready = np.flatnonzero(can)
            self._redeem(world, batch, members[ready], idx[ready], tracking[ready])
        if out_of_reach.size:
            self._give_up_if_out_of_reach(world, batch.day, out_of_reach)

    def _redeem(
        self,
        world: World,
        batch: VisitBatch,
        rows: np.ndarray,
        idx: np.ndarray,
        tracking: np.ndarray,
    ) -> None:
        from loyalsim.mechanics import reward_kernels  # compiled: imported on first use

        b, stream = world.behaviour, world.stream("redemption")
        go, choice = reward_kernels.draw_redemptions(
            idx,
            tracking,
            world.ledger.balance,
            self._points,
            self._target,
            self._best_upto,
            world.pop.segment,
            self._is_voucher,
            b.engaged_redeem_prob,
            b.passive_redeem_prob,
            self.params.voucher_redeem_boost,
            stream.keys,
            stream.counter(batch.day),
        )
        if not go.size:
            return
        rows, idx, tracking = rows[go], idx[go], tracking[go]
        world.ledger.redeem(idx, self._points[choice], batch.day)
        seeking = world.pop.traits["experience_seeking"] if self._has_experience else _NONE
        cost, gain = reward_kernels.settle_redemptions(
            rows,
            idx,
            choice,
            tracking,
            batch.spend,
            batch.discount,
            batch.redeemed,
            batch.reward,
            batch.dropout_factor,
            self._carry,
            b.reset_carry,
            b.post_reward_dropout,
            self._displacement,
            self._value,
            self._cost,
            self._is_voucher,
            world.economics.gross_margin,
            self._type_gain,
            self._taste,
            world.pop.segment,
            self._is_experience,
            seeking,
            b.attachment_gain_redeem,
        )
        spent = np.bincount(choice, weights=cost, minlength=self._points.size)
        for k in np.flatnonzero(np.bincount(choice, minlength=self._points.size)):
            mine = choice == k
            world.ledger.reward_cost(
                self._types[k], batch.day, float(spent[k]), who=idx[mine], each=cost[mine]
            )
        world.feel(idx, gain)
        self._retarget(world, idx)

    def _give_up_if_out_of_reach(self, world: World, day: int, idx: np.ndarray) -> None:
        """Engaged members ``idx`` who can earn but cannot reach the cheapest reward within
        their patience (:func:`~loyalsim.mechanics.reward_kernels.plan_redemptions`) give up
        with ``give_up_prob`` (members with no way to earn have no goal to give up on)."""
        u = world.stream("give_up").uniform(day, idx)  # counter based: same draws as for all
        world.give_up(idx[u < world.behaviour.give_up_prob], day)

    def kpis(self, world: World) -> dict[str, float]:
        engaged = world.member & world.pop.engaged
        n = int(np.count_nonzero(engaged))
        saved = int(np.count_nonzero(self._saved & engaged))
        return {"saver_share": saved / n if n else float("nan")}

    def describe(self) -> str:
        items = ", ".join(
            f"{r.name} for {r.points} points (costs {r.cost:g}, worth {r.value:g} to members)"
            for r in self.params.catalogue
        )
        return f"Rewards: {items}."
