"""The state of a program that already runs on day 0: who is a member since when, their
points (in lots when a fixed-period expiry needs them), tiers, and lapsed members.

:class:`OpeningState` is drawn with the population (the same for every arm and design);
:func:`open_program` applies it to a program arm before day 0's customers arrive, and
:func:`settle` recounts alive members once they have. The control arm runs no program, so
it ignores the opening state: its customers behave on their program-free traits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from loyalsim.engine.population import LAPSED, Population

if TYPE_CHECKING:
    from loyalsim.engine.world import World
    from loyalsim.scenario.existing_base import ExistingBaseSpec

NOT_MEMBER = -(10**9)
"""Joined day of customers who are not members on day 0."""


@dataclass
class OpeningState:
    """Per population row: membership, balance and tier on day 0 (rows not in the existing
    base have ``joined_day = NOT_MEMBER`` and zeros)."""

    joined_day: np.ndarray
    """Day each member joined (<= 0), ``NOT_MEMBER`` otherwise."""
    balance: np.ndarray
    """Opening points (int64)."""
    earned_over: np.ndarray
    """Days over which the opening points were earned, ending on day -1."""
    last_activity: np.ndarray
    """Last day (< 0) each member earned or redeemed."""
    tier: np.ndarray
    """Index into ``tier_names`` of the tier each member holds (-1: the lowest)."""
    tier_names: list[str] = field(default_factory=list)

    @property
    def members(self) -> np.ndarray:
        """Rows that are members on day 0 (alive or lapsed)."""
        return np.flatnonzero(self.joined_day > NOT_MEMBER)


def open_program(world: World) -> None:
    """Make the existing base members of ``world`` with their opening balances (before day
    0's arrivals, so enrolment never treats them as new and pays no sign-up bonus)."""
    opening = world.pop.opening
    if opening is None:
        return
    idx = opening.members
    world.member[idx] = True
    world.enrol_day[idx] = opening.joined_day[idx]
    world.last_visit[idx] = opening.last_activity[idx]  # inactivity rules see their history
    world.ledger.open_balances(
        idx, opening.balance[idx], opening.earned_over[idx], opening.last_activity[idx]
    )


def settle(world: World) -> None:
    """After day 0's arrivals: count the members who are alive (lapsed ones are not)."""
    if world.pop.opening is not None:
        world.alive_members = int(np.count_nonzero(world.member & world.alive))


@dataclass(frozen=True)
class MemberRecords:
    """A member list (from ``members_file``): one entry per real member."""

    joined_day: np.ndarray
    """Day each member joined, relative to the start date (<= 0)."""
    balance: np.ndarray
    tier: list[str]
    """Tier name of each member ('' for none)."""
    lapsed: np.ndarray
    """Whether each member has lapsed (gone, still holding points)."""


def draw_opening(
    spec: ExistingBaseSpec,
    pop: Population,
    base_size: int,
    rng: np.random.Generator,
    records: MemberRecords | None = None,
    represents: int | None = None,
) -> OpeningState:
    """The opening state of every row: the first ``base_size`` rows are the day-0 customers,
    rows with arrival day ``LAPSED`` the lapsed members; draws come in a fixed order from
    ``rng`` for every row, so the members drawn do not depend on the program."""
    n = pop.size
    base = np.arange(base_size)
    lapsed = np.flatnonzero(pop.arrival_day == LAPSED)
    opening = OpeningState(
        joined_day=np.full(n, NOT_MEMBER, dtype=np.int64),
        balance=np.zeros(n, dtype=np.int64),
        earned_over=np.ones(n, dtype=np.int64),
        last_activity=np.full(n, -1, dtype=np.int64),
        tier=np.full(n, -1, dtype=np.int16),
    )
    if records is None:
        opening.tier_names = sorted(spec.tiers)
        shares = np.cumsum([spec.tiers[t] for t in opening.tier_names])
        join = rng.random(base_size) < spec.member_share
        members = base[join]
        tenure = _days(spec.tenure_days.sample(rng, base_size))[join]
        balance = _points(spec.balance.sample(rng, base_size))[join]
        tier_u = rng.random(base_size)[join]
        pick = rng.random(lapsed.size)
        lapsed_tenure = _days(spec.tenure_days.sample(rng, lapsed.size))
        lapsed_balance = _points((spec.lapsed_balance or spec.balance).sample(rng, lapsed.size))
        tiers = np.searchsorted(shares, tier_u, side="right")
        lapsed_tiers = np.searchsorted(shares, pick, side="right")
        tiers = np.where(tiers < len(shares), tiers, -1)
        lapsed_tiers = np.where(lapsed_tiers < len(shares), lapsed_tiers, -1)
    else:
        active = np.flatnonzero(~records.lapsed)
        gone = np.flatnonzero(records.lapsed)
        share = min(active.size / (represents or base_size), 1.0)
        join = rng.random(base_size) < share
        members = base[join]
        none = np.zeros(0, dtype=np.int64)
        chosen = active[rng.integers(0, active.size, members.size)] if active.size else none
        chosen_lapsed = gone[rng.integers(0, gone.size, lapsed.size)] if gone.size else none
        opening.tier_names = sorted({t for t in records.tier if t})
        index = {t: k for k, t in enumerate(opening.tier_names)}
        codes = np.array([index.get(t, -1) for t in records.tier], dtype=np.int64)
        tenure = -records.joined_day[chosen]
        balance = records.balance[chosen]
        tiers = codes[chosen]
        lapsed_tenure = -records.joined_day[chosen_lapsed]
        lapsed_balance = records.balance[chosen_lapsed]
        lapsed_tiers = codes[chosen_lapsed]
    # alive members last earned about one purchase interval ago (their own visit rate)
    since = np.ceil(rng.exponential(1.0, base_size)[join] / np.maximum(pop.rate[members], 1e-9))
    idle = _days(spec.lapsed_days.sample(rng, lapsed.size))
    opening.joined_day[members] = -tenure
    opening.balance[members] = balance
    opening.last_activity[members] = -np.clip(since, 1, np.maximum(tenure, 1)).astype(np.int64)
    opening.joined_day[lapsed] = -(idle + lapsed_tenure)
    opening.balance[lapsed] = lapsed_balance
    opening.last_activity[lapsed] = -np.maximum(idle, 1)
    everyone = np.concatenate([members, lapsed])
    opening.earned_over[everyone] = np.clip(
        -opening.joined_day[everyone] + opening.last_activity[everyone], 1, spec.earned_over_days
    )
    opening.tier[members] = tiers
    opening.tier[lapsed] = lapsed_tiers
    if spec.attachment is not None:
        level = np.clip(spec.attachment.sample(rng, base_size + lapsed.size), 0.0, 1.0)
        pop.traits["attachment"][members] = level[:base_size][join]
        pop.traits["attachment"][lapsed] = level[base_size:]
    return opening


def _days(values: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(values), 0).astype(np.int64)


def _points(values: np.ndarray) -> np.ndarray:
    return np.maximum(np.floor(values), 0).astype(np.int64)
