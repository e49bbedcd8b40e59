"""The tier-chasing pull of every customer in one compiled pass (it runs every day).

Kept apart from :mod:`loyalsim.mechanics.tiers` so that loading a scenario does not import
Numba; the tiers mechanic imports it on first use.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")
def chase_pull(
    tier: np.ndarray,
    total: np.ndarray,
    thresholds: np.ndarray,
    member: np.ndarray,
    engaged: np.ndarray,
    frustrated: np.ndarray,
    chase_start: float,
    scale: float,
    status: np.ndarray,
) -> np.ndarray:
    """Per customer: the goal is the current tier's threshold while below it (keeping the
    tier), else the next one; ``pull = clip((total / goal - start) / (1 - start), 0, 1)``
    for tracking members who can still move, times ``scale`` and status sensitivity.
    One compiled pass (this runs for every customer every day)."""
    top = thresholds.size - 1
    out = np.empty(tier.size)
    for i in range(tier.size):
        keep = thresholds[tier[i]]
        below = total[i] < keep
        goal = keep if below else thresholds[min(tier[i] + 1, top)]
        near = (total[i] / goal - chase_start) / (1.0 - chase_start)
        pull = 0.0 if np.isnan(near) else min(max(near, 0.0), 1.0)
        tracking = member[i] and engaged[i] and not frustrated[i]
        chasing = tracking and (tier[i] < top or below)
        pull *= 1.0 if chasing else 0.0
        pull *= scale
        pull *= status[i]
        out[i] = pull
    return out
