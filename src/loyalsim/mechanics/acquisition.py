"""Acquisition offers: sign-up and switching bonuses that raise the inflow of new customers.

A segment's ``arrivals_per_week`` is the inflow without the offer. The offer adds prospects:
drawn with the population (experiments/simulate.py) as rows that arrive only in an arm whose
program runs the offer, ``lift_k`` of the segment's mean inflow (Poisson, with the same
seasonality), each with a uniform ``u``; when several programs of a comparison run offers, the
prospects are drawn for the largest lift and an offer of lift ``l`` brings in those with
``u < l / max lift`` (thinning: smaller offers bring a subset of the larger one's newcomers).
Prospects join on arrival, get the bonus and cost ``cost_per_acquired`` each. An optional
campaign window (``campaign_start`` / ``campaign_end``, a day of the horizon or a date, both
inclusive) limits the offer to the prospects arriving inside it: outside the window the inflow is
the segment's own. Before the program's launch there is no offer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from loyalsim.engine.hooks import Kpi, Mechanic
from loyalsim.engine.population import NOT_YET
from loyalsim.engine.world import World
from loyalsim.spec import MAX_DAYS, DayOrDate, MechanicParams, Money, Points, day_offset

NonNegative = Annotated[float, Field(ge=0.0)]


class AcquisitionParams(MechanicParams):
    """``inflow_lift``: extra newcomers per newcomer the segments would get anyway (0.2 = 20%
    more), in ``segments`` (all when empty); ``bonus_points`` credited on joining;
    ``cost_per_acquired`` (media, the switching bonus's cash part) per newcomer brought in;
    ``campaign_start`` / ``campaign_end``: first and last day (or date) of the campaign, both
    inclusive (default: the whole horizon)."""

    kind: Literal["acquisition"] = "acquisition"
    inflow_lift: Annotated[float, Field(ge=0.0, le=5.0)]
    segments: list[str] = Field(default_factory=list)
    bonus_points: Points = 0
    cost_per_acquired: Money = 0.0
    campaign_start: DayOrDate | None = None
    campaign_end: DayOrDate | None = None

    def window(self, start_date: dt.date) -> tuple[int, int]:
        """First and last day of the campaign (inclusive; days from ``start_date``)."""

        def day(value: int | dt.date | None, default: int) -> int:
            return default if value is None else day_offset(value, start_date)

        return day(self.campaign_start, 0), day(self.campaign_end, MAX_DAYS)

    def lift_for(self, segment: str) -> float:
        """The lift the offer gives ``segment``'s inflow."""
        return self.inflow_lift if not self.segments or segment in self.segments else 0.0

    def check_program(self, name: str, scenario: Any) -> None:
        known = [s.name for s in scenario.population.segments]
        unknown = sorted(set(self.segments) - set(known))
        if unknown:
            raise ValueError(
                f"program.{name}.segments: unknown segment(s) {unknown}; known {known}"
            )
        first, last = self.window(scenario.start_date)
        if first < 0:
            raise ValueError(
                f"program.{name}.campaign_start: {self.campaign_start} is before start_date "
                f"{scenario.start_date}"
            )
        if last < first:
            raise ValueError(
                f"program.{name}.campaign_end: {self.campaign_end} is before campaign_start "
                f"{self.campaign_start}"
            )
        if last < scenario.launch_day:
            raise ValueError(
                f"program.{name}.campaign_end: {self.campaign_end} is before program_launch "
                f"{scenario.program_launch}, so the offer never runs"
            )
        if first >= scenario.horizon.total_days:
            raise ValueError(
                f"program.{name}.campaign_start: {self.campaign_start} is after the horizon's "
                f"last day ({scenario.horizon.total_days - 1})"
            )


class Acquisition(Mechanic[AcquisitionParams]):
    """Brings in the prospects drawn for it on their day; they join with the bonus."""

    kind = "acquisition"
    Params = AcquisitionParams
    accounts = ("acquisition_cost",)
    KPIS = (
        Kpi("acquired_customers", "Customers acquired by the offer", "count", "higher", True),
        Kpi("acquisition_cost", "Acquisition offer cost", "money", "lower", True),
    )

    def bind(self, world: World) -> None:
        pop = world.pop
        if pop.prospects is None:
            raise RuntimeError("acquisition offer without prospects: build the population with it")
        lift = np.array([self.params.lift_for(s) for s in pop.segment_names])
        rows = pop.prospects.rows
        top = pop.prospects.max_lift
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(top > 0, lift / np.where(top > 0, top, 1.0), 0.0)
        mine = rows[pop.prospects.u < share[pop.segment[rows]]]
        days = pop.prospects.day[np.searchsorted(rows, mine)]
        first, last = self.params.window(world.start_date)
        inside = (days >= max(first, world.state.launch_day)) & (days <= last)
        mine, days = mine[inside], days[inside]
        order = np.argsort(days, kind="stable")
        self._rows, self._days = mine[order], days[order]
        self._acquired = 0

    def on_start(self, world: World) -> None:
        self._bring(world, world.state.launch_day)

    def close_day(self, world: World, day: int) -> None:
        if day + 1 < world.days:
            self._bring(world, day + 1)

    def _bring(self, world: World, day: int) -> None:
        lo, hi = np.searchsorted(self._days, [day, day + 1])
        idx = self._rows[lo:hi]
        idx = idx[world.arrival_day[idx] == NOT_YET]
        if not idx.size:
            return
        world.arrive(idx, day)
        joined = world.enrol(idx, day)
        if self.params.bonus_points and joined.size:
            bonus = np.full(joined.size, self.params.bonus_points, dtype=np.int64)
            world.ledger.issue(joined, bonus, "acquisition_bonus", day)
        if self.params.cost_per_acquired:
            world.ledger.money(
                "acquisition_cost", day, self.params.cost_per_acquired * idx.size, who=idx
            )
        self._acquired += int(idx.size)

    def kpis(self, world: World) -> dict[str, float]:
        cost = float(world.ledger.daily_money.get("acquisition_cost", np.zeros(1)).sum())
        return {"acquired_customers": float(self._acquired), "acquisition_cost": cost}

    def describe(self) -> str:
        p = self.params
        who = ", ".join(p.segments) if p.segments else "every segment"
        text = f"An acquisition offer raises new customers' inflow by {p.inflow_lift:.0%} ({who})"
        if p.bonus_points:
            text += f"; newcomers join with {p.bonus_points} bonus points"
        if p.campaign_start is not None or p.campaign_end is not None:
            first, last = p.campaign_start or "start", p.campaign_end or "horizon end"
            text += f" (campaign {first} to {last})"
        return text + "."
