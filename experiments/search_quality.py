"""Search quality of `loyalsim optimize`: hypervolume reached against an exhaustive grid.

Design space (coffee punch card, 500 customers, 13 weeks, 1 replication, fixed cost off so
that the small population is not swamped by it): stamps for a free drink 3..22, minimum
qualifying spend 0..4.75 step 0.25, expiry none / 90 / 180 days of inactivity
= 20 x 20 x 3 = 1,200 designs. Objectives and constraint are the shipped scenario's.

1. Simulate every design (2 processes) -> reference feasible Pareto front and its hypervolume
   (objectives normalised by the feasible grid's ideal and nadir, reference point 1.1).
2. For 10 seeds, 100 trials of the default sampler and of random search. Designs are evaluated
   by looking them up in the grid table: evaluation is deterministic (common random numbers),
   so this equals simulating them again (checked on a sample), and saves the machine.
3. Report each run's hypervolume as a share of the grid's.

Run: PYTHONPATH=. python experiments/search_quality.py [--workers 2] [--out experiments/out]
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import product
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from loyalsim.experiments.optimize.objective import evaluate
from loyalsim.experiments.optimize.pareto import as_losses, hypervolume, normalise
from loyalsim.experiments.optimize.space import suggest_all
from loyalsim.experiments.optimize.storage import quiet_optuna
from loyalsim.experiments.optimize.study import DEFAULT_SAMPLER, make_sampler
from loyalsim.scenario.loader import load_scenario, with_overrides
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.search import SearchSpec, choice_label

ROOT = Path(__file__).resolve().parents[1]
POINTS = "program.rewards.catalogue[0].points"
SPEND = "program.stamps.min_spend"
EXPIRY = "program.expiry"
SPACE = {
    POINTS: {"low": 3, "high": 22},
    SPEND: {"low": 0.0, "high": 4.75, "step": 0.25},
    EXPIRY: [
        {"policy": "none"},
        {"policy": "inactivity", "days": 90},
        {"policy": "inactivity", "days": 180},
    ],
}
SHRINK = {
    "population.size": 500,
    "horizon": {"weeks": 13},
    "economics.fixed_cost_per_year": 0,
    "search": None,
}


@functools.cache
def setup() -> tuple[Scenario, SearchSpec]:
    scenario = load_scenario(ROOT / "scenarios" / "coffee_punch_card.yaml")
    assert scenario.search is not None
    search = scenario.search.model_copy(
        update={"parameters": SearchSpec.model_validate({"parameters": SPACE}).parameters}
    )
    return with_overrides(scenario, SHRINK), search


def _evaluate(design: tuple) -> dict:
    base, search = setup()
    params = {
        path: search.parameters[path].decode(v) for path, v in zip(SPACE, design, strict=True)
    }
    kpis = evaluate(base, params, base.seed, 1).summary
    return {**dict(zip(SPACE, design, strict=True)), **kpis}


def grid_table(workers: int) -> pd.DataFrame:
    _, search = setup()
    designs = list(product(*(search.parameters[p].grid() for p in SPACE)))
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(_evaluate, designs, chunksize=20))
    return pd.DataFrame(rows)


def losses_of(table: pd.DataFrame, search: SearchSpec) -> tuple[np.ndarray, np.ndarray]:
    values = table[[o.kpi for o in search.objectives]].to_numpy(float)
    feasible = np.ones(len(table), dtype=bool)
    for c in search.constraints:
        feasible &= np.array([c.violation(v) <= 0 for v in table[c.kpi].to_numpy(float)])
    feasible &= ~np.isnan(values).any(axis=1)
    return as_losses(values, [o.direction for o in search.objectives]), feasible


def run_sampler(name: str, seed: int, search: SearchSpec, lookup: dict, trials: int) -> list[tuple]:
    study = optuna.create_study(
        directions=[o.direction for o in search.objectives],
        sampler=make_sampler(name, search, seed),
    )
    seen: list[tuple] = []

    def objective(trial: optuna.Trial) -> list[float]:
        params = suggest_all(trial, search)
        key = tuple(choice_label(params[p]) for p in SPACE)
        seen.append(key)
        row = lookup[key]
        for c in search.constraints:
            trial.set_constraint(c.label, c.violation(row[c.kpi]))
        return [row[o.kpi] for o in search.objectives]

    study.optimize(objective, n_trials=trials)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "out")
    args = parser.parse_args()
    quiet_optuna()
    args.out.mkdir(parents=True, exist_ok=True)
    _, search = setup()
    start = time.perf_counter()
    cache = args.out / "grid.csv"
    table = pd.read_csv(cache) if cache.exists() else grid_table(args.workers)
    table.to_csv(cache, index=False)
    grid_seconds = time.perf_counter() - start
    # Spot check: a lookup equals a fresh simulation (CRN makes evaluation deterministic).
    for i in (0, len(table) // 2, len(table) - 1):
        row = table.iloc[i]
        fresh = _evaluate(tuple(row[p] for p in SPACE))
        assert all(fresh[o.kpi] == row[o.kpi] for o in search.objectives), "lookup != simulation"

    losses, feasible = losses_of(table, search)
    low, high = losses[feasible].min(axis=0), losses[feasible].max(axis=0)
    reference = np.full(losses.shape[1], 1.1)
    grid_hv = hypervolume(normalise(losses[feasible], low, high), reference)
    keys = [
        tuple(choice_label(v) if p == EXPIRY else v for p, v in zip(SPACE, r, strict=True))
        for r in table[list(SPACE)].itertuples(index=False)
    ]
    index = {k: i for i, k in enumerate(keys)}
    lookup = {k: table.iloc[i].to_dict() for k, i in index.items()}

    results = []
    for seed in range(args.seeds):
        row = {"seed": seed}
        for name in (DEFAULT_SAMPLER, "random"):
            t0 = time.perf_counter()
            seen = run_sampler(name, seed, search, lookup, args.trials)
            rows = [index[k] for k in seen]
            ok = [i for i in rows if feasible[i]]
            hv = hypervolume(normalise(losses[ok], low, high), reference) if ok else 0.0
            row[f"{name}_hv_share"] = hv / grid_hv
            row[f"{name}_distinct"] = len(set(rows))
            row[f"{name}_seconds"] = time.perf_counter() - t0
        results.append(row)
        print(json.dumps(row))
    frame = pd.DataFrame(results)
    frame.to_csv(args.out / "search_quality.csv", index=False)
    summary = {
        "designs": len(table),
        "feasible_designs": int(feasible.sum()),
        "grid_pareto_size": int(np.sum(_front(losses[feasible]))),
        "grid_seconds": round(grid_seconds, 1),
        "sampler": DEFAULT_SAMPLER,
        "trials": args.trials,
        "seeds": args.seeds,
        "default_hv_share_mean": float(frame[f"{DEFAULT_SAMPLER}_hv_share"].mean()),
        "default_hv_share_min": float(frame[f"{DEFAULT_SAMPLER}_hv_share"].min()),
        "random_hv_share_mean": float(frame["random_hv_share"].mean()),
        "seeds_default_beats_random": int(
            (frame[f"{DEFAULT_SAMPLER}_hv_share"] > frame["random_hv_share"]).sum()
        ),
    }
    (args.out / "search_quality.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


def _front(losses: np.ndarray) -> np.ndarray:
    from loyalsim.experiments.optimize.pareto import pareto_mask

    return pareto_mask(losses)


if __name__ == "__main__":
    main()
