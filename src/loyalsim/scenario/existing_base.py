"""An existing base: the program already runs on day 0 (members with tenure, balances, tiers,
attachment, and lapsed members who still hold points).

The state is the same whatever design is simulated, so a run compares "change the program
on the start date" with "keep the current program" (``current_program``) and with no program
on the same customers (docs/scenario-format.md, "Existing base").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, Strict, model_validator

from loyalsim.scenario.distributions import Gamma, Trait, Uniform, UnitTrait
from loyalsim.spec import DayCount, Effect, Name, Spec

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ExistingBaseSpec(Spec):
    """Who is already a member on day 0 and what they hold.

    Distributions are drawn per member; a ``members_file`` replaces ``tenure_days``,
    ``balance`` and ``tiers`` by records resampled from a member list.
    """

    member_share: Share = 0.5
    """Share of the day-0 customers who are members (ignored with ``members_file``, which
    gives the share as its active members per represented customer)."""
    tenure_days: Trait = Uniform(low=0.0, high=1095.0)
    """Days since each member joined (the history of the program)."""
    balance: Trait = Gamma(shape=1.0, scale=200.0)
    """Opening points balance of each member (rounded down to whole points)."""
    earned_over_days: DayCount = 365
    """Opening balances were earned evenly over the last ``min(tenure, this)`` days: the lots
    a fixed-period expiry forfeits (capped at what the expiry lets survive)."""
    tiers: dict[Name, Share] = Field(default_factory=dict)
    """Share of members holding each tier (by name); the rest hold the lowest tier."""
    attachment: UnitTrait | None = None
    """Baseline attachment of members (default: their segment's distribution)."""
    lapsed_members: Effect = 0.0
    """Lapsed members per day-0 customer: gone for good, still holding points."""
    lapsed_balance: Trait | None = None
    """Their balances (default: ``balance``)."""
    lapsed_days: Trait = Uniform(low=90.0, high=730.0)
    """Days since a lapsed member last earned or redeemed."""
    members_file: Annotated[Path, Strict(False)] | None = None
    """CSV with columns customer_id, joined (date), balance, and optionally tier and
    status (active | lapsed); relative paths are read from the working directory."""

    @model_validator(mode="after")
    def _tier_shares(self) -> ExistingBaseSpec:
        total = sum(self.tiers.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"tiers: shares of members must sum to at most 1, got {total:g}")
        return self
