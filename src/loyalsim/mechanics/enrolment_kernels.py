"""Compiled pass of the enrolment mechanic: who among today's non-member visitors joins.

Kept apart from :mod:`loyalsim.mechanics.enrolment` so that loading a scenario does not import
Numba; the enrolment mechanic imports it on first use.
"""

from __future__ import annotations

import numba
import numpy as np

from loyalsim.engine.kernels import unit


@numba.njit(cache=True, nogil=True, error_model="numpy")
def joiners(
    idx: np.ndarray,
    member: np.ndarray,
    propensity: np.ndarray,
    multiplier: float,
    keys: np.ndarray,
    counter: np.uint64,
    interest_counter: np.uint64,
    half: float,
    rate: np.ndarray,
    points_per_visit: np.ndarray,
    value_per_point: np.ndarray,
    pull: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Today's joiners among visitors ``idx`` who are not members (``member``, aligned with
    ``idx``), as (positions in ``idx``, customers), docs/model.md §5.

    Customer ``i`` joins when the stream's uniform at ``counter`` is below
    ``propensity[i] * multiplier`` and the customer is interested: the uniform at
    ``interest_counter`` (one fixed draw per customer) is below ``b / (b + half)``, with the
    expected yearly benefit ``b = 365 * rate * points_per_visit * value_per_point * pull``
    (``pull`` from :func:`loyalsim.engine.behaviour.reward_pull`). An empty
    ``value_per_point`` (no catalogue) or ``half`` 0 makes everyone interested. The interest
    draw is made only where the propensity says yes (it cannot matter elsewhere)."""
    n = idx.size
    rows = np.empty(n, dtype=np.int64)
    who = np.empty(n, dtype=np.int64)
    everyone = value_per_point.size == 0 or half == 0.0
    k = 0
    for j in range(n):
        if member[j]:
            continue
        i = idx[j]
        key = keys[i]
        if not unit(key, counter) < propensity[i] * multiplier:
            continue
        if not everyone:
            benefit = 365.0 * rate[i] * points_per_visit[i]
            benefit *= value_per_point[i] * pull[i]
            if not unit(key, interest_counter) < benefit / (benefit + half):
                continue
        rows[k] = j
        who[k] = i
        k += 1
    return rows[:k], who[:k]
