"""loyalsim optimize: common random numbers, constraints, failures, outputs, recommendation."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pandas as pd
import pytest
from typer.testing import CliRunner

import loyalsim.experiments.optimize.objective as objective_module
from loyalsim.cli.app import app
from loyalsim.experiments.optimize import study as studies
from loyalsim.experiments.optimize.objective import Objective, evaluate
from loyalsim.experiments.optimize.storage import default_url
from loyalsim.scenario.loader import load_scenario

POINTS = "program.rewards.catalogue[0].points"


def optimize(path: Path, out: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["optimize", str(path), "--out", str(out), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_same_params_same_values_crn(tiny_file: Path, tmp_path: Path) -> None:
    scenario = load_scenario(tiny_file)
    base, search = studies.split(scenario)
    study = optuna.create_study(directions=[o.direction for o in search.objectives])
    params = {POINTS: 6, "program.stamps.min_spend": 1.0, "program.expiry": '{"policy":"none"}'}
    for _ in range(2):
        study.enqueue_trial(params)
    current = {POINTS: 9, "program.stamps.min_spend": 2.0}
    current["program.expiry"] = '{"days":90,"policy":"inactivity"}'
    study.enqueue_trial(current)
    study.optimize(Objective(base, search, base.seed, 2), n_trials=3)
    first, second, third = study.trials
    assert first.values == second.values  # bit for bit: same designs, same replications
    assert first.values != third.values
    # The current design's values are exactly those of simulating the base scenario.
    direct = evaluate(base, {}, base.seed, 2).summary
    assert third.values == [direct[o.kpi] for o in search.objectives]


def test_outputs_constraints_and_recommendation(tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    printed = optimize(tiny_file, out, "--trials", "14", "--seed", "1")
    assert "Recommendation: adopt the design" in printed or "Verdict:" in printed
    for name in (
        "trials.csv",
        "pareto.csv",
        "recommendation.json",
        "recommendation.md",
        "pareto_front.png",
        "hypervolume.png",
        "param_importances.png",
        "study.db",
    ):
        assert (out / name).stat().st_size > 0, name
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 14 and set(trials["state"]) == {"COMPLETE"}
    for name in ("trials", "pareto"):  # a Parquet copy beside each CSV, the same table
        parquet, csv = pd.read_parquet(out / f"{name}.parquet"), pd.read_csv(out / f"{name}.csv")
        assert list(parquet.columns) == list(csv.columns) and len(parquet) == len(csv)
        numbers = parquet.select_dtypes("number").columns
        pd.testing.assert_frame_equal(parquet[numbers], csv[numbers], check_dtype=False)
        assert pd.api.types.is_float_dtype(parquet["values_incremental_profit"])
        assert (parquet["error"] == "").all()  # kept as text, not read back as NaN
    for column in (
        f"params_{POINTS}",
        "values_incremental_profit",
        "values_cost_to_revenue",
        "kpi_retention_rate",
        "kpi_liability",
        "constraint_cost_to_revenue_le_0.03",
    ):
        assert column in trials.columns
    # Constraint columns are the violation (kpi - bound), feasibility follows them.
    violation = trials["kpi_cost_to_revenue"] - 0.03
    assert (trials["constraint_cost_to_revenue_le_0.03"] - violation).abs().max() < 1e-12
    assert (trials["feasible"] == (violation <= 0)).all()
    assert 0 < trials["feasible"].sum() < 14  # the constraint bites in this space
    pareto = pd.read_csv(out / "pareto.csv")
    assert len(pareto) >= 1 and pareto["feasible"].all() and pareto["knee"].sum() == 1
    study = optuna.load_study(study_name="tiny-cafe", storage=default_url(out))
    assert set(pareto["number"]) == {t.number for t in study.best_trials}  # constraint-aware
    feasible = trials[trials["feasible"]]
    for _, row in pareto.iterrows():  # nothing feasible dominates a Pareto row
        better = (feasible["values_incremental_profit"] >= row["values_incremental_profit"]) & (
            feasible["values_cost_to_revenue"] <= row["values_cost_to_revenue"]
        )
        strictly = (feasible["values_incremental_profit"] > row["values_incremental_profit"]) | (
            feasible["values_cost_to_revenue"] < row["values_cost_to_revenue"]
        )
        assert not (better & strictly).any()

    rec = json.loads((out / "recommendation.json").read_text())
    assert rec["scenario"] == "Tiny cafe" and rec["replications"] == 3
    assert rec["objectives"] == [
        {"kpi": "incremental_profit", "direction": "maximize"},
        {"kpi": "cost_to_revenue", "direction": "minimize"},
    ]
    labels = [d["label"] for d in rec["designs"]]
    assert labels == ["knee", "best_incremental_profit", "best_cost_to_revenue"]
    scenario = load_scenario(tiny_file)
    base, _ = studies.split(scenario)
    current = evaluate(base, {}, base.seed, 3)
    assert rec["current"]["kpis"]["revenue"]["mean"] == pytest.approx(current.summary["revenue"])
    for design in rec["designs"]:
        assert design["trial"] in set(pareto["number"])
        again = evaluate(base, design["params"], base.seed, 3).summary
        for key in ("incremental_profit", "revenue", "cost_to_revenue"):
            k = design["kpis"][key]
            assert k["mean"] == pytest.approx(again[key])
            assert k["ci_low"] <= k["mean"] <= k["ci_high"]
            diff = design["vs_current"][key]
            assert diff["diff"] == pytest.approx(again[key] - current.summary[key])
            assert diff["ci_low"] <= diff["diff"] <= diff["ci_high"]
        control = design["vs_control"]
        assert control["revenue"] == pytest.approx(again["incremental_revenue"])
        assert control["profit"] == pytest.approx(again["incremental_profit"])
    best = next(d for d in rec["designs"] if d["label"] == "best_incremental_profit")
    top = feasible.loc[feasible["values_incremental_profit"].idxmax(), "number"]
    assert best["trial"] == top
    assert "## knee" in (out / "recommendation.md").read_text()
    # the console ends with each recommended design, its profit and its parameters in words
    assert "Recommended designs" in printed
    for design in rec["designs"]:
        assert f"trial {design['trial']}" in printed
    flagged = printed.count("(loses money against running no program)")
    merged = {d["trial"]: d for d in rec["designs"]}
    assert flagged == sum(d["kpis"]["incremental_profit"]["mean"] < 0 for d in merged.values())
    assert "Rewards: catalogue item 1, points = " in printed


def test_a_single_objective_study_writes_every_output(tiny_file: Path, tmp_path: Path) -> None:
    # one objective has no trade-off: pareto_front.png shows the value by trial and the best
    # so far (it used to fail drawing a 0 x 0 scatter matrix after all the trials had run)
    out = tmp_path / "run"
    one = "search.objectives=[{kpi: incremental_profit, direction: maximize}]"
    optimize(tiny_file, out, "--trials", "6", "--seed", "1", "--set", one)
    rec = json.loads((out / "recommendation.json").read_text())
    assert rec["objectives"] == [{"kpi": "incremental_profit", "direction": "maximize"}]
    trials = pd.read_csv(out / "trials.csv")
    best = trials.loc[trials["values_incremental_profit"].idxmax()]
    assert int(best["number"]) in [d["trial"] for d in rec["designs"]]  # the best is recommended
    front = pd.read_csv(out / "pareto.csv")
    assert front["values_incremental_profit"].max() == best["values_incremental_profit"]
    for name in ("pareto_front.png", "hypervolume.png", "report.html"):
        assert (out / name).stat().st_size > 0, name


def test_rerun_resumes_to_total_target(tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    optimize(tiny_file, out, "--trials", "4")
    first = pd.read_csv(out / "trials.csv")
    optimize(tiny_file, out, "--trials", "7")
    second = pd.read_csv(out / "trials.csv")
    assert list(second["number"]) == list(range(7))
    pd.testing.assert_frame_equal(
        second.iloc[:4].drop(columns="duration_s"), first.drop(columns="duration_s")
    )
    optimize(tiny_file, out, "--trials", "7")  # target reached: nothing new
    assert len(pd.read_csv(out / "trials.csv")) == 7


def test_resume_refuses_another_scenario(tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    optimize(tiny_file, out, "--trials", "2")
    result = CliRunner().invoke(
        app, ["optimize", str(tiny_file), "--out", str(out), "--set", "seed=9", "--trials", "3"]
    )
    assert result.exit_code != 0
    assert "different scenario" in str(result.exception)


def test_failing_trial_is_recorded_and_study_goes_on(
    tiny_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = objective_module.evaluate

    def flaky(base, params, seed, replications):  # type: ignore[no-untyped-def]
        if params[POINTS] % 2 == 1:
            raise RuntimeError(f"boom at {params[POINTS]} points")
        return real(base, params, seed, replications)

    monkeypatch.setattr(objective_module, "evaluate", flaky)
    out = tmp_path / "run"
    optimize(tiny_file, out, "--trials", "10", "--sampler", "random")
    trials = pd.read_csv(out / "trials.csv", keep_default_na=False)
    assert len(trials) == 10
    odd = trials[f"params_{POINTS}"].astype(int) % 2 == 1
    assert odd.any() and (~odd).any()
    assert (trials.loc[odd, "state"] == "FAIL").all()
    assert (trials.loc[~odd, "state"] == "COMPLETE").all()
    for _, row in trials[odd].iterrows():
        assert row["error"] == f"RuntimeError: boom at {row[f'params_{POINTS}']} points"


def test_grid_sampler_covers_the_space(tiny_file: Path, tmp_path: Path) -> None:
    text = tiny_file.read_text().replace("{low: 3, high: 12}", "{low: 3, high: 4}")
    path = tmp_path / "grid.yaml"
    path.write_text(text)
    out = tmp_path / "run"
    optimize(path, out, "--trials", "50", "--sampler", "grid")
    trials = pd.read_csv(out / "trials.csv")
    combos = trials[
        [f"params_{POINTS}", "params_program.stamps.min_spend", "params_program.expiry"]
    ].drop_duplicates()
    assert len(trials) == len(combos) == 2 * 5 * 3


def test_scenario_without_search_is_a_clear_error(tmp_path: Path, tiny_text: str) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(tiny_text.split("search:")[0])
    result = CliRunner().invoke(app, ["optimize", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "no 'search:' section" in str(result.exception)


def test_default_storage_is_sqlite_in_out(tmp_path: Path) -> None:
    assert default_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'study.db'}"
