"""Status tiers: qualification over a rolling window, periodic reviews, benefits, and the
behaviour around them (tier chasing, pride of promotion, the sting of demotion)."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from loyalsim.engine.hooks import Kpi, Mechanic, Process
from loyalsim.engine.world import NEVER, VisitBatch, World
from loyalsim.spec import (
    MAX_DAYS,
    MAX_THRESHOLD,
    DayCount,
    Effect,
    MechanicParams,
    Money,
    Name,
    Probability,
    Spec,
)

if TYPE_CHECKING:
    from loyalsim.scenario.models import Scenario

BUCKET_DAYS = 7
"""Resolution of the rolling qualification window (activity is kept in weekly buckets)."""


class Tier(Spec):
    """One status level: the qualifying amount and the benefits it brings."""

    name: Name
    threshold: Annotated[float, Field(ge=0.0, le=MAX_THRESHOLD)]
    earn_multiplier: Effect = 1.0
    perk_cost_per_month: Money = 0.0
    experience_access: bool = False


class TiersParams(MechanicParams):
    """Tiers from lowest (threshold 0) to highest, qualified on ``qualify_on`` over the last
    ``window_days`` and reviewed every ``review_every_days``."""

    kind: Literal["tiers"] = "tiers"
    tiers: Annotated[list[Tier], Field(min_length=2)]
    qualify_on: Literal["spend", "points", "visits"] = "spend"
    window_days: Annotated[int, Field(ge=BUCKET_DAYS, le=MAX_DAYS)] = 365
    review_every_days: DayCount = 90
    demotion: Literal["soft", "hard", "none"] = "soft"
    chase_lift: Effect = 0.3
    chase_basket_lift: Effect = 0.1
    chase_start: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.6
    promotion_gain: Probability = 0.08
    demotion_asymmetry: Effect = 2.0
    demotion_dropout: Effect = 0.5
    demotion_memory_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 90

    @model_validator(mode="after")
    def _ordered_tiers(self) -> TiersParams:
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError(f"tier names must be unique, got {names}")
        if self.tiers[0].threshold != 0:
            raise ValueError(
                f"the first (base) tier must have threshold 0, got {self.tiers[0].threshold:g}"
            )
        limits = [t.threshold for t in self.tiers]
        if any(b <= a for a, b in pairwise(limits)):
            raise ValueError(f"tier thresholds must increase strictly, got {limits}")
        return self

    def check_program(self, name: str, scenario: Scenario) -> None:
        """Qualifying on points needs a way to earn them."""
        kinds = {m.kind for m in scenario.program.values()}
        if self.qualify_on == "points" and not kinds & {"spend_earning", "visit_earning"}:
            raise ValueError(
                f"program.{name}: qualify_on 'points' needs a spend_earning or visit_earning "
                "mechanic"
            )


class Tiers(Mechanic[TiersParams]):
    """Rolling-window status tiers with calendar reviews (a SimPy process)."""

    kind = "tiers"
    Params = TiersParams
    accounts = ("tier_perk_cost",)
    KPIS = (
        Kpi("tier_share.*", "Share of alive members by tier", "share"),
        Kpi("tier_promotions", "Tier promotions", "count", additive=True),
        Kpi("tier_demotions", "Tier demotions", "count", additive=True),
    )

    @classmethod
    def kpi_keys(cls, params: TiersParams) -> list[str]:
        return [
            *(f"tier_share.{t.name}" for t in params.tiers),
            "tier_promotions",
            "tier_demotions",
        ]

    @classmethod
    def bytes_per_row(cls, params: TiersParams) -> int:
        return 8 * -(-params.window_days // BUCKET_DAYS)  # the rolling window's ring buffer

    def bind(self, world: World) -> None:
        p, n = self.params, world.pop.size
        self._chase_today: np.ndarray | None = None
        """Today's chase pull (spend-qualified tiers with a basket lift), for shape_basket."""
        self._thresholds = np.array([t.threshold for t in p.tiers])
        self._multiplier = np.array([t.earn_multiplier for t in p.tiers])
        self._perk_per_day = np.array([t.perk_cost_per_month for t in p.tiers]) * 12.0 / 365.0
        self._buckets = -(-p.window_days // BUCKET_DAYS)
        self._ring = np.zeros((n, self._buckets))
        self._total = np.zeros(n)
        self._seen_points = np.zeros(n, dtype=np.int64)
        self._first = np.full(n, -1, dtype=np.int64)
        self._demoted_day = np.full(n, NEVER, dtype=np.int64)
        self._last_review = world.state.launch_day
        self.promotions = 0
        self.demotions = 0
        world.state.tier_names = [t.name for t in p.tiers]
        world.state.tier_experience_access = np.array([t.experience_access for t in p.tiers])
        world.state.earn_multiplier[:] = self._multiplier[0]

    def on_start(self, world: World) -> None:
        """An existing base: members keep the tier they hold (matched by name, else the
        lowest), with a qualification window filled at their own expected pace so far
        (assumption: past qualifying activity at the member's base rate)."""
        opening = world.pop.opening
        if opening is None or not opening.tier_names:
            return
        names = [t.name for t in self.params.tiers]
        to_ours = np.array([names.index(t) if t in names else 0 for t in opening.tier_names])
        idx = np.flatnonzero(opening.tier >= 0)
        tier = to_ours[opening.tier[idx]]
        world.state.tier[idx] = tier
        world.state.earn_multiplier[idx] = self._multiplier[tier]
        members = opening.members
        p, pop = self.params, world.pop
        per_day = pop.rate[members] * (
            pop.mean_spend_of(members) if p.qualify_on == "spend" else 1.0
        )
        if p.qualify_on == "points":
            per_day = per_day * world.state.points_per_visit[members]
        held = np.minimum(-opening.joined_day[members], p.window_days)
        so_far = per_day * held * world.alive[members]
        self._ring[members] = (so_far / self._buckets)[:, None]
        self._total[members] = so_far

    def processes(self, world: World) -> list[Process]:
        return [self._reviews(world)]

    def _reviews(self, world: World) -> Process:
        while True:
            yield world.env.timeout(self.params.review_every_days)
            day = int(world.env.now)
            if day >= world.days:
                return
            self._review(world, day)

    def _review(self, world: World, day: int) -> None:
        """Move every alive member to the tier their window qualifies them for."""
        p = self.params
        who = np.flatnonzero(world.member & world.alive)
        earned = self._ring[who].sum(axis=1)
        target = np.searchsorted(self._thresholds, earned, side="right") - 1
        current = world.state.tier[who]
        if p.demotion == "hard":
            new = target
        elif p.demotion == "soft":
            new = np.where(target < current, current - 1, target)
        else:
            new = np.maximum(target, current)
        up, down = new > current, new < current
        world.state.tier[who] = new
        world.state.earn_multiplier[who] = self._multiplier[new]
        status = world.pop.traits["status_sensitivity"]
        gain = np.clip(p.promotion_gain * status[who[up]], 0.0, 1.0)
        world.feel(who[up], gain)
        loss = np.clip(p.demotion_asymmetry * p.promotion_gain * status[who[down]], 0.0, 1.0)
        world.feel(who[down], -loss)
        self._demoted_day[who[down]] = day
        self.promotions += int(up.sum())
        self.demotions += int(down.sum())
        fresh = self._first[who] < 0
        self._first[who[fresh]] = new[fresh]
        self._last_review = day

    def visit_lift(self, world: World, day: int) -> np.ndarray | None:
        """Tier chasing: status-sensitive members near a threshold visit more, and more so as
        the review approaches (the goal gradient applied to status)."""
        p = self.params
        if p.chase_lift == 0 and p.chase_basket_lift == 0:
            return None
        from loyalsim.mechanics.tier_pull import chase_pull  # compiled: imported on first use

        urgency = 0.5 * (1.0 + (day - self._last_review) / p.review_every_days)
        pull = chase_pull(
            world.state.tier,
            self._total,
            self._thresholds,
            world.member,
            world.pop.engaged,
            world.frustrated,
            p.chase_start,
            urgency,
            world.pop.traits["status_sensitivity"],
        )
        if p.qualify_on == "spend" and p.chase_basket_lift:
            self._chase_today = pull.copy()
        pull *= p.chase_lift
        return pull

    def shape_basket(self, world: World, batch: VisitBatch) -> None:
        """Members chasing a spend threshold also buy more per visit:
        ``spend x (1 + chase_basket_lift x chase pull)`` (the pull of :meth:`visit_lift`)."""
        if self._chase_today is not None:
            batch.spend *= 1.0 + self.params.chase_basket_lift * self._chase_today[batch.idx]

    def react(self, world: World, batch: VisitBatch) -> None:
        p = self.params
        rows = np.flatnonzero(batch.member)
        idx = batch.idx[rows]
        slot = (batch.day // BUCKET_DAYS) % self._buckets
        if p.qualify_on != "points":
            amount = batch.spend[rows] if p.qualify_on == "spend" else 1.0
            self._ring[idx, slot] += amount
            self._total[idx] += amount
        recent = batch.day - self._demoted_day[idx] <= p.demotion_memory_days
        batch.dropout_factor[rows[recent]] *= 1.0 + p.demotion_dropout

    def close_day(self, world: World, day: int) -> None:
        if self.params.qualify_on == "points":
            earned = world.ledger.issued - self._seen_points
            self._seen_points = world.ledger.issued.copy()
            self._ring[:, (day // BUCKET_DAYS) % self._buckets] += earned
            self._total += earned
        if (day + 1) % BUCKET_DAYS == 0:  # a new week starts: forget the oldest bucket
            oldest = ((day + 1) // BUCKET_DAYS) % self._buckets
            self._total -= self._ring[:, oldest]
            self._ring[:, oldest] = 0.0
        if self._perk_per_day.any():
            holders = np.flatnonzero(world.member & world.alive)
            held = world.state.tier[holders]
            counts = np.bincount(held, minlength=self._perk_per_day.size)
            world.ledger.money(
                "tier_perk_cost",
                day,
                float(counts @ self._perk_per_day),
                who=holders,
                each=self._perk_per_day[held],
            )

    def _final_counts(self, world: World) -> np.ndarray:
        held = world.state.tier[world.member & world.alive]
        return np.bincount(held, minlength=len(self.params.tiers))

    def kpis(self, world: World) -> dict[str, float]:
        counts = self._final_counts(world)
        total = counts.sum()
        out = {
            f"tier_share.{name}": float(c / total) if total else float("nan")
            for name, c in zip(world.state.tier_names, counts, strict=True)
        }
        out["tier_promotions"] = float(self.promotions)
        out["tier_demotions"] = float(self.demotions)
        return out

    def structured_kpis(self, world: World) -> dict[str, Any]:
        """``tier_share`` by tier; ``tier_migration_counts``: members counted by their tier
        after their first review (rows) and their tier at the horizon, or ``churned``
        (columns); ``tier_migration``: the same as shares of each row (rows sum to 1, NaN
        for a tier nobody was reviewed into)."""
        counts = self._final_counts(world)
        total = counts.sum()
        names = world.state.tier_names
        share = {
            n: float(c / total) if total else float("nan")
            for n, c in zip(names, counts, strict=True)
        }
        reviewed = self._first >= 0
        final = np.where(world.alive, world.state.tier, len(names))[reviewed]
        k = len(names) + 1
        matrix = np.bincount(self._first[reviewed] * k + final, minlength=k * (k - 1))
        matrix = matrix.reshape(k - 1, k).astype(float)
        rows = matrix.sum(axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            shares = np.where(rows > 0, matrix / rows, np.nan)
        columns = [*names, "churned"]

        def table(grid: np.ndarray) -> dict[str, dict[str, float]]:
            return {
                row: {col: float(grid[i, j]) for j, col in enumerate(columns)}
                for i, row in enumerate(names)
            }

        return {
            "tier_share": share,
            "tier_migration": table(shares),
            "tier_migration_counts": table(matrix),
        }

    def describe(self) -> str:
        p = self.params
        levels = ", ".join(
            f"{t.name} from {t.threshold:g} (x{t.earn_multiplier:g} points)" for t in p.tiers
        )
        return (
            f"Tiers on {p.qualify_on} over the last {p.window_days} days, reviewed every "
            f"{p.review_every_days} days, {p.demotion} demotion: {levels}."
        )
