"""Birthday reward: a gift for every member on their birthday.

The worked example of docs/extending.md. Each customer's birthday is a day of a 365-day
year, drawn once per customer from the mechanic's own random stream (so it is the same in
every design run on the same replication). On that calendar day each alive member gets the
gift: its cost is booked as a reward of ``gift_type``, and its value to the member moves
attachment (docs/mechanics.md §6).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np

from loyalsim.engine.hooks import Kpi, Mechanic
from loyalsim.engine.world import World
from loyalsim.mechanics.rewards import REWARD_TYPES, RewardType
from loyalsim.spec import MechanicParams, Money, Probability

YEAR_DAYS = 365
"""Days of the year a birthday can fall on (29 February is nobody's birthday)."""


def day_of_common_year(date: dt.date) -> int:
    """``date`` as a day of a 365-day year (0 = 1 January, 364 = 31 December), or -1 for
    29 February: in a leap year the days after February keep their common-year numbers."""
    if date.month == 2 and date.day == 29:
        return -1
    return dt.date(2025, date.month, date.day).timetuple().tm_yday - 1


class BirthdayParams(MechanicParams):
    """On each member's birthday, a gift costing ``gift_cost`` and worth ``gift_value``."""

    kind: Literal["birthday"] = "birthday"
    gift_cost: Money
    gift_value: Money
    gift_type: RewardType = "product"
    gain: Probability = 0.05


class Birthday(Mechanic[BirthdayParams]):
    """Gives every alive member a gift on their birthday (at the close of that day)."""

    kind = "birthday"
    Params = BirthdayParams
    singleton = True
    """A customer has one birthday: a second instance would draw another from its own stream."""
    reward_types = REWARD_TYPES
    KPIS = (Kpi("birthday_gifts", "Birthday gifts", "count", "higher", additive=True),)

    def bind(self, world: World) -> None:
        u = self.stream(world, "birthday").uniform(0)
        self.birthday = np.floor(u * YEAR_DAYS).astype(np.int64)
        """Each customer's birthday as a day of a 365-day year (0 = 1 January)."""
        self._by_birthday = np.argsort(self.birthday, kind="stable")
        self._first = np.searchsorted(self.birthday[self._by_birthday], np.arange(YEAR_DAYS + 1))
        self._calendar = [day_of_common_year(world.date(day)) for day in range(world.days)]
        self.gifts = 0

    def close_day(self, world: World, day: int) -> None:
        """Members alive at the close of their birthday get the gift."""
        k = self._calendar[day]
        if k < 0:
            return
        idx = self._by_birthday[self._first[k] : self._first[k + 1]]
        idx = idx[world.member[idx] & world.alive[idx]]
        if not idx.size:
            return
        p = self.params
        world.ledger.reward_cost(p.gift_type, day, p.gift_cost * idx.size, who=idx)
        worth = np.minimum(p.gift_value / world.pop.mean_spend_of(idx), 1.0)
        world.feel(idx, p.gain * worth)
        self.gifts += idx.size

    def kpis(self, world: World) -> dict[str, float]:
        return {"birthday_gifts": float(self.gifts)}

    def describe(self) -> str:
        p = self.params
        return (
            f"Every member gets a birthday gift ({p.gift_type}, costs {p.gift_cost:g}, "
            f"worth {p.gift_value:g} to the member)."
        )
