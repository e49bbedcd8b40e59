"""Hypervolume: exact values on fronts small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from loyalsim.experiments.optimize.pareto import hypervolume


def test_hypervolume_of_known_fronts() -> None:
    ref = np.array([1.0, 1.0])
    assert hypervolume(np.array([[0.5, 0.5]]), ref) == pytest.approx(0.25)
    # two boxes of 0.5 x 0.8 and 0.8 x 0.5 overlapping in 0.5 x 0.5
    assert hypervolume(np.array([[0.5, 0.2], [0.2, 0.5]]), ref) == pytest.approx(0.55)
    # a dominated point and a point beyond the reference change nothing
    extra = np.array([[0.5, 0.2], [0.2, 0.5], [0.6, 0.6], [1.5, 0.0]])
    assert hypervolume(extra, ref) == pytest.approx(0.55)
    cube = np.array([[0.0, 0.0, 0.5], [0.5, 0.5, 0.0]])
    assert hypervolume(cube, np.ones(3)) == pytest.approx(0.5 + 0.25 - 0.125)
    assert hypervolume(np.array([[2.0, 2.0]]), ref) == 0.0
