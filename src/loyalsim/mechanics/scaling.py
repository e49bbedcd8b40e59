"""Reduced populations: how absolute counts translate when one simulated customer stands for
``scale`` real ones (``population.represents / population.size``)."""

from __future__ import annotations

CAPACITY_TOLERANCE = 0.10
"""Relative rounding error of a scaled capacity above which ``loyalsim validate`` warns."""


def scaled_count(count: int, scale: float) -> int:
    """A real-world capacity (seats, contacts) in simulated customers: ``count / scale``
    rounded to the nearest whole number, at least 1."""
    return max(1, round(count / scale))


def rounding_error(count: int, scale: float) -> float:
    """Relative error of :func:`scaled_count` against the exact ``count / scale``."""
    exact = count / scale
    return abs(scaled_count(count, scale) - exact) / exact
