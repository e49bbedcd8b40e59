"""Figure of a response calibration: observed against simulated moments, by family."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from loyalsim.outputs.files import write_atomic


def plot_moments(record: dict[str, Any], path: Path) -> None:
    """One panel per moment family: observed (with a 95% bootstrap bar) and simulated at the
    estimate."""
    moments = [m for m in record["moments"] if m["used"]]
    families = list(dict.fromkeys(m["family"] for m in moments))
    cols = 2
    rows = max(1, -(-len(families) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 3.2 * rows), squeeze=False)
    for ax, family in zip(axes.ravel(), families, strict=False):
        group = [m for m in moments if m["family"] == family]
        x = np.arange(len(group))
        obs = np.array([m["observed"] for m in group], dtype=float)
        se = np.array([m["observed_se"] or 0.0 for m in group], dtype=float)
        sim = np.array([np.nan if m["simulated"] is None else m["simulated"] for m in group])
        ax.errorbar(x, obs, yerr=1.96 * se, fmt="o", color="black", label="observed (95%)")
        ax.plot(x, sim, "s", color="tab:blue", label="simulated at the estimate")
        ax.set_xticks(
            x, [m["name"].replace("_", " ") for m in group], rotation=30, ha="right", fontsize=7
        )
        ax.set_title(family, fontsize=10)
    for ax in axes.ravel()[len(families) :]:
        ax.axis("off")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Moments: observed against simulated")
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)
