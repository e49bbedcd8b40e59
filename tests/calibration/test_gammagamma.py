"""Gamma-Gamma: the density is proper, the conditional mean, and the published CDNOW fit."""

from dataclasses import astuple

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad

from loyalsim.experiments.calibrate.errors import CalibrationError
from loyalsim.experiments.calibrate.gammagamma import (
    GammaGammaParams,
    conditional_expected_spend,
    fit_gamma_gamma,
    log_density,
)

PUBLISHED = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)  # Fader & Hardie 2013, CDNOW


@pytest.mark.parametrize("x", [1, 2, 7])
def test_density_of_mean_value_integrates_to_one(x: int):
    mass, _ = quad(lambda m: np.exp(log_density(PUBLISHED, m, x)), 0, np.inf, limit=200)
    assert mass == pytest.approx(1.0, abs=1e-7)


def test_conditional_spend_blends_population_and_customer_means():
    p, q, gamma = astuple(PUBLISHED)
    population_mean = p * gamma / (q - 1)
    spend = conditional_expected_spend(PUBLISHED, [np.nan, 50.0, 50.0], [0, 1, 100])
    assert spend[0] == pytest.approx(population_mean)
    assert population_mean < spend[1] < spend[2] < 50.0


def test_fit_reproduces_published_cdnow_estimates(cdnow_summary: pd.DataFrame):
    fit = fit_gamma_gamma(cdnow_summary["monetary_value"], cdnow_summary["frequency"])
    assert fit.converged and fit.n_customers == 946
    for name, published in zip(("p", "q", "gamma"), astuple(PUBLISHED), strict=True):
        assert getattr(fit.params, name) == pytest.approx(published, rel=0.02), name


def test_zero_mean_value_is_rejected():
    with pytest.raises(CalibrationError, match="values > 0"):
        fit_gamma_gamma([0.0, 10.0], [1, 2])
