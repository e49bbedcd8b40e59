"""Figures of a comparison: KPI distributions across replications and weekly trends per arm."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from loyalsim.experiments.compare import HEADLINE_KPIS, Comparison
from loyalsim.outputs.files import write_atomic

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
            values = frame.loc[(frame["variant"] == name) & (frame["kpi"] == kpi), "value"]
            values = values.to_numpy(dtype=float)
            jitter = np.linspace(-0.15, 0.15, values.size) if values.size > 1 else np.zeros(1)
            ax.scatter(i + jitter, values, s=14, alpha=0.7)
            ax.hlines(np.nanmean(values), i - 0.3, i + 0.3, color="black", lw=1.5)
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
        ax.set_title(kpi, fontsize=10)
    for ax in axes.flat[len(kpis) :]:
        ax.axis("off")
    fig.suptitle(f"KPIs across {comparison.replications} replications (same seeds in every arm)")
    _save(fig, path)


def weekly_trends(comparison: Comparison, path: Path) -> None:
    """Weekly means of every arm side by side on shared axes."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for arm in comparison.arms:
        mean: pd.DataFrame = comparison.runs[arm.name].weekly_mean
        for ax, (column, title) in zip(axes.flat, WEEKLY_PANELS, strict=True):
            if column in mean.columns:
                ax.plot(mean["week"], mean[column], label=arm.name)
            ax.set(title=title, xlabel="week")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Weekly trends by design (mean over replications)")
    _save(fig, path)
