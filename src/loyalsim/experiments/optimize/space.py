"""Map the scenario's search parameters to Optuna parameters and back."""

from __future__ import annotations

from typing import Any

import optuna

from loyalsim.scenario.search import ParameterSpec, SearchSpec, choice_label


def suggest(trial: optuna.Trial, path: str, spec: ParameterSpec) -> Any:
    """Ask the trial for a value of one parameter (the Optuna name is the dotted path)."""
    if spec.choices is not None:
        return trial.suggest_categorical(path, [choice_label(c) for c in spec.choices])
    assert spec.low is not None and spec.high is not None
    if spec.is_int:
        step = int(spec.step or 1)
        return trial.suggest_int(path, int(spec.low), int(spec.high), step=step, log=spec.log)
    return trial.suggest_float(
        path, float(spec.low), float(spec.high), step=spec.step, log=spec.log
    )


def suggest_all(trial: optuna.Trial, search: SearchSpec) -> dict[str, Any]:
    """Scenario overrides for one trial: ``{dotted path: scenario value}``."""
    return {
        path: spec.decode(suggest(trial, path, spec)) for path, spec in search.parameters.items()
    }


def decode_params(search: SearchSpec, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario overrides from a finished trial's Optuna parameters."""
    return {
        path: search.parameters[path].decode(v)
        for path, v in params.items()
        if path in search.parameters
    }


def grid_space(search: SearchSpec) -> dict[str, list[Any]]:
    """Every value of every parameter, for the grid sampler."""
    return {path: spec.grid() for path, spec in search.parameters.items()}
