"""The tornado chart: one-at-a-time swings of a KPI over each parameter's prior range."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from loyalsim.outputs.files import write_atomic
from loyalsim.report.formatting import label

TOP = 15


def tornado_frame(table: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Per parameter: the KPI at its 5% and 95% quantiles, widest swing first."""
    oat = table[(table["method"] == "oat") & (table["kpi"] == kpi)]
    wide = oat.pivot_table(index="parameter", columns="index", values="value", aggfunc="first")
    if wide.empty or not {"at_p05", "at_p95"} <= set(wide.columns):
        return pd.DataFrame(columns=["parameter", "low", "high", "swing"])
    frame = pd.DataFrame(
        {
            "low": wide["at_p05"],
            "high": wide["at_p95"],
            "swing": (wide["at_p95"] - wide["at_p05"]).abs(),
        }
    )
    return frame.sort_values("swing", ascending=False).reset_index()


def write_tornado(table: pd.DataFrame, kpi: str, nominal: float, currency: str, path: Path) -> bool:
    """Draw the tornado of ``kpi`` around its nominal value; False if there is nothing to draw."""
    frame = tornado_frame(table, kpi).head(TOP)
    if frame.empty:
        return False
    frame = frame.iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(frame) + 1.6))
    y = range(len(frame))
    names = [p.split(".")[-1] for p in frame["parameter"]]
    ax.barh(
        y, frame["low"] - nominal, left=nominal, color="tab:orange", label="prior's 5% quantile"
    )
    ax.barh(
        y, frame["high"] - nominal, left=nominal, color="tab:blue", label="prior's 95% quantile"
    )
    ax.axvline(nominal, color="black", lw=0.8)
    if kpi == "incremental_profit":
        ax.axvline(0, color="tab:red", lw=1.0, ls="--", label="break-even")
    ax.set_yticks(list(y), names)
    ax.set(xlabel=f"{label(kpi)} ({currency})", title=f"{label(kpi)}: one parameter at a time")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return True
