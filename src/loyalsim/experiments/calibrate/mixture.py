"""Finite mixture of BG/NBD segments, fitted by direct maximum likelihood.

Each customer belongs to one of K latent segments with its own (r, alpha, a, b); the likelihood
is the share-weighted sum of the segment likelihoods. Segments are ordered by mean purchase rate
r / alpha, lightest first, so labels do not depend on where the optimiser started.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp, softmax

from loyalsim.experiments.calibrate._optimize import maximise
from loyalsim.experiments.calibrate.bgnbd import BGNBDParams, distinct_histories, fit_bgnbd, loglik

_N_PARAMS = 4


@dataclass(frozen=True)
class BGNBDMixtureFit:
    """Segment parameters and shares with their standard errors (NaN when not identified)."""

    components: tuple[BGNBDParams, ...]
    standard_errors: tuple[BGNBDParams, ...]
    shares: tuple[float, ...]
    share_standard_errors: tuple[float, ...]
    loglik: float
    n_customers: int
    converged: bool


def mixture_loglik(
    components: tuple[BGNBDParams, ...],
    shares: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """Per-customer log of sum_k share_k * L_k(x, t_x, T)."""
    per_segment = np.stack([loglik(c, frequency, recency, T) for c in components])
    return logsumexp(per_segment + np.log(np.asarray(shares, dtype=float))[:, None], axis=0)


def fit_bgnbd_mixture(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    segments: int,
    start: BGNBDParams | None = None,
) -> BGNBDMixtureFit:
    """Fit K >= 2 segments; starts spread rates and dropout around ``start`` (a one-segment fit)."""
    if segments < 2:
        raise ValueError(f"segments must be >= 2 for a mixture, got {segments}")
    (x, t_x, age), counts = distinct_histories(frequency, recency, T)
    base = start if start is not None else fit_bgnbd(frequency, recency, T).params

    def negloglik(u: np.ndarray) -> float:
        components, shares = _unpack(u, segments)
        return -float(counts @ mixture_loglik(components, shares, x, t_x, age))

    optimum = maximise(negloglik, _starts(base, segments))
    components, shares = _unpack(optimum.u, segments)
    component_se, share_se = _standard_errors(optimum.u, optimum.covariance, segments)
    order = np.argsort([c.r / c.alpha for c in components], kind="stable")
    return BGNBDMixtureFit(
        components=tuple(components[k] for k in order),
        standard_errors=tuple(component_se[k] for k in order),
        shares=tuple(float(shares[k]) for k in order),
        share_standard_errors=tuple(float(share_se[k]) for k in order),
        loglik=optimum.loglik,
        n_customers=int(counts.sum()),
        converged=optimum.converged,
    )


def _unpack(u: np.ndarray, segments: int) -> tuple[tuple[BGNBDParams, ...], np.ndarray]:
    """u = log-parameters of every segment, then logits of shares 2..K (segment 1's is 0)."""
    logs = u[: segments * _N_PARAMS].reshape(segments, _N_PARAMS)
    components = tuple(BGNBDParams(*map(float, np.exp(row))) for row in logs)
    return components, softmax(np.concatenate([[0.0], u[segments * _N_PARAMS :]]))


def _starts(base: BGNBDParams, segments: int) -> list[np.ndarray]:
    """Equal shares; segments differing in rate, in rate and dropout, or in shape and dropout."""
    log_base = np.log([base.r, base.alpha, base.a, base.b])
    spread = np.linspace(-1.0, 1.0, segments)
    patterns = [  # multipliers of spread for (log r, log alpha, log a, log b)
        (0.0, 1.0, 0.0, 0.0),
        (0.0, 2.0, 0.0, -1.0),
        (1.0, 0.0, 1.0, 0.0),
    ]
    logits = np.zeros(segments - 1)
    return [
        np.concatenate([(log_base + np.outer(spread, pattern)).ravel(), logits])
        for pattern in patterns
    ]


def _standard_errors(
    u: np.ndarray, covariance: np.ndarray, segments: int
) -> tuple[list[BGNBDParams], np.ndarray]:
    """Delta method: exp() for segment parameters, the softmax Jacobian for shares."""
    n_logs = segments * _N_PARAMS
    log_se = np.sqrt(np.diag(covariance)[:n_logs]).reshape(segments, _N_PARAMS)
    values = np.exp(u[:n_logs]).reshape(segments, _N_PARAMS)
    component_se = [BGNBDParams(*map(float, row)) for row in values * log_se]
    shares = softmax(np.concatenate([[0.0], u[n_logs:]]))
    jacobian = (np.diag(shares) - np.outer(shares, shares))[:, 1:]  # d share / d free logits
    share_cov = jacobian @ covariance[n_logs:, n_logs:] @ jacobian.T
    return component_se, np.sqrt(np.diag(share_cov))
