"""What a moment is: definitions, evaluation from column totals, and the bootstrap.

Every moment is a ratio of sums over customers (a pilot's lift and retention difference combine
two such ratios), so the data modules (:mod:`~loyalsim.experiments.response.history_moments`,
:mod:`~loyalsim.experiments.response.pilot_moments`) return one row of sums per customer and
:meth:`MomentSet.evaluate` turns column totals into moments. The same functions run on observed
and on simulated data; bootstrapping over customers is a reweighting of the rows
(:func:`bootstrap`). The moments are documented in docs/calibration.md ("Calibrating the
program response").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_COUNT = 30
"""A moment is used only when the observed data hold at least this many cases for it."""


@dataclass(frozen=True)
class MomentDesign:
    """What defines the moments: the goal, the windows and the bin edges (fixed from the
    observed data, then reused unchanged on every simulated data set)."""

    goal_points: int
    gap_cap_days: int = 56
    lapse_days: int = 60
    active_days: int = 90
    pre_days: int = 90
    frequency_edges: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0)
    lift_edges: tuple[float, ...] = ()
    forfeits: bool = False


@dataclass(frozen=True)
class Moment:
    """One moment: ``num / den`` of column totals, or, with ``num2``/``den2``, the treated
    ratio relative to (``rel``: ``r1 / r2 - 1``) or minus (``diff``) the control ratio."""

    name: str
    family: str
    label: str
    num: int
    den: int
    num2: int = -1
    den2: int = -1
    op: str = "ratio"


@dataclass(frozen=True)
class Contributions:
    """Per-customer sums (rows: customers; columns: ``columns``)."""

    values: np.ndarray
    columns: tuple[str, ...]


@dataclass(frozen=True)
class MomentSet:
    """The moments of one data set's contributions."""

    moments: tuple[Moment, ...]

    def evaluate(self, totals: np.ndarray) -> np.ndarray:
        """Moments from column totals (``totals``: one row per bootstrap draw, or a vector)."""
        t = np.atleast_2d(np.asarray(totals, dtype=float))
        out = np.empty((t.shape[0], len(self.moments)))
        with np.errstate(divide="ignore", invalid="ignore"):
            for k, m in enumerate(self.moments):
                r1 = t[:, m.num] / t[:, m.den]
                if m.op == "ratio":
                    out[:, k] = r1
                    continue
                r2 = t[:, m.num2] / t[:, m.den2]
                out[:, k] = r1 / r2 - 1.0 if m.op == "rel" else r1 - r2
        return out[0] if np.ndim(totals) == 1 else out

    def counts(self, totals: np.ndarray) -> np.ndarray:
        """Cases behind each moment (the smaller denominator of a two-ratio moment)."""
        t = np.asarray(totals, dtype=float)
        return np.array(
            [t[m.den] if m.op == "ratio" else min(t[m.den], t[m.den2]) for m in self.moments]
        )

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.moments]


class Columns:
    """Builds a contributions matrix column by column."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.names: list[str] = []
        self.data: list[np.ndarray] = []

    def add(self, name: str, customer: np.ndarray, weight: np.ndarray | float = 1.0) -> int:
        col = np.bincount(
            customer, weights=np.broadcast_to(weight, customer.shape), minlength=self.n
        )
        self.names.append(name)
        self.data.append(col.astype(float))
        return len(self.names) - 1

    def ratio(
        self,
        out: list[Moment],
        name: str,
        family: str,
        label: str,
        customer: np.ndarray,
        value: np.ndarray,
    ) -> None:
        num = self.add(name + ":num", customer, value)
        den = self.add(name + ":den", customer)
        out.append(Moment(name, family, label, num, den))

    def result(self) -> Contributions:
        values = np.column_stack(self.data) if self.data else np.zeros((self.n, 0))
        return Contributions(values, tuple(self.names))


def days_from(dates: pd.Series | pd.Index, start: dt.date | pd.Timestamp) -> np.ndarray:
    """Whole days from ``start`` to each date."""
    values = pd.to_datetime(dates).to_numpy().astype("datetime64[D]")
    return (values - np.datetime64(pd.Timestamp(start).date(), "D")).astype(np.int64)


def quantile_edges(values: np.ndarray, groups: int) -> tuple[float, ...]:
    """Inner edges splitting integer ``values`` into at most ``groups`` groups of similar size
    (ties keep groups whole, so there may be fewer)."""
    if not values.size:
        return ()
    qs = np.quantile(values, np.linspace(0, 1, groups + 1)[1:-1])
    edges = sorted({float(np.floor(q)) + 1.0 for q in qs})
    return tuple(e for e in edges if values.min() < e <= values.max())


def bootstrap(contrib: Contributions, draws: int, seed: int) -> np.ndarray:
    """Column totals of ``draws`` Poisson bootstrap resamples over customers (each customer
    weighted by a Poisson(1) count): rows are draws."""
    rng = np.random.default_rng(seed)
    n = contrib.values.shape[0]
    out = np.empty((draws, contrib.values.shape[1]))
    for lo in range(0, draws, 50):
        hi = min(draws, lo + 50)
        weights = rng.poisson(1.0, size=(hi - lo, n)).astype(float)
        out[lo:hi] = weights @ contrib.values
    return out
