"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005 "RFM and CLV"; Fader & Hardie 2013 note).

A customer's transaction values are Gamma(p, nu) with nu ~ Gamma(q, rate gamma) across customers,
so the mean transaction value of x repeat transactions, m_x, is Gamma(p x, nu x). The model is
fitted on customers with at least one repeat transaction, using their mean repeat value.
"""

from dataclasses import astuple, dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln

from loyalsim.experiments.calibrate._optimize import log_standard_errors, maximise
from loyalsim.experiments.calibrate.errors import CalibrationError


@dataclass(frozen=True)
class GammaGammaParams:
    """Spend shape p and the Gamma(q, rate gamma) distribution of the spend scale nu."""

    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class GammaGammaFit:
    """Maximum-likelihood estimates with standard errors from the observed information."""

    params: GammaGammaParams
    standard_errors: GammaGammaParams
    loglik: float
    n_customers: int
    converged: bool


def log_density(
    params: GammaGammaParams, monetary_value: ArrayLike, frequency: ArrayLike
) -> np.ndarray:
    """log f(m_x | p, q, gamma; x): the marginal density of the mean of x transaction values."""
    p, q, gamma = astuple(params)
    m, x = np.asarray(monetary_value, dtype=float), np.asarray(frequency, dtype=float)
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m * x)
    )


def fit_gamma_gamma(monetary_value: ArrayLike, frequency: ArrayLike) -> GammaGammaFit:
    """Fit by maximum likelihood on customers with frequency >= 1 and a positive mean value.

    A mean value of zero has zero density under the model, so such customers are rejected.
    """
    m, x = np.asarray(monetary_value, dtype=float), np.asarray(frequency, dtype=float)
    keep = x > 0
    m, x = m[keep], x[keep]
    if len(m) == 0:
        raise CalibrationError(
            "no customer has a repeat transaction; the spend model needs at least one"
        )
    if np.any(~(m > 0)):
        raise CalibrationError(
            f"{int(np.sum(~(m > 0)))} customer(s) have a mean repeat transaction value of 0; "
            "the spend model needs values > 0 (drop free or refunded orders from the log)"
        )

    def negloglik(u: np.ndarray) -> float:
        return -float(log_density(GammaGammaParams(*np.exp(u)), m, x).sum())

    mean, var = m.mean(), max(m.var(), 1e-9)
    starts = [
        np.log([1.0, 2.0, mean]),
        np.log([mean**2 / var, 3.0, 2.0 * var / mean]),
        np.log([5.0, 5.0, 5.0]),
    ]
    optimum = maximise(negloglik, starts)
    return GammaGammaFit(
        params=GammaGammaParams(*map(float, np.exp(optimum.u))),
        standard_errors=GammaGammaParams(*map(float, log_standard_errors(optimum))),
        loglik=optimum.loglik,
        n_customers=len(m),
        converged=optimum.converged,
    )


def conditional_expected_spend(
    params: GammaGammaParams, monetary_value: ArrayLike, frequency: ArrayLike
) -> np.ndarray:
    """E[M | m_x, x]: a credibility-weighted mix of the population mean and the customer's mean.

    Equals p (gamma + x m_x) / (p x + q - 1); for x = 0 it is the population mean p gamma / (q - 1)
    (finite only for q > 1).
    """
    p, q, gamma = astuple(params)
    x = np.asarray(frequency, dtype=float)
    m = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
    return p * (gamma + x * m) / (p * x + q - 1)
