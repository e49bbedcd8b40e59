"""Read a transaction log and summarise it per customer as recency-frequency-monetary statistics.

A log has one row per purchase: customer id, date, amount. Purchases of one customer on one day are
merged into one transaction (amounts summed), the convention of Fader and Hardie's models, which
count purchase occasions rather than order lines.

Real logs are messy; :func:`read_transactions` applies these documented rules and records one
note per rule it applied (``log.attrs["cleaning"]``; the CLI prints them as warnings):

- exact duplicate lines (every field equal) are dropped (``keep_duplicates=True`` keeps them);
- negative amounts are refunds: they are not purchase occasions, and by default their total is
  netted against the same customer's purchases (each purchase scaled by
  ``max(0, 1 - refunds / purchases)``); ``refunds="drop"`` ignores them;
- zero-value orders (free items, fully discounted or refunded baskets) stay purchase occasions
  for the BG/NBD purchase model and are left out of the Gamma-Gamma spend model;
- lines out of date order are sorted;
- dates with UTC offsets (``2024-01-01T23:30:00+05:00``, ``...Z``) are converted to UTC before
  taking the calendar day; dates without one are taken as UTC;
- a text file that is not valid UTF-8 is read as Latin-1 (so ``Müller`` and ``Möller`` stay
  two customers).

Dates outside 1900-01-01 to 2200-12-31 are refused with their line number. The file is read in
chunks, keeping only the three columns needed in compact types (5 million rows in well under
4 GB, see experiments/bench_calibrate_memory.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from loyalsim.experiments.calibrate.errors import TransactionLogError

Column = str | int
TIME_UNIT_DAYS = {"day": 1, "week": 7}
REFUND_RULES = ("net", "drop")
_PARQUET_MAGIC = b"PAR1"
_DATES_ALLOWED = "allowed: YYYY-MM-DD (ISO 8601, time of day and UTC offset optional) or YYYYMMDD"
EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31")
CHUNK_ROWS = 500_000
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_LOOKS_LIKE_DATE = re.compile(r"^[+-]?\d{4,}-\d{1,2}-\d{1,2}")


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
    first row. The cleaning rules of the module docstring apply (notes in
    ``attrs["cleaning"]``). Same-day purchases of one customer are merged; rows come sorted by
    customer, date.
    """
    path = Path(path)
    if refunds not in REFUND_RULES:
        raise ValueError(f"refunds {refunds!r} is not allowed; allowed: {', '.join(REFUND_RULES)}")
    if sep is not None and not sep:
        raise TransactionLogError(
            f"{path}: --sep '': give a separator such as ',' ';' or '\\t' (or leave it out)"
        )
    if not path.exists():
        raise TransactionLogError(
            f"{path}: no such file; expected a CSV or Parquet transaction log"
        )
    if not path.is_file():
        raise TransactionLogError(f"{path}: not a regular file; expected a CSV or Parquet log")
    columns = (customer_col, date_col, amount_col)
    with path.open("rb") as handle:
        is_parquet = handle.read(4) == _PARQUET_MAGIC
    parts = _read_parquet(path, columns) if is_parquet else _read_text(path, columns, sep, header)
    raw = parts.frame()
    if raw.empty:
        raise TransactionLogError(f"{path}: the log contains no transactions")
    notes = list(parts.notes)
    raw = _clean(raw, parts, refunds, keep_duplicates, notes)
    log = raw.groupby(["customer", "date"], sort=True)["amount"].sum().reset_index()
    log.attrs["cleaning"] = notes
    return log


@dataclass
class _Parts:
    """Columns read chunk by chunk, with what is needed to name lines in messages."""

    path: Path
    place: _Places
    customers: list[np.ndarray] = field(default_factory=list)
    dates: list[np.ndarray] = field(default_factory=list)
    amounts: list[np.ndarray] = field(default_factory=list)
    hashes: list[np.ndarray] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    offsets: int = 0

    def frame(self) -> pd.DataFrame:
        if not self.customers:
            return pd.DataFrame({"customer": [], "date": [], "amount": [], "hash": []})
        return pd.DataFrame(
            {
                "customer": np.concatenate(self.customers),
                "date": np.concatenate(self.dates),
                "amount": np.concatenate(self.amounts),
                "hash": np.concatenate(self.hashes),
            }
        )


@dataclass
class _Places:
    """Turns a data row number into what a user sees: "line N" of a text file (blank lines and
    header counted), "row N" of a Parquet file."""

    path: Path
    text: bool
    header: bool = False
    encoding: str = "utf-8-sig"

    def __call__(self, row: int) -> str:
        if not self.text:
            return f"row {row + 1}"
        wanted = row + (1 if self.header else 0)
        seen = -1
        with self.path.open(encoding=self.encoding, errors="replace", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    seen += 1
                    if seen == wanted:
                        return f"line {number}"
        return f"data row {row + 1}"


def _read_text(
    path: Path, columns: tuple[Column, ...], sep: str | None, header: bool | None
) -> _Parts:
    encoding = "utf-8-sig"
    try:
        return _read_text_as(path, columns, sep, header, encoding)
    except UnicodeDecodeError as error:
        parts = _read_text_as(path, columns, sep, header, "latin-1")
        parts.notes.insert(
            0,
            f"the file is not valid UTF-8 (byte 0x{error.object[error.start]:02x} at offset "
            f"{error.start}); read as Latin-1",
        )
        return parts


def _first_line(path: Path, encoding: str) -> str | None:
    with path.open(encoding=encoding, newline="") as handle:
        for line in handle:
            if line.strip():
                return line.rstrip("\r\n")
    return None


def _read_text_as(
    path: Path, columns: tuple[Column, ...], sep: str | None, header: bool | None, encoding: str
) -> _Parts:
    first = _first_line(path, encoding)
    if first is None:
        raise TransactionLogError(f"{path}: the file is empty; expected one transaction per line")
    if sep is None:
        sep = "," if "," in first else r"\s+"
    try:
        head = pd.read_csv(
            path, sep=sep, header=None, dtype=str, keep_default_na=False, nrows=1,
            encoding=encoding, skip_blank_lines=True,
        )  # fmt: skip
    except (pd.errors.ParserError, ValueError) as error:
        raise TransactionLogError(f"{path}: cannot read the first line ({error})") from None
    if header is None:
        header = any(isinstance(c, str) for c in columns) or _looks_like_header(head, columns[2])
    names = (
        [str(v).strip() for v in head.iloc[0]] if header else [str(i) for i in range(head.shape[1])]
    )
    picked = [_resolve(path, names, c, header) for c in columns]
    positions = [names.index(p) for p in picked]
    place = _Places(path, True, header, encoding)
    parts = _Parts(path, place)
    try:
        reader = pd.read_csv(
            path, sep=sep, header=None, dtype=str, keep_default_na=False,
            chunksize=CHUNK_ROWS, encoding=encoding, skip_blank_lines=True,
        )  # fmt: skip
        offset = 0
        for number, chunk in enumerate(reader):
            if header and number == 0:
                chunk = chunk.iloc[1:]
            if chunk.shape[1] != len(names):
                raise TransactionLogError(
                    f"{path}: rows have {chunk.shape[1]} fields, the first line {len(names)}; "
                    "allowed: the same columns on every line"
                )
            _add_chunk(parts, chunk.iloc[:, positions], chunk, offset, columns)
            offset += len(chunk)
    except pd.errors.ParserError as error:
        raise TransactionLogError(
            f"{path}: rows have different numbers of fields ({_short(error)}); "
            "allowed: the same columns on every line"
        ) from None
    except pd.errors.EmptyDataError:
        pass
    return parts


def _short(error: Exception) -> str:
    return str(error).strip().splitlines()[-1][:200]


def _read_parquet(path: Path, columns: tuple[Column, ...]) -> _Parts:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
        names = [str(n) for n in source.schema_arrow.names]
        picked = [_resolve(path, names, c, True) for c in columns]
        parts = _Parts(path, _Places(path, False))
        offset = 0
        for batch in source.iter_batches(batch_size=CHUNK_ROWS):
            chunk = batch.to_pandas()
            chunk.columns = names
            _add_chunk(parts, chunk[picked], chunk, offset, columns)
            offset += len(chunk)
    except TransactionLogError:
        raise
    except (pa.ArrowException, OSError, ValueError) as error:
        raise TransactionLogError(
            f"{path}: not a readable Parquet file ({type(error).__name__}: {_short(error)}); "
            "timestamps must lie between 1678 and 2262"
        ) from None
    return parts


def _add_chunk(
    parts: _Parts, picked: pd.DataFrame, whole: pd.DataFrame, offset: int, specs: tuple[Column, ...]
) -> None:
    customers = _parse_customers(parts, picked.iloc[:, 0], specs[0], offset)
    dates = _parse_dates(parts, picked.iloc[:, 1], specs[1], offset)
    amounts = _parse_amounts(parts, picked.iloc[:, 2], specs[2], offset)
    parts.customers.append(customers)
    parts.dates.append(dates)
    parts.amounts.append(amounts)
    parts.hashes.append(pd.util.hash_pandas_object(whole, index=False).to_numpy())


def _clean(
    raw: pd.DataFrame, parts: _Parts, refunds: str, keep_duplicates: bool, notes: list[str]
) -> pd.DataFrame:
    """Apply the cleaning rules of the module docstring, noting each one applied."""
    place = parts.place
    if parts.offsets:
        notes.append(
            f"{parts.offsets} date(s) carry a UTC offset; all dates were converted to UTC "
            "before taking the calendar day (dates without an offset are taken as UTC)"
        )
    if not keep_duplicates:
        duplicated = raw["hash"].duplicated().to_numpy()
        if duplicated.any():
            first = int(np.flatnonzero(duplicated)[0])
            notes.append(
                f"{int(duplicated.sum())} exact duplicate line(s) dropped (the first on "
                f"{place(first)}); pass --keep-duplicates if they are real repeat purchases"
            )
            raw = raw[~duplicated]
    order = raw["date"].to_numpy()
    if len(order) > 1 and (np.diff(order.astype("int64")) < 0).any():
        first = int(np.flatnonzero(np.diff(order.astype("int64")) < 0)[0]) + 1
        where = place(int(raw.index[first]))
        notes.append(
            f"lines are not in date order (the first out of order on {where}); "
            "sorted, which does not change the fit"
        )
    negative = (raw["amount"] < 0).to_numpy()
    if negative.any():
        raw = _refunds(raw, negative, refunds, notes, place)
    zero = int((raw["amount"] == 0).sum())
    if zero:
        notes.append(
            f"{zero} zero-value line(s) (free items, fully discounted or refunded orders) kept as "
            "purchase occasions in the purchase model and left out of the spend model"
        )
    return raw.drop(columns="hash")


def _refunds(
    raw: pd.DataFrame, negative: np.ndarray, rule: str, notes: list[str], place: _Places
) -> pd.DataFrame:
    refunds = raw[negative]
    kept = raw[~negative]
    where = place(int(raw.index[int(np.flatnonzero(negative)[0])]))
    total = -float(refunds["amount"].sum())
    if rule == "drop":
        notes.append(
            f"{len(refunds)} negative amount(s) (refunds totalling {total:,.2f}, the first on "
            f"{where}) dropped: not purchase occasions, not netted"
        )
        return kept
    codes, _ = pd.factorize(raw["customer"])
    count = int(codes.max()) + 1
    refunded = np.bincount(codes[negative], -raw["amount"].to_numpy()[negative], count)
    bought = np.bincount(codes[~negative], raw["amount"].to_numpy()[~negative], count)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(bought > 0, np.clip(1.0 - refunded / bought, 0.0, None), 1.0)
    kept = kept.assign(amount=kept["amount"].to_numpy() * factor[codes[~negative]])
    orphans = int(((refunded > 0) & (bought <= 0)).sum())
    notes.append(
        f"{len(refunds)} negative amount(s) (refunds totalling {total:,.2f}, the first on "
        f"{where}) netted against the same customers' purchases (each scaled by 1 - refunds / "
        "purchases, at least 0) and not counted as purchase occasions"
        + (f"; {orphans} customer(s) had refunds but no purchase" if orphans else "")
    )
    return kept


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


def _looks_like_header(table: pd.DataFrame, amount_col: Column) -> bool:
    """A headerless log has a number in the amount column of its first row."""
    if not isinstance(amount_col, int) or amount_col >= table.shape[1]:
        return False
    return pd.isna(pd.to_numeric(str(table.iat[0, amount_col]).strip(), errors="coerce"))


def _resolve(path: Path, names: list[str], spec: Column, has_header: bool) -> str:
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
        shown = ", ".join(map(str, names[:20])) + (", ..." if len(names) > 20 else "")
        raise TransactionLogError(f"{path}: column {spec!r} not found; allowed: {shown}")
    return str(spec)


def _label(spec: Column) -> str:
    return f"at position {spec}" if isinstance(spec, int) else repr(spec)


def _first_bad(parts: _Parts, values: pd.Series, bad: np.ndarray, offset: int) -> tuple[str, str]:
    """The first offending value (cut) and where it is."""
    row = int(np.flatnonzero(bad)[0])
    value = str(values.iloc[row])
    value = value if len(value) <= 60 else value[:59] + "…"
    return value, parts.place(offset + row)


def _parse_customers(parts: _Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    missing = values.isna().to_numpy()
    text = values.astype(str).str.strip()
    bad = missing | (text.str.len() == 0).to_numpy()
    if bad.any():
        _, place = _first_bad(parts, text, bad, offset)
        raise TransactionLogError(
            f"{parts.path}: column {_label(spec)}: empty customer id on {place}; "
            "allowed: any non-empty id"
        )
    return text.to_numpy(dtype=object)


def _parse_dates(parts: _Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    """Parse ISO 8601 (UTC offsets converted to UTC) or YYYYMMDD dates to calendar days."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_convert("UTC").dt.tz_localize(None) if values.dt.tz else values
        parsed = parsed.astype("datetime64[ns]")
        text = parsed.astype(str)
    else:
        text = values.astype(str).str.strip()
        compact = ((text.str.len() == 8) & text.str.isdigit()).to_numpy()
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        try:
            _parse_text_dates(parts, text, compact, parsed)
        except pd.errors.OutOfBoundsDatetime:  # a year pandas cannot hold: find and name it
            year = pd.to_numeric(text.str.extract(r"^([+-]?\d{4,})", expand=False), "coerce")
            known = ~np.isnan(year.to_numpy(dtype=float))
            plausible = ((year >= EARLIEST.year) & (year <= LATEST.year)).to_numpy()
            outside = known & ~plausible
            value, place = _first_bad(parts, text, outside if outside.any() else ~known, offset)
            raise TransactionLogError(
                f"{parts.path}: column {_label(spec)}: date {value!r} on {place} is out of "
                f"range; allowed: {EARLIEST.date()} to {LATEST.date()}"
            ) from None
    bad = parsed.isna().to_numpy()
    if bad.any():
        value, place = _first_bad(parts, text, bad, offset)
        if _LOOKS_LIKE_DATE.match(value):
            raise TransactionLogError(
                f"{parts.path}: column {_label(spec)}: {value!r} on {place} is not a valid date "
                f"or lies outside {EARLIEST.date()} to {LATEST.date()}; {_DATES_ALLOWED}"
            )
        raise TransactionLogError(
            f"{parts.path}: column {_label(spec)}: cannot read {value!r} on {place} as a date; "
            f"{_DATES_ALLOWED}"
        )
    outside = ((parsed < EARLIEST) | (parsed > LATEST + pd.Timedelta(days=1))).to_numpy()
    if outside.any():
        value, place = _first_bad(parts, text, outside, offset)
        raise TransactionLogError(
            f"{parts.path}: column {_label(spec)}: date {value!r} on {place} is out of range; "
            f"allowed: {EARLIEST.date()} to {LATEST.date()}"
        )
    return parsed.dt.normalize().to_numpy()


def _parse_text_dates(
    parts: _Parts, text: pd.Series, compact: np.ndarray, parsed: pd.Series
) -> None:
    """Fill ``parsed`` from YYYYMMDD (``compact``) and ISO 8601 text, counting UTC offsets."""
    if compact.any():
        parsed[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce")
    if (~compact).any():
        iso = text[~compact]
        parts.offsets += int(iso.str.contains(_OFFSET).sum())
        stamped = pd.to_datetime(iso, format="ISO8601", errors="coerce", utc=True)
        parsed[~compact] = stamped.dt.tz_localize(None).to_numpy()


def _parse_amounts(parts: _Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    try:
        amounts = values.to_numpy().astype(float)  # fast path: C-level conversion of text
    except (ValueError, TypeError):
        amounts = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    bad = ~np.isfinite(amounts) | (np.abs(np.nan_to_num(amounts)) > 1e12)
    if bad.any():
        value, place = _first_bad(parts, values, bad, offset)
        raise TransactionLogError(
            f"{parts.path}: column {_label(spec)}: {value!r} on {place} is not a number of "
            "at most 1e12 in size; allowed: finite numbers such as 12.50 (negative: a refund)"
        )
    return amounts
