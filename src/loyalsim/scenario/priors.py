"""Priors: what we do not know about a parameter, as a distribution over its value.

A prior is a *parameter* uncertainty (one value per simulated "world", shared by every
customer), unlike a trait distribution (:mod:`loyalsim.scenario.distributions`), which spreads
a trait across customers. Each prior maps a unit number ``u`` in (0, 1) to a value through its
quantile function (``ppf``), so worlds and sensitivity designs are drawn on the unit cube and
common random numbers carry over to parameters: world ``w`` sees the same ``u`` whatever the
prior's shape.

The syntax follows the trait distributions (``{dist: uniform, low, high}`` ...); every prior may
carry a free-text ``source`` (where the range comes from), shown in reports.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from loyalsim.spec import Spec

PriorLevel = Annotated[float, Field(ge=-1e12, le=1e12)]
"""A value a prior can take (the field it is given to bounds it further, at the extreme draws)."""
PriorSpread = Annotated[float, Field(gt=0.0, le=1e12)]
PriorShape = Annotated[float, Field(gt=0.0, le=1e4)]

U_MIN = 2.0**-53
"""The smallest unit number a world can draw (the largest is ``1 - U_MIN``): the support
check evaluates each prior there, so every possible draw is a valid parameter value."""


class _Prior(Spec):
    source: str = ""
    """Where the distribution comes from (a study, a pilot, an expert's range)."""

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def value_at(self, u: float) -> float:
        """The quantile at ``u`` as a float."""
        return float(self.ppf(np.asarray([u], dtype=float))[0])

    def median(self) -> float:
        return self.value_at(0.5)

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """The central ``level`` interval of the prior (equal tails)."""
        tail = (1.0 - level) / 2.0
        return self.value_at(tail), self.value_at(1.0 - tail)

    def extremes(self) -> tuple[float, float]:
        """The smallest and largest value a world can draw."""
        return self.value_at(U_MIN), self.value_at(1.0 - U_MIN)

    @property
    def bounded(self) -> bool:
        """Whether the support is a finite interval (sensitivity designs use the whole of it;
        unbounded priors are explored between their 0.5% and 99.5% quantiles)."""
        return True

    def describe(self) -> str:
        """``uniform(low=1, high=3)``."""
        fields = self.model_dump(by_alias=True, exclude={"dist", "source"})
        inner = ", ".join(f"{k}={_num(v)}" for k, v in fields.items())
        return f"{self.model_dump()['dist']}({inner})"


def _num(value: float) -> str:
    return f"{value:.4g}"


_STANDARD_NORMAL = NormalDist()


def _ndtri(u: np.ndarray) -> np.ndarray:
    """Standard normal quantiles (the standard library's, so validating a scenario with
    priors needs no scipy)."""
    flat = np.asarray(u, dtype=float)
    return np.array([_STANDARD_NORMAL.inv_cdf(float(x)) for x in flat.ravel()]).reshape(flat.shape)


class UniformPrior(_Prior):
    """Every value in [low, high] equally plausible."""

    dist: Literal["uniform"] = "uniform"
    low: PriorLevel
    high: PriorLevel

    @model_validator(mode="after")
    def _ordered(self) -> UniformPrior:
        if not self.low < self.high:
            raise ValueError(f"low must be below high (got low={self.low}, high={self.high})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)


class TriangularPrior(_Prior):
    """An expert's range: lowest, most likely and highest value."""

    dist: Literal["triangular"] = "triangular"
    low: PriorLevel
    mode: PriorLevel
    high: PriorLevel

    @model_validator(mode="after")
    def _ordered(self) -> TriangularPrior:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                "need low <= mode <= high and low < high "
                f"(got low={self.low}, mode={self.mode}, high={self.high})"
            )
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        a, c, b = self.low, self.mode, self.high
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < split, left, right)


class NormalPrior(_Prior):
    """Normal with ``mean`` and ``sd`` (for parameters that may take any sign)."""

    dist: Literal["normal"] = "normal"
    mean: PriorLevel
    sd: PriorSpread

    @property
    def bounded(self) -> bool:
        return False

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * _ndtri(u)


class LognormalPrior(_Prior):
    """Lognormal with ``median`` and log-scale ``sigma`` (a factor ``exp(sigma)`` either way is
    one standard deviation): the usual prior for a positive effect size."""

    dist: Literal["lognormal"] = "lognormal"
    median_value: Annotated[float, Field(gt=0.0, le=1e12, alias="median")]
    sigma: Annotated[float, Field(gt=0.0, le=10.0)]

    @property
    def bounded(self) -> bool:
        return False

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.median_value * np.exp(self.sigma * _ndtri(u))


class BetaPrior(_Prior):
    """Beta(a, b), on [0, 1] or rescaled to [low, high]: the usual prior for a probability."""

    dist: Literal["beta"] = "beta"
    a: PriorShape
    b: PriorShape
    low: PriorLevel = 0.0
    high: PriorLevel = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> BetaPrior:
        if not self.low < self.high:
            raise ValueError(f"low must be below high (got low={self.low}, high={self.high})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import betaincinv

        return self.low + (self.high - self.low) * betaincinv(
            self.a, self.b, np.asarray(u, dtype=float)
        )


Prior = Annotated[
    UniformPrior | TriangularPrior | NormalPrior | LognormalPrior | BetaPrior,
    Field(discriminator="dist"),
]
"""Any prior; chosen in YAML by its ``dist`` key."""

PRIOR_KINDS = ("uniform", "triangular", "normal", "lognormal", "beta", "library")
"""The ``dist`` values a prior may have (``library``: the documented default prior)."""


def is_prior(value: object) -> bool:
    """Whether a raw YAML value at a numeric field is a prior (a mapping with ``dist``)."""
    return isinstance(value, dict) and "dist" in value
