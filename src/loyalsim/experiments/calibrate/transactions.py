"""Read a transaction log and summarise it per customer as recency-frequency-monetary statistics.

A log has one row per purchase: customer id, date, amount. Purchases of one customer on one day are
merged into one transaction (amounts summed), the convention of Fader and Hardie's models, which
count purchase occasions rather than order lines.

Real logs are messy: :func:`read_transactions` applies the documented rules of
:mod:`loyalsim.experiments.calibrate.log_cleaning` and records one note per rule it applied
(``log.attrs["cleaning"]``; the CLI prints them as warnings). The file is read in chunks by
:mod:`loyalsim.experiments.calibrate.log_reader`, keeping only the three columns needed in compact
types (5 million rows in well under 4 GB, see experiments/bench_calibrate_memory.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from loyalsim.experiments.calibrate.errors import TransactionLogError
from loyalsim.experiments.calibrate.log_cleaning import (
    REFUND_RULES,
    clean,
    parse_amounts,
    parse_customers,
    parse_dates,
)
from loyalsim.experiments.calibrate.log_reader import Column, ColumnSpec, read_columns

TIME_UNIT_DAYS = {"day": 1, "week": 7}
LOG_COLUMNS = ("customer", "date", "amount")


def read_transactions(
    path: str | Path,
    *,
    customer_col: Column = "customer",
    date_col: Column = "date",
    amount_col: Column = "amount",
    sep: str | None = None,
    header: bool | None = None,
    refunds: str = "net",
    keep_duplicates: bool = False,
) -> pd.DataFrame:
    """Read a CSV, whitespace-separated or Parquet log into columns customer, date, amount.

    Columns are given by header name or by 0-based position. For text files ``sep=None`` picks a
    comma if the first line has one and runs of whitespace otherwise; ``header=None`` assumes a
    header when any column is given by name, else detects one from a non-numeric amount in the
    first row. The cleaning rules of :mod:`~loyalsim.experiments.calibrate.log_cleaning` apply
    (notes in ``attrs["cleaning"]``). Same-day purchases of one customer are merged; rows come
    sorted by customer, date.
    """
    path = Path(path)
    if refunds not in REFUND_RULES:
        raise ValueError(f"refunds {refunds!r} is not allowed; allowed: {', '.join(REFUND_RULES)}")
    specs = (
        ColumnSpec("customer", customer_col, parse_customers),
        ColumnSpec("date", date_col, parse_dates),
        ColumnSpec("amount", amount_col, parse_amounts),
    )
    parts = read_columns(path, specs, sep=sep, header=header, number_column=amount_col)
    raw = parts.frame(LOG_COLUMNS)
    if raw.empty:
        raise TransactionLogError(f"{path}: the log contains no transactions")
    raw = clean(raw, parts, refunds, keep_duplicates)
    log = raw.groupby(["customer", "date"], sort=True)["amount"].sum().reset_index()
    log.attrs["cleaning"] = list(parts.notes)
    return log


def summarise(
    log: pd.DataFrame,
    calibration_end: str | date | pd.Timestamp | None = None,
    time_unit: str = "week",
) -> pd.DataFrame:
    """Per-customer frequency, recency, T and monetary_value over the calibration period.

    The calibration period runs to ``calibration_end`` inclusive (default: the last date in the
    log). Times are whole-day differences divided by the unit, as in Fader and Hardie's CDNOW
    summary: frequency counts purchase days after the first, recency is last minus first purchase,
    T is calibration_end minus first purchase. monetary_value is the mean amount of the repeat
    transactions with a positive value and spend_frequency their number (zero-value
    transactions count as purchases but carry no information on spend; monetary_value is NaN
    when there is none). Customers whose first purchase is after calibration_end are left out.
    With calibration_end given, holdout_frequency counts each customer's purchase days after it
    and holdout_duration is the holdout length up to the last date in the log. The time unit is
    kept in ``attrs["time_unit"]``.
    """
    if time_unit not in TIME_UNIT_DAYS:
        raise ValueError(f"time_unit {time_unit!r} is not allowed; allowed: day, week")
    unit_days = TIME_UNIT_DAYS[time_unit]
    daily = log.groupby(["customer", "date"], sort=True)["amount"].sum().reset_index()
    log_end = daily["date"].max()
    end = log_end if calibration_end is None else pd.Timestamp(calibration_end).normalize()

    calib = daily[daily["date"] <= end]
    positive = calib["amount"] > 0
    per_customer = (
        calib.assign(paid=positive.astype(int), paid_amount=calib["amount"].where(positive, 0.0))
        .groupby("customer", sort=True)
        .agg(
            first=("date", "min"),
            last=("date", "max"),
            days=("date", "size"),
            paid=("paid", "sum"),
            paid_total=("paid_amount", "sum"),
            first_amount=("amount", "first"),
        )
    )
    frequency = per_customer["days"].to_numpy() - 1
    first_paid = (per_customer["first_amount"] > 0).to_numpy()
    spend_frequency = per_customer["paid"].to_numpy() - first_paid.astype(int)
    first_value = np.where(first_paid, per_customer["first_amount"].to_numpy(), 0.0)
    repeat_total = per_customer["paid_total"].to_numpy() - first_value
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(spend_frequency > 0, repeat_total / spend_frequency, np.nan)
    summary = pd.DataFrame(
        {
            "customer": per_customer.index.to_numpy(),
            "frequency": frequency,
            "recency": (per_customer["last"] - per_customer["first"]).dt.days.to_numpy()
            / unit_days,
            "T": (end - per_customer["first"]).dt.days.to_numpy() / unit_days,
            "monetary_value": monetary,
            "spend_frequency": spend_frequency,
        }
    )
    if calibration_end is not None:
        holdout = daily[daily["date"] > end].groupby("customer").size()
        counts = holdout.reindex(per_customer.index, fill_value=0).to_numpy()
        summary["holdout_frequency"] = counts
        summary["holdout_duration"] = max((log_end - end).days, 0) / unit_days
    summary.attrs["time_unit"] = time_unit
    return summary
