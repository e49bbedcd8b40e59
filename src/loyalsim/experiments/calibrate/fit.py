"""Fit a population to a customer summary and express it as a scenario's population section.

Purchases and dropout come from BG/NBD (one segment) or a finite mixture of BG/NBD segments; spend
comes from one Gamma-Gamma model shared by all segments, since the spend model assumes spend is
independent of the purchase process.
"""

from dataclasses import asdict, dataclass

import pandas as pd

from loyalsim.experiments.calibrate.bgnbd import BGNBDFit, BGNBDParams, fit_bgnbd
from loyalsim.experiments.calibrate.errors import CalibrationError
from loyalsim.experiments.calibrate.gammagamma import GammaGammaFit, fit_gamma_gamma
from loyalsim.experiments.calibrate.mixture import fit_bgnbd_mixture
from loyalsim.experiments.calibrate.transactions import TIME_UNIT_DAYS

REQUIRED_COLUMNS = ("frequency", "recency", "T", "monetary_value")


@dataclass(frozen=True)
class Segment:
    """One latent segment: its share of customers and its purchase/dropout parameters."""

    share: float
    share_standard_error: float
    purchase: BGNBDParams
    purchase_standard_errors: BGNBDParams


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted segments, the shared spend model, and the one-segment fit for comparison."""

    segments: tuple[Segment, ...]
    purchase_loglik: float
    one_segment: BGNBDFit
    spend: GammaGammaFit
    time_unit: str
    n_customers: int
    converged: bool


def fit_population(
    summary: pd.DataFrame, segments: int = 1, *, time_unit: str | None = None
) -> CalibrationResult:
    """Fit ``segments`` BG/NBD segments and a Gamma-Gamma spend model to a customer summary.

    ``summary`` has the columns made by ``transactions.summarise``; its time unit is taken from
    ``summary.attrs["time_unit"]`` unless given.
    """
    unit = time_unit or summary.attrs.get("time_unit")
    if unit not in TIME_UNIT_DAYS:
        raise ValueError(
            f"time unit {unit!r} is not allowed; allowed: day, week (pass time_unit=...)"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in summary.columns]
    if missing:
        raise ValueError(f"summary lacks columns {missing}; allowed: output of summarise()")
    if segments < 1:
        raise ValueError(f"segments must be >= 1, got {segments}")

    x, t_x, age = summary["frequency"], summary["recency"], summary["T"]
    if not (x > 0).any():
        raise CalibrationError(
            f"none of the {len(summary)} customers has a repeat transaction in the calibration "
            "period; purchase rates and dropout cannot be estimated"
        )
    one = fit_bgnbd(x, t_x, age)
    # zero-value repeat purchases count for BG/NBD but not for Gamma-Gamma (see summarise)
    spend_x = summary["spend_frequency"] if "spend_frequency" in summary.columns else x
    spend = fit_gamma_gamma(summary["monetary_value"], spend_x)
    fitted: tuple[Segment, ...]
    if segments == 1:
        fitted = (Segment(1.0, 0.0, one.params, one.standard_errors),)
        loglik, converged = one.loglik, one.converged
    else:
        mix = fit_bgnbd_mixture(x, t_x, age, segments, start=one.params)
        fitted = tuple(
            Segment(*fields)
            for fields in zip(
                mix.shares,
                mix.share_standard_errors,
                mix.components,
                mix.standard_errors,
                strict=True,
            )
        )
        loglik, converged = mix.loglik, mix.converged
    return CalibrationResult(
        segments=fitted,
        purchase_loglik=loglik,
        one_segment=one,
        spend=spend,
        time_unit=unit,
        n_customers=len(summary),
        converged=converged and spend.converged,
    )


def population_section(result: CalibrationResult, size: int, program_lift: float = 0.0) -> dict:
    """The scenario's ``{"population": {...}}`` block as plain types for ``yaml.safe_dump``.

    ``program_lift``: the log comes from a firm whose program already ran and lifted visit
    rates by this share, so the no-program rates are the fitted ones divided by ``1 + lift``
    (``alpha`` times ``1 + lift``): the control arm must not inherit the program's effect."""
    if size < 1:
        raise ValueError(f"population size must be >= 1, got {size}")
    spend = {k: float(v) for k, v in asdict(result.spend.params).items()}
    segments = [
        {
            "name": f"segment_{k}",
            "share": float(segment.share),
            "purchase": {
                "r": float(segment.purchase.r),
                "alpha": float(segment.purchase.alpha) * (1.0 + program_lift),
                "time_unit": result.time_unit,
            },
            "dropout": {"a": float(segment.purchase.a), "b": float(segment.purchase.b)},
            "spend": dict(spend),
        }
        for k, segment in enumerate(result.segments, start=1)
    ]
    return {"population": {"size": int(size), "segments": segments}}
