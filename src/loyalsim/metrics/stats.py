"""Statistics over replications: Student-t intervals, paired differences, variance reduction.

Every interval loyalsim reports (``summary.json``'s ``kpis_ci95``, ``comparison.csv``,
``recommendation.json``, the report's findings, the calibration holdout band) comes from here,
so one KPI gets the same interval wherever it is shown.

Values that are NaN (a KPI undefined in that replication, for example a ratio with a zero
denominator) are left out, pairwise for paired statistics.

**Fewer than two values.** One replication says nothing about the spread, so the standard
error, both interval bounds and the p-value are NaN: ``null`` in JSON, an empty cell in CSV,
``n/a`` on screen and in the report, with :data:`NO_INTERVAL` as the note. The mean (and a
paired difference) is still reported from a single value; with no value at all it is NaN too.

**No spread.** Two or more differences that are all exactly equal give a zero-width interval
at that value and a p-value of 1 if they are zero, 0 otherwise (the t statistic is 0/0 or
x/0).

Quantiles and tail probabilities use :func:`scipy.special.stdtrit`/:func:`~scipy.special.stdtr`,
the functions behind ``scipy.stats.t.ppf``/``sf``, imported on first use so that modules which
import this one stay cheap to import.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

LEVEL = 0.95
"""The default confidence level."""

NO_INTERVAL = "n/a: an interval needs at least two replications"
"""The note shown wherever an interval or p-value is undefined by the rule above."""


@dataclass(frozen=True)
class Interval:
    """The mean of ``n`` values and its Student-t confidence interval."""

    mean: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class PairedDifference:
    """``variant - base`` over the replications where both are defined (paired t)."""

    mean: float
    """Mean of the variant over the pairs."""
    base_mean: float
    """Mean of the base over the pairs."""
    diff: float
    low: float
    high: float
    p_value: float
    """Two-sided paired t-test of a zero mean difference."""
    n: int


@dataclass(frozen=True)
class VarianceReduction:
    """Variance of a paired difference (common random numbers) against ``Var(X) + Var(Y)``,
    the variance the difference of two independently seeded runs would have."""

    var_paired: float
    var_independent: float
    ratio: float
    """``var_independent / var_paired``: how many times fewer replications CRN needs."""
    reduction: float
    """``1 - var_paired / var_independent``."""


def defined(values: ArrayLike) -> np.ndarray:
    """The values as a float array without NaN."""
    array = np.asarray(values, dtype=float)
    return array[~np.isnan(array)]


def t_quantile(level: float, df: float) -> float:
    """The two-sided Student-t critical value: ``P(|T| <= q) = level`` with ``df`` degrees."""
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.5 + level / 2))


def t_p_value(t: float, df: float) -> float:
    """Two-sided p-value of a t statistic with ``df`` degrees of freedom."""
    from scipy.special import stdtr

    return float(2.0 * stdtr(df, -abs(t)))


def standard_error(values: ArrayLike, axis: int | None = None) -> float | np.ndarray:
    """Standard error of the mean, ``s / sqrt(n)`` (NaN where fewer than two values).

    With ``axis`` it is taken along that axis of an array (for example per week over the
    replication rows), NaN entries left out."""
    if axis is None:
        x = defined(values)
        if x.size < 2:
            return math.nan
        return float(np.std(x, ddof=1) / math.sqrt(x.size))
    array = np.asarray(values, dtype=float)
    n = np.sum(~np.isnan(array), axis=axis)
    with warnings.catch_warnings():  # columns with fewer than two values: NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(array, axis=axis, ddof=1) / np.sqrt(n)
    return np.where(n >= 2, se, np.nan)


def mean_interval(values: ArrayLike, level: float = LEVEL) -> Interval:
    """The mean of the defined values and its Student-t interval."""
    x = defined(values)
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(np.mean(x))
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = t_quantile(level, n - 1) * float(np.std(x, ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(
    base: ArrayLike, variant: ArrayLike, level: float = LEVEL
) -> PairedDifference:
    """Paired comparison of one KPI over replications; pairs with a NaN are left out."""
    b_all, v_all = np.asarray(base, dtype=float), np.asarray(variant, dtype=float)
    ok = ~(np.isnan(b_all) | np.isnan(v_all))
    b, v = b_all[ok], v_all[ok]
    n = int(ok.sum())
    if n == 0:
        return PairedDifference(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    mean, base_mean = float(np.mean(v)), float(np.mean(b))
    d = v - b
    diff = float(np.mean(d))
    if n < 2:
        return PairedDifference(mean, base_mean, diff, math.nan, math.nan, math.nan, n)
    if np.all(d == d[0]):
        p = 1.0 if d[0] == 0 else 0.0
        return PairedDifference(mean, base_mean, diff, float(d[0]), float(d[0]), p, n)
    s = float(np.std(d, ddof=1))
    half = t_quantile(level, n - 1) * s / math.sqrt(n)
    p = t_p_value(diff / (s / math.sqrt(n)), n - 1)
    return PairedDifference(mean, base_mean, diff, diff - half, diff + half, p, n)


def variance_reduction(base: ArrayLike, variant: ArrayLike) -> VarianceReduction:
    """How much pairing on common random numbers shrinks the variance of a difference."""
    b_all, v_all = np.asarray(base, dtype=float), np.asarray(variant, dtype=float)
    ok = ~(np.isnan(b_all) | np.isnan(v_all))
    b, v = b_all[ok], v_all[ok]
    if b.size < 2:
        paired = independent = math.nan
    else:
        paired = float(np.var(v - b, ddof=1))
        independent = float(np.var(v, ddof=1) + np.var(b, ddof=1))
    ratio = independent / paired if paired > 0 else math.nan
    reduction = 1.0 - paired / independent if independent > 0 else math.nan
    return VarianceReduction(paired, independent, ratio, reduction)


def adjust_p(p_values: Sequence[float | None]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``) for
    judging many KPIs and designs at once; unknown p-values stay NaN."""
    from scipy.stats import false_discovery_control

    p = np.array([math.nan if v is None else float(v) for v in p_values], dtype=float)
    out = np.full(p.shape, math.nan)
    known = ~np.isnan(p)
    if known.any():
        out[known] = false_discovery_control(np.clip(p[known], 0.0, 1.0), method="bh")
    return [float(v) for v in out]
