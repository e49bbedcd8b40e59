"""loyalsim.metrics.stats against scipy on known data, the fewer-than-two rule, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from loyalsim.metrics import stats

# Rounded to keep the property tests about the statistics, not float cancellation.
finite = st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3))


def test_mean_interval_matches_scipy() -> None:
    x = np.array([12.1, 9.8, 11.4, 10.2, 13.0, 8.7, 10.9])
    i = stats.mean_interval(x)
    low, high = sp.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sp.sem(x))
    assert (i.mean, i.n) == (pytest.approx(x.mean()), 7)
    assert i.low == pytest.approx(low, rel=1e-12) and i.high == pytest.approx(high, rel=1e-12)
    wide = stats.mean_interval(x, level=0.99)
    assert wide.low < i.low and wide.high > i.high


def test_paired_difference_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    b = rng.normal(10, 2, 12)
    v = b + rng.normal(0.5, 0.3, 12)
    p = stats.paired_difference(b, v)
    ref = sp.ttest_rel(v, b)
    ci = ref.confidence_interval(0.95)
    assert p.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert p.low == pytest.approx(ci.low, rel=1e-12) and p.high == pytest.approx(ci.high, rel=1e-12)
    assert p.diff == pytest.approx(np.mean(v - b)) and p.n == 12
    assert (p.mean, p.base_mean) == (pytest.approx(v.mean()), pytest.approx(b.mean()))


def test_quantile_and_p_value_are_scipy_t() -> None:
    for df in (1, 2, 9, 40):
        assert stats.t_quantile(0.95, df) == sp.t.ppf(0.975, df)
        assert stats.t_p_value(-1.7, df) == 2 * sp.t.sf(1.7, df)


def test_standard_error_matches_scipy_and_works_per_column() -> None:
    x = np.array([[1.0, 4.0], [2.0, 8.0], [4.0, np.nan]])
    assert stats.standard_error(x[:, 0]) == pytest.approx(sp.sem(x[:, 0]))
    per_column = stats.standard_error(x, axis=0)
    assert per_column[0] == pytest.approx(sp.sem(x[:, 0]))
    assert per_column[1] == pytest.approx(sp.sem([4.0, 8.0]))
    assert math.isnan(stats.standard_error(x[:1], axis=0)[0])


def test_fewer_than_two_values_have_no_interval() -> None:
    """The one rule: a mean from one value, NaN spread, bounds and p-value."""
    one = stats.mean_interval([5.0, math.nan])
    assert (one.mean, one.n) == (5.0, 1) and math.isnan(one.low) and math.isnan(one.high)
    assert math.isnan(stats.standard_error([5.0]))
    none = stats.mean_interval([math.nan])
    assert none.n == 0 and math.isnan(none.mean)
    # Even a zero difference from one pair has no interval (it used to be a zero-width one).
    for b, v in (([1.0], [1.0]), ([1.0, math.nan], [3.0, 2.0])):
        p = stats.paired_difference(b, v)
        assert p.n == 1 and not math.isnan(p.diff)
        assert math.isnan(p.low) and math.isnan(p.high) and math.isnan(p.p_value)
    empty = stats.paired_difference([math.nan], [1.0])
    assert empty.n == 0 and math.isnan(empty.diff) and math.isnan(empty.mean)
    v = stats.variance_reduction([1.0], [2.0])
    assert math.isnan(v.var_paired) and math.isnan(v.ratio) and math.isnan(v.reduction)


def test_differences_without_spread() -> None:
    same = stats.paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (same.diff, same.low, same.high, same.p_value) == (0, 0, 0, 1.0)
    shift = stats.paired_difference([1.0, 2.0], [3.0, 4.0])
    assert (shift.diff, shift.low, shift.high, shift.p_value) == (2, 2, 2, 0)


def test_variance_reduction_of_correlated_arms() -> None:
    rng = np.random.default_rng(1)
    b = rng.normal(100, 10, 50)
    v = b + rng.normal(1, 1, 50)
    r = stats.variance_reduction(b, v)
    assert r.var_paired == pytest.approx(np.var(v - b, ddof=1))
    assert r.var_independent == pytest.approx(np.var(v, ddof=1) + np.var(b, ddof=1))
    assert r.ratio > 50 and r.reduction == pytest.approx(1 - 1 / r.ratio)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=2, max_size=30))
def test_interval_contains_the_mean(values: list[float]) -> None:
    i = stats.mean_interval(values)
    assert i.n == len(values)
    assert i.low <= i.mean <= i.high
    assert i.mean == pytest.approx(np.mean(values))


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=2, max_size=10), st.integers(2, 5))
def test_width_shrinks_with_more_replications(values: list[float], copies: int) -> None:
    """The same sample seen ``copies`` times: same mean, a narrower (or equal) interval."""
    small, large = stats.mean_interval(values), stats.mean_interval(values * copies)
    assert large.high - large.low <= small.high - small.low + 1e-9 * (1 + abs(small.mean))
    if np.ptp(values) > 0:
        assert large.high - large.low < small.high - small.low
