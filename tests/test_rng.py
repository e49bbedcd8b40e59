"""Counter-based streams: deterministic, subset-independent, correctly distributed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from loyalsim.engine.rng import SUBS_PER_DAY, CustomerStream, generator, purpose_id


def test_same_inputs_same_draws_and_names_are_stable() -> None:
    a = CustomerStream(5, 0, "visit", 1000).uniform(3)
    b = CustomerStream(5, 0, "visit", 1000).uniform(3)
    assert np.array_equal(a, b)
    assert purpose_id("visit") == 0x437EE939  # crc32, not salted hash()
    assert purpose_id("visit") != purpose_id("spend")


@pytest.mark.parametrize(
    "other", [(6, 0, "visit", 3), (5, 1, "visit", 3), (5, 0, "spend", 3), (5, 0, "visit", 4)]
)
def test_any_change_of_seed_replication_purpose_or_day_changes_draws(other) -> None:
    seed, rep, name, day = other
    base = CustomerStream(5, 0, "visit", 1000).uniform(3)
    changed = CustomerStream(seed, rep, name, 1000).uniform(day)
    assert np.mean(base == changed) < 0.01


def test_draw_for_a_subset_equals_the_full_draw_there() -> None:
    stream = CustomerStream(1, 2, "spend", 5000)
    full = stream.uniform(10, sub=3)
    idx = np.array([4, 17, 4999, 2500])
    assert np.array_equal(stream.uniform(10, idx, sub=3), full[idx])
    shapes = np.full(5000, 2.5)
    g_full = stream.gamma(10, np.arange(5000), shapes)
    assert np.array_equal(stream.gamma(10, idx, shapes[idx]), g_full[idx])


def test_population_size_does_not_shift_existing_customers() -> None:
    small = CustomerStream(9, 0, "visit", 100).uniform(7)
    large = CustomerStream(9, 0, "visit", 10_000).uniform(7)
    assert np.array_equal(small, large[:100])


def test_uniforms_are_uniform_and_uncorrelated_across_days() -> None:
    stream = CustomerStream(3, 0, "visit", 50_000)
    u0, u1 = stream.uniform(0), stream.uniform(1)
    assert stats.kstest(u0, "uniform").pvalue > 0.001
    assert abs(np.corrcoef(u0, u1)[0, 1]) < 4 / np.sqrt(u0.size)


@pytest.mark.parametrize("shape", [0.3, 1.0, 6.25])
def test_gamma_matches_the_gamma_distribution(shape: float) -> None:
    stream = CustomerStream(4, 0, "spend", 40_000)
    draws = stream.gamma(2, np.arange(40_000), np.full(40_000, shape))
    assert stats.kstest(draws, stats.gamma(shape).cdf).pvalue > 0.001


def test_sub_draw_outside_range_is_refused() -> None:
    with pytest.raises(ValueError):
        CustomerStream(1, 0, "x", 10).uniform(0, sub=SUBS_PER_DAY)


def test_sequential_generator_is_reproducible() -> None:
    assert np.array_equal(
        generator(1, 0, "population").random(5), generator(1, 0, "population").random(5)
    )
