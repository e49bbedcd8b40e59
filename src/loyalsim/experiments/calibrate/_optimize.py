"""Maximum likelihood over unconstrained parameters: multi-start search and a numerical Hessian.

Models map their positive parameters to logs (and mixture shares to logits), so the search is
unconstrained apart from a wide box that keeps exp() finite.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeResult, minimize

NegLogLik = Callable[[np.ndarray], float]
BOX = 12.0  # |u| <= BOX: exp(12) ~ 1.6e5 is far beyond any plausible shape or scale here
_HESSIAN_STEP = 1e-4
_TIGHT = {"ftol": 1e-12, "gtol": 1e-8, "maxiter": 5000}
_INVALID = 1e100  # returned for non-finite objectives so line searches back off


@dataclass(frozen=True)
class Optimum:
    """Maximiser ``u`` of a log-likelihood, its value and the inverse observed information."""

    u: np.ndarray
    covariance: np.ndarray
    loglik: float
    converged: bool


def maximise(negloglik: NegLogLik, starts: Sequence[np.ndarray]) -> Optimum:
    """Minimise ``negloglik`` by L-BFGS-B from every start, then restart from the best.

    ``converged`` is False when the optimiser reports failure, the estimate sits on the box
    (a parameter running off to zero or infinity), or the Hessian is not positive definite there
    (a flat or saddle direction, e.g. two mixture segments that coincide); the covariance, and so
    every standard error, is then NaN.
    """

    def objective(u: np.ndarray) -> float:
        value = float(negloglik(u))
        return value if np.isfinite(value) else _INVALID

    bounds = [(-BOX, BOX)] * len(starts[0])

    def search(u0: np.ndarray) -> OptimizeResult:
        return minimize(objective, u0, method="L-BFGS-B", bounds=bounds, options=_TIGHT)

    best = min((search(np.asarray(u0, float)) for u0 in starts), key=lambda run: run.fun)
    final = search(best.x)  # a restart drops the stale quasi-Newton memory: a cheap polish
    final = final if final.fun <= best.fun else best
    on_box = bool(np.any(np.abs(final.x) > BOX - 1e-3))
    covariance = _inverse_or_nan(hessian(objective, final.x))
    identified = bool(np.all(np.isfinite(covariance)))
    return Optimum(
        u=final.x,
        covariance=covariance,
        loglik=-float(final.fun),
        converged=bool(final.success) and not on_box and identified,
    )


def hessian(f: NegLogLik, u: np.ndarray, step: float = _HESSIAN_STEP) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``u``."""
    n = len(u)
    shifts = np.eye(n) * step
    h = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            h[i, j] = h[j, i] = (
                f(u + shifts[i] + shifts[j])
                - f(u + shifts[i] - shifts[j])
                - f(u - shifts[i] + shifts[j])
                + f(u - shifts[i] - shifts[j])
            ) / (4 * step * step)
    return h


def _inverse_or_nan(h: np.ndarray) -> np.ndarray:
    try:
        np.linalg.cholesky(h)
    except np.linalg.LinAlgError:
        return np.full_like(h, np.nan)
    return np.linalg.inv(h)


def log_standard_errors(optimum: Optimum) -> np.ndarray:
    """Standard errors of exp(u) by the delta method: se(exp u) = exp(u) * se(u)."""
    return np.exp(optimum.u) * np.sqrt(np.diag(optimum.covariance))
