"""Trait distributions that segments are made of.

Each distribution is a small spec with a ``dist`` tag and a ``sample(rng, n)`` method, so a
segment is a set of parameter distributions rather than a hard-coded persona.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BeforeValidator, Field, PositiveFloat

from loyalsim.spec import Spec


class Constant(Spec):
    """Every customer gets ``value``."""

    dist: Literal["constant"] = "constant"
    value: float

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value, dtype=np.float64)

    def mean(self) -> float:
        return self.value


class Gamma(Spec):
    """Gamma with ``shape`` and ``scale`` (mean ``shape * scale``)."""

    dist: Literal["gamma"] = "gamma"
    shape: PositiveFloat
    scale: PositiveFloat

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.gamma(self.shape, self.scale, n)

    def mean(self) -> float:
        return self.shape * self.scale


class Beta(Spec):
    """Beta(a, b) on [0, 1] (mean ``a / (a + b)``)."""

    dist: Literal["beta"] = "beta"
    a: PositiveFloat
    b: PositiveFloat

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.beta(self.a, self.b, n)

    def mean(self) -> float:
        return self.a / (self.a + self.b)


class Lognormal(Spec):
    """Lognormal with the given ``mean`` and coefficient of variation ``cv``."""

    dist: Literal["lognormal"] = "lognormal"
    mean_value: PositiveFloat = Field(alias="mean")
    cv: Annotated[float, Field(ge=0)]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = np.log1p(self.cv**2)
        mu = np.log(self.mean_value) - sigma2 / 2
        return rng.lognormal(mu, np.sqrt(sigma2), n)

    def mean(self) -> float:
        return self.mean_value


class Uniform(Spec):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def mean(self) -> float:
        return (self.low + self.high) / 2


class Poisson(Spec):
    """Poisson counts with ``mean`` (for example memberships in rival programs)."""

    dist: Literal["poisson"] = "poisson"
    mean_value: Annotated[float, Field(ge=0, alias="mean")]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.poisson(self.mean_value, n).astype(np.float64)

    def mean(self) -> float:
        return self.mean_value


Distribution = Annotated[
    Constant | Gamma | Beta | Lognormal | Uniform | Poisson, Field(discriminator="dist")
]
"""Any trait distribution; chosen in YAML by its ``dist`` key."""


def _number_is_constant(value: object) -> object:
    """Let YAML say ``reward_sensitivity: 1.2`` for a constant trait."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": float(value)}
    return value


Trait = Annotated[Distribution, BeforeValidator(_number_is_constant)]
"""A trait distribution, or a bare number meaning a constant."""
