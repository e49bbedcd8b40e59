"""BG/NBD purchase and dropout model (Fader, Hardie & Lee 2005, "Counting your customers").

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(shape r, rate alpha);
after each purchase they drop out with probability p ~ Beta(a, b). Inputs per customer are the
repeat frequency x, recency t_x and age T, in one time unit.
"""

from dataclasses import astuple, dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, gammaln, hyp2f1

from loyalsim.experiments.calibrate._optimize import log_standard_errors, maximise


@dataclass(frozen=True)
class BGNBDParams:
    """Gamma(r, alpha) purchase rates and Beta(a, b) dropout probabilities."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class BGNBDFit:
    """Maximum-likelihood estimates with standard errors from the observed information."""

    params: BGNBDParams
    standard_errors: BGNBDParams
    loglik: float
    n_customers: int
    converged: bool


def loglik(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """Per-customer log-likelihood (FHL 2005 eq. 6), summed in log space for stability."""
    r, alpha, a, b = astuple(params)
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    survived = betaln(a, b + x) - (r + x) * np.log(alpha + age)
    repeat = x > 0
    dropped = np.full_like(x, -np.inf)
    dropped[repeat] = betaln(a + 1, b + x[repeat] - 1) - (r + x[repeat]) * np.log(
        alpha + t_x[repeat]
    )
    return common + np.logaddexp(survived, dropped)


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BGNBDFit:
    """Fit by maximum likelihood on log-parameters from several starts."""
    (x, t_x, age), counts = distinct_histories(frequency, recency, T)

    def negloglik(u: np.ndarray) -> float:
        return -float(counts @ loglik(BGNBDParams(*np.exp(u)), x, t_x, age))

    optimum = maximise(negloglik, _starting_points(x, age, counts))
    return BGNBDFit(
        params=BGNBDParams(*map(float, np.exp(optimum.u))),
        standard_errors=BGNBDParams(*map(float, log_standard_errors(optimum))),
        loglik=optimum.loglik,
        n_customers=int(counts.sum()),
        converged=optimum.converged,
    )


def distinct_histories(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Distinct (x, t_x, T) rows and how many customers share each: likelihoods run per row."""
    rows = np.column_stack([np.asarray(v, dtype=float) for v in (frequency, recency, T)])
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    return (unique[:, 0], unique[:, 1], unique[:, 2]), counts.astype(float)


def _starting_points(frequency: np.ndarray, T: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """Log-parameter starts: alpha set so that r / alpha matches the observed purchase rate."""
    rate = max(counts @ (frequency + 1) / max(counts @ T, 1e-9), 1e-6)
    shapes = [(1.0, 1.0, 1.0), (0.3, 0.5, 2.0), (3.0, 2.0, 8.0)]
    return [np.log([r, r / rate, a, b]) for r, a, b in shapes]


def expected_transactions(params: BGNBDParams, t: ArrayLike) -> np.ndarray:
    """E[X(t)]: expected repeat transactions in (0, t] for a new customer (FHL 2005 eq. 7)."""
    r, alpha, a, b = astuple(params)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def prob_alive(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """P(alive | x, t_x, T): customers with no repeat purchase are alive by assumption."""
    return 1.0 / (1.0 + _dropout_odds(params, frequency, recency, T))


def conditional_expected_transactions(
    params: BGNBDParams, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected transactions in (T, T + t] given the history (eq. 10)."""
    r, alpha, a, b = astuple(params)
    t, x, age = (np.asarray(v, dtype=float) for v in (t, frequency, T))
    z = t / (alpha + age + t)
    scale = ((alpha + age) / (alpha + age + t)) ** (r + x)
    alive_part = (a + b + x - 1) / (a - 1) * (1 - scale * hyp2f1(r + x, b + x, a + b + x - 1, z))
    return alive_part / (1.0 + _dropout_odds(params, x, recency, age))


def _dropout_odds(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """delta(x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)."""
    r, alpha, a, b = astuple(params)
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    log_ratio = (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = a / (b + x - 1) * np.exp(log_ratio)
    return np.where(x > 0, odds, 0.0)
