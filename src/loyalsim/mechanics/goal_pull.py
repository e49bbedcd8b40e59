"""The goal-gradient pull of every customer in compiled passes (it runs every day).

Kept apart from :mod:`loyalsim.mechanics.rewards` so that loading a scenario does not import
Numba; the rewards mechanic imports it on first use. Neither loop has a branch that depends on
the customer, so both compile to vector instructions.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")
def felt_progress(
    carry: np.ndarray,
    carry_decay: float,
    balance: np.ndarray,
    redeemed: np.ndarray,
    head_start: np.ndarray,
    endowed_progress: float,
    target_points: np.ndarray,
) -> np.ndarray:
    """Decays ``carry`` in place and returns ``max(progress, carry)`` for every customer, with
    ``progress = min((balance + eta * head_start [no redemption yet]) / target, 1)``
    (docs/model.md §3); an empty ``head_start`` means no endowed progress. Targets cost at
    least one point, so no NaN arises and the maximum is numpy's."""
    n = carry.size
    out = np.empty(n)
    endowed = head_start.size > 0
    for i in range(n):
        c = carry[i] * carry_decay
        carry[i] = c
        if endowed:
            extra = endowed_progress * head_start[i] if redeemed[i] == 0 else 0.0
            progress = min((balance[i] + extra) / target_points[i], 1.0)
        else:
            progress = min(balance[i] / target_points[i], 1.0)
        out[i] = progress if progress >= c else c
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def scale_pull(
    pull: np.ndarray,
    member: np.ndarray,
    engaged: np.ndarray,
    frustrated: np.ndarray,
    gradient: float,
    target_value: np.ndarray,
) -> np.ndarray:
    """In place: ``pull * (gradient * V)`` for tracking members (engaged, not given up), 0 for
    everyone else. ``V`` (``target_value``) is finite and non-negative, so a zero pull stays
    zero, as when only the non-zero pulls are scaled."""
    for i in range(pull.size):
        scaled = pull[i] * (gradient * target_value[i])
        pull[i] = scaled if member[i] & engaged[i] & ~frustrated[i] else 0.0
    return pull
