"""Points expiry: none, after a period of inactivity, or a fixed time after earning."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from loyalsim.engine.hooks import Mechanic, Process
from loyalsim.engine.world import World
from loyalsim.spec import DayCount, MechanicParams


class ExpiryParams(MechanicParams):
    """``policy``: none; inactivity (all points lapse after ``days`` without earning or
    redeeming); fixed_period (each point lapses ``days`` after it was earned, first in first
    out). Sweeps run every ``sweep_every_days``; fixed-period points are grouped into lots of
    one sweep period."""

    kind: Literal["expiry"] = "expiry"
    policy: Literal["none", "inactivity", "fixed_period"] = "none"
    days: DayCount | None = None
    sweep_every_days: DayCount | None = None

    @model_validator(mode="after")
    def _days_when_expiring(self) -> ExpiryParams:
        if self.policy != "none" and self.days is None:
            raise ValueError(f"policy '{self.policy}' needs 'days' (how long points last)")
        if self.policy == "none" and self.days is not None:
            raise ValueError("policy 'none' takes no 'days'")
        return self

    @property
    def sweep_days(self) -> int:
        default = 7 if self.policy == "inactivity" else 30
        return self.sweep_every_days or default


class Expiry(Mechanic[ExpiryParams]):
    """Sweeps balances on a calendar and forfeits lapsed points."""

    kind = "expiry"
    Params = ExpiryParams

    @staticmethod
    def lifetime_periods(p: ExpiryParams) -> int:
        """Lots a customer holds at once under fixed-period expiry."""
        assert p.days is not None
        return -(-(p.days - 1) // p.sweep_days) + 1

    @classmethod
    def bytes_per_row(cls, params: ExpiryParams) -> int:
        return 8 * cls.lifetime_periods(params) if params.policy == "fixed_period" else 0

    def bind(self, world: World) -> None:
        p = self.params
        if p.policy == "fixed_period":
            assert p.days is not None
            # Points earned in one sweep period form a lot, which lapses at the first sweep
            # at which its newest point is at least ``days`` old (lots are FIFO for redemption).
            world.ledger.enable_lots(p.sweep_days, self.lifetime_periods(p), world.state.launch_day)
            world.state.patience_days = min(world.state.patience_days, float(p.days))

    def processes(self, world: World) -> list[Process]:
        return [] if self.params.policy == "none" else [self._sweeps(world)]

    def _sweeps(self, world: World) -> Process:
        p = self.params
        every = p.sweep_days
        while True:
            yield world.env.timeout(every)
            day = int(world.env.now)
            if day >= world.days:
                return
            if p.policy == "inactivity":
                assert p.days is not None
                ledger = world.ledger
                idx = np.flatnonzero((ledger.balance > 0) & (day - ledger.last_activity >= p.days))
                ledger.expire_all(idx, day, world.pop.engaged[idx] & world.member[idx])
            else:
                idx, _ = world.ledger.expire_lot(day, world.pop.engaged & world.member)
            self._forfeit_reactions(world, idx, day)

    def _forfeit_reactions(self, world: World, idx: np.ndarray, day: int) -> None:
        """Engaged members feel the loss (loss aversion) and may give up on the program."""
        b = world.behaviour
        hurt = idx[world.tracking(idx) & world.alive[idx]]
        world.feel(hurt, -b.attachment_loss_forfeit)
        u = world.stream("expiry").uniform(day, hurt)
        world.give_up(hurt[u < b.forfeit_give_up_prob], day)

    def describe(self) -> str:
        p = self.params
        if p.policy == "none":
            return "Points never expire."
        if p.policy == "inactivity":
            return f"All points lapse after {p.days} days without earning or redeeming."
        return f"Each point lapses {p.days} days after it was earned (first in, first out)."
