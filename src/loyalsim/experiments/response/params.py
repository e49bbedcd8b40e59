"""The response parameters a calibration can estimate: transforms, search boxes and priors.

Each parameter is searched on an unbounded scale (log for positive effects, logit for
probabilities) measured in units of its library prior's spread there, so one finite-difference
step means the same for every parameter. The estimate's uncertainty goes back into the prior
syntax: a lognormal (median, sigma on the log scale) for positive effects, a beta with the same
mean and standard deviation for probabilities (the field's own bounds, [0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from loyalsim.scenario.uncertainty import prior_library

TRANSFORMS: dict[str, str] = {
    "goal_gradient": "log",
    "goal_gradient_curvature": "log",
    "reset_carry": "logit",
    "reset_half_life_days": "log",
    "post_reward_dropout": "log",
    "passive_redeem_prob": "logit",
    "engaged_redeem_prob": "logit",
    "membership_lift": "log",
    "progress_lockin": "logit",
    "impatience_per_year": "log",
    "forfeit_give_up_prob": "logit",
    "enrol_benefit_half": "log",
}
"""Behaviour parameters calibrate-response can estimate, with their search scale."""

HISTORY_DEFAULT = (
    "goal_gradient",
    "goal_gradient_curvature",
    "reset_carry",
    "post_reward_dropout",
    "passive_redeem_prob",
)
"""Estimated from a program history by default (docs/calibration.md says why these)."""
ENROLMENT_EXTRA = ("enrol_benefit_half",)
"""Added by default when customers join during the history (its enrolment moments measure it)."""
PILOT_EXTRA = ("membership_lift",)
"""Added by default when a pilot is given (its lift at low progress measures it)."""

_EDGE = 1e-4
"""Probabilities are searched inside [_EDGE, 1 - _EDGE] (the logit is finite there)."""


def _forward(kind: str, x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if kind == "log":
        return np.log(np.maximum(x, 1e-12))
    x = np.clip(x, _EDGE, 1 - _EDGE)
    return np.log(x / (1 - x))


def _back(kind: str, z: np.ndarray | float) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    return np.exp(z) if kind == "log" else 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Parameter:
    """One estimated parameter: its name, scale, library prior and search box (on ``z``)."""

    name: str
    kind: str
    default: float
    prior_data: dict[str, Any]
    prior_source: str
    z_center: float
    z_scale: float
    z_low: float
    z_high: float

    @property
    def path(self) -> str:
        return f"behaviour.{self.name}"

    def value(self, u: float) -> float:
        """Natural value at unit coordinate ``u`` (prior spreads from the start)."""
        return float(_back(self.kind, self.z_center + self.z_scale * u))

    def unit(self, value: float) -> float:
        return float((_forward(self.kind, value) - self.z_center) / self.z_scale)

    @property
    def bounds(self) -> tuple[float, float]:
        """Search box in unit coordinates."""
        return (self.z_low - self.z_center) / self.z_scale, (
            self.z_high - self.z_center
        ) / self.z_scale

    def natural(self, z: float) -> float:
        return float(_back(self.kind, z))

    def prior_interval(self, level: float = 0.9) -> tuple[float, float]:
        entry = prior_library()[self.path]
        return entry.prior.interval(level)


def parameter(name: str, start: float | None = None) -> Parameter:
    """The estimable behaviour parameter ``name`` (a key of ``TRANSFORMS``), centred on
    ``start`` (the scenario's value, moved into the search box) or the library default."""
    if name not in TRANSFORMS:
        raise ValueError(
            f"parameter {name!r} cannot be estimated; allowed: {', '.join(sorted(TRANSFORMS))}"
        )
    entry = prior_library()[f"behaviour.{name}"]
    kind = TRANSFORMS[name]
    prior = entry.prior
    grid = prior.ppf(np.linspace(0.005, 0.995, 199))
    z = _forward(kind, grid)
    lo, hi = prior.value_at(0.001), prior.value_at(0.999)
    center = float(np.clip(entry.default if start is None else start, lo, hi))
    return Parameter(
        name=name,
        kind=kind,
        default=entry.default,
        prior_data=dict(entry.prior_data),
        prior_source=entry.source,
        z_center=float(_forward(kind, center)),
        z_scale=float(max(np.std(z), 1e-3)),
        z_low=float(_forward(kind, lo)),
        z_high=float(_forward(kind, hi)),
    )


def posterior_prior(p: Parameter, z: float, se_z: float, source: str) -> dict[str, Any]:
    """The estimate as a prior in the project's syntax (``{dist: lognormal, median, sigma}``
    for positive effects; ``{dist: beta, a, b}`` with the same mean and sd for probabilities)."""
    value = p.natural(z)
    if p.kind == "log":
        sigma = float(min(max(se_z, 1e-4), 10.0))
        return {
            "dist": "lognormal",
            "median": _round(value),
            "sigma": _round(sigma),
            "source": source,
        }
    sd = value * (1.0 - value) * se_z
    sd = float(min(max(sd, 1e-4), 0.9 * np.sqrt(value * (1 - value))))
    k = value * (1 - value) / sd**2 - 1.0
    k = float(min(max(k, 1e-3), 9_000.0))
    a, b = max(value * k, 1e-3), max((1 - value) * k, 1e-3)
    return {"dist": "beta", "a": _round(a), "b": _round(b), "source": source}


def _round(x: float) -> float:
    return float(f"{x:.6g}")
