"""Accounting section of a scenario: how the points liability is measured (IFRS 15 / ASC 606)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from loyalsim.spec import DayCount, Money, Spec

Probability = Annotated[float, Field(ge=0.0, lt=1.0)]


class AccountingSpec(Spec):
    """Deferred revenue for points (see docs/accounting.md).

    ``point_value``: what one point is worth to a member (default: the goal reward's value
    divided by its points price). ``breakage_estimate``: the share of points management
    expects never to be redeemed at launch. ``reestimate``: ``fixed`` keeps that estimate;
    ``experience`` replaces it every ``reestimate_every_days`` by the observed share of
    closed points (redeemed or expired) that expired, once closed points reach
    ``min_closed_share`` of points issued.
    """

    point_value: Money | None = None
    breakage_estimate: Probability = 0.2
    reestimate: Literal["fixed", "experience"] = "experience"
    reestimate_every_days: DayCount = 91
    min_closed_share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
