"""Population section of a scenario: segments as distributions of customer traits."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from loyalsim.scenario.distributions import Beta, EffectTrait, Gamma, Poisson, UnitTrait
from loyalsim.scenario.existing_base import ExistingBaseSpec
from loyalsim.spec import MAX_CUSTOMERS, MAX_EFFECT, MAX_MONEY, Probability, Spec

Shape = Annotated[float, Field(gt=0.0, le=1e6)]
"""A shape parameter of a heterogeneity distribution."""
MAX_VISITS_PER_DAY = 100.0
"""Largest mean visit rate of a segment (visits per customer per day)."""
Arrivals = Annotated[float, Field(ge=0.0, le=MAX_CUSTOMERS)]
"""New customers per week."""


class PurchaseSpec(Spec):
    """Visit rate heterogeneity: lambda ~ Gamma(shape r, rate alpha) visits per ``time_unit``.

    The NBD part of BG/NBD (Fader, Hardie & Lee 2005); ``r / alpha`` is the mean rate.
    """

    r: Shape
    alpha: Annotated[float, Field(gt=0.0, le=1e6)]
    time_unit: Literal["day", "week"] = "week"

    def days_per_unit(self) -> float:
        return 1.0 if self.time_unit == "day" else 7.0

    @model_validator(mode="after")
    def _plausible_rate(self) -> PurchaseSpec:
        per_day = self.r / self.alpha / self.days_per_unit()
        if per_day > MAX_VISITS_PER_DAY:
            raise ValueError(
                f"mean visit rate r / alpha is {per_day:g} visits per day; at most "
                f"{MAX_VISITS_PER_DAY:g} are allowed (fields: r, alpha, time_unit)"
            )
        return self


class DropoutSpec(Spec):
    """Dropout heterogeneity: p ~ Beta(a, b), the chance to defect after a base transaction."""

    a: Shape
    b: Shape


class SpendSpec(Spec):
    """Spend per transaction ~ Gamma(shape p, rate nu), nu ~ Gamma(shape q, rate gamma).

    The Gamma-Gamma model (Fader, Hardie & Lee 2005); mean spend is ``p * gamma / (q - 1)``.
    """

    p: Shape
    q: Annotated[float, Field(gt=1.0, le=1e6)]
    gamma: Annotated[float, Field(gt=0.0, le=MAX_MONEY)]

    def mean(self) -> float:
        return self.p * self.gamma / (self.q - 1.0)

    @model_validator(mode="after")
    def _plausible_mean(self) -> SpendSpec:
        if self.mean() > MAX_MONEY:
            raise ValueError(
                f"mean spend p * gamma / (q - 1) is {self.mean():g}; at most {MAX_MONEY:g} "
                "is allowed (fields: p, q, gamma)"
            )
        return self


class SegmentSpec(Spec):
    """One customer segment: a share of the population and the distributions of its traits."""

    name: str = Field(min_length=1, max_length=80)
    share: Annotated[float, Field(gt=0.0, le=1.0)]
    purchase: PurchaseSpec
    dropout: DropoutSpec
    spend: SpendSpec
    engaged_share: Probability = 0.5
    reward_sensitivity: EffectTrait = Gamma(shape=4.0, scale=0.25)
    status_sensitivity: EffectTrait = Gamma(shape=2.0, scale=0.5)
    experience_seeking: UnitTrait = Beta(a=2.0, b=2.0)
    surprise_sensitivity: EffectTrait = Gamma(shape=4.0, scale=0.25)
    enrol_propensity: UnitTrait = Beta(a=2.0, b=6.0)
    rival_memberships: EffectTrait = Poisson.model_validate({"mean": 2.0})
    attachment: UnitTrait = Beta(a=2.0, b=2.0)
    arrivals_per_week: Arrivals | Annotated[list[Arrivals], Field(min_length=1)] = 0.0
    """New customers of this segment per week, at the scale of ``population.represents``:
    a mean (the population's seasonality applied) or a calibrated inflow, one value per
    week (repeated when the horizon is longer)."""


class SeasonalitySpec(Spec):
    """Multiplicative visit-rate pattern: day of week times an annual cosine."""

    weekly: Annotated[
        list[Annotated[float, Field(gt=0.0, le=MAX_EFFECT)]], Field(min_length=7, max_length=7)
    ] = [1.0] * 7
    annual_amplitude: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    annual_peak_day: Annotated[int, Field(ge=1, le=366)] = 1


class PopulationSpec(Spec):
    """Who the customers are: population size, segments and seasonality."""

    size: Annotated[int, Field(ge=1, le=MAX_CUSTOMERS)]
    segments: Annotated[list[SegmentSpec], Field(min_length=1, max_length=1_000)]
    seasonality: SeasonalitySpec = SeasonalitySpec()
    existing_base: ExistingBaseSpec | None = None
    """The program already runs on day 0: members, balances, tiers, lapsed members."""
    represents: Annotated[int, Field(ge=1, le=10**10)] | None = None
    """Real customers the ``size`` simulated ones stand for (default: ``size``). Money,
    counts and capacities are reported at this scale; fixed costs stay fixed."""

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> PopulationSpec:
        total = sum(s.share for s in self.segments)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment shares must sum to 1, got {total:g}")
        names = [s.name for s in self.segments]
        if len(set(names)) != len(names):
            raise ValueError(f"segment names must be unique, got {names}")
        if self.represents is not None and self.represents < self.size:
            raise ValueError(
                f"represents ({self.represents}) must be at least size ({self.size}): "
                "a simulated customer stands for one or more real ones"
            )
        return self

    @property
    def scale(self) -> float:
        """Real customers per simulated customer (``represents / size``, 1 by default)."""
        return (self.represents or self.size) / self.size
