"""Paid membership (Prime-style): a fee buys benefits for a period; renewal depends on the
value the member actually got and on attachment.

Customers join at a visit with a chance that grows with the benefit they can expect; paid
members get a discount and/or a per-visit perk (free delivery), visit more (benefit use and
the sunk-cost pull of a recent payment, which fades: Gourville & Soman 1998), and at each
period end renew with a logistic probability in the log ratio of realised value to fee.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from loyalsim.engine.hooks import Kpi, Mechanic
from loyalsim.engine.world import NEVER, VisitBatch, World
from loyalsim.spec import Effect, HalfLife, MechanicParams, Money, PositiveMoney

OpenProbability = Annotated[float, Field(gt=0.0, lt=1.0)]
PERIOD_DAYS = {"monthly": 30, "annual": 365}
MAX_AGE = 10_000
"""Days since the last event beyond which the decaying lift is taken as at this age."""


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class PaidMembershipParams(MechanicParams):
    """Fee, benefits and the join and renewal responses of a paid membership."""

    kind: Literal["paid_membership"] = "paid_membership"
    fee: PositiveMoney
    period: Literal["monthly", "annual"] = "annual"
    discount: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    perk_value: Money = 0.0
    perk_cost: Money = 0.0
    join_at_par: OpenProbability = 0.02
    renewal_at_par: OpenProbability = 0.8
    value_sensitivity: Effect = 1.5
    attachment_weight: Effect = 2.0
    visit_lift: Effect = 0.15
    sunk_cost_lift: Effect = 0.3
    sunk_cost_half_life_days: HalfLife = 30.0

    @model_validator(mode="after")
    def _has_benefits(self) -> PaidMembershipParams:
        if self.discount == 0.0 and self.perk_value == 0.0:
            raise ValueError("a paid membership needs a benefit: set 'discount' or 'perk_value'")
        return self

    @property
    def period_days(self) -> int:
        return PERIOD_DAYS[self.period]


class PaidMembership(Mechanic[PaidMembershipParams]):
    """Sells the membership at visits, delivers benefits, and runs renewals."""

    kind = "paid_membership"
    Params = PaidMembershipParams
    accounts = ("membership_benefit_cost", "membership_fee_income")
    KPIS = (
        Kpi("paid_members", "Paid members", "count", "higher", additive=True),
        Kpi("paid_member_share", "Paid members, share of alive customers", "share", "higher"),
        Kpi("paid_joins", "Paid joins", "count", "higher", additive=True),
        Kpi("paid_renewals", "Paid renewals", "count", "higher", additive=True),
        Kpi("membership_fee_income", "Membership fee income", "money", "higher", additive=True),
        Kpi("membership_benefit_cost", "Membership benefit cost", "money", "lower", additive=True),
        Kpi("renewal_rate", "Renewal rate", "share", "higher"),
        Kpi("benefit_value_to_fee", "Benefit value per fee paid", "ratio", "higher"),
    )

    def bind(self, world: World) -> None:
        n = world.pop.size
        self._paid = np.zeros(n, dtype=bool)
        self._lapsed = np.zeros(n, dtype=bool)
        self._since = np.full(n, NEVER, dtype=np.int64)
        self._value = np.zeros(n)
        decay = float(np.exp2(-1.0 / self.params.sunk_cost_half_life_days))
        self._decay_by_age = decay ** np.arange(MAX_AGE + 1)
        """``decay**days`` for every age (a lookup is faster than a power per member per day)."""
        self._joins = 0
        self._decisions = 0
        self._renewals = 0
        self._value_ratio_sum = 0.0

    def visit_lift(self, world: World, day: int) -> np.ndarray | None:
        """``visit_lift + sunk_cost_lift * 2^(-days since payment / half-life)`` if paid."""
        if not self._joins:
            return None
        p = self.params
        since = np.minimum(day - self._since, MAX_AGE)
        return self._paid * (p.visit_lift + p.sunk_cost_lift * self._decay_by_age[since])

    def enrol(self, world: World, batch: VisitBatch) -> None:
        p = self.params
        paid = self._paid[batch.idx]
        idx = batch.idx[paid]
        if idx.size:
            self._value[idx] += p.discount * batch.spend[paid] + p.perk_value
            cost = p.discount * float(batch.spend[paid].sum()) + p.perk_cost * idx.size
            each = p.discount * batch.spend[paid] + p.perk_cost
            world.ledger.money("membership_benefit_cost", batch.day, cost, who=idx, each=each)
        self._offer(world, batch.day, batch.idx[~paid & ~self._lapsed[batch.idx]])

    def _offer(self, world: World, day: int, idx: np.ndarray) -> None:
        """Join with ``sigmoid(logit(join_at_par) + k ln(expected value / fee))``."""
        p = self.params
        per_visit = p.discount * world.pop.mean_spend_of(idx) + p.perk_value
        expected = world.pop.rate[idx] * p.period_days * per_visit
        ratio = np.maximum(expected / p.fee, 1e-12)
        chance = _sigmoid(_logit(p.join_at_par) + p.value_sensitivity * np.log(ratio))
        idx = idx[world.stream("paid_membership:join").uniform(day, idx) < chance]
        if not idx.size:
            return
        self._paid[idx] = True
        self._since[idx] = day
        self._value[idx] = 0.0
        world.enrol(idx, day)
        world.ledger.money("membership_fee_income", day, p.fee * idx.size, who=idx)
        self._joins += idx.size

    def close_day(self, world: World, day: int) -> None:
        """Renew members whose period ends today; those who leave lose their benefits."""
        p = self.params
        gone = self._paid & ~world.alive
        self._paid[gone] = False
        due = np.flatnonzero(self._paid & (day - self._since >= p.period_days))
        if not due.size:
            return
        ratio = self._value[due] / p.fee
        attachment = world.attachment_of(due)
        x = _logit(p.renewal_at_par) + p.value_sensitivity * np.log(np.maximum(ratio, 1e-12))
        x += p.attachment_weight * (attachment - 0.5)
        renew = world.stream("paid_membership:renew").uniform(day, due) < _sigmoid(x)
        self._decisions += due.size
        self._renewals += int(renew.sum())
        self._value_ratio_sum += float(ratio.sum())
        stay, leave = due[renew], due[~renew]
        self._since[stay] = day
        self._value[stay] = 0.0
        world.ledger.money("membership_fee_income", day, p.fee * stay.size, who=stay)
        self._paid[leave] = False
        self._lapsed[leave] = True

    def kpis(self, world: World) -> dict[str, float]:
        money = world.ledger.daily_money
        alive = int(world.alive.sum())
        paid = int((self._paid & world.alive).sum())
        nan = float("nan")
        return {
            "paid_members": float(paid),
            "paid_member_share": paid / alive if alive else nan,
            "paid_joins": float(self._joins),
            "paid_renewals": float(self._renewals),
            "membership_fee_income": float(money.get("membership_fee_income", np.zeros(1)).sum()),
            "membership_benefit_cost": float(
                money.get("membership_benefit_cost", np.zeros(1)).sum()
            ),
            "renewal_rate": self._renewals / self._decisions if self._decisions else nan,
            "benefit_value_to_fee": self._value_ratio_sum / self._decisions
            if self._decisions
            else nan,
        }

    def describe(self) -> str:
        p = self.params
        perks = []
        if p.discount:
            perks.append(f"{p.discount:.0%} off every purchase")
        if p.perk_value:
            perks.append(f"a perk worth {p.perk_value:g} per visit (costs {p.perk_cost:g})")
        return f"Paid membership at {p.fee:g} per {p.period} period: " + " and ".join(perks) + "."
