"""Identifiability: which parameters the data pinned down, which not, which are confounded.

A parameter is *pinned* when its posterior standard deviation (the sandwich standard error on
its search scale) is below ``PINNED_RATIO`` of its library prior's (1 on that scale by
construction, :mod:`loyalsim.experiments.response.params`); a pair is *confounded* when the
absolute posterior correlation exceeds ``CONFOUNDED``. Parameters that are not pinned keep
their library priors in the calibrated scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loyalsim.experiments.response.estimate import Fit

PINNED_RATIO = 0.5
"""Posterior over prior standard deviation below which a parameter counts as pinned."""
CONFOUNDED = 0.8
"""Absolute posterior correlation above which a pair counts as confounded."""


@dataclass(frozen=True)
class Identification:
    """Per parameter: posterior/prior width ratio and whether it is pinned; confounded pairs."""

    ratio: dict[str, float]
    pinned: dict[str, bool]
    at_bound: dict[str, bool]
    confounded: list[tuple[str, str, float]]

    @property
    def unidentified(self) -> list[str]:
        return [name for name, ok in self.pinned.items() if not ok]


def identify(fit: Fit) -> Identification:
    """The identifiability report of a fit."""
    names = [p.name for p in fit.params]
    ratio = {n: float(fit.se_u[k]) for k, n in enumerate(names)}
    at_bound = {}
    for k, p in enumerate(fit.params):
        lo, hi = p.bounds
        at_bound[p.name] = bool(min(fit.u[k] - lo, hi - fit.u[k]) < 0.05)
    pinned = {
        n: bool(np.isfinite(r) and r < PINNED_RATIO and not at_bound[n]) for n, r in ratio.items()
    }
    corr = fit.correlation
    pairs = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            c = float(corr[i, j])
            if np.isfinite(c) and abs(c) > CONFOUNDED:
                pairs.append((names[i], names[j], c))
    return Identification(ratio, pinned, at_bound, pairs)
