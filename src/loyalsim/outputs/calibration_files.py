"""What ``loyalsim calibrate`` writes: population.yaml and calibration.json contents."""

from __future__ import annotations

import math
import textwrap
from dataclasses import asdict

import numpy as np
import pandas as pd
import yaml

from loyalsim.experiments.calibrate.fit import CalibrationResult, population_section
from loyalsim.experiments.calibrate.holdout import Holdout


def data_summary(log: pd.DataFrame, summary: pd.DataFrame, calibration_end: pd.Timestamp) -> dict:
    """Counts and dates of the log and of the calibration period, for humans and the JSON."""
    repeaters = summary["frequency"] > 0
    return {
        "first_date": log["date"].min().date().isoformat(),
        "last_date": log["date"].max().date().isoformat(),
        "calibration_end": calibration_end.date().isoformat(),
        "customers": len(summary),
        "purchase_days_in_log": len(log),
        "repeat_transactions_calibration": int(summary["frequency"].sum()),
        "customers_with_repeat": int(repeaters.sum()),
        "mean_frequency": float(summary["frequency"].mean()),
        "mean_T": float(summary["T"].mean()),
        "mean_repeat_value": float(summary.loc[repeaters, "monetary_value"].mean()),
        "time_unit": summary.attrs["time_unit"],
    }


def calibration_record(
    result: CalibrationResult, data: dict, size: int, holdout: Holdout | None, settings: dict
) -> dict:
    """Every fitted number (and the holdout comparison) as plain JSON types."""
    one = result.one_segment
    record = {
        "settings": settings,
        "data": data,
        "converged": result.converged,
        "purchase": {
            "segments": [
                {
                    "name": f"segment_{k}",
                    "share": segment.share,
                    "share_standard_error": segment.share_standard_error,
                    "params": asdict(segment.purchase),
                    "standard_errors": asdict(segment.purchase_standard_errors),
                }
                for k, segment in enumerate(result.segments, start=1)
            ],
            "loglik": result.purchase_loglik,
            "one_segment": {
                "params": asdict(one.params),
                "standard_errors": asdict(one.standard_errors),
                "loglik": one.loglik,
                "converged": one.converged,
            },
        },
        "spend": {
            "params": asdict(result.spend.params),
            "standard_errors": asdict(result.spend.standard_errors),
            "loglik": result.spend.loglik,
            "customers": result.spend.n_customers,
            "converged": result.spend.converged,
        },
        "population": population_section(result, size)["population"],
    }
    if holdout is not None:
        weekly = holdout.weekly()
        record["holdout"] = {
            "calibration_weeks": holdout.calibration_weeks,
            "replications": int(holdout.simulated.shape[0]),
            "simulated_customers_per_customer": holdout.simulated_per_customer,
            "errors": holdout.errors(),
            "weekly": {col: weekly[col].tolist() for col in weekly.columns},
        }
    clean = _finite(record)
    assert isinstance(clean, dict)
    return clean


def _finite(value: object) -> object:
    """NaN and infinities become null: strict JSON has no NaN."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


PROGRAM_RAN_NOTE = (
    "The log comes from a firm whose loyalty program already ran, so the fitted visit rates "
    "include the program's effect. The population's rates are the fitted ones divided by "
    "1 + {lift:g} (--program-lift): the no-program control does not inherit the program. The "
    "result against 'no program' is an extrapolation beyond the data; 'change the program' "
    "against 'keep the current program' (current_program with population.existing_base) "
    "stays within it."
)
"""What ``--program-ran`` implies for the baseline (console, population YAML, report)."""


def population_yaml(
    result: CalibrationResult,
    data: dict,
    size: int,
    source: str,
    program_lift: float | None = None,
) -> str:
    """The population section with a comment header: estimates, standard errors, data summary
    (and, for a log from a running program, the deflation of its rates)."""
    unit = result.time_unit
    lines = [
        f"# Population calibrated by `loyalsim calibrate` from {source}",
        f"# Log: {data['first_date']} to {data['last_date']}; calibration period to "
        f"{data['calibration_end']}; {data['customers']} customers, "
        f"{data['repeat_transactions_calibration']} repeat transactions "
        f"({data['customers_with_repeat']} customers with at least one).",
        f"# Times in {unit}s. Estimates (standard error); converged: "
        f"{'yes' if result.converged else 'NO - treat with care'}.",
        f"# BG/NBD purchase and dropout, log-likelihood {result.purchase_loglik:.2f}:",
    ]
    for k, seg in enumerate(result.segments, start=1):
        p, se = seg.purchase, seg.purchase_standard_errors
        share = (
            f"share {seg.share:.4f} ({_se(seg.share_standard_error)}), "
            if len(result.segments) > 1
            else ""
        )
        lines.append(
            f"#   segment_{k}: {share}r {p.r:.4f} ({_se(se.r)}), alpha {p.alpha:.4f} "
            f"({_se(se.alpha)}), a {p.a:.4f} ({_se(se.a)}), b {p.b:.4f} ({_se(se.b)}); "
            f"mean {p.r / p.alpha:.4f} purchases per {unit} while alive"
        )
    s, sse = result.spend.params, result.spend.standard_errors
    lines += [
        f"# Gamma-Gamma spend ({result.spend.n_customers} customers with a repeat purchase), "
        f"log-likelihood {result.spend.loglik:.2f}:",
        f"#   p {s.p:.4f} ({_se(sse.p)}), q {s.q:.4f} ({_se(sse.q)}), gamma {s.gamma:.4f} "
        f"({_se(sse.gamma)}); mean spend per transaction {s.p * s.gamma / (s.q - 1):.2f}",
        "# Traits a transaction log cannot reveal (reward and status sensitivity, engaged share,",
        "# enrol propensity, attachment, ...) keep their documented defaults: set them from",
        "# surveys or pilots. Every customer starts just after a first purchase on day 0.",
        "# Paste this section into a scenario (or: cat program.yaml population.yaml > s.yaml).",
    ]
    if program_lift is not None:
        note = PROGRAM_RAN_NOTE.format(lift=program_lift)
        lines += ["# " + line for line in textwrap.wrap(note, 92)]
    section = population_section(result, size, program_lift or 0.0)
    body = yaml.safe_dump(section, sort_keys=False)
    return "\n".join(lines) + "\n" + body


def _se(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "n/a"
