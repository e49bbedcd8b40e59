"""``loyalsim optimize FILE --worlds W`` end to end: every trial's objectives are the robust
statistic over the W worlds (here CVaR at 30% of 3 worlds: the worst world), and the
recommendation gives each design its chance to beat the current design and no program."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState
from support import run_cli
from tiny_cafe import TINY

from loyalsim.experiments.optimize.objective import evaluate
from loyalsim.experiments.optimize.space import decode_params
from loyalsim.experiments.scenarios import load_scenario
from loyalsim.metrics.worlds import world_means

PRIOR = "behaviour:\n  goal_gradient: {dist: uniform, low: 0.0, high: 6.0}\n"


@pytest.fixture(scope="module")
def robust_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("robust")
    path = folder / "tiny.yaml"
    path.write_text(TINY + PRIOR, encoding="utf-8")
    out = folder / "out"
    args = ["optimize", str(path), "--worlds", "3", "--robust", "cvar", "--robust-level", "0.3",
            "--trials", "4", "--out", str(out), "--sampler", "random"]  # fmt: skip
    done = run_cli(*args)  # in process: the objectives, not the process boundary, are tested
    assert done.returncode == 0, done.stderr
    return path, out


def test_every_trial_reports_the_worst_world(robust_run: tuple[Path, Path]) -> None:
    path, out = robust_run
    study = optuna.load_study(study_name="tiny-cafe", storage=f"sqlite:///{out / 'study.db'}")
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(trials) == 4
    scenario = load_scenario(path, {"uncertainty.worlds": 3, "uncertainty.objective": "cvar",
                                    "uncertainty.level": 0.3})  # fmt: skip
    base = scenario.model_copy(update={"search": None})
    assert scenario.search is not None
    for trial in trials[:2]:  # re-simulate two designs: the same worlds, the same luck
        params = decode_params(scenario.search, trial.params)
        result = evaluate(base, params, scenario.seed, scenario.search.trial_replications(scenario))
        profit = world_means(result.kpi_matrix("incremental_profit"))
        cost = world_means(result.kpi_matrix("cost_to_revenue"))
        assert profit.size == 3 and np.ptp(profit) > 0  # the prior makes the worlds differ
        assert trial.values[0] == profit.min()  # maximise: the worst world, not the mean
        assert trial.values[0] < profit.mean()
        assert trial.values[1] == cost.max()  # minimise: the worst world is the costliest
        assert trial.user_attrs["kpis"]["prob_incremental_profit_positive"] == np.mean(profit > 0)


def test_the_recommendation_gives_each_design_its_chances(robust_run: tuple[Path, Path]) -> None:
    _, out = robust_run
    rec = json.loads((out / "recommendation.json").read_text())
    assert rec["designs"]
    for design in rec["designs"]:
        worlds = design["over_worlds"]
        assert worlds["worlds"] == 3
        for key in ("prob_beats_current", "prob_beats_control"):
            assert worlds[key] is not None and worlds[key] * 3 == pytest.approx(
                round(worlds[key] * 3)
            ), key  # a share of 3 worlds
            assert 0.0 <= worlds[key] <= 1.0
        assert isinstance(worlds["optimistic_only"], bool)
        low, high = worlds["incremental_profit_world_interval"]
        assert low <= high
    report = (out / "report.html").read_text()
    markdown = (out / "recommendation.md").read_text()
    for design in rec["designs"]:
        worlds = design["over_worlds"]
        sentence = (
            f"Over 3 parameter worlds it beats the current design in "
            f"{worlds['prob_beats_current']:.0%} of them and pays for itself against no program "
            f"in {worlds['prob_beats_control']:.0%}."
        )
        assert sentence in markdown and sentence in report
    assert "(objective: cvar)" in report  # the executive summary names the robust objective
