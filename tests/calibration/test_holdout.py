"""Holdout validation: the quadrature of the engine's daily process, and the optimiser's flags."""

import numpy as np
import pytest

from loyalsim.experiments.calibrate._optimize import maximise
from loyalsim.experiments.calibrate.bgnbd import BGNBDParams, expected_transactions
from loyalsim.experiments.calibrate.holdout import daily_expected_transactions, mixing_grid

CDNOW = BGNBDParams(r=0.2426, alpha=4.4136, a=0.7929, b=2.4259)


@pytest.mark.parametrize(
    "params", [CDNOW, BGNBDParams(4.0, 1.2, 1.5, 60.0), BGNBDParams(500.0, 5000.0, 900.0, 4000.0)]
)
def test_mixing_grid_reproduces_the_closed_form_expectation(params):
    # Given lambda and p, BG/NBD expects (1 - exp(-lambda p t)) / p repeat purchases by t;
    # integrated on the grid it must equal the closed form E[X(t)] (FHL 2005 eq. 7).
    rate, p, weights = mixing_grid(params)
    for t in (1.0, 39.0, 78.0):
        grid = (weights * -np.expm1(-np.outer(rate, p) * t) / p).sum()
        assert grid == pytest.approx(float(expected_transactions(params, t)), rel=1e-4)


def test_daily_grid_expectation_is_below_the_continuous_one_and_converges_to_it():
    # At most one visit a day loses purchases; a finer grid (more steps per week) loses fewer.
    weeks = 78.0
    continuous = float(expected_transactions(CDNOW, weeks))
    daily = float(daily_expected_transactions(CDNOW, np.array(546), 7.0))
    finer = float(daily_expected_transactions(CDNOW, np.array(546 * 24), 7.0 * 24))
    assert daily < finer < continuous
    assert continuous - finer < (continuous - daily) / 10
    assert daily_expected_transactions(CDNOW, np.array([0]), 7.0)[0] == 0.0


def test_unidentified_optimum_is_not_converged():
    # The second parameter does not enter the objective: the Hessian is singular there.
    optimum = maximise(lambda u: (u[0] - 1.0) ** 2, [np.zeros(2)])
    assert optimum.u[0] == pytest.approx(1.0, abs=1e-4)
    assert not optimum.converged
    assert np.isnan(optimum.covariance).all()
