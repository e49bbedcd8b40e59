"""Figures of a study: hypervolume history and parameter importances (the Pareto views are
:func:`loyalsim.report.figures.pareto`)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from loyalsim.experiments.optimize.pareto import as_losses, hypervolume_history
from loyalsim.outputs.files import write_atomic
from loyalsim.report.formatting import label, param_words
from loyalsim.scenario.search import SearchSpec

MIN_TRIALS_FOR_IMPORTANCE = 10


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def plot_hypervolume(frame: pd.DataFrame, search: SearchSpec, path: Path) -> None:
    """Hypervolume of the feasible trials so far, in objectives normalised over all of them."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ok = frame[frame["feasible"].astype(bool)].sort_values("number") if len(frame) else frame
    if len(ok) >= 1:
        columns = [f"values_{o.kpi}" for o in search.objectives]
        losses = as_losses(ok[columns].to_numpy(float), [o.direction for o in search.objectives])
        history = hypervolume_history(losses, losses.min(axis=0), losses.max(axis=0))
        ax.step(ok["number"], history, where="post")
    ax.set(
        xlabel="trial",
        ylabel="hypervolume (normalised objectives, ref 1.1)",
        title="Search progress: hypervolume of feasible designs",
    )
    _save(fig, path)


def _signed_objective(index: int, sign: float) -> Callable[[FrozenTrial], float]:
    """Objective ``index`` of a trial times ``sign`` (an importance target)."""

    def target(trial: FrozenTrial) -> float:
        return sign * trial.values[index]

    return target


def plot_importances(study: optuna.Study, search: SearchSpec, path: Path) -> str:
    """PED-ANOVA importance of each parameter per objective (which parameters separate the
    best designs from the rest); returns a note if it was skipped."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < MIN_TRIALS_FOR_IMPORTANCE:
        return f"parameter importances need at least {MIN_TRIALS_FOR_IMPORTANCE} complete trials"
    tables = {}
    for i, o in enumerate(search.objectives):
        sign = -1.0 if o.direction == "maximize" else 1.0  # PED-ANOVA explains low targets
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="PedAnovaImportanceEvaluator computes")
                tables[o.kpi] = optuna.importance.get_param_importances(
                    study,
                    evaluator=optuna.importance.PedAnovaImportanceEvaluator(),
                    target=_signed_objective(i, sign),
                    normalize=True,
                )
        except (RuntimeError, ValueError, ImportError) as exc:
            return f"parameter importances unavailable: {exc}"
    names = list(search.parameters)
    fig, axes = plt.subplots(
        1, len(tables), figsize=(4.8 * len(tables), 0.5 * len(names) + 2), squeeze=False
    )
    for ax, (kpi, table) in zip(axes[0], tables.items(), strict=True):
        ax.barh(
            [param_words(n) for n in names], [table.get(n, 0.0) for n in names], color="tab:purple"
        )
        ax.set(title=label(kpi), xlabel="importance (PED-ANOVA)", xlim=(0, 1))
        ax.invert_yaxis()
    fig.suptitle("Which parameters matter")
    _save(fig, path)
    return ""
