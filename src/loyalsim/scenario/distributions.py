"""Trait distributions that segments are made of.

Each distribution is a small spec with a ``dist`` tag and a ``sample(rng, n)`` method, so a
segment is a set of parameter distributions rather than a hard-coded persona.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from loyalsim.spec import MAX_EFFECT, MAX_MONEY, Spec

Shape = Annotated[float, Field(gt=0.0, le=1e4)]
"""A shape parameter (gamma shape, beta a and b)."""
Scale = Annotated[float, Field(gt=0.0, le=MAX_MONEY)]
Level = Annotated[float, Field(ge=-MAX_MONEY, le=MAX_MONEY)]


class Constant(Spec):
    """Every customer gets ``value``."""

    dist: Literal["constant"] = "constant"
    value: Level

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value, dtype=np.float64)

    def mean(self) -> float:
        return self.value

    def support(self) -> tuple[float, float]:
        return self.value, self.value


class Gamma(Spec):
    """Gamma with ``shape`` and ``scale`` (mean ``shape * scale``)."""

    dist: Literal["gamma"] = "gamma"
    shape: Shape
    scale: Scale

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.gamma(self.shape, self.scale, n)

    def mean(self) -> float:
        return self.shape * self.scale

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf


class Beta(Spec):
    """Beta(a, b) on [0, 1] (mean ``a / (a + b)``)."""

    dist: Literal["beta"] = "beta"
    a: Shape
    b: Shape

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.beta(self.a, self.b, n)

    def mean(self) -> float:
        return self.a / (self.a + self.b)

    def support(self) -> tuple[float, float]:
        return 0.0, 1.0


class Lognormal(Spec):
    """Lognormal with the given ``mean`` and coefficient of variation ``cv``."""

    dist: Literal["lognormal"] = "lognormal"
    mean_value: Annotated[float, Field(gt=0.0, le=MAX_MONEY, alias="mean")]
    cv: Annotated[float, Field(ge=0.0, le=100.0)]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = np.log1p(self.cv**2)
        mu = np.log(self.mean_value) - sigma2 / 2
        return rng.lognormal(mu, np.sqrt(sigma2), n)

    def mean(self) -> float:
        return self.mean_value

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf


class Uniform(Spec):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = "uniform"
    low: Level
    high: Level

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must not exceed high ({self.high:g})")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def support(self) -> tuple[float, float]:
        return self.low, self.high


class Poisson(Spec):
    """Poisson counts with ``mean`` (for example memberships in rival programs)."""

    dist: Literal["poisson"] = "poisson"
    mean_value: Annotated[float, Field(ge=0.0, le=1e4, alias="mean")]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.poisson(self.mean_value, n).astype(np.float64)

    def mean(self) -> float:
        return self.mean_value

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf


Distribution = Annotated[
    Constant | Gamma | Beta | Lognormal | Uniform | Poisson, Field(discriminator="dist")
]
"""Any trait distribution; chosen in YAML by its ``dist`` key."""


def _number_is_constant(value: object) -> object:
    """Let YAML say ``reward_sensitivity: 1.2`` for a constant trait."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": float(value)}
    return value


def _describe(dist: Any) -> str:
    fields = dist.model_dump(by_alias=True, exclude={"dist"})
    return f"{dist.dist}({', '.join(f'{k}={v:g}' for k, v in fields.items())})"


def _unit_support(dist: Any) -> Any:
    """A probability-like trait must stay in [0, 1] for every customer, not just on average."""
    low, high = dist.support()
    if low < 0.0 or high > 1.0:
        span = f"{low:g} to {high:g}"
        raise ValueError(
            f"this trait is a probability in [0, 1], but {_describe(dist)} reaches {span}; "
            "use a constant or uniform within [0, 1], or a beta distribution"
        )
    return dist


def _effect_support(dist: Any) -> Any:
    """A sensitivity or count trait is non-negative with a mean of at most ``MAX_EFFECT``."""
    low, high = dist.support()
    if low < 0.0:
        raise ValueError(
            f"this trait cannot be negative, but {_describe(dist)} reaches {low:g}; "
            "use a non-negative constant or uniform, or a gamma, lognormal, beta or poisson"
        )
    if (high > MAX_EFFECT and dist.dist in ("constant", "uniform")) or dist.mean() > MAX_EFFECT:
        raise ValueError(f"this trait may be at most {MAX_EFFECT:g}; {_describe(dist)} exceeds it")
    return dist


Trait = Annotated[Distribution, BeforeValidator(_number_is_constant)]
"""A trait distribution, or a bare number meaning a constant."""
UnitTrait = Annotated[Trait, AfterValidator(_unit_support)]
"""A trait that is a probability (attachment, enrolment propensity): support within [0, 1]."""
EffectTrait = Annotated[Trait, AfterValidator(_effect_support)]
"""A non-negative trait (sensitivities, rival memberships) with mean at most ``MAX_EFFECT``."""
