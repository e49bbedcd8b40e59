"""Calibrate the program response: moments, estimate, identifiability and holdout in one call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from loyalsim.errors import DataError
from loyalsim.experiments.response.estimate import Fit, Settings, fit
from loyalsim.experiments.response.history import Pilot, ProgramHistory
from loyalsim.experiments.response.history_moments import history_contributions
from loyalsim.experiments.response.holdout import holdout_errors, holdout_quantities, truncate
from loyalsim.experiments.response.identify import Identification, identify
from loyalsim.experiments.response.moments import MIN_COUNT, MomentDesign, quantile_edges
from loyalsim.experiments.response.params import (
    ENROLMENT_EXTRA,
    HISTORY_DEFAULT,
    PILOT_EXTRA,
    TRANSFORMS,
    parameter,
)
from loyalsim.experiments.response.pilot_moments import pre_period_visits
from loyalsim.experiments.response.replicas import as_date, over_period, replicate_history
from loyalsim.scenario.loader import with_overrides
from loyalsim.scenario.models import Scenario

DECILE_MIN = 4_000
"""Customers with pre-period visits needed for deciles: of pilot lift (quintiles below) and of
enrolment by early frequency (quartiles below)."""


@dataclass(frozen=True)
class ResponseCalibration:
    """Everything a calibration found (written by outputs/response_files.py)."""

    fit: Fit
    identification: Identification
    design: MomentDesign
    scenario: Scenario
    """The scenario simulated (over the calibration period), at the estimate's start."""
    calibration_end: dt.date
    holdout: dict | None
    program_launch: dt.date | None = None
    """The day the program launched within the history (``None``: it ran from the first day)."""


def goal_points(scenario: Scenario) -> int:
    """Price of the cheapest reward in the program (the goal progress is measured against)."""
    prices = [
        r.points
        for spec in scenario.program.values()
        if spec.kind == "rewards"
        for r in spec.catalogue  # type: ignore[attr-defined]
    ]
    if not prices:
        raise DataError(
            f"scenario '{scenario.name}': program has no rewards mechanic; calibrate-response "
            "needs the program design the history comes from (a rewards catalogue)"
        )
    return int(min(prices))


def launch_within(
    scenario: Scenario, history: ProgramHistory, end: dt.date, launch: dt.date | None
) -> dt.date | None:
    """The day the program launched within the history: ``launch`` (``--program-launch``) if
    given, else the scenario's (``start_date`` + ``program_launch``, when ``program_launch``
    is set) if after the history's first day; ``None`` when the program ran from the first
    day. (A later launch with ``population.existing_base`` is refused by ``over_period``.)"""
    first = as_date(history.start)
    given = launch is not None
    if launch is None:
        if scenario.launch_day == 0:
            return None
        launch = scenario.start_date + dt.timedelta(days=scenario.launch_day)
    if launch <= first:
        if given:
            raise DataError(
                f"--program-launch {launch}: must lie after the history's first day {first} "
                f"and before its calibration end {end}; omit it when the program ran from the "
                "first day"
            )
        return None
    where = "--program-launch" if given else f"scenario '{scenario.name}': program_launch"
    if launch >= end:
        raise DataError(
            f"{where} {launch}: must lie after the history's first day {first} and before its "
            f"calibration end {end}"
        )
    return launch


LATE_POINTS_DAYS = 28
"""A history whose first points move this many days or more after its first day probably
starts before the program did (the CLI then suggests ``--program-launch``)."""


def late_points_start(history: ProgramHistory) -> dt.date | None:
    """The first day anyone earned or redeemed points or enrolled, when that is
    ``LATE_POINTS_DAYS`` or more after the history's first day (``None`` otherwise)."""
    tx = history.transactions
    moved = tx.loc[(tx["points_earned"] > 0) | (tx["points_redeemed"] > 0), "date"]
    known = [d for d in (moved.min(), history.members["enrolled"].min()) if pd.notna(d)]
    if not known:
        return None
    first_points = as_date(min(known))
    late = (first_points - as_date(history.start)).days >= LATE_POINTS_DAYS
    return first_points if late else None


def late_points_hint(
    history: ProgramHistory, scenario: Scenario, launch: dt.date | None
) -> str | None:
    """A warning when no launch is set (neither ``launch`` nor the scenario's
    ``program_launch``) but no points moved and nobody enrolled in the history's first
    ``LATE_POINTS_DAYS`` days: the simulated program would run from the first day while the
    observed one had not started."""
    first_points = late_points_start(history)
    if launch is not None or scenario.launch_day > 0 or first_points is None:
        return None
    first = as_date(history.start)
    return (
        f"no points moved and nobody enrolled before {first_points}, "
        f"{(first_points - first).days} days after the history's first day {first}: if the "
        f"program launched then, pass --program-launch {first_points} (the simulated program "
        "otherwise runs from the first day)"
    )


def design_for(
    history: ProgramHistory,
    scenario: Scenario,
    pilot: Pilot | None,
    launch: dt.date | None = None,
) -> MomentDesign:
    """Moment definitions fixed from the observed data (bin edges) and the program (goal);
    with a ``launch`` after the first day, the days before it are the enrolment moments'
    pre-period."""
    days = (as_date(history.end) - as_date(history.start)).days + 1
    if launch is None:
        pre_days = min(90, max(7, days // 4))
    else:
        pre_days = (launch - as_date(history.start)).days
    tx = history.transactions
    early = tx[tx["date"] < pd.Timestamp(history.start) + pd.Timedelta(days=pre_days)]
    counts = early.groupby("customer")["date"].nunique().to_numpy()
    groups = 10 if counts.size >= DECILE_MIN else 4
    edges = (1.0, *quantile_edges(counts, groups)) if counts.size else (1.0,)
    lift_edges: tuple[float, ...] = ()
    if pilot is not None:
        pre = pre_period_visits(pilot)
        groups = 10 if pre.size >= DECILE_MIN else 5
        lift_edges = quantile_edges(pre, groups)
    forfeits = history.expiries is not None and len(history.expiries) > 0
    return MomentDesign(
        goal_points=goal_points(scenario),
        lapse_days=min(60, max(14, days // 6)),
        gap_cap_days=min(56, max(14, days // 6)),
        pre_days=pre_days,
        frequency_edges=tuple(sorted(set(edges))),
        lift_edges=lift_edges,
        forfeits=forfeits,
    )


def default_names(
    scenario: Scenario, history: ProgramHistory, pilot: Pilot | None, design: MomentDesign
) -> list[str]:
    """The parameters estimated by default: the history's best identified, the enrolment
    interest when customers join during the history (enough cases in an enrolment moment and
    benefit-driven interest on in the scenario), the membership lift with a pilot."""
    names = list(HISTORY_DEFAULT)
    if scenario.behaviour.enrol_benefit_half > 0:
        contrib, mset = history_contributions(history, design)
        counts = mset.counts(contrib.values.sum(axis=0))
        cases = [c for m, c in zip(mset.moments, counts, strict=True) if m.family == "enrolment"]
        if any(c >= MIN_COUNT for c in cases):
            names += ENROLMENT_EXTRA
    return names + list(PILOT_EXTRA if pilot is not None else ())


def calibrate_response(
    scenario: Scenario,
    history: ProgramHistory,
    pilot: Pilot | None = None,
    names: Sequence[str] | None = None,
    settings: Settings = Settings(),
    calibration_end: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    program_launch: dt.date | None = None,
) -> ResponseCalibration:
    """Fit the response parameters ``names`` (default: those the data identify best) to the
    history (up to ``calibration_end``) and the pilot; check the holdout period if any. The
    program launched on ``program_launch`` (default: the scenario's launch when after the
    history's first day, else the first day): the simulated histories launch it there too."""
    first, last = as_date(history.start), as_date(history.end)
    end = calibration_end or last
    if not first < end <= last:
        raise DataError(
            f"--calibration-end {end}: must lie after the history's first day "
            f"{first} and not after its last {last}"
        )
    launch = launch_within(scenario, history, end, program_launch)
    fitted = truncate(history, end) if end < last else history
    design = design_for(fitted, scenario, pilot, launch)
    if names is None:
        names = default_names(scenario, fitted, pilot, design)
    unknown = sorted(set(names) - set(TRANSFORMS))
    if unknown:
        raise DataError(
            f"--param {', '.join(unknown)}: cannot be estimated; allowed: "
            + ", ".join(sorted(TRANSFORMS))
        )
    params = [parameter(n, float(getattr(scenario.behaviour, n))) for n in names]
    period = over_period(scenario, first, end, launch)
    result = fit(period, fitted, pilot, design, params, settings, progress)
    holdout = None
    if end < last:
        estimate = {p.path: result.value(k) for k, p in enumerate(params)}
        full = with_overrides(over_period(scenario, first, last, launch), estimate)
        simulated = [
            holdout_quantities(replicate_history(full, settings.seed, r), end)
            for r in range(settings.simulations)
        ]
        holdout = holdout_errors(holdout_quantities(history, end), simulated)
    return ResponseCalibration(result, identify(result), design, period, end, holdout, launch)
