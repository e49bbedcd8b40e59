"""Pareto front, knee point and hypervolume, all in minimisation form.

Maximised objectives are negated first (:func:`as_losses`), so "smaller is better" everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_losses(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """Objective values (n, m) -> losses: maximised columns negated."""
    sign = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    return np.asarray(values, dtype=float).reshape(len(values), len(directions)) * sign


def pareto_mask(losses: np.ndarray) -> np.ndarray:
    """True for rows no other row dominates (<= everywhere, < somewhere); duplicates all kept."""
    losses = np.asarray(losses, dtype=float)
    n = len(losses)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        dominated = np.all(losses <= losses[i], axis=1) & np.any(losses < losses[i], axis=1)
        mask[i] = not dominated.any()
    return mask


def normalise(losses: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Scale each objective to [0, 1] over ``low..high`` (a constant objective maps to 0)."""
    span = np.where(high > low, high - low, 1.0)
    return (np.asarray(losses, dtype=float) - low) / span


def knee_index(front: np.ndarray) -> int:
    """The front point closest (Euclidean) to the ideal point after normalising the front."""
    norm = normalise(front, front.min(axis=0), front.max(axis=0))
    return int(np.argmin(np.linalg.norm(norm, axis=1)))


def hypervolume(losses: np.ndarray, reference: np.ndarray) -> float:
    """Volume dominated by ``losses`` and bounded by ``reference`` (points beyond it ignored)."""
    losses = np.asarray(losses, dtype=float)
    inside = losses[np.all(losses < reference, axis=1)]
    if len(inside) == 0:
        return 0.0
    return float(_volume(inside[pareto_mask(inside)], np.asarray(reference, dtype=float)))


def _volume(front: np.ndarray, reference: np.ndarray) -> float:
    """Exact hypervolume of a non-dominated set inside ``reference`` by slicing along the
    last objective (HSO, Zitzler 2001): fine for the tens of points and few objectives of a
    design study. Optuna has no public hypervolume function, only a private module."""
    if front.shape[1] == 1:
        return float(reference[0] - front[:, 0].min())
    if front.shape[1] == 2:
        volume, ceiling = 0.0, reference[1]
        for x, y in front[np.argsort(front[:, 0], kind="stable")]:
            if y < ceiling:
                volume += (reference[0] - x) * (ceiling - y)
                ceiling = y
        return float(volume)
    points = front[np.argsort(front[:, -1], kind="stable")]
    volume = 0.0
    for i in range(len(points)):
        top = points[i + 1, -1] if i + 1 < len(points) else reference[-1]
        if top > points[i, -1]:
            below = points[: i + 1, :-1]
            volume += (top - points[i, -1]) * _volume(below[pareto_mask(below)], reference[:-1])
    return float(volume)


def hypervolume_history(
    losses: np.ndarray, low: np.ndarray, high: np.ndarray, margin: float = 0.1
) -> np.ndarray:
    """Hypervolume of the first k points for every k, normalised by ``low..high``, reference
    point ``1 + margin`` in every objective."""
    norm = normalise(losses, low, high)
    reference = np.full(norm.shape[1], 1.0 + margin)
    out = np.zeros(len(norm))
    front = np.empty((0, norm.shape[1]))
    volume = 0.0
    for k, point in enumerate(norm):
        if not np.any(np.all(front <= point, axis=1)):
            front = np.vstack([front, point])
            front = front[pareto_mask(front)]
            volume = hypervolume(front, reference)
        out[k] = volume
    return out
