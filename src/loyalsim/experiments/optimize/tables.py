"""A study as tables: one row per trial (trials.csv) and the feasible Pareto front with its
knee (pareto.csv), plus the final hypervolume for the summary line."""

from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np
import optuna
import pandas as pd
from optuna.trial import TrialState

from loyalsim.experiments.optimize.pareto import (
    as_losses,
    hypervolume_history,
    knee_index,
    pareto_mask,
)
from loyalsim.experiments.optimize.quota import SURPLUS
from loyalsim.experiments.optimize.study import feasible
from loyalsim.scenario.search import SearchSpec


def constraint_column(label: str) -> str:
    """``cost_to_revenue <= 0.08`` -> ``constraint_cost_to_revenue_le_0.08``."""
    text = label.replace("<=", "le").replace(">=", "ge")
    return "constraint_" + re.sub(r"\s+", "_", text.strip())


def trials_frame(study: optuna.Study, search: SearchSpec) -> pd.DataFrame:
    """One row per trial: number, state, params_*, values_*, constraint_*, feasible, kpi_*.

    Surplus trials (closed unrun because the study was full) are left out."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        if SURPLUS in t.user_attrs:
            continue
        row: dict[str, object] = {"number": t.number, "state": t.state.name}
        for path in search.parameters:
            row[f"params_{path}"] = t.params.get(path)
        for i, o in enumerate(search.objectives):
            row[f"values_{o.kpi}"] = t.values[i] if t.values is not None else None
        violations = t.user_attrs.get("constraints", {})
        for c in search.constraints:
            row[constraint_column(c.label)] = violations.get(c.label)
        row["feasible"] = t.state == TrialState.COMPLETE and feasible(t)
        for key, value in (t.user_attrs.get("kpis") or {}).items():
            row[f"kpi_{key}"] = value
        row["duration_s"] = t.duration.total_seconds() if t.duration is not None else None
        row["error"] = t.user_attrs.get("error", "")
        rows.append(row)
    return pd.DataFrame(rows)


def pareto_frame(
    frame: pd.DataFrame, search: SearchSpec, best: Collection[int] | None = None
) -> pd.DataFrame:
    """Feasible complete trials that no other feasible trial dominates, with a ``knee`` flag.

    ``best``: the trial numbers of the front when known from the study (Optuna's
    constraint-aware ``study.best_trials``); otherwise the front is computed from ``frame``."""
    columns = [f"values_{o.kpi}" for o in search.objectives]
    ok = frame[frame["feasible"].astype(bool)] if len(frame) else frame
    if ok.empty:
        return ok.assign(knee=pd.Series(dtype=bool))
    if best is not None:
        front = ok[ok["number"].isin(set(best))].copy()
        if front.empty:
            return front.assign(knee=pd.Series(dtype=bool))
    else:
        losses = as_losses(ok[columns].to_numpy(float), [o.direction for o in search.objectives])
        front = ok[pareto_mask(losses)].copy()
    front_losses = as_losses(
        front[columns].to_numpy(float), [o.direction for o in search.objectives]
    )
    knee = np.zeros(len(front), dtype=bool)
    knee[knee_index(front_losses)] = True
    front["knee"] = knee
    return front.reset_index(drop=True)


def hypervolume_of(frame: pd.DataFrame, search: SearchSpec) -> float:
    """Final normalised hypervolume of the feasible trials (for the summary line)."""
    ok = frame[frame["feasible"].astype(bool)] if len(frame) else frame
    if ok.empty:
        return 0.0
    columns = [f"values_{o.kpi}" for o in search.objectives]
    losses = as_losses(ok[columns].to_numpy(float), [o.direction for o in search.objectives])
    return float(hypervolume_history(losses, losses.min(axis=0), losses.max(axis=0))[-1])
