"""Figures the report draws itself (the run's own figures are reused when present).

Each function draws one figure, saves it as a PNG in the result directory and returns the
PNG's path, so the report embeds exactly the file a reader finds beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.ticker import FuncFormatter, MaxNLocator

from loyalsim.outputs.files import write_atomic
from loyalsim.report.formatting import label, unit


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)
    return path


def _scale(key: str) -> tuple[float, str]:
    """Multiplier and axis unit for a KPI: rates in % (or pp for differences)."""
    return (100.0, "%") if unit(key) == "pct" else (1.0, "")


def _short(value: float, _pos: object = None) -> str:
    """Tick labels that never run into each other: ``-18k``, ``1.2M``, ``13.5``."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e4:
        return f"{value / 1e3:.3g}k"
    return f"{value:.4g}"


def _sparse_ticks(ax: plt.Axes) -> None:
    """At most four short tick labels per axis (no overprinting in small panels)."""
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=4))
        axis.set_major_formatter(FuncFormatter(_short))


def points_fate(kpis: Mapping[str, float | None], title: str, path: Path) -> Path:
    """Where the issued points went (redeemed, still held, good and bad breakage)."""
    redeemed = kpis.get("redemption_rate") or 0.0
    breakage = kpis.get("breakage_rate") or 0.0
    bad = kpis.get("bad_breakage_rate") or 0.0
    good = breakage - bad
    held = max(1.0 - redeemed - breakage, 0.0)
    parts = [
        ("redeemed", redeemed, "tab:blue"),
        ("still held by active customers", held, "tab:gray"),
        ("good breakage (passive members)", good, "tab:green"),
        ("bad breakage (engaged members)", bad, "tab:red"),
    ]
    fig, ax = plt.subplots(figsize=(10, 2.8))
    left = 0.0
    for name, share, color in parts:
        ax.barh([0], [100 * share], left=[left], color=color, label=f"{name}: {100 * share:.1f}%")
        left += 100 * share
    ax.set(
        xlim=(0, 100),
        yticks=[],
        xlabel="% of points issued",
        title=f"Where the issued points went — {title}",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2, frameon=False)
    return _save(fig, path)


def tier_mix(shares: Mapping[str, float], title: str, path: Path) -> Path:
    """Share of members in each tier at the end of the horizon."""
    names = list(shares)
    values = [100 * float(shares[n]) for n in names]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bars = ax.bar(names, values, color="tab:purple")
    ax.bar_label(bars, fmt="%.1f%%")
    ax.set(title=f"Tier mix at the end — {title}", xlabel="tier", ylabel="% of members")
    ax.set_ylim(0, max([*values, 1.0]) * 1.15)
    return _save(fig, path)


def tier_migration(matrix: Mapping[str, Mapping[str, float]], title: str, path: Path) -> Path:
    """Heat map of the share of members moving from each tier (rows) to each tier (columns);
    an undefined share (null: no member was reviewed into that tier) is left blank."""
    rows = list(matrix)
    cols = list(dict.fromkeys([*rows, *[c for r in rows for c in matrix[r]]]))

    def share(r: str, c: str) -> float:
        value = matrix[r].get(c, 0.0)
        return float("nan") if value is None else 100 * float(value)

    grid = np.array([[share(r, c) for c in cols] for r in rows])
    fig, ax = plt.subplots(figsize=(1.4 * len(cols) + 3, 0.8 * len(rows) + 2))
    image = ax.imshow(grid, cmap="Blues", vmin=0, vmax=100)
    for i in range(len(rows)):
        for j in range(len(cols)):
            color = "white" if grid[i, j] > 60 else "black"
            text = "n/a" if np.isnan(grid[i, j]) else f"{grid[i, j]:.1f}%"
            ax.text(j, i, text, ha="center", va="center", color=color)
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set(title=f"Tier migration — {title}", xlabel="to tier", ylabel="from tier")
    fig.colorbar(image, ax=ax, label="% of the row's members")
    return _save(fig, path)


def effects(
    table: pd.DataFrame, base: str, variants: Sequence[str], kpis: Sequence[str], path: Path
) -> Path:
    """Small multiples: each variant's paired difference to the base with its 95% interval."""
    n = len(kpis)
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 0.5 * len(variants) + 2.4 * nrows))
    axes = np.atleast_1d(axes).ravel()
    rows = table.set_index(["variant", "kpi"])
    for ax, key in zip(axes, kpis, strict=False):
        factor, suffix = _scale(key)
        for i, name in enumerate(variants):
            cells = rows.loc[(name, key), ["diff", "ci_low", "ci_high"]]
            diff, lo, hi = (factor * cells.to_numpy(dtype=float)).tolist()
            err = [[max(diff - lo, 0.0)], [max(hi - diff, 0.0)]] if lo == lo and hi == hi else None
            ax.errorbar([diff], [i], xerr=err, fmt="o", capsize=4, color="tab:blue")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(variants)), variants)
        ax.set_ylim(-0.7, len(variants) - 0.3)
        ax.set_title(label(key), fontsize=10)
        ax.set_xlabel(f"difference vs {base}" + (" (pp)" if suffix else ""))
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(f"Paired differences against '{base}' with 95% confidence intervals")
    return _save(fig, path)


MARKERS = ("*", "D", "P", "X", "s", "^", "v")


def pareto(
    trials: pd.DataFrame,
    front: pd.DataFrame | None,
    objectives: Sequence[Mapping[str, str]],
    designs: Sequence[Mapping],
    current: Mapping[str, float | None],
    path: Path,
) -> Path:
    """Trials, the Pareto front, the current design and the recommended designs on every pair
    of objectives (one panel for two objectives, a lower-triangle scatter matrix for more).

    Front points are not joined (a line through a projection of a 3+-objective front zig-zags);
    with two objectives the front is drawn as the staircase it is. Designs are told apart by
    marker in the legend, never by labels printed beside the points.
    """
    kpis = [o["kpi"] for o in objectives]
    if len(kpis) == 1:
        return _single_objective(trials, objectives[0], designs, current.get(kpis[0]), path)
    n = len(kpis) - 1
    size = 8 if n == 1 else 3.6 * n
    fig, axes = plt.subplots(n, n, figsize=(size, 5.5 if n == 1 else size), squeeze=False)
    done = trials.dropna(subset=[f"values_{k}" for k in kpis])
    ok = done["feasible"].astype(bool) if "feasible" in done else pd.Series(True, done.index)
    by_number = done.set_index("number")
    handles: dict[str, object] = {}
    for i in range(n):
        for j in range(n):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            xk, yk = kpis[j], kpis[i + 1]
            xf, yf = _scale(xk)[0], _scale(yk)[0]
            xc, yc = f"values_{xk}", f"values_{yk}"
            handles["feasible trial"] = ax.scatter(
                xf * done.loc[ok, xc], yf * done.loc[ok, yc], s=14, color="0.65", alpha=0.6
            )
            if (~ok).any():
                handles["violates a constraint"] = ax.scatter(
                    xf * done.loc[~ok, xc],
                    yf * done.loc[~ok, yc],
                    s=14,
                    marker="x",
                    color="tab:red",
                    alpha=0.5,
                )
            if front is not None and len(front) and xc in front and yc in front:
                handles["Pareto-optimal"] = ax.scatter(
                    xf * front[xc], yf * front[yc], s=26, color="tab:blue"
                )
                if n == 1:
                    line = front.sort_values(xc)
                    ax.step(xf * line[xc], yf * line[yc], where="post", color="tab:blue", lw=0.8)
            cx, cy = current.get(xk), current.get(yk)
            if cx is not None and cy is not None:
                handles["current design"] = ax.scatter(
                    [xf * cx], [yf * cy], s=120, marker="o", facecolor="none",
                    edgecolor="black", linewidth=2, zorder=6,
                )  # fmt: skip
            for k, design in enumerate(designs):
                if design.get("trial") not in by_number.index:
                    continue
                row = by_number.loc[design["trial"]]
                name = str(design.get("name") or design.get("label"))
                handles[name] = ax.scatter(
                    [xf * row[xc]], [yf * row[yc]], s=150, marker=MARKERS[k % len(MARKERS)],
                    color=f"C{(k + 1) % 10}", edgecolor="black", zorder=5,
                )  # fmt: skip
            _sparse_ticks(ax)
            if i == n - 1:
                ax.set_xlabel(_axis_label(objectives[j]), fontsize=9)
            if j == 0:
                ax.set_ylabel(_axis_label(objectives[i + 1]), fontsize=9)
    legend_ax = axes[0, -1] if n > 1 else axes[0, 0]
    legend_ax.legend(
        list(handles.values()),
        list(handles),
        loc="upper right" if n > 1 else "best",
        fontsize=8,
    )
    fig.suptitle("Optimisation trials, Pareto front, current and recommended designs")
    return _save(fig, path)


def _single_objective(
    trials: pd.DataFrame,
    objective: Mapping[str, str],
    designs: Sequence[Mapping],
    current: float | None,
    path: Path,
) -> Path:
    """One objective has no trade-off to draw: its value by trial, the best feasible value so
    far, the current design and the recommended designs."""
    key = objective["kpi"]
    factor = _scale(key)[0]
    column = f"values_{key}"
    done = trials.dropna(subset=[column]).sort_values("number")
    ok = done["feasible"].astype(bool) if "feasible" in done else pd.Series(True, done.index)
    fig, ax = plt.subplots(figsize=(8, 5.5))
    handles: dict[str, Artist] = {}
    handles["feasible trial"] = ax.scatter(
        done.loc[ok, "number"], factor * done.loc[ok, column], s=14, color="0.65", alpha=0.6
    )
    if (~ok).any():
        handles["violates a constraint"] = ax.scatter(
            done.loc[~ok, "number"], factor * done.loc[~ok, column], s=14, marker="x",
            color="tab:red", alpha=0.5,
        )  # fmt: skip
    feasible = done.loc[ok]
    if len(feasible):
        values = feasible[column]
        best = values.cummax() if objective.get("direction") == "maximize" else values.cummin()
        (handles["best so far"],) = ax.step(
            feasible["number"], factor * best, where="post", color="tab:blue", lw=1.2
        )
    if current is not None:
        handles["current design"] = ax.axhline(factor * current, color="black", ls="--", lw=1)
    by_number = done.set_index("number")
    for k, design in enumerate(designs):
        if design.get("trial") not in by_number.index:
            continue
        name = str(design.get("name") or design.get("label"))
        handles[name] = ax.scatter(
            [design["trial"]], [factor * by_number.loc[design["trial"], column]], s=150,
            marker=MARKERS[k % len(MARKERS)], color=f"C{(k + 1) % 10}", edgecolor="black",
            zorder=5,
        )  # fmt: skip
    _sparse_ticks(ax)
    ax.set_xlabel("trial", fontsize=9)
    ax.set_ylabel(_axis_label(objective), fontsize=9)
    ax.legend(list(handles.values()), list(handles), loc="best", fontsize=8)
    fig.suptitle("Optimisation trials, best so far, current and recommended designs")
    return _save(fig, path)


def _axis_label(objective: Mapping[str, str]) -> str:
    key = objective["kpi"]
    better = "higher" if objective.get("direction") == "maximize" else "lower"
    suffix = " [%]" if _scale(key)[1] else ""
    return f"{label(key)}{suffix} ({better} is better)"


def arm_trends(weekly: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """Weekly revenue and retention of each design in a comparison (mean over replications)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, frame in weekly.items():
        columns = ["replication", "week_start"]
        mean = frame.drop(columns=columns, errors="ignore").groupby("week").mean()
        if "revenue" in mean:
            axes[0].plot(mean.index, mean["revenue"], label=name)
        if "retention_rate" in mean:
            axes[1].plot(mean.index, 100 * mean["retention_rate"], label=name)
    axes[0].set(title="Weekly revenue by design", xlabel="week", ylabel="revenue per week")
    axes[1].set(title="Customers still active by design", xlabel="week", ylabel="% of customers")
    for ax in axes:
        ax.legend()
    return _save(fig, path)
