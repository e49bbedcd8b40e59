"""Program state: the facts mechanics share, each field with exactly one writer.

Mechanics talk to each other only through these fields (and through the ledger and the
world's methods). :data:`OWNERS` names each field's writer: one singleton mechanic kind, or
the engine; every other mechanic only reads it. ``tests/test_program_state.py`` checks
statically that no other module assigns a field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ProgramState:
    """Shared program facts of one arm (arrays hold one entry per customer)."""

    points_per_visit: np.ndarray
    """Points a member expects per base visit: the sum of every mechanic's
    ``points_per_visit`` hook, computed by the engine before day 0."""
    earn_multiplier: np.ndarray
    """Factor on points earned per transaction (tier benefits; 1 without tiers)."""
    tier: np.ndarray
    """Index of each customer's tier in ``tier_names`` (0 without tiers)."""
    patience_days: float
    """How long engaged members wait for a reward (expiry can shorten it)."""
    launch_day: int = 0
    """Day the program starts (``program_launch``): mechanics start on it, and calendar rules
    (reviews, sweeps, events) count from it."""
    goal_points: int = 0
    """Points price of the cheapest reward (reachability: giving up, warnings)."""
    target_points: np.ndarray | None = None
    """Per customer: points price of the reward they work towards (their goal); ``None``
    without a catalogue. Engaged members may save for a dearer reward than the cheapest."""
    reward_names: list[str] = field(default_factory=list)
    """Names of the catalogue's rewards, indexed by ``VisitBatch.reward``; empty without one."""
    catalogue_cost_per_point: float = 0.0
    """Cost to the firm of one point at the goal reward (values the liability)."""
    goal_value_per_point: np.ndarray | None = None
    """Per customer: perceived value of one point at the goal (cheapest) reward, the
    program's advertised deal (segment tastes applied); ``None`` without a catalogue."""
    head_start: np.ndarray | None = None
    """Per customer: points given free on joining (the sign-up bonus), the endowed progress
    of the first card; ``None`` when nobody gets any."""
    earns_on_spend: bool = False
    """Whether points grow with the basket (spend earning): only then can points pressure
    raise spend per visit."""
    split_threshold: float | None = None
    """Smallest ticket that earns per-transaction points: splitting pays only when set."""
    tier_names: list[str] = field(default_factory=list)
    """Tier names from lowest to highest; empty when the program has no tiers."""
    tier_experience_access: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=bool))
    """Per tier: whether it gives access to tier-only experiences."""

    @classmethod
    def initial(cls, size: int, patience_days: float) -> ProgramState:
        """The state before any mechanic is bound: no goal, no tiers, unit earn multiplier."""
        return cls(
            points_per_visit=np.zeros(size),
            earn_multiplier=np.ones(size),
            tier=np.zeros(size, dtype=np.int64),
            patience_days=patience_days,
        )


OWNERS: dict[str, str] = {
    "points_per_visit": "engine",
    "earn_multiplier": "tiers",
    "tier": "tiers",
    "patience_days": "expiry",
    "launch_day": "engine",
    "goal_points": "rewards",
    "target_points": "rewards",
    "reward_names": "rewards",
    "catalogue_cost_per_point": "rewards",
    "goal_value_per_point": "rewards",
    "head_start": "enrolment",
    "earns_on_spend": "spend_earning",
    "split_threshold": "visit_earning",
    "tier_names": "tiers",
    "tier_experience_access": "tiers",
}
"""Each field's only writer: a singleton mechanic kind, or ``engine``."""
