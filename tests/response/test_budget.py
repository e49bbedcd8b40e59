"""``--evaluations`` is exact: the search and the final Jacobian together never simulate more
candidate points than allowed."""

from __future__ import annotations

import numpy as np
import pytest
from recovery import END, START, scenario

from loyalsim.errors import DataError
from loyalsim.experiments.response import estimate
from loyalsim.experiments.response.calibrate import calibrate_response
from loyalsim.experiments.response.estimate import Settings
from loyalsim.experiments.response.history import ProgramHistory
from loyalsim.experiments.response.replicas import over_period, replicate_history
from loyalsim.scenario.loader import with_overrides

NAMES = ["goal_gradient", "passive_redeem_prob"]


@pytest.fixture(scope="module")
def observed() -> ProgramHistory:
    truth = with_overrides(scenario(400), {"behaviour.goal_gradient": 3.0})
    return replicate_history(over_period(truth, START, END), 7, 0)


@pytest.mark.parametrize("budget", [5, 6, 8, 11])
def test_simulations_never_exceed_the_budget(
    budget: int, observed: ProgramHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = estimate._simulate

    def counted(task: estimate._Task) -> tuple[np.ndarray, int]:
        calls.append(task.replication)
        return real(task)

    monkeypatch.setattr(estimate, "_simulate", counted)
    settings = Settings(max_evaluations=budget, simulations=2, bootstrap=50)
    fit = calibrate_response(scenario(400), observed, None, NAMES, settings).fit
    assert fit.evaluations <= budget
    assert len(calls) == 2 * fit.evaluations
    assert fit.stopped == "stopped by the evaluations budget" or fit.evaluations < budget
    assert np.isfinite(fit.se_u).all()  # the Jacobian still ran


def test_a_budget_below_one_start_and_the_jacobian_is_an_error(observed: ProgramHistory) -> None:
    with pytest.raises(DataError, match=r"--evaluations 4: at least 5 for 2 parameters"):
        calibrate_response(scenario(400), observed, None, NAMES, Settings(max_evaluations=4))
