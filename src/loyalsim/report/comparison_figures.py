"""Figures of a comparison: KPI distributions across replications and weekly differences
of each variant against the base."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from loyalsim.experiments.compare import HEADLINE_KPIS, Comparison, paired_stats
from loyalsim.outputs.files import write_atomic
from loyalsim.report.formatting import label, unit

WEEKLY_PANELS = (
    ("revenue", "Weekly revenue"),
    ("retention_rate", "Retention"),
    ("incremental_profit", "Weekly incremental profit vs control"),
    ("points_outstanding", "Outstanding points"),
)


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)


def kpi_distributions(comparison: Comparison, path: Path) -> None:
    """One panel per headline KPI: each arm's replications as dots, with their mean."""
    frame = comparison.kpi_frame()
    names = [a.name for a in comparison.arms]
    kpis = [k for k in HEADLINE_KPIS if k in set(frame["kpi"])]
    cols = 3
    rows = -(-len(kpis) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        for i, name in enumerate(names):
            chosen = (frame["variant"] == name) & (frame["kpi"] == kpi)
            values = frame.loc[chosen, "value"].to_numpy(dtype=float)
            jitter = np.linspace(-0.15, 0.15, values.size) if values.size > 1 else np.zeros(1)
            ax.scatter(i + jitter, values, s=14, alpha=0.7)
            ax.hlines(np.nanmean(values), i - 0.3, i + 0.3, color="black", lw=1.5)
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
        scale, suffix = (100.0, " [%]") if unit(kpi) == "pct" else (1.0, "")
        if scale != 1.0:
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p, s=scale: f"{s * v:.3g}"))
        ax.set_title(label(kpi) + suffix, fontsize=10)
    for ax in axes.flat[len(kpis) :]:
        ax.axis("off")
    fig.suptitle(f"KPIs across {comparison.replications} replications (same seeds in every arm)")
    _save(fig, path)


def weekly_trends(comparison: Comparison, path: Path) -> None:
    """Each variant's weekly difference from the base (paired per replication, mean and 95%
    interval band), so designs are told apart even when their levels overlap."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    base = comparison.runs[comparison.base.name].weekly
    for arm in comparison.variants:
        weekly = comparison.runs[arm.name].weekly
        for ax, (column, title) in zip(axes.flat, WEEKLY_PANELS, strict=True):
            if column not in weekly.columns or column not in base.columns:
                continue
            runs = [c for c in ("world", "replication") if c in base.columns]  # paired columns
            b = base.pivot(index="week", columns=runs, values=column)
            v = weekly.pivot(index="week", columns=runs, values=column)
            factor = 100.0 if column == "retention_rate" else 1.0
            rows = [
                paired_stats(b.loc[w].to_numpy(float), v.loc[w].to_numpy(float)) for w in b.index
            ]
            mean = factor * np.array([r["diff"] for r in rows])
            lo = factor * np.array([r["ci_low"] for r in rows])
            hi = factor * np.array([r["ci_high"] for r in rows])
            (line,) = ax.plot(b.index, mean, label=arm.name)
            ax.fill_between(b.index, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
            unit = " (pp)" if factor != 1.0 else ""
            ax.set(title=f"{title}: difference{unit}", xlabel="week")
    for ax in axes.flat:
        ax.axhline(0, color="black", lw=0.8)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(
        f"Weekly difference of each design against '{comparison.base.name}' "
        "(mean over replications, 95% interval)"
    )
    _save(fig, path)
