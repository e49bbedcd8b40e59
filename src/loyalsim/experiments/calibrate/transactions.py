"""Read a transaction log and summarise it per customer as recency-frequency-monetary statistics.

A log has one row per purchase: customer id, date, amount. Purchases of one customer on one day are
merged into one transaction (amounts summed), the convention of Fader and Hardie's models, which
count purchase occasions rather than order lines.
"""

import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from loyalsim.experiments.calibrate.errors import TransactionLogError

Column = str | int
TIME_UNIT_DAYS = {"day": 1, "week": 7}
_PARQUET_MAGIC = b"PAR1"
_DATES_ALLOWED = "allowed: YYYY-MM-DD (ISO 8601, time of day optional) or YYYYMMDD"


def read_transactions(
    path: str | Path,
    *,
    customer_col: Column = "customer",
    date_col: Column = "date",
    amount_col: Column = "amount",
    sep: str | None = None,
    header: bool | None = None,
) -> pd.DataFrame:
    """Read a CSV, whitespace-separated or Parquet log into columns customer, date, amount.

    Columns are given by header name or by 0-based position. For text files ``sep=None`` picks a
    comma if the first line has one and runs of whitespace otherwise; ``header=None`` assumes a
    header when any column is given by name, else detects one from a non-numeric amount in the
    first row. Same-day purchases of one customer are merged; rows come sorted by customer, date.
    """
    path = Path(path)
    if not path.is_file():
        raise TransactionLogError(
            f"{path}: no such file; expected a CSV or Parquet transaction log"
        )
    raw, where = _read_table(path, (customer_col, date_col, amount_col), sep, header)
    if raw.empty:
        raise TransactionLogError(f"{path}: the log contains no transactions")
    log = pd.DataFrame(
        {
            "customer": _parse_customers(path, raw, customer_col, where),
            "date": _parse_dates(path, raw, date_col, where),
            "amount": _parse_amounts(path, raw, amount_col, where),
        }
    )
    return log.groupby(["customer", "date"], sort=True)["amount"].sum().reset_index()


def summarise(
    log: pd.DataFrame,
    calibration_end: str | date | pd.Timestamp | None = None,
    time_unit: str = "week",
) -> pd.DataFrame:
    """Per-customer frequency, recency, T and monetary_value over the calibration period.

    The calibration period runs to ``calibration_end`` inclusive (default: the last date in the
    log). Times are whole-day differences divided by the unit, as in Fader and Hardie's CDNOW
    summary: frequency counts purchase days after the first, recency is last minus first purchase,
    T is calibration_end minus first purchase, monetary_value is the mean amount of the repeat
    transactions (NaN when there are none). Customers whose first purchase is after
    calibration_end are left out. With calibration_end given, holdout_frequency counts each
    customer's purchase days after it and holdout_duration is the holdout length up to the last
    date in the log. The time unit is kept in ``attrs["time_unit"]``.
    """
    if time_unit not in TIME_UNIT_DAYS:
        raise ValueError(f"time_unit {time_unit!r} is not allowed; allowed: day, week")
    unit_days = TIME_UNIT_DAYS[time_unit]
    daily = log.groupby(["customer", "date"], as_index=False, sort=True)["amount"].sum()
    log_end = daily["date"].max()
    end = log_end if calibration_end is None else pd.Timestamp(calibration_end).normalize()

    calib = daily[daily["date"] <= end]
    per_customer = calib.groupby("customer", sort=True).agg(
        first=("date", "min"),
        last=("date", "max"),
        days=("date", "size"),
        total=("amount", "sum"),
        first_amount=("amount", "first"),
    )
    frequency = per_customer["days"].to_numpy() - 1
    repeat_total = (per_customer["total"] - per_customer["first_amount"]).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_total / frequency, np.nan)
    summary = pd.DataFrame(
        {
            "customer": per_customer.index.to_numpy(),
            "frequency": frequency,
            "recency": (per_customer["last"] - per_customer["first"]).dt.days.to_numpy()
            / unit_days,
            "T": (end - per_customer["first"]).dt.days.to_numpy() / unit_days,
            "monetary_value": monetary,
        }
    )
    if calibration_end is not None:
        holdout = daily[daily["date"] > end].groupby("customer").size()
        counts = holdout.reindex(per_customer.index, fill_value=0).to_numpy()
        summary["holdout_frequency"] = counts
        summary["holdout_duration"] = max((log_end - end).days, 0) / unit_days
    summary.attrs["time_unit"] = time_unit
    return summary


def _read_table(
    path: Path, columns: tuple[Column, ...], sep: str | None, header: bool | None
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Read the file as strings (text) or native types (Parquet), with columns resolved by spec.

    Also returns each data row's 1-based line number in a text file (None for Parquet), so
    errors point at the line a user sees in an editor, blank lines and header included.
    """
    with path.open("rb") as handle:
        is_parquet = handle.read(4) == _PARQUET_MAGIC
    if is_parquet:
        table = pd.read_parquet(path)
        table.columns = [str(name) for name in table.columns]
        return table[[_resolve(path, table.columns, c, True) for c in columns]], None

    text = path.read_text(encoding="utf-8-sig", errors="replace")
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not numbered:
        raise TransactionLogError(f"{path}: the file is empty; expected one transaction per line")
    line_numbers = np.array([n for n, _ in numbered])
    lines = [line for _, line in numbered]
    if sep is None:
        sep = "," if "," in lines[0] else r"\s+"
    try:
        table = pd.read_csv(
            io.StringIO("\n".join(lines)), sep=sep, header=None, dtype=str, keep_default_na=False
        )
    except pd.errors.ParserError as error:
        raise TransactionLogError(
            f"{path}: rows have different numbers of fields ({error}); "
            "allowed: the same columns on every line"
        ) from error
    if header is None:
        header = any(isinstance(c, str) for c in columns) or _looks_like_header(table, columns[2])
    if header:
        table.columns = table.iloc[0].str.strip().tolist()
        table = table.iloc[1:].reset_index(drop=True)
        line_numbers = line_numbers[1:]
    else:
        table.columns = [str(i) for i in range(table.shape[1])]
    picked = table[[_resolve(path, table.columns, c, header) for c in columns]]
    return picked.apply(lambda col: col.str.strip()), line_numbers


def _looks_like_header(table: pd.DataFrame, amount_col: Column) -> bool:
    """A headerless log has a number in the amount column of its first row."""
    if not isinstance(amount_col, int) or amount_col >= table.shape[1]:
        return False
    return pd.isna(pd.to_numeric(str(table.iat[0, amount_col]).strip(), errors="coerce"))


def _resolve(path: Path, names: pd.Index, spec: Column, has_header: bool) -> str:
    """The column name for a name or 0-based position, or an error saying what exists."""
    if isinstance(spec, int):
        if 0 <= spec < len(names):
            return names[spec]
        raise TransactionLogError(
            f"{path}: column position {spec} does not exist; allowed: 0 to {len(names) - 1}"
        )
    if not has_header:
        raise TransactionLogError(
            f"{path}: column {spec!r} not found: the file has no header row; "
            "allowed: 0-based column positions"
        )
    if spec not in names:
        raise TransactionLogError(
            f"{path}: column {spec!r} not found; allowed: {', '.join(map(str, names))}"
        )
    return str(spec)


def _label(spec: Column) -> str:
    return f"at position {spec}" if isinstance(spec, int) else repr(spec)


def _first_bad(values: pd.Series, bad: np.ndarray, where: np.ndarray | None) -> tuple[object, str]:
    """The first offending value and where it is: "line N" of a text file, "row N" of Parquet."""
    row = int(np.flatnonzero(bad)[0])
    place = f"row {row + 1}" if where is None else f"line {int(where[row])}"
    return values.iloc[row], place


def _parse_customers(
    path: Path, raw: pd.DataFrame, spec: Column, where: np.ndarray | None
) -> pd.Series:
    values = raw.iloc[:, 0].astype(str)
    bad = (values.str.len() == 0).to_numpy() | raw.iloc[:, 0].isna().to_numpy()
    if bad.any():
        _, place = _first_bad(values, bad, where)
        raise TransactionLogError(
            f"{path}: column {_label(spec)}: empty customer id on {place}; "
            "allowed: any non-empty id"
        )
    return values


def _parse_dates(
    path: Path, raw: pd.DataFrame, spec: Column, where: np.ndarray | None
) -> pd.Series:
    """Parse ISO 8601 or YYYYMMDD dates (per value), normalised to calendar days."""
    values = raw.iloc[:, 1]
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
    else:
        text = values.astype(str).str.strip()
        compact = text.str.fullmatch(r"\d{8}").to_numpy()
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        parsed[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce")
        parsed[~compact] = pd.to_datetime(text[~compact], format="ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        value, place = _first_bad(values, bad, where)
        raise TransactionLogError(
            f"{path}: column {_label(spec)}: cannot read {value!r} on {place} as a date; "
            f"{_DATES_ALLOWED}"
        )
    return parsed.dt.normalize()


def _parse_amounts(
    path: Path, raw: pd.DataFrame, spec: Column, where: np.ndarray | None
) -> pd.Series:
    values = raw.iloc[:, 2]
    amounts = pd.to_numeric(values, errors="coerce").astype(float)
    bad = ~np.isfinite(amounts.to_numpy())
    if bad.any():
        value, place = _first_bad(values, bad, where)
        raise TransactionLogError(
            f"{path}: column {_label(spec)}: {value!r} on {place} is not a number; "
            "allowed: finite numbers >= 0 such as 12.50"
        )
    negative = (amounts < 0).to_numpy()
    if negative.any():
        value, place = _first_bad(values, negative, where)
        raise TransactionLogError(
            f"{path}: column {_label(spec)}: amount {value} on {place} is negative; "
            "allowed: amounts >= 0"
        )
    return amounts
