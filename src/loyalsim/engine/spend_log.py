"""The control arm's baskets, kept so that the program arms of its replication reuse them.

A visitor's basket before any program, ``Gamma(shape_i, 1) / rate_i`` drawn from the spend
stream at the day's counter, depends on the customer, the day and the replication's streams,
never on the arm (common random numbers, :mod:`loyalsim.engine.rng`). So a program arm's
visitor who also visits in the control arm that day draws the very basket the control arm
drew. The control arm records its visitors' baskets day by day; a program arm of the same
population and replication copies those and runs the gamma sampler only for the other
visitors (those the program brings in that day). The results are the same bits as drawing
every basket: only the work changes.
"""

from __future__ import annotations

import numpy as np

_NONE_IDX = np.empty(0, dtype=np.int64)
_NONE_SPEND = np.empty(0)


class SpendLog:
    """Per day, the control arm's visitors (ascending) and their baskets, up to ``max_visits``
    visits in all (16 bytes each): days past the budget are not recorded, and a program arm
    draws every basket of those days itself."""

    def __init__(self, days: int, max_visits: int = 1_000_000) -> None:
        self._idx: list[np.ndarray] = [_NONE_IDX] * days
        self._spend: list[np.ndarray] = [_NONE_SPEND] * days
        self._room = max_visits

    def record(self, day: int, idx: np.ndarray, spend: np.ndarray) -> None:
        """Keep day ``day``'s visitors and baskets (read-only copies) while the budget lasts."""
        if idx.size > self._room:
            self._room = 0
            return
        self._room -= idx.size
        self._idx[day] = _frozen(idx)
        self._spend[day] = _frozen(spend)

    def known(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """The recorded visitors of ``day`` and their baskets (empty if not recorded)."""
        return self._idx[day], self._spend[day]


def _frozen(a: np.ndarray) -> np.ndarray:
    out = np.array(a, copy=True)
    out.flags.writeable = False
    return out
