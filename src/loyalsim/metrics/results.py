"""Results of a run: KPIs per replication, their means and confidence intervals, weekly trends."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from loyalsim.engine.simulation import ArmResult
from loyalsim.errors import SimulationError
from loyalsim.metrics import stats
from loyalsim.scenario.models import Scenario


@dataclass
class ReplicationResult:
    """One replication: its summary KPIs, weekly trends and final program-arm state."""

    replication: int
    kpis: dict[str, float]
    weekly: pd.DataFrame
    arm: ArmResult | None = field(default=None, repr=False)
    reward_cost_by_type: dict[str, float] = field(default_factory=dict)
    points_issued_by_source: dict[str, float] = field(default_factory=dict)
    structured: dict[str, Any] = field(default_factory=dict)
    """Nested KPIs (``reward_cost_by_type``, ``tier_share``, ``tier_migration``)."""
    segments: dict[str, dict[str, float]] = field(default_factory=dict)
    """Segment name -> KPI -> value (:mod:`loyalsim.metrics.segments`)."""
    customer_groups: dict[str, dict[str, float]] = field(default_factory=dict)
    """Engaged, passive and members by final tier -> KPI -> value."""
    yearly: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per simulated year and arm (:mod:`loyalsim.metrics.yearly`)."""
    has_tables: bool = True
    """False for a KPIs-only replication (``simulate(..., kpis_only=True)``): the weekly,
    yearly, nested, segment and customer-group tables were not computed."""

    def detached(self) -> ReplicationResult:
        """The same result without the arm's live state (picklable, for worker processes)."""
        return replace(self, arm=None)


def _clean(value: float) -> float | None:
    """JSON has no NaN: undefined ratios (for example ROI without costs) become null."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _mean_nested(items: list[Any]) -> Any:
    """Mean of equally shaped nested dicts of floats (missing entries count as zero; NaN
    entries, undefined in a replication, are left out of the mean)."""
    if items and all(isinstance(i, Mapping) for i in items):
        keys = list(dict.fromkeys(k for i in items for k in i))
        return {k: _mean_nested([i.get(k, 0.0) for i in items]) for k in keys}
    values = np.asarray(items, dtype=float)
    if not items or np.isnan(values).all():
        return None
    return _clean(float(np.nanmean(values)))


SUMMARY_COLUMNS = ("kpi", "label", "unit", "arm", "mean", "ci_low", "ci_high", "replications")
"""The columns of :meth:`RunResult.kpi_summary`, in order."""


@dataclass
class RunResult:
    """All replications of a scenario run, with summaries across them."""

    scenario: Scenario
    seed: int
    replications: list[ReplicationResult]

    @property
    def summary(self) -> dict[str, float]:
        """Mean of each KPI over replications (NaN-aware)."""
        frame = self.kpi_table()
        with np.errstate(all="ignore"):
            return {k: float(frame[k].mean()) for k in frame.columns}

    def kpi_table(self) -> pd.DataFrame:
        """One row per replication, one column per KPI (wide; see :meth:`kpi_summary` and
        :meth:`kpi_replications` for tidy frames)."""
        return pd.DataFrame(
            [r.kpis for r in self.replications], index=[r.replication for r in self.replications]
        )

    def kpi_summary(self, level: float = stats.LEVEL) -> pd.DataFrame:
        """Tidy frame, one row per KPI: ``kpi``, ``label``, ``unit``, ``arm`` (``program``, or
        ``control`` for the no-program arm's ``control_*`` KPIs), ``mean``, ``ci_low``,
        ``ci_high`` (Student-t, NaN with fewer than two defined replications) and
        ``replications`` (those where the KPI is defined)."""
        from loyalsim.metrics.catalogue import lookup

        rows = []
        for key, column in self.kpi_table().items():
            values = column.to_numpy(dtype=float)
            interval = stats.mean_interval(values, level)
            found = lookup(str(key))
            rows.append(
                {
                    "kpi": key,
                    "label": found.label if found else str(key).replace("_", " "),
                    "unit": found.unit if found else "",
                    "arm": "control" if str(key).startswith("control_") else "program",
                    "mean": interval.mean,
                    "ci_low": interval.low,
                    "ci_high": interval.high,
                    "replications": interval.n,
                }
            )
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    def kpi_replications(self) -> pd.DataFrame:
        """Tidy frame, one row per replication and KPI: ``replication``, ``kpi``, ``value``."""
        table = self.kpi_table().rename_axis("replication").reset_index()
        long = table.melt(id_vars="replication", var_name="kpi", value_name="value")
        return long[["replication", "kpi", "value"]]

    def confidence_intervals(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Student-t interval of each KPI's mean over the replications where it is defined
        (NaN bounds with fewer than two: the rule of :mod:`loyalsim.metrics.stats`)."""
        frame = self.kpi_table()
        out = {}
        for k in frame.columns:
            interval = stats.mean_interval(frame[k].to_numpy(dtype=float), level)
            out[k] = (interval.low, interval.high)
        return out

    def _require_tables(self, what: str) -> None:
        if not all(r.has_tables for r in self.replications):
            raise SimulationError(
                f"this result has no {what}: it was simulated with kpis_only=True "
                "(simulate without it for the tables)"
            )

    @property
    def weekly(self) -> pd.DataFrame:
        """Weekly trends of every replication stacked, with a ``replication`` column."""
        self._require_tables("weekly table")
        frames = [r.weekly.assign(replication=r.replication) for r in self.replications]
        frame = pd.concat(frames, ignore_index=True)
        columns = ["replication", *[c for c in frame.columns if c != "replication"]]
        return frame[columns]

    @property
    def weekly_mean(self) -> pd.DataFrame:
        """Weekly trends averaged over replications (``week_start`` kept as it is)."""
        frame = self.weekly.drop(columns=["replication", "world"], errors="ignore")
        dates = (
            frame.groupby("week", sort=True)["week_start"].first()
            if "week_start" in frame
            else None
        )
        mean = frame.drop(columns="week_start", errors="ignore").groupby("week", sort=True).mean()
        if dates is not None:
            mean.insert(0, "week_start", dates)
        return mean.reset_index()

    @property
    def yearly(self) -> pd.DataFrame:
        """The yearly tables of every replication stacked, with a ``replication`` column."""
        self._require_tables("yearly table")
        frames = [r.yearly.assign(replication=r.replication) for r in self.replications]
        frame = pd.concat(frames, ignore_index=True)
        columns = ["replication", *[c for c in frame.columns if c != "replication"]]
        return frame[columns]

    def yearly_summary(self, level: float = 0.95) -> list[dict[str, Any]]:
        """Per year and arm: each column's mean over replications and its interval."""
        frame = self.yearly
        keys = ["year", "arm", "start", "days"]
        values = [c for c in frame.columns if c not in (*keys, "replication")]
        rows = []
        for (_, arm), group in frame.groupby(["year", "arm"], sort=False):
            row: dict[str, Any] = {
                "year": int(group["year"].iloc[0]),
                "arm": arm,
                "start": group["start"].iloc[0],
                "days": int(group["days"].iloc[0]),
            }
            for column in values:
                interval = stats.mean_interval(group[column].to_numpy(dtype=float), level)
                row[column] = _clean(interval.mean)
                row[f"{column}_ci95"] = [_clean(interval.low), _clean(interval.high)]
            rows.append(row)
        return sorted(rows, key=lambda r: (r["arm"] != "program", r["year"]))

    def summary_dict(self) -> dict[str, Any]:
        """The content of ``summary.json``."""
        self._require_tables("summary.json (its yearly, segment and group tables)")
        table = self.kpi_table()
        intervals = self.confidence_intervals()
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": len(self.replications),
            "horizon_days": self.scenario.horizon.total_days,
            "population_size": self.scenario.population.size,
            "represents": self.scenario.population.represents or self.scenario.population.size,
            "currency": self.scenario.economics.currency,
            "kpis": {
                **{k: _clean(v) for k, v in self.summary.items()},
                **self.structured_summary(),
            },
            "kpis_ci95": {k: [_clean(lo), _clean(hi)] for k, (lo, hi) in intervals.items()},
            "kpis_per_replication": {
                k: [_clean(float(v)) for v in table[k].to_numpy()] for k in table.columns
            },
            "segments": _mean_nested([r.segments for r in self.replications]),
            "customer_groups": _mean_nested([r.customer_groups for r in self.replications]),
            "yearly": self.yearly_summary(),
            "reward_cost_by_type": self._reward_cost_by_type(),
            "points_issued_by_source": self._issued_by_source(),
        }

    def structured_summary(self) -> dict[str, Any]:
        """Nested KPIs averaged over replications, entry by entry (JSON-clean)."""
        return _mean_nested([r.structured for r in self.replications])

    def _reward_cost_by_type(self) -> dict[str, float]:
        return self._mean_breakdown(lambda r: r.reward_cost_by_type)

    def _issued_by_source(self) -> dict[str, float]:
        return self._mean_breakdown(lambda r: r.points_issued_by_source)

    def _mean_breakdown(
        self, table: Callable[[ReplicationResult], Mapping[str, float]]
    ) -> dict[str, float]:
        """Mean over replications of a per-replication breakdown (missing entries count as 0)."""
        n = len(self.replications)
        totals: dict[str, float] = {}
        for rep in self.replications:
            for k, v in sorted(table(rep).items()):
                totals[k] = totals.get(k, 0.0) + float(v) / n
        return totals

    def to_json(self) -> str:
        """``summary.json`` text: deterministic for a given scenario, seed and replications."""
        return json.dumps(self.summary_dict(), indent=2, allow_nan=False) + "\n"
