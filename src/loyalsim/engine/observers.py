"""Observers: read-only callbacks that watch an arm day by day (Mesa's DataCollector idea).

An observer sees the world at the start of an arm, at the close of every day (with that
day's visits) and at the end. While it runs, every state array of the world, its ledger,
its program state and the day's visit batch are flagged read-only, so an observer cannot
change a result: a write raises ``ValueError: assignment destination is read-only``.
Observers run in the process that simulates; results they gather stay on the observer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from loyalsim.engine.simulation import ArmResult
    from loyalsim.engine.world import VisitBatch, World


class Observer:
    """Base class of observers; every hook is optional. ``arm`` is "program" or "control"."""

    def on_arm_start(self, arm: str, world: World) -> None:
        """Before day 0, after the mechanics are bound and day 0's customers arrived."""

    def on_day_end(self, arm: str, world: World, batch: VisitBatch) -> None:
        """At the close of each day, with the day's visits."""

    def on_arm_end(self, arm: str, result: ArmResult) -> None:
        """After the last day."""


def _arrays(*holders: object) -> Iterator[np.ndarray]:
    """Every numpy array held directly by the objects, their ledger and program state."""
    seen: set[int] = set()
    stack = list(holders)
    while stack:
        holder = stack.pop()
        for value in vars(holder).values():
            if isinstance(value, np.ndarray) and id(value) not in seen:
                seen.add(id(value))
                yield value
            elif isinstance(value, dict):
                for item in value.values():
                    if isinstance(item, np.ndarray) and id(item) not in seen:
                        seen.add(id(item))
                        yield item
        for child in ("ledger", "state", "pop"):
            if hasattr(holder, child):
                stack.append(getattr(holder, child))


@contextmanager
def read_only(world: World, batch: VisitBatch | None = None) -> Iterator[None]:
    """Flag the world's (and the batch's) arrays read-only for the duration of the block."""
    holders: list[object] = [world] if batch is None else [world, batch]
    frozen = [a for a in _arrays(*holders) if a.flags.writeable]
    for a in frozen:
        a.flags.writeable = False
    try:
        yield
    finally:
        for a in frozen:
            a.flags.writeable = True
