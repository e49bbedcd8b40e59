"""Result directories for report tests: a real small run, and compare/optimize files built
to the other commands' file contracts with known numbers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from loyalsim.experiments.compare import SEGMENT_COLUMNS, TABLE_COLUMNS
from loyalsim.experiments.simulate import simulate
from loyalsim.report.run_figures import write_run_folder
from loyalsim.scenario.loader import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
COFFEE = ROOT / "scenarios" / "coffee_punch_card.yaml"
SMALL = {"population.size": 600, "horizon": {"weeks": 8}, "replications": 2}


def real_run(directory: Path, **overrides: object) -> Path:
    """Simulate the coffee scenario at test size and write run's outputs (no report)."""
    scenario = with_overrides(load_scenario(COFFEE), {**SMALL, **overrides})
    directory.mkdir(parents=True)
    write_run_folder(simulate(scenario, seed=3), directory)
    return directory


def with_tiers(run_dir: Path, directory: Path) -> Path:
    """A copy of a run whose summary.json carries the nested tier KPIs of a tiered program."""
    shutil.copytree(run_dir, directory)
    summary = json.loads((directory / "summary.json").read_text())
    summary["kpis"]["tier_share"] = {"green": 0.7, "gold": 0.25, "platinum": 0.05}
    summary["kpis"]["tier_migration"] = {
        "green": {"green": 0.9, "gold": 0.1},
        "gold": {"green": 0.2, "gold": 0.7, "platinum": 0.1},
        "platinum": {"gold": 0.3, "platinum": 0.7},
    }
    summary["kpis"]["tier_migration_counts"] = {
        "green": {"green": 90.0, "gold": 10.0},
        "gold": {"green": 4.0, "gold": 14.0, "platinum": 2.0},
        "platinum": {"gold": 3.0, "platinum": 7.0},
    }
    (directory / "summary.json").write_text(json.dumps(summary))
    (directory / "report.html").unlink(missing_ok=True)
    return directory


COMPARED_EFFECTS = {
    # kpi: (base mean, diff, ci_low, ci_high) of the variant 'richer' against 'current'
    "retention_rate": (0.40, 0.012, 0.008, 0.016),
    "incremental_revenue": (5000.0, 1500.0, 900.0, 2100.0),
    "incremental_profit": (-2000.0, -300.0, -900.0, 250.0),
    "program_cost": (9000.0, 1200.0, 1100.0, 1300.0),
    "cost_to_revenue": (0.08, 0.009, 0.007, 0.011),
    "breakage_rate": (0.15, -0.02, -0.03, -0.01),
    "liability": (500.0, 40.0, 20.0, 60.0),
}


def compare_dir(run_dir: Path, directory: Path) -> Path:
    """comparison.csv/json and one run folder per arm (both arms copy the same real run)."""
    directory.mkdir(parents=True)
    for arm in ("current", "richer"):
        shutil.copytree(run_dir, directory / arm)
    rows = []
    for kpi, (base, diff, lo, hi) in COMPARED_EFFECTS.items():
        rows.append(("current", kpi, base, base, 0.0, 0.0, 0.0, float("nan"), 5))
        rows.append(("richer", kpi, base + diff, base, diff, lo, hi, 0.01, 5))
    rows.append(("current", "visits", 9000.0, 9000.0, 0.0, 0.0, 0.0, float("nan"), 5))
    rows.append(("richer", "visits", 9100.0, 9000.0, 100.0, 50.0, 150.0, 0.02, 5))
    pd.DataFrame(rows, columns=list(TABLE_COLUMNS)).to_csv(
        directory / "comparison.csv", index=False
    )
    meta = {
        "base": {"name": "current", "scenario": "Coffee chain punch card", "overrides": {}},
        "variants": [
            {
                "name": "richer",
                "scenario": "Coffee chain punch card",
                "overrides": {"program.rewards.catalogue[0].points": 7},
            }
        ],
        "seed": 3,
        "replications": 5,
        "variance_reduction": {},
    }
    (directory / "comparison.json").write_text(json.dumps(meta))
    segments = []
    for grouping, name, base, diff in (
        ("segment", "commuters", 900.0, 400.0),
        ("segment", "tourists", 100.0, -50.0),
        ("customer_group", "engaged", 700.0, 300.0),
        ("customer_group", "tier:Gold", 250.0, 80.0),
    ):
        for arm, d in (("current", 0.0), ("richer", diff)):
            segments.append((arm, grouping, name, "incremental_revenue", base + d, base, d,
                             d - 100.0, d + 100.0, 0.04, 5))  # fmt: skip
    pd.DataFrame(segments, columns=list(SEGMENT_COLUMNS)).to_csv(
        directory / "comparison_segments.csv", index=False
    )
    return directory


def optimize_dir(directory: Path) -> Path:
    """trials.csv, pareto.csv and recommendation.json of a two-objective study."""
    directory.mkdir(parents=True)
    trials = []
    for n in range(12):
        ret = 0.38 + 0.004 * n
        cost = 0.05 + 0.003 * n + (0.01 if n % 3 == 0 else 0.0)
        trials.append(
            {
                "number": n,
                "state": "COMPLETE" if n != 11 else "FAIL",
                "params_program.stamps.points_per_visit": 1 + n % 3,
                "params_program.expiry.days": 60 + 10 * n,
                "values_retention_rate": ret if n != 11 else None,
                "values_cost_to_revenue": cost if n != 11 else None,
                "feasible": n not in (10, 11),
                "kpi_retention_rate": ret,
                "kpi_cost_to_revenue": cost,
            }
        )
    frame = pd.DataFrame(trials)
    frame.to_csv(directory / "trials.csv", index=False)
    front = frame[frame["number"].isin([1, 2, 4, 5, 7, 8])].assign(knee=False)
    front.loc[front["number"] == 5, "knee"] = True
    front.to_csv(directory / "pareto.csv", index=False)

    def stat(mean: float, half: float) -> dict[str, float]:
        return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half}

    rec = {
        "scenario": "Coffee chain punch card",
        "objectives": [
            {"kpi": "retention_rate", "direction": "maximize"},
            {"kpi": "cost_to_revenue", "direction": "minimize"},
        ],
        "constraints": [
            {"kpi": "liability", "op": "<=", "bound": 2000, "label": "liability <= 2000"}
        ],
        "replications": 4,
        "seed": 7,
        "current": {
            "kpis": {
                "retention_rate": stat(0.39, 0.003),
                "cost_to_revenue": stat(0.060, 0.002),
                "liability": stat(800.0, 50.0),
                "incremental_profit": stat(-1000.0, 300.0),
            },
            "vs_control": {"retention_rate": 0.002},
        },
        "designs": [
            {
                "label": "knee",
                "trial": 5,
                "params": {"program.stamps.points_per_visit": 3, "program.expiry.days": 110},
                "feasible": True,
                "kpis": {
                    "retention_rate": stat(0.402, 0.003),
                    "cost_to_revenue": stat(0.069, 0.002),
                    "liability": stat(900.0, 60.0),
                    "incremental_profit": stat(-1100.0, 350.0),
                },
                "vs_current": {
                    "retention_rate": {"diff": 0.012, "ci_low": 0.008, "ci_high": 0.016},
                    "cost_to_revenue": {"diff": 0.009, "ci_low": 0.007, "ci_high": 0.011},
                    "liability": {"diff": 100.0, "ci_low": 60.0, "ci_high": 140.0},
                    "incremental_profit": {"diff": -100.0, "ci_low": -400.0, "ci_high": 200.0},
                },
                "vs_control": {"retention_rate": 0.014, "revenue": 2500.0},
            },
            {
                "label": "best_cost_to_revenue",
                "trial": 1,
                "params": {"program.stamps.points_per_visit": 2, "program.expiry.days": 70},
                "feasible": True,
                "kpis": {
                    "retention_rate": stat(0.384, 0.003),
                    "incremental_profit": stat(-500.0, 200.0),
                },
                "vs_current": {
                    "retention_rate": {"diff": -0.006, "ci_low": -0.009, "ci_high": -0.003}
                },
                "vs_control": {},
            },
        ],
    }
    # the knee is also the best design for retention: recommend.py lists it twice
    rec["designs"].insert(1, {**rec["designs"][0], "label": "best_retention_rate"})
    (directory / "recommendation.json").write_text(json.dumps(rec))
    return directory


def three_objectives(opt_dir: Path, directory: Path) -> Path:
    """A copy of :func:`optimize_dir` with incremental profit as a third objective."""
    shutil.copytree(opt_dir, directory)
    for name in ("trials.csv", "pareto.csv"):
        frame = pd.read_csv(directory / name)
        frame["values_incremental_profit"] = -1500.0 + 40.0 * frame["number"] ** 1.5
        frame.to_csv(directory / name, index=False)
    rec = json.loads((directory / "recommendation.json").read_text())
    rec["objectives"].append({"kpi": "incremental_profit", "direction": "maximize"})
    (directory / "recommendation.json").write_text(json.dumps(rec))
    (directory / "report.html").unlink(missing_ok=True)
    return directory
