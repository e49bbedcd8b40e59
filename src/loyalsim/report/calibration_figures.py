"""Figure of a calibration: the holdout comparison of actual and simulated repeat purchases."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from loyalsim.experiments.calibrate.holdout import Holdout
from loyalsim.metrics.stats import LEVEL, t_quantile
from loyalsim.outputs.files import write_atomic


def plot_holdout(holdout: Holdout, path: Path, title: str) -> None:
    """Cumulative repeat transactions by week: actual, simulated (with a 95% band), analytic."""
    weekly = holdout.weekly()
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(weekly["week"], weekly["actual"], color="black", label="actual")
    t = t_quantile(LEVEL, holdout.simulated.shape[0] - 1)  # NaN, so no band, with one
    band = (t * weekly["simulated_se"]).fillna(0.0)
    ax.plot(weekly["week"], weekly["simulated"], color="tab:blue", label="simulated (engine)")
    ax.fill_between(
        weekly["week"],
        weekly["simulated"] - band,
        weekly["simulated"] + band,
        color="tab:blue",
        alpha=0.25,
        lw=0,
    )
    ax.plot(
        weekly["week"], weekly["analytic"], color="tab:orange", ls="--", label="BG/NBD analytic"
    )
    ax.axvline(holdout.calibration_weeks, color="grey", ls=":", lw=1)
    ax.text(holdout.calibration_weeks, 0.02, " holdout →", transform=ax.get_xaxis_transform())
    ax.set(xlabel="week", ylabel="cumulative repeat transactions", title=title)
    ax.legend(loc="upper left")
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
