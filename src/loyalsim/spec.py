"""Base class of every scenario spec model: immutable, strict about unknown keys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict


class Spec(BaseModel):
    """A frozen pydantic model that rejects unknown keys (typos must not pass silently) and
    coerces nothing: ``true`` is not a number, ``"7"`` is not a seed, ``10.5`` is not a count,
    and infinities or NaN are no floats (pydantic strict mode, ``allow_inf_nan=False``)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )


class MechanicParams(Spec):
    """A mechanic's params: ``kind`` names the mechanic in YAML (each subclass narrows it
    to a literal, which is what the scenario's discriminated union selects on)."""

    kind: str


Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^.\s](?:[^.]*[^.\s])?$")]
"""The one rule for names inside a program (rewards, tiers, events, partners, actions):
free text with spaces allowed, 1-80 characters, no leading or trailing space and no '.',
because names end up in dotted KPI keys (``tier_share.gold``) and ledger sources."""


# Bounds shared by every spec. Every number a scenario holds is finite (``allow_inf_nan=False``)
# and lies in a documented range, so nothing a file says can overflow the engine's integers,
# exhaust memory by itself or turn a KPI into nonsense (docs/scenario-format.md, "Bounds").

SEED_MAX = 2**32 - 1
"""Largest root seed: what every RNG consumer accepts (Optuna's samplers seed NumPy's
``RandomState``, which takes seeds below 2**32)."""
MAX_CUSTOMERS = 100_000_000
"""Largest population (memory is also checked against the machine before a run)."""
MAX_DAYS = 36_525
"""Longest horizon and longest period of any calendar rule: 100 years."""
MAX_REPLICATIONS = 10_000
MAX_POINTS = 1_000_000_000
"""Largest points price, bonus or award of one rule."""
MAX_MONEY = 1e9
"""Largest amount of one item: a cost, value, fee, price or spend threshold."""
MAX_EFFECT = 1_000.0
"""Largest dimensionless effect or multiplier (a lift of 1,000 is a 1,001-fold rate): wide
enough for the extreme draws of the prior library's lognormal priors."""
MAX_RATE = 100_000.0
"""Largest rate of events per customer per week or year: far beyond any real rule, and enough to
make one practically certain (10^5 a year is 274 a day; a daily chance ``1 - exp(-274)`` is 1.0)."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
"""A probability or share, in [0, 1]."""
Effect = Annotated[float, Field(ge=0.0, le=MAX_EFFECT)]
"""A non-negative multiplicative effect or weight."""
Money = Annotated[float, Field(ge=0.0, le=MAX_MONEY)]
"""An amount of money (currency units) of one item."""
PositiveMoney = Annotated[float, Field(gt=0.0, le=MAX_MONEY)]
Points = Annotated[int, Field(ge=0, le=MAX_POINTS)]
"""A number of points (0 allowed: no bonus)."""
PositivePoints = Annotated[int, Field(ge=1, le=MAX_POINTS)]
DayCount = Annotated[int, Field(ge=1, le=MAX_DAYS)]
"""A whole number of days of a calendar rule."""
HalfLife = Annotated[float, Field(gt=0.0, le=MAX_DAYS)]
"""A duration in days (half-lives, patience)."""
Rate = Annotated[float, Field(ge=0.0, le=MAX_RATE)]
PositiveRate = Annotated[float, Field(gt=0.0, le=MAX_RATE)]
Count = Annotated[int, Field(ge=1, le=MAX_CUSTOMERS)]
"""A number of customers, seats or contacts."""
PointsPerUnit = Annotated[float, Field(gt=0.0, le=10_000.0)]
"""Points earned per currency unit spent."""
MAX_POINTS_PER_VISIT = 1_000_000
MAX_THRESHOLD = 1e12
"""Largest tier threshold (spend or points over the qualification window)."""

DayOrDate = Annotated[int, Field(ge=0, le=MAX_DAYS)] | Annotated[dt.date, Strict(False)]
"""A day of the horizon (0 = start_date) or a calendar date (lax: YAML reads ``2026-01-05``
as a date, JSON copies of a scenario carry a string)."""


def day_offset(value: int | dt.date, start_date: dt.date) -> int:
    """Days from ``start_date`` of a :data:`DayOrDate` value."""
    return (value - start_date).days if isinstance(value, dt.date) else value
