"""Results over parameter worlds: two kinds of spread, never mixed.

A world-sampled run has a KPI value ``x[w, r]`` for world ``w`` (one draw of every prior) and
replication ``r`` (one draw of the customers' luck); every world runs the same replication
seeds. Reported per KPI:

- the **mean** over all worlds and replications (the expected value under the priors);
- the **Monte Carlo interval** (``kpis_ci95``): Student-t interval of that mean from the
  replication noise alone, the pooled within-world variance ``s_w^2`` with ``W (R - 1)``
  degrees of freedom, ``mean +- t * s_w / sqrt(W R)`` (NaN with one replication per world);
- the **world interval** (``kpis_world_interval95``): the 2.5% and 97.5% quantiles of the
  world means, what we do not know about customers (it also holds each world mean's own
  Monte Carlo noise, ``s_w / sqrt(R)``, reported as ``mc_se_of_world_mean``);
- ``prob_incremental_profit_positive``: the share of worlds whose mean incremental profit
  is above zero.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyalsim.metrics import stats
from loyalsim.metrics.results import RunResult, _clean
from loyalsim.scenario.uncertainty import PROB_KPI

WORLD_LEVEL = 0.95
"""Coverage of the world interval."""


def world_means(matrix: np.ndarray) -> np.ndarray:
    """Mean over replications (axis 1) per world, NaN-aware."""
    with warnings.catch_warnings():  # a world where the KPI is never defined: NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.asarray(matrix, dtype=float), axis=1)


def world_interval(means: np.ndarray, level: float = WORLD_LEVEL) -> tuple[float, float]:
    """Central ``level`` quantiles of the world means (NaN with fewer than two worlds)."""
    x = stats.defined(means)
    if x.size < 2:
        return math.nan, math.nan
    tail = (1.0 - level) / 2.0
    return float(np.quantile(x, tail)), float(np.quantile(x, 1.0 - tail))


def within_world_sd(matrix: np.ndarray) -> tuple[float, int]:
    """Pooled within-world standard deviation and its degrees of freedom."""
    x = np.asarray(matrix, dtype=float)
    ok = ~np.isnan(x)
    counts = ok.sum(axis=1)
    means = world_means(x)
    resid = np.where(ok, x - means[:, None], 0.0)
    df = int(np.sum(np.maximum(counts - 1, 0)))
    if df < 1:
        return math.nan, 0
    return float(np.sqrt(np.sum(resid**2) / df)), df


def monte_carlo_interval(matrix: np.ndarray, level: float = stats.LEVEL) -> stats.Interval:
    """The grand mean and its interval from replication noise alone (see the module doc)."""
    x = np.asarray(matrix, dtype=float)
    values = stats.defined(x)
    if values.size == 0:
        return stats.Interval(math.nan, math.nan, math.nan, 0)
    mean = float(np.mean(values))
    sd, df = within_world_sd(x)
    if df < 1:
        return stats.Interval(mean, math.nan, math.nan, int(values.size))
    half = stats.t_quantile(level, df) * sd / math.sqrt(values.size)
    return stats.Interval(mean, mean - half, mean + half, int(values.size))


def probability_positive(means: np.ndarray) -> float:
    """Share of worlds (with a defined mean) whose mean is above zero."""
    x = stats.defined(means)
    return float(np.mean(x > 0)) if x.size else math.nan


def wilson_interval(p: float, n: int, level: float = stats.LEVEL) -> tuple[float, float]:
    """Wilson score interval of a proportion over ``n`` worlds (how much more worlds could
    move a probability statement)."""
    if n < 1 or math.isnan(p):
        return math.nan, math.nan
    from scipy.special import ndtri

    z = float(ndtri(0.5 + level / 2))
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class WorldsRunResult(RunResult):
    """A run over parameter worlds: ``replications`` pools every world's replications
    (world-major), ``worlds`` keeps each world's own run and ``draws`` its parameter values."""

    worlds: list[RunResult] = field(default_factory=list)
    draws: dict[str, list[float]] = field(default_factory=dict)
    """Dotted path -> the value each world drew."""

    def kpis(self) -> list[str]:
        """The scalar KPI keys of the pooled table."""
        return [str(k) for k in self.kpi_table().columns]

    @functools.cached_property
    def _world_tables(self) -> list[pd.DataFrame]:
        """Each world's KPI table, built once: the summary reads every KPI's matrix several
        times, and a fresh frame per world and read made ``to_json`` take seconds."""
        return [run.kpi_table() for run in self.worlds]

    def kpi_matrix(self, kpi: str) -> np.ndarray:
        """``[world, replication]`` values of one KPI."""
        return np.vstack(
            [
                table[kpi].to_numpy(dtype=float) if kpi in table else np.full(len(table), np.nan)
                for table in self._world_tables
            ]
        )

    @property
    def weekly(self) -> pd.DataFrame:
        """Weekly trends of every world and replication stacked, ``world`` first."""
        frames = [run.weekly.assign(world=w) for w, run in enumerate(self.worlds)]
        frame = pd.concat(frames, ignore_index=True)
        return frame[["world", *[c for c in frame.columns if c != "world"]]]

    def confidence_intervals(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Monte Carlo interval of each KPI's mean over worlds (replication noise only)."""
        out = {}
        for kpi in map(str, self.kpi_table().columns):
            interval = monte_carlo_interval(self.kpi_matrix(kpi), level)
            out[kpi] = (interval.low, interval.high)
        return out

    def world_intervals(self) -> dict[str, tuple[float, float]]:
        return {k: world_interval(world_means(self.kpi_matrix(k))) for k in self.kpis()}

    @property
    def prob_incremental_profit_positive(self) -> float:
        return probability_positive(world_means(self.kpi_matrix("incremental_profit")))

    def summary_dict(self) -> dict[str, Any]:
        """``summary.json`` of a run, plus the world-level figures (module doc)."""
        out = super().summary_dict()
        worlds = len(self.worlds)
        prob = self.prob_incremental_profit_positive
        out["replications"] = len(self.worlds[0].replications) if self.worlds else 0
        out["kpis"][PROB_KPI] = _clean(prob)
        out["kpis_ci95"][PROB_KPI] = [_clean(v) for v in wilson_interval(prob, worlds)]
        out["kpis_world_interval95"] = {
            k: [_clean(lo), _clean(hi)] for k, (lo, hi) in self.world_intervals().items()
        }
        per_world = {k: world_means(self.kpi_matrix(k)) for k in self.kpis()}
        out["kpis_per_world"] = {k: [_clean(float(v)) for v in m] for k, m in per_world.items()}
        out["mc_se_of_world_mean"] = {
            k: _clean(within_world_sd(self.kpi_matrix(k))[0] / math.sqrt(out["replications"]))
            for k in self.kpis()
        }
        priors = self.scenario.uncertainty.priors if self.scenario.uncertainty else {}
        out["worlds"] = {
            "count": worlds,
            "replications_per_world": out["replications"],
            "parameters": {
                path: {
                    "prior": priors[path].model_dump(mode="json", by_alias=True)
                    if path in priors
                    else None,
                    "values": [float(v) for v in values],
                }
                for path, values in sorted(self.draws.items())
            },
        }
        return out
