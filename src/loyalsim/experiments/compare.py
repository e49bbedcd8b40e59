"""Compare program designs on common random numbers: paired differences, intervals, p-values.

Every arm (the base and each variant) runs the same replications ``0..N-1`` of the same root
seed. The counter-based streams of :mod:`loyalsim.engine.rng` make every draw depend only on (seed,
replication, purpose, customer, day), so arm ``a`` and the base in replication ``r`` see the
same customers and the same luck: their difference is the design change and little else.
The statistics are paired over replications (paired t), and the variance reduction against
independent seeds is reported (``Var(X - Y) = Var(X) + Var(Y)`` for independent runs).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyalsim.errors import LoyalsimError, SimulationError
from loyalsim.experiments import budget
from loyalsim.experiments.batch import evaluate_designs
from loyalsim.experiments.budget import Budget
from loyalsim.metrics import stats
from loyalsim.metrics.results import RunResult
from loyalsim.scenario.models import Scenario

TABLE_COLUMNS = (
    "variant",
    "kpi",
    "mean",
    "base_mean",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "replications",
)
"""The columns of ``comparison.csv``, in order (a contract)."""

HEADLINE_KPIS = (
    "revenue",
    "incremental_revenue",
    "incremental_profit",
    "program_cost",
    "retention_rate",
    "breakage_rate",
    "liability",
)
"""KPIs whose variance reduction is reported and plotted."""

JUDGED_KPIS = (
    "retention_rate",
    "incremental_revenue",
    "incremental_profit",
    "program_cost",
    "cost_to_revenue",
    "breakage_rate",
    "liability",
)
"""The KPIs a comparison is judged on (report table, effects figure, trade-offs): the family
over which p-values are adjusted for multiple comparisons."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Arm:
    """One design in a comparison: a safe name (also its output directory) and its spec."""

    name: str
    scenario: Scenario
    source: str | None = None
    """The file it was loaded from, if any."""
    overrides: Mapping[str, Any] = field(default_factory=dict)
    """Dotted-path overrides applied to the base to get this arm, if declared inline."""

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise LoyalsimError(
                f"variant name '{self.name}' must be letters, digits, '_', '-' or '.' "
                "(it names an output directory)"
            )


@dataclass
class Comparison:
    """Result of :func:`compare`: the paired table, each arm's run and variance figures."""

    base: Arm
    variants: list[Arm]
    seed: int
    replications: int
    runs: dict[str, RunResult]
    table: pd.DataFrame
    variance: pd.DataFrame
    """Per variant and headline KPI: variance of paired differences under common random
    numbers, the variance the difference would have on independent seeds, and their ratio."""

    @property
    def arms(self) -> list[Arm]:
        return [self.base, *self.variants]

    def kpi_frame(self) -> pd.DataFrame:
        """Long frame of every KPI per arm and replication (for plots and custom analysis)."""
        frames = []
        for arm in self.arms:
            table = self.runs[arm.name].kpi_table()
            long = table.rename_axis("replication").reset_index().melt(id_vars="replication")
            frames.append(long.rename(columns={"variable": "kpi"}).assign(variant=arm.name))
        return pd.concat(frames, ignore_index=True)[["variant", "replication", "kpi", "value"]]

    def kpi_summary(self) -> pd.DataFrame:
        """The comparison table (``comparison.csv``'s columns) with each KPI's ``label`` and
        ``unit`` and ``p_adjusted``: the Benjamini-Hochberg adjusted p-value over the variant
        rows of :data:`JUDGED_KPIS` (the report's rule for many comparisons; NaN for the
        other KPIs and the base rows)."""
        from loyalsim.metrics.catalogue import lookup

        frame = self.table.copy()
        found = [lookup(str(k)) for k in frame["kpi"]]
        labels = [f.label if f else str(k) for f, k in zip(found, frame["kpi"], strict=True)]
        frame.insert(2, "label", labels)
        frame.insert(3, "unit", [f.unit if f else "" for f in found])
        variant = (frame["variant"] != self.base.name) & frame["kpi"].isin(JUDGED_KPIS)
        frame["p_adjusted"] = math.nan
        frame.loc[variant, "p_adjusted"] = stats.adjust_p(frame.loc[variant, "p_value"].tolist())
        return frame

    def segment_table(self) -> pd.DataFrame:
        """Paired differences per segment and customer group (``comparison_segments.csv``)."""
        return segment_table(self.runs, self.base.name, [a.name for a in self.variants])

    def to_dict(self) -> dict[str, Any]:
        """The content of ``comparison.json`` (no timing or job count: it is deterministic)."""
        reduction: dict[str, dict[str, dict[str, float | None]]] = {}
        columns = ("var_paired_crn", "var_independent", "variance_ratio", "variance_reduction")
        for row in self.variance.to_dict("records"):
            reduction.setdefault(str(row["variant"]), {})[str(row["kpi"])] = {
                c: _clean(float(row[c])) for c in columns
            }
        return {
            "base": _describe(self.base),
            "variants": [_describe(v) for v in self.variants],
            "seed": self.seed,
            "replications": self.replications,
            "kpis": sorted(set(self.table["kpi"])),
            "variance_reduction": reduction,
        }


def _describe(arm: Arm) -> dict[str, Any]:
    return {
        "name": arm.name,
        "scenario": arm.scenario.name,
        "file": arm.source,
        "overrides": dict(arm.overrides),
    }


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def compare(
    base: Scenario | Arm,
    variants: Sequence[Scenario | Arm],
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run the base and every variant on the same replication seeds and pair them.

    ``replications`` and ``seed`` default to the base scenario's. ``jobs > 1`` runs the
    (arm, replication) tasks in that many processes, grouped by replication so each
    replication's control arm is simulated once per group (:mod:`loyalsim.experiments.batch`);
    results are identical to ``jobs=1``.
    ``progress(done, total)`` is called as tasks finish.
    """
    arms = [_as_arm(base, "base"), *(_as_arm(v, f"variant{i + 1}") for i, v in enumerate(variants))]
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise LoyalsimError(f"arm names must be unique, got {names}")
    base_arm = arms[0]
    seed = base_arm.scenario.seed if seed is None else seed
    count = base_arm.scenario.replications if replications is None else replications
    if count < 1:
        raise SimulationError(f"replications must be at least 1, got {count}")
    if seed < 0:
        raise SimulationError(f"seed must be a non-negative integer, got {seed}")
    if jobs < 1:
        raise SimulationError(f"jobs must be at least 1, got {jobs}")
    budget.require_fits(comparison_budget([a.scenario for a in arms], count, jobs))
    results = evaluate_designs([a.scenario for a in arms], seed, count, jobs, progress)
    runs = {arm.name: run for arm, run in zip(arms, results, strict=True)}
    table = paired_table(runs, base_arm.name, [a.name for a in arms[1:]])
    variance = variance_reduction(runs, base_arm.name, [a.name for a in arms[1:]])
    return Comparison(base_arm, arms[1:], seed, count, runs, table, variance)


def comparison_budget(scenarios: Sequence[Scenario], replications: int, jobs: int) -> Budget:
    """Memory of the largest design running on ``jobs`` processes; time of all designs."""
    each = [budget.estimate(s, replications, 1, jobs, kept=False) for s in scenarios]
    largest = max(each, key=lambda b: b.memory)
    # each estimate counts a design's program arm and a control arm; designs share the control
    days = sum(b.customer_days for b in each) - sum(b.customer_days for b in each[1:]) / 2
    return Budget(largest.memory, days / budget.CUSTOMER_DAYS_PER_SECOND / jobs, largest.rows, days)


def _as_arm(item: Scenario | Arm, default_name: str) -> Arm:
    return item if isinstance(item, Arm) else Arm(default_name, item)


def paired_stats(
    base: np.ndarray, variant: np.ndarray, level: float = stats.LEVEL
) -> dict[str, float]:
    """One row of the comparison table: :func:`loyalsim.metrics.stats.paired_difference`
    (pairs with a NaN are dropped; fewer than two pairs give NaN interval and p-value)."""
    p = stats.paired_difference(base, variant, level)
    return {
        "mean": p.mean,
        "base_mean": p.base_mean,
        "diff": p.diff,
        "ci_low": p.low,
        "ci_high": p.high,
        "p_value": p.p_value,
        "replications": p.n,
    }


def paired_table(runs: Mapping[str, RunResult], base: str, variants: Sequence[str]) -> pd.DataFrame:
    """The comparison table: one row per arm (base first) and scalar KPI."""
    base_table = runs[base].kpi_table()
    rows = []
    for name in [base, *variants]:
        table = runs[name].kpi_table()
        for kpi in base_table.columns:
            if kpi not in table.columns:
                continue
            b = base_table[kpi].to_numpy(dtype=float)
            v = table[kpi].to_numpy(dtype=float)
            rows.append({"variant": name, "kpi": kpi, **paired_stats(b, v)})
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


SEGMENT_COLUMNS = ("variant", "grouping", "segment", *TABLE_COLUMNS[1:])
"""The columns of ``comparison_segments.csv``: ``comparison.csv``'s, per segment or group."""


def segment_table(
    runs: Mapping[str, RunResult], base: str, variants: Sequence[str]
) -> pd.DataFrame:
    """Paired differences per customer segment (``grouping`` = ``segment``) and per group
    (``customer_group``: engaged, passive, ``tier:<name>``), one row per arm (base first),
    segment and KPI: who responds to a design change and who it subsidises."""
    rows = []
    for grouping, of in (
        ("segment", lambda r: r.segments),
        ("customer_group", lambda r: r.customer_groups),
    ):
        base_reps = [of(r) for r in runs[base].replications]
        names = list(dict.fromkeys(n for rep in base_reps for n in rep))
        for name in [base, *variants]:
            reps = [of(r) for r in runs[name].replications]
            for segment in names:
                kpis = dict.fromkeys(k for rep in base_reps for k in rep.get(segment, {}))
                for kpi in kpis:
                    b = [rep.get(segment, {}).get(kpi, math.nan) for rep in base_reps]
                    v = [rep.get(segment, {}).get(kpi, math.nan) for rep in reps]
                    rows.append(
                        {
                            "variant": name,
                            "grouping": grouping,
                            "segment": segment,
                            "kpi": kpi,
                            **paired_stats(np.asarray(b, float), np.asarray(v, float)),
                        }
                    )
    return pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS))


def variance_reduction(
    runs: Mapping[str, RunResult],
    base: str,
    variants: Sequence[str],
    kpis: Sequence[str] = HEADLINE_KPIS,
) -> pd.DataFrame:
    """Variance of the paired difference (common random numbers) against the variance the
    difference of two independently seeded runs would have, ``Var(X) + Var(Y)``."""
    base_table = runs[base].kpi_table()
    rows = []
    for name in variants:
        table = runs[name].kpi_table()
        for kpi in kpis:
            if kpi not in table.columns or kpi not in base_table.columns:
                continue
            figures = stats.variance_reduction(
                base_table[kpi].to_numpy(dtype=float), table[kpi].to_numpy(dtype=float)
            )
            rows.append(
                {
                    "variant": name,
                    "kpi": kpi,
                    "var_paired_crn": figures.var_paired,
                    "var_independent": figures.var_independent,
                    "variance_ratio": figures.ratio,
                    "variance_reduction": figures.reduction,
                }
            )
    columns = [
        "variant",
        "kpi",
        "var_paired_crn",
        "var_independent",
        "variance_ratio",
        "variance_reduction",
    ]
    return pd.DataFrame(rows, columns=columns)


# -- declaring variants -------------------------------------------------------------------

_PATH = r"[^.\[\]=,\s]+(?:\.[^.\[\]=,\s]+|\[\d+\])*"
_SPLIT = re.compile(rf",(?=\s*{_PATH}\s*=)")


def parse_variant(text: str) -> tuple[str, dict[str, Any]]:
    """``"name:path=value,path=value"`` -> ``(name, {path: value})``; values are YAML, and a
    comma only separates assignments when a ``path=`` follows it (so ``[1, 2]`` is fine)."""
    from loyalsim.scenario.overrides import parse_assignment

    name, sep, body = text.partition(":")
    name = name.strip()
    if not sep or not name or not body.strip():
        raise LoyalsimError(
            f"--variant '{_cut(text)}' must look like name:path=value[,path=value...]"
        )
    overrides: dict[str, Any] = {}
    for part in _SPLIT.split(body):
        path, value = parse_assignment(part.strip())
        if path in overrides:
            raise LoyalsimError(
                f"--variant '{_cut(text)}': '{path}' is set twice (each path once per variant)"
            )
        overrides[path] = value
    return name, overrides


def _cut(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def file_arm_name(path: Path, taken: set[str]) -> str:
    """An arm name from a file stem, made unique with ``-2``, ``-3``... and directory-safe."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).strip("_.-") or "arm"
    name, k = stem, 2
    while name in taken:
        name, k = f"{stem}-{k}", k + 1
    return name
