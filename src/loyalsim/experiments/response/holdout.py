"""Holdout check on a time split: fit on the history up to a date, predict what came after.

The predicted quantities are per customer seen in the calibration period (so observed and
simulated populations of different sizes compare): holdout visits, holdout redemptions, and
the holdout period's breakage (``1 - points redeemed / points earned`` in that period).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from loyalsim.experiments.response.history import ProgramHistory

HOLDOUT_KEYS = ("visits_per_customer", "redemptions_per_customer", "breakage")


def truncate(history: ProgramHistory, end: dt.date) -> ProgramHistory:
    """The history as it stood at the close of ``end``: later transactions, enrolments and
    forfeits removed, balances (when given) set back by the points that moved after ``end``."""
    stamp = pd.Timestamp(end)
    tx = history.transactions
    early = tx[tx["date"] <= stamp]
    members = history.members.copy()
    members.loc[members["enrolled"] > stamp, "enrolled"] = pd.NaT
    expiries, events = history.expiries, history.events
    if expiries is not None:
        expiries = expiries[expiries["date"] <= stamp]
    if events is not None:
        events = events[events["date"] <= stamp]
    if "balance" in members.columns:
        late = tx[tx["date"] > stamp]
        flow = (late["points_earned"] - late["points_redeemed"]).groupby(late["customer"]).sum()
        if history.expiries is not None:
            gone = history.expiries[history.expiries["date"] > stamp]
            flow = flow.sub(gone.groupby("customer")["points"].sum(), fill_value=0)
        if history.events is not None:
            moved = history.events[history.events["date"] > stamp]
            net = moved["points_earned"] - moved["points_redeemed"]
            flow = flow.add(net.groupby(moved["customer"]).sum(), fill_value=0)
        back = members["customer"].map(flow).fillna(0).astype(np.int64)
        members["balance"] = (members["balance"].fillna(0).astype(np.int64) - back).clip(lower=0)
    return dataclasses.replace(
        history,
        transactions=early.reset_index(drop=True),
        members=members,
        end=stamp,
        expiries=expiries,
        events=events,
    )


def holdout_quantities(history: ProgramHistory, cut: dt.date) -> dict[str, float]:
    """Holdout visits and redemptions per customer seen by ``cut``, and holdout breakage."""
    tx = history.transactions
    stamp = pd.Timestamp(cut)
    seen = tx.loc[tx["date"] <= stamp, "customer"].unique()
    late = tx[(tx["date"] > stamp) & tx["customer"].isin(seen)]
    visits = late.groupby(["customer", late["date"].dt.normalize()]).ngroups
    n = max(len(seen), 1)
    earned = float(late["points_earned"].sum())
    redeemed = float(late["points_redeemed"].sum())
    return {
        "visits_per_customer": visits / n,
        "redemptions_per_customer": float((late["points_redeemed"] > 0).sum()) / n,
        "breakage": 1.0 - redeemed / earned if earned > 0 else float("nan"),
    }


def holdout_errors(observed: dict[str, float], simulated: list[dict[str, float]]) -> dict:
    """Observed and predicted holdout quantities, the relative error of the prediction (the
    breakage error in points of share) and the spread of the simulations."""
    out = {}
    for key in HOLDOUT_KEYS:
        values = np.array([s[key] for s in simulated], dtype=float)
        pred = float(np.mean(values))
        actual = float(observed[key])
        error = pred - actual if key == "breakage" else (pred / actual - 1.0 if actual else np.nan)
        out[key] = {
            "observed": actual,
            "predicted": pred,
            "prediction_sd": float(np.std(values, ddof=1)) if values.size > 1 else None,
            "error": float(error),
            "error_kind": "difference" if key == "breakage" else "relative",
        }
    return out
