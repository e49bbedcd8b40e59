"""Simulate the BG/NBD purchase process and Gamma-Gamma spend, for tests of the estimators."""

from dataclasses import astuple

import numpy as np
import pandas as pd

from loyalsim.experiments.calibrate.bgnbd import BGNBDParams
from loyalsim.experiments.calibrate.gammagamma import GammaGammaParams


def repeat_purchases(
    rng: np.random.Generator, params: BGNBDParams, horizons: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(customer index, time) of every repeat purchase in (0, horizon] after a purchase at 0.

    While alive a customer buys at Poisson rate lambda ~ Gamma(r, rate alpha); after each repeat
    purchase they drop out with probability p ~ Beta(a, b).
    """
    r, alpha, a, b = astuple(params)
    n = len(horizons)
    rate = rng.gamma(r, 1.0 / alpha, size=n)
    dropout = rng.beta(a, b, size=n)
    clock = np.zeros(n)
    active = np.arange(n)
    who, when = [], []
    while active.size:
        clock[active] += rng.exponential(1.0, size=active.size) / rate[active]
        active = active[clock[active] <= horizons[active]]
        who.append(active)
        when.append(clock[active])
        active = active[rng.random(active.size) >= dropout[active]]
    return np.concatenate(who), np.concatenate(when)


def transaction_log(
    rng: np.random.Generator,
    n: int,
    purchase: BGNBDParams,
    spend: GammaGammaParams,
    acquisition_days: int,
    observed_days: int,
) -> pd.DataFrame:
    """A log of n customers, each first buying on a uniform day in [0, acquisition_days) from
    2020-01-01 and observed to day observed_days - 1; purchase times are in weeks, floored to
    days as a real log records them, and each transaction's amount is Gamma(p, nu)."""
    first_day = rng.integers(0, acquisition_days, size=n)
    horizon_weeks = (observed_days - 1 - first_day) / 7.0
    who, weeks = repeat_purchases(rng, purchase, horizon_weeks)
    customer = np.concatenate([np.arange(n), who])
    day = np.concatenate([first_day, first_day[who] + np.floor(weeks * 7.0).astype(int)])
    p, q, gamma = astuple(spend)
    nu = rng.gamma(q, 1.0 / gamma, size=n)
    return pd.DataFrame(
        {
            "customer": customer.astype(str),
            "date": pd.Timestamp("2020-01-01") + pd.to_timedelta(day, unit="D"),
            "amount": rng.gamma(p, 1.0 / nu[customer]),
        }
    )
