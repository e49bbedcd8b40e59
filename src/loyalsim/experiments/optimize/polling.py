"""Progress polling with a cost budget: reading the study's trials for the progress line
takes longer as the study grows, so the poller spaces its calls to keep their total cost
under a fixed share of the elapsed time (1% by default)."""

from __future__ import annotations

import time
from collections.abc import Callable


class Poller:
    """Calls ``poll`` at most once per ``max(min_interval, last cost / share)`` seconds."""

    def __init__(self, poll: Callable[[], None], share: float = 0.01, min_interval: float = 1.0):
        self._poll = poll
        self._share = share
        self._min_interval = min_interval
        self._next = 0.0
        self.spent = 0.0
        """Seconds spent in ``poll`` so far."""

    def __call__(self, *_: object, force: bool = False) -> None:
        """Poll now if due (or ``force``); extra arguments (an Optuna callback's) are ignored."""
        start = time.perf_counter()
        if not force and start < self._next:
            return
        self._poll()
        end = time.perf_counter()
        self.spent += end - start
        self._next = end + max(self._min_interval, (end - start) / self._share)

    def seconds_to_next(self) -> float:
        """How long until the next poll is due (0 if it is due now)."""
        return max(0.0, self._next - time.perf_counter())
