"""BG/NBD: closed forms, Monte Carlo agreement, and the published CDNOW estimates."""

from dataclasses import astuple
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import beta, gamma
from synthetic import repeat_purchases

from loyalsim.experiments.calibrate.bgnbd import (
    BGNBDParams,
    conditional_expected_transactions,
    expected_transactions,
    fit_bgnbd,
    loglik,
    prob_alive,
)

PUBLISHED = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL 2005, CDNOW weeks 1-39
PUBLISHED_LOGLIK = -9582.4
PARAMS = BGNBDParams(r=0.5, alpha=6.0, a=0.9, b=3.0)


def test_loglik_without_repeat_is_the_closed_form():
    T = np.array([0.5, 10.0, 38.86])
    expected = PARAMS.r * np.log(PARAMS.alpha / (PARAMS.alpha + T))
    np.testing.assert_allclose(loglik(PARAMS, np.zeros(3), np.zeros(3), T), expected, rtol=1e-12)


def test_loglik_of_one_repeat_matches_direct_formula():
    r, alpha, a, b = astuple(PARAMS)
    x, t_x, T = 1.0, 4.0, 20.0
    head = gamma(r + x) * alpha**r / gamma(r)
    direct = head * (
        beta(a, b + x) / beta(a, b) / (alpha + T) ** (r + x)
        + beta(a + 1, b + x - 1) / beta(a, b) / (alpha + t_x) ** (r + x)
    )
    assert loglik(PARAMS, [x], [t_x], [T])[0] == pytest.approx(np.log(direct), rel=1e-12)


def test_expected_transactions_match_monte_carlo():
    rng = np.random.default_rng(7)
    n, t = 200_000, 26.0
    who, _ = repeat_purchases(rng, PARAMS, np.full(n, t))
    counts = np.bincount(who, minlength=n)
    standard_error = counts.std(ddof=1) / np.sqrt(n)
    assert abs(counts.mean() - expected_transactions(PARAMS, t)) < 4 * standard_error


def test_conditional_expectation_for_a_new_customer_is_the_unconditional_one():
    t = np.array([1.0, 13.0, 52.0])
    new = conditional_expected_transactions(PARAMS, t, 0, 0.0, 0.0)
    np.testing.assert_allclose(new, expected_transactions(PARAMS, t), rtol=1e-10)


def test_prob_alive_is_one_without_repeats_and_falls_with_silence():
    alive = prob_alive(PARAMS, [0, 3, 3], [0.0, 30.0, 5.0], [38.0, 38.0, 38.0])
    assert alive[0] == 1.0
    assert 0 < alive[2] < alive[1] < 1


def test_fit_reproduces_published_cdnow_estimates(cdnow_dir: Path):
    summary = pd.read_csv(cdnow_dir / "cdnow_customers_summary.csv")
    fit = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    assert fit.converged and fit.n_customers == 2357
    for name, published in zip(("r", "alpha", "a", "b"), astuple(PUBLISHED), strict=True):
        assert getattr(fit.params, name) == pytest.approx(published, rel=0.02), name
    assert fit.loglik == pytest.approx(PUBLISHED_LOGLIK, abs=0.1)
    assert all(
        0 < se < value
        for se, value in zip(astuple(fit.standard_errors), astuple(fit.params), strict=True)
    )


def test_fit_on_summarised_raw_log_matches_published(cdnow_summary: pd.DataFrame):
    fit = fit_bgnbd(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    for name, published in zip(("r", "alpha", "a", "b"), astuple(PUBLISHED), strict=True):
        assert getattr(fit.params, name) == pytest.approx(published, rel=0.02), name
    assert fit.loglik == pytest.approx(PUBLISHED_LOGLIK, abs=0.1)
