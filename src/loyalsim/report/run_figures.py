"""Figures of a run: KPI trends against the control arm and points flows."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from loyalsim.metrics.results import RunResult
from loyalsim.outputs.files import write_atomic
from loyalsim.outputs.run_folder import write_run


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def mark_launch(axes: Iterable[plt.Axes], launch: int) -> None:
    """A dotted line where the program launches (``launch``: a day after day 0), on the
    axes of weekly series (week 1 is days 0-6)."""
    if not launch:
        return
    for ax in axes:
        ax.axvline(launch / 7 + 0.5, color="grey", ls=":", lw=1.2, label="program launch")


def kpi_trends(
    weekly: pd.DataFrame, currency: str, title: str, path: Path, launch: int = 0
) -> None:
    """Weekly revenue, retention and membership, program against the no-program control
    (with the launch marked when the program starts after day 0)."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    mark_launch(axes.flat, launch)
    ax = axes[0, 0]
    ax.plot(weekly["week"], weekly["revenue"], label="with program")
    ax.plot(weekly["week"], weekly["control_revenue"], label="no-program control", ls="--")
    ax.set(title="Weekly revenue", xlabel="week", ylabel=currency)
    ax.legend()
    ax = axes[0, 1]
    ax.plot(weekly["week"], 100 * weekly["retention_rate"], label="with program")
    ax.plot(weekly["week"], 100 * weekly["control_retention_rate"], label="control", ls="--")
    ax.set(title="Customers still active (retention)", xlabel="week", ylabel="% of customers")
    ax.legend()
    ax = axes[1, 0]
    ax.bar(weekly["week"], weekly["incremental_profit"], color="tab:green")
    ax.axhline(0, color="black", lw=0.8)
    ax.set(title="Weekly incremental profit vs control", xlabel="week", ylabel=currency)
    ax = axes[1, 1]
    ax.plot(weekly["week"], weekly["members"], label="members (alive)")
    ax.set(title="Program members", xlabel="week", ylabel="members")
    ax2 = ax.twinx()
    ax2.plot(weekly["week"], 100 * weekly["capture_rate"], color="tab:orange", label="capture")
    ax2.set_ylabel("% of revenue from members", color="tab:orange")
    fig.suptitle(title)
    _save(fig, path)


def points_flows(
    weekly: pd.DataFrame, currency: str, title: str, path: Path, launch: int = 0
) -> None:
    """Points issued, redeemed and expired per week, and the outstanding balance and liability
    (with the launch marked when the program starts after day 0)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    mark_launch(axes.flat, launch)
    ax = axes[0]
    ax.plot(weekly["week"], weekly["points_issued"], label="issued")
    ax.plot(weekly["week"], weekly["points_redeemed"], label="redeemed")
    ax.plot(weekly["week"], weekly["points_expired"], label="expired")
    ax.set(title="Points flows", xlabel="week", ylabel="points per week")
    ax.legend()
    ax = axes[1]
    ax.plot(weekly["week"], weekly["points_outstanding"], label="outstanding points")
    ax.set(title="Outstanding points and liability", xlabel="week", ylabel="points")
    ax2 = ax.twinx()
    ax2.plot(weekly["week"], weekly["liability"], color="tab:red", ls="--", label="liability")
    ax2.set_ylabel(f"liability ({currency})", color="tab:red")
    fig.suptitle(title)
    _save(fig, path)


def write_run_folder(result: RunResult, directory: Path) -> None:
    """A run folder's data files and its two trend figures (kpi_trends.png, points_flows.png)."""
    write_run(result, directory)
    s = result.scenario
    currency, mean = s.economics.currency, result.weekly_mean
    kpi_trends(mean, currency, s.name, directory / "kpi_trends.png", s.launch_day)
    points_flows(mean, currency, s.name, directory / "points_flows.png", s.launch_day)
