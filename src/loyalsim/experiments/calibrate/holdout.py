"""Holdout validation: cumulative repeat transactions by week, actual against model forecasts.

The customers of a log arrive at different dates (a cohort acquired over weeks, or a running
business), so the forecast for the whole log is the sum over customers of their own curve started
at their first purchase, as in the tracking plot of Fader, Hardie & Lee (2005, Fig. 2):

- analytic: sum_i E[X(t - t_i)], with E[X(t)] the BG/NBD expectation (a share-weighted sum for
  a segment mixture);
- simulated: the engine's no-program arm with one or more simulated customers per real customer,
  each arriving the day after that customer's first purchase (the trial purchase is not a visit:
  a simulated visit is a repeat transaction, and the day grid of both log and engine merges
  same-day purchases), averaged over replications.

Both forecasts are unconditional: they use only when customers arrived, never their purchases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import roots_legendre

from loyalsim.engine.population import Population
from loyalsim.engine.rng import generator
from loyalsim.experiments.calibrate.bgnbd import BGNBDParams, expected_transactions
from loyalsim.experiments.calibrate.errors import CalibrationError
from loyalsim.experiments.calibrate.fit import CalibrationResult, population_section
from loyalsim.experiments.calibrate.transactions import TIME_UNIT_DAYS
from loyalsim.experiments.simulate import run_arm
from loyalsim.metrics.stats import standard_error
from loyalsim.scenario.loader import validate_data

SIMULATED_CUSTOMERS = 50_000
"""Simulated customers per replication at least: real customers are replicated k times to reach
it. Heavy buyers make the total noisy (on CDNOW one replication of 21,000 customers has a 1%
standard deviation); with the stratified draws below, ten replications of 50,000 give ~0.1%."""
_NODES = 256  # Gauss-Legendre nodes per dimension: relative error ~1e-5 on CDNOW parameters


@dataclass(frozen=True)
class Cohort:
    """When the calibrated customers first bought, and the days of their repeat purchases.

    Days count from the first date of the log (day 0); ``days`` is the length of the log in days
    and ``calibration_days`` the days up to and including the calibration end.
    """

    start: pd.Timestamp
    days: int
    calibration_days: int
    first_day: np.ndarray
    repeat_days: np.ndarray

    @classmethod
    def of(cls, log: pd.DataFrame, calibration_end: pd.Timestamp) -> Cohort:
        """Customers first seen by ``calibration_end``; ``log`` has one row per purchase day."""
        start = log["date"].min()
        first = log.groupby("customer")["date"].transform("min")
        calibrated = first <= calibration_end
        day = (log["date"] - start).dt.days.to_numpy()
        first_day = (first - start).dt.days.to_numpy()
        keep = calibrated.to_numpy()
        firsts = log.loc[keep].groupby("customer")["date"].min()
        return cls(
            start=start,
            days=int(day.max()) + 1,
            calibration_days=int((calibration_end - start).days) + 1,
            first_day=(firsts - start).dt.days.to_numpy(),
            repeat_days=day[keep & (day > first_day)],
        )

    @property
    def week_ends(self) -> np.ndarray:
        """Last day (0-based) of each week of the log; the last week may be short."""
        weeks = math.ceil(self.days / 7)
        return np.minimum(7 * np.arange(1, weeks + 1), self.days) - 1

    @property
    def checkpoints(self) -> np.ndarray:
        """Week ends, then the calibration end: where every curve is evaluated."""
        return np.append(self.week_ends, self.calibration_days - 1)


def actual_cumulative(cohort: Cohort, ends: np.ndarray) -> np.ndarray:
    """Repeat transactions of the cohort on or before each day in ``ends``."""
    return np.searchsorted(np.sort(cohort.repeat_days), ends, side="right").astype(float)


def analytic_cumulative(result: CalibrationResult, cohort: Cohort, ends: np.ndarray) -> np.ndarray:
    """sum_i sum_k share_k E_k[X(end - first_i)] for each day in ``ends``."""
    unit = TIME_UNIT_DAYS[result.time_unit]
    elapsed = np.clip(ends[:, None] - cohort.first_day[None, :], 0, None) / unit
    total = np.zeros(len(ends))
    for segment in result.segments:
        total += segment.share * expected_transactions(segment.purchase, elapsed).sum(axis=1)
    return total


def daily_expected_transactions(
    params: BGNBDParams, days: np.ndarray, days_per_unit: float
) -> np.ndarray:
    """Expected repeat transactions in ``days`` whole days under the engine's daily process.

    Each day an alive customer visits with probability q = 1 - exp(-lambda) (lambda per day) and
    drops out after a visit with probability p, so E[visits | lambda, p] = (1 - (1 - q p)^n) / p.
    This integrates that over Gamma(r, alpha) and Beta(a, b) by Gauss-Legendre quadrature on
    their quantile scales: the simulation's mean without Monte Carlo noise. Its gap to
    ``expected_transactions`` is the cost of the daily grid (at most one visit a day).
    """
    rate, p, weights = mixing_grid(params)
    q = -np.expm1(-rate / days_per_unit)
    log_stay = np.log1p(-np.outer(q, p))
    days = np.asarray(days)
    unique, inverse = np.unique(days, return_inverse=True)
    means = np.array([(weights * -np.expm1(n * log_stay) / p).sum() for n in unique])
    return means[inverse].reshape(days.shape)


def mixing_grid(params: BGNBDParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quadrature nodes of purchase rates (per time unit) and dropout probabilities, and weights.

    ``(weights * g(rate[:, None], p[None, :])).sum()`` approximates E[g(lambda, p)].
    """
    u, w = roots_legendre(_NODES)
    u, w = (u + 1.0) / 2.0, w / 2.0
    rate = stats.gamma.ppf(u, params.r, scale=1.0 / params.alpha)
    return rate, stats.beta.ppf(u, params.a, params.b), np.outer(w, w)


def daily_cumulative(result: CalibrationResult, cohort: Cohort, ends: np.ndarray) -> np.ndarray:
    """The simulation's exact expectation: like ``analytic_cumulative`` on the engine's day grid."""
    unit = TIME_UNIT_DAYS[result.time_unit]
    elapsed = np.clip(ends[:, None] - cohort.first_day[None, :], 0, None)
    total = np.zeros(len(ends))
    for segment in result.segments:
        expected = daily_expected_transactions(segment.purchase, elapsed, unit)
        total += segment.share * expected.sum(axis=1)
    return total


def simulated_cumulative(
    result: CalibrationResult, cohort: Cohort, ends: np.ndarray, seed: int, replications: int
) -> np.ndarray:
    """Replications x len(ends) cumulative repeat transactions, per real customer's worth.

    Each replication builds the calibrated population (k simulated customers per real one, in
    random order so segments and arrival dates are independent) and runs the engine's
    no-program arm over the whole log. Purchase rates and dropout probabilities are drawn by
    Latin hypercube (one draw in each of N equal-probability strata of their Gamma and Beta
    distributions, paired at random) instead of i.i.d.: the same distribution, but it removes
    most of the replication noise, which on CDNOW comes mainly from how many heavy buyers one
    i.i.d. draw happens to contain.
    """
    n = len(cohort.first_day)
    k = max(1, math.ceil(SIMULATED_CUSTOMERS / n))
    data = {
        "name": "holdout validation",
        "seed": seed,
        "horizon": {"days": cohort.days},
        "start_date": cohort.start.date().isoformat(),
        **population_section(result, size=n * k),
        "economics": {"gross_margin": 1.0},
    }
    scenario = validate_data(data, "calibrated population")
    arrivals = np.tile(cohort.first_day + 1, k)
    curves = np.empty((replications, len(ends)))
    for r in range(replications):
        population = Population.build(scenario.population, generator(seed, r, "population"))
        draws = generator(seed, r, "calibration holdout")
        population.arrival_day = draws.permutation(arrivals)
        _stratify(population, result, draws)
        arm = run_arm(scenario, population, seed, r, {}, with_program=False)
        curves[r] = np.cumsum(arm.daily["visits"])[ends] / k
    return curves


def _stratify(population: Population, result: CalibrationResult, rng: np.random.Generator) -> None:
    """Replace each segment's i.i.d. rates and dropout probabilities by Latin hypercube draws."""
    days_per_unit = TIME_UNIT_DAYS[result.time_unit]
    for k, segment in enumerate(result.segments):
        idx = np.flatnonzero(population.segment == k)
        n = idx.size
        u_rate = (rng.permutation(n) + rng.random(n)) / n
        u_drop = (rng.permutation(n) + rng.random(n)) / n
        params = segment.purchase
        population.rate[idx] = (
            stats.gamma.ppf(u_rate, params.r, scale=1.0 / params.alpha) / days_per_unit
        )
        population.dropout[idx] = stats.beta.ppf(u_drop, params.a, params.b)


@dataclass(frozen=True)
class Holdout:
    """Cumulative repeat transactions by week (and at the calibration end) for the three curves.

    ``simulated`` has one row per replication. Errors are relative to the actual count.
    """

    cohort: Cohort
    actual: np.ndarray
    analytic: np.ndarray
    daily: np.ndarray
    simulated: np.ndarray
    simulated_per_customer: int

    @property
    def weeks(self) -> np.ndarray:
        return np.arange(1, len(self.cohort.week_ends) + 1)

    @property
    def calibration_weeks(self) -> float:
        return self.cohort.calibration_days / 7

    @property
    def simulated_mean(self) -> np.ndarray:
        return self.simulated.mean(axis=0)

    @property
    def simulated_se(self) -> np.ndarray:
        """Standard error of the replication mean per week (NaN with one replication)."""
        return np.asarray(standard_error(self.simulated, axis=0), dtype=float)

    def weekly(self) -> pd.DataFrame:
        """One row per week: the three cumulative curves and whether the week is in the holdout."""
        n = len(self.weeks)
        return pd.DataFrame(
            {
                "week": self.weeks,
                "holdout": self.cohort.week_ends >= self.cohort.calibration_days,
                "actual": self.actual[:n],
                "simulated": self.simulated_mean[:n],
                "simulated_se": self.simulated_se[:n],
                "analytic": self.analytic[:n],
                "daily_expected": self.daily[:n],
            }
        )

    def errors(self) -> dict[str, float]:
        """Relative errors of both forecasts, three ways.

        ``*_end_error``: cumulative repeat transactions since the start of the log at its end
        (the figure behind Fader, Hardie & Lee's "about 4% low" on CDNOW);
        ``*_holdout_error``: repeat transactions within the holdout period only;
        ``*_weekly_mape``: mean absolute relative error of the cumulative curve over holdout weeks.
        ``daily_expected`` is the simulation's exact mean (see ``daily_expected_transactions``).
        """
        n = len(self.weeks)
        holdout = self.cohort.week_ends >= self.cohort.calibration_days
        actual_holdout = self.actual[n - 1] - self.actual[n]
        out: dict[str, float] = {
            "actual_end": float(self.actual[n - 1]),
            "actual_holdout": float(actual_holdout),
        }
        for name, curve, se in (
            ("simulated", self.simulated_mean, self.simulated_se),
            ("analytic", self.analytic, None),
            ("daily_expected", self.daily, None),
        ):
            forecast_holdout = curve[n - 1] - curve[n]
            out[f"{name}_end"] = float(curve[n - 1])
            out[f"{name}_end_error"] = _relative(curve[n - 1], self.actual[n - 1])
            out[f"{name}_holdout"] = float(forecast_holdout)
            out[f"{name}_holdout_error"] = _relative(forecast_holdout, actual_holdout)
            weekly = np.abs(curve[:n][holdout] / self.actual[:n][holdout] - 1.0)
            out[f"{name}_weekly_mape"] = float(weekly.mean()) if weekly.size else float("nan")
            if se is not None:
                out[f"{name}_end_se"] = float(se[n - 1])
                out[f"{name}_end_error_se"] = float(se[n - 1] / self.actual[n - 1])
        return out


def _relative(forecast: float, actual: float) -> float:
    return float(forecast / actual - 1.0) if actual > 0 else float("nan")


def check_holdout(log: pd.DataFrame, calibration_end: pd.Timestamp) -> None:
    """A holdout needs purchases dates after the calibration end (checked before fitting)."""
    last = log["date"].max()
    if calibration_end >= last:
        raise CalibrationError(
            f"--calibration-end {calibration_end.date()} leaves no holdout period: the log ends "
            f"on {last.date()}; allowed: a date before the last date in the log"
        )


def validate_holdout(
    log: pd.DataFrame,
    calibration_end: pd.Timestamp,
    result: CalibrationResult,
    seed: int = 0,
    replications: int = 10,
) -> Holdout:
    """Compare actual cumulative repeat transactions with the simulated and analytic forecasts."""
    check_holdout(log, calibration_end)
    cohort = Cohort.of(log, calibration_end)
    ends = cohort.checkpoints
    return Holdout(
        cohort=cohort,
        actual=actual_cumulative(cohort, ends),
        analytic=analytic_cumulative(result, cohort, ends),
        daily=daily_cumulative(result, cohort, ends),
        simulated=simulated_cumulative(result, cohort, ends, seed, replications),
        simulated_per_customer=max(1, math.ceil(SIMULATED_CUSTOMERS / len(cohort.first_day))),
    )
