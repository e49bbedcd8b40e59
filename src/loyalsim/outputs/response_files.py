"""What ``calibrate-response`` writes: the JSON record, the behaviour fragment and the
calibrated scenario (the input scenario with the fragment's priors in its behaviour section)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import yaml

from loyalsim.experiments.response.calibrate import ResponseCalibration
from loyalsim.experiments.response.params import posterior_prior
from loyalsim.scenario.models import Scenario


def _num(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def behaviour_priors(result: ResponseCalibration, label: str) -> dict[str, Any]:
    """Behaviour section of priors: the posterior of each pinned parameter, the library
    prior (``{dist: library}``) of every estimated parameter the data did not pin down."""
    fit, ident = result.fit, result.identification
    out: dict[str, Any] = {}
    for k, p in enumerate(fit.params):
        if ident.pinned[p.name]:
            source = f"calibrate-response on {label} (SMM estimate and sandwich standard error)"
            out[p.name] = posterior_prior(
                p, p.z_center + p.z_scale * float(fit.u[k]), fit.z_se(k), source
            )
        else:
            out[p.name] = {"dist": "library"}
    return out


def fragment_yaml(result: ResponseCalibration, label: str) -> str:
    """``behaviour.yaml``: a scenario fragment with the calibrated priors."""
    head = (
        f"# Calibrated program response from {label} (loyalsim calibrate-response).\n"
        "# Pinned parameters carry their posterior as a prior; parameters the data did not pin\n"
        "# down keep their library prior. Put these keys into a scenario's behaviour section\n"
        "# (calibrated_scenario.yaml beside this file already has them).\n"
    )
    body = {"behaviour": behaviour_priors(result, label)}
    return head + yaml.safe_dump(body, sort_keys=True, default_flow_style=None)


def calibrated_scenario(scenario: Scenario, result: ResponseCalibration, label: str) -> str:
    """The input scenario with the calibrated behaviour priors (and any prior it gave for
    those paths under ``uncertainty.priors`` removed, so none is given twice)."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    priors = behaviour_priors(result, label)
    data["behaviour"] = {**(data.get("behaviour") or {}), **priors}
    unc = data.get("uncertainty")
    if isinstance(unc, dict) and isinstance(unc.get("priors"), dict):
        unc["priors"] = {
            k: v for k, v in unc["priors"].items() if k.removeprefix("behaviour.") not in priors
        }
    head = f"# {scenario.name}, with the program response calibrated on {label}.\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def record(result: ResponseCalibration, settings: dict[str, Any], label: str) -> dict[str, Any]:
    """``response_calibration.json``."""
    fit, ident, target = result.fit, result.identification, result.fit.target
    corr = fit.correlation
    params = []
    for k, p in enumerate(fit.params):
        lo, hi = fit.interval(k)
        plo, phi = p.prior_interval(0.95)
        params.append(
            {
                "name": p.name,
                "path": p.path,
                "start": p.value(0.0),
                "estimate": fit.value(k),
                "interval95": [_num(lo), _num(hi)],
                "se_search_scale": _num(float(fit.se_u[k])),
                "scale": p.kind,
                "prior": p.prior_data,
                "prior_interval95": [plo, phi],
                "width_ratio": _num(ident.ratio[p.name]),
                "pinned": ident.pinned[p.name],
                "at_bound": ident.at_bound[p.name],
            }
        )
    keep = target.keep
    simulated = fit.simulated
    scale = np.sqrt(np.diag(target.cov) * (1.0 + fit.noise_factor))
    moments = []
    for k, m in enumerate(target.moments):
        moments.append(
            {
                "name": m.name,
                "family": m.family,
                "label": m.label,
                "observed": _num(float(target.values[k])),
                "observed_se": _num(float(np.sqrt(target.cov[k, k]))),
                "simulated": _num(float(simulated[k])),
                "z": _num(float((simulated[k] - target.values[k]) / scale[k])) if keep[k] else None,
                "cases": float(target.counts[k]),
                "used": bool(keep[k]),
            }
        )
    names = [p.name for p in fit.params]
    return {
        "data": label,
        "calibration_end": result.calibration_end.isoformat(),
        "program_launch": (
            result.program_launch.isoformat() if result.program_launch is not None else None
        ),
        "customers": target.customers,
        "params": params,
        "correlation": {
            names[i]: {names[j]: _num(float(corr[i, j])) for j in range(len(names))}
            for i in range(len(names))
        },
        "identifiability": {
            "pinned": [n for n, ok in ident.pinned.items() if ok],
            "not_pinned": ident.unidentified,
            "confounded": [{"a": a, "b": b, "correlation": c} for a, b, c in ident.confounded],
            "rule": "pinned: posterior sd below half the library prior's on the search scale "
            "(and not at a bound); confounded: |posterior correlation| > 0.8",
        },
        "moments": moments,
        "objective": {
            "start": fit.start_objective,
            "end": fit.objective,
            "moments_used": int(keep.sum()),
        },
        "holdout": result.holdout,
        "design": {
            "goal_points": result.design.goal_points,
            "gap_cap_days": result.design.gap_cap_days,
            "lapse_days": result.design.lapse_days,
            "active_days": result.design.active_days,
            "pre_days": result.design.pre_days,
            "frequency_edges": list(result.design.frequency_edges),
            "lift_edges": list(result.design.lift_edges),
            "forfeits": result.design.forfeits,
        },
        "budget": {
            "evaluations": fit.evaluations,
            "seconds": fit.seconds,
            "stopped": fit.stopped,
            "simulations_per_evaluation": settings.get("simulations"),
            "noise_factor": fit.noise_factor,
        },
        "settings": settings,
    }
