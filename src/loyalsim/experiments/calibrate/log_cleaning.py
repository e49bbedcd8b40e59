"""The messy-data rules for transaction logs: how values are parsed and how lines are cleaned.

Parsers (one per kind of value) refuse what cannot be read with an error naming the file, the
column, the line and what is allowed. :func:`clean` applies these rules and records one note per
rule it applied (the CLI prints them as warnings):

- exact duplicate lines (every field equal) are dropped (``keep_duplicates=True`` keeps them);
- negative amounts are refunds: they are not purchase occasions, and by default their total is
  netted against the same customer's purchases (each purchase scaled by
  ``max(0, 1 - refunds / purchases)``); ``refunds="drop"`` ignores them;
- zero-value orders (free items, fully discounted or refunded baskets) stay purchase occasions
  for the BG/NBD purchase model and are left out of the Gamma-Gamma spend model;
- lines out of date order are sorted;
- dates with UTC offsets (``2024-01-01T23:30:00+05:00``, ``...Z``) are converted to UTC before
  taking the calendar day; dates without one are taken as UTC;
- a text file that is not valid UTF-8 is read as Latin-1 (the reader,
  :mod:`loyalsim.experiments.calibrate.log_reader`).

Dates outside 1900-01-01 to 2200-12-31 are refused with their line number.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loyalsim.experiments.calibrate.errors import TransactionLogError
from loyalsim.experiments.calibrate.log_reader import Column, Parts, Places

REFUND_RULES = ("net", "drop")
_DATES_ALLOWED = "allowed: YYYY-MM-DD (ISO 8601, time of day and UTC offset optional) or YYYYMMDD"
EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_LOOKS_LIKE_DATE = re.compile(r"^[+-]?\d{4,}-\d{1,2}-\d{1,2}")
MAX_POINTS = 10**15


def clean(raw: pd.DataFrame, parts: Parts, refunds: str, keep_duplicates: bool) -> pd.DataFrame:
    """Apply the cleaning rules of the module docstring to ``raw`` (columns customer, date,
    amount, hash and any others), noting each one applied in ``parts.notes``; drops ``hash``."""
    if refunds not in REFUND_RULES:
        raise ValueError(f"refunds {refunds!r} is not allowed; allowed: {', '.join(REFUND_RULES)}")
    place, notes = parts.place, parts.notes
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
    raw: pd.DataFrame, negative: np.ndarray, rule: str, notes: list[str], place: Places
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


def label(spec: Column) -> str:
    """How a column is named in messages."""
    return f"at position {spec}" if isinstance(spec, int) else repr(spec)


def first_bad(parts: Parts, values: pd.Series, bad: np.ndarray, offset: int) -> tuple[str, str]:
    """The first offending value (cut) and where it is."""
    row = int(np.flatnonzero(bad)[0])
    value = str(values.iloc[row])
    value = value if len(value) <= 60 else value[:59] + "…"
    return value, parts.place(offset + row)


def parse_customers(parts: Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    """Customer ids as stripped text; an empty id is an error."""
    missing = values.isna().to_numpy()
    text = values.astype(str).str.strip()
    bad = missing | (text.str.len() == 0).to_numpy()
    if bad.any():
        _, place = first_bad(parts, text, bad, offset)
        raise TransactionLogError(
            f"{parts.path}: column {label(spec)}: empty customer id on {place}; "
            "allowed: any non-empty id"
        )
    return text.to_numpy(dtype=object)


def parse_text(parts: Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    """Free text (a reward's name, a tier), stripped; empty or missing is ``""``."""
    return values.fillna("").astype(str).str.strip().to_numpy(dtype=object)


def parse_dates(parts: Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
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
            value, place = first_bad(parts, text, outside if outside.any() else ~known, offset)
            raise TransactionLogError(
                f"{parts.path}: column {label(spec)}: date {value!r} on {place} is out of "
                f"range; allowed: {EARLIEST.date()} to {LATEST.date()}"
            ) from None
    bad = parsed.isna().to_numpy()
    if bad.any():
        value, place = first_bad(parts, text, bad, offset)
        if _LOOKS_LIKE_DATE.match(value):
            raise TransactionLogError(
                f"{parts.path}: column {label(spec)}: {value!r} on {place} is not a valid date "
                f"or lies outside {EARLIEST.date()} to {LATEST.date()}; {_DATES_ALLOWED}"
            )
        raise TransactionLogError(
            f"{parts.path}: column {label(spec)}: cannot read {value!r} on {place} as a date; "
            f"{_DATES_ALLOWED}"
        )
    outside = ((parsed < EARLIEST) | (parsed > LATEST + pd.Timedelta(days=1))).to_numpy()
    if outside.any():
        value, place = first_bad(parts, text, outside, offset)
        raise TransactionLogError(
            f"{parts.path}: column {label(spec)}: date {value!r} on {place} is out of range; "
            f"allowed: {EARLIEST.date()} to {LATEST.date()}"
        )
    return parsed.dt.normalize().to_numpy()


def parse_optional_dates(parts: Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    """Dates as :func:`parse_dates`, where an empty value (or NA, NaT, null, none) is NaT."""
    if pd.api.types.is_datetime64_any_dtype(values):
        empty = values.isna().to_numpy()
        filled = values.where(~empty, pd.Timestamp("1970-01-01", tz=values.dt.tz))
    else:
        text = values.fillna("").astype(str).str.strip()
        empty = text.str.lower().isin(["", "na", "nan", "nat", "null", "none"]).to_numpy()
        filled = text.where(~empty, "19700101")  # placeholders keep rows in place for messages
    dates = parse_dates(parts, filled, spec, offset).copy()
    dates[empty] = np.datetime64("NaT")
    return dates


def _parse_text_dates(
    parts: Parts, text: pd.Series, compact: np.ndarray, parsed: pd.Series
) -> None:
    """Fill ``parsed`` from YYYYMMDD (``compact``) and ISO 8601 text, counting UTC offsets."""
    if compact.any():
        parsed[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce")
    if (~compact).any():
        iso = text[~compact]
        parts.offsets += int(iso.str.contains(_OFFSET).sum())
        stamped = pd.to_datetime(iso, format="ISO8601", errors="coerce", utc=True)
        parsed[~compact] = stamped.dt.tz_localize(None).to_numpy()


def parse_amounts(parts: Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    """Finite amounts of at most 1e12 in size; negative ones are refunds."""
    try:
        amounts = values.to_numpy().astype(float)  # fast path: C-level conversion of text
    except (ValueError, TypeError):
        amounts = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    bad = ~np.isfinite(amounts) | (np.abs(np.nan_to_num(amounts)) > 1e12)
    if bad.any():
        value, place = first_bad(parts, values, bad, offset)
        raise TransactionLogError(
            f"{parts.path}: column {label(spec)}: {value!r} on {place} is not a number of "
            "at most 1e12 in size; allowed: finite numbers such as 12.50 (negative: a refund)"
        )
    return amounts


def parse_points(parts: Parts, values: pd.Series, spec: Column, offset: int) -> np.ndarray:
    """Whole numbers of points (``12`` or ``12.0``); empty is 0; negative only as a clawback
    on a refund line (the reader of histories checks that)."""
    if pd.api.types.is_integer_dtype(values):
        points = values.to_numpy().astype(float)
    else:
        text = values.fillna("").astype(str).str.strip()
        points = pd.to_numeric(text.where(text != "", "0"), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(points) | (points != np.round(points)) | (np.abs(points) > MAX_POINTS)
    if bad.any():
        value, place = first_bad(parts, values, bad, offset)
        raise TransactionLogError(
            f"{parts.path}: column {label(spec)}: {value!r} on {place} is not a whole number "
            f"of points; allowed: whole numbers such as 120 (at most {MAX_POINTS:.0e})"
        )
    return points.astype(np.int64)
