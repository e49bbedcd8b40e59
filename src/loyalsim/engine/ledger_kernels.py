"""Compiled passes of the points and money ledger: credits, debits and per-customer money
attribution, each in one pass over the customers it touches.

Kept apart from :mod:`loyalsim.engine.kernels` (the random draws and the daily visit clock);
the ledger imports this module on first use, so loading a scenario does not import Numba.
"""

from __future__ import annotations

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
"""Compiled, cached, with numpy's floating-point semantics (as in :mod:`.kernels`)."""


@_jit
def scatter_add(target: np.ndarray, idx: np.ndarray, values: np.ndarray) -> None:
    """``target[idx[j]] += values[j]`` for each ``j`` in order, in place: numpy's
    ``np.add.at`` (repeated indices accumulate, in the same order), without its per-element
    overhead."""
    for j in range(idx.size):
        target[idx[j]] += values[j]


@_jit
def credit(
    idx: np.ndarray,
    points: np.ndarray,
    day: int,
    issued: np.ndarray,
    balance: np.ndarray,
    last_activity: np.ndarray,
) -> int:
    """Credit ``points`` to customers ``idx`` (unique) in place: issued and balance grow, a
    positive credit is activity on ``day``. Returns the points credited, or -1 without
    changing anything when a credit is negative."""
    for j in range(idx.size):
        if points[j] < 0:
            return -1
    total = 0
    for j in range(idx.size):
        i, p = idx[j], points[j]
        issued[i] += p
        balance[i] += p
        if p > 0:
            last_activity[i] = day
        total += p
    return total


@_jit
def debit(
    idx: np.ndarray,
    points: np.ndarray,
    day: int,
    account: np.ndarray,
    balance: np.ndarray,
    last_activity: np.ndarray,
    opening_left: np.ndarray,
) -> tuple[int, int]:
    """Debit ``points`` from customers ``idx`` (unique) in place: ``account`` (redeemed or
    expired) grows, the balance falls, the opening points go first (they are the oldest);
    with ``last_activity`` non-empty, a positive debit is activity on ``day``. Returns the
    points debited and the opening points among them, or ``(-1, -1)`` without changing
    anything when a debit is negative or exceeds its balance."""
    for j in range(idx.size):
        if points[j] < 0 or points[j] > balance[idx[j]]:
            return -1, -1
    mark = last_activity.size > 0
    total = opening = 0
    for j in range(idx.size):
        i, p = idx[j], points[j]
        account[i] += p
        balance[i] -= p
        if mark and p > 0:
            last_activity[i] = day
        take = min(p, opening_left[i])
        opening_left[i] -= take
        total += p
        opening += take
    return total, opening
