"""Read chosen columns of a CSV, whitespace-separated or Parquet file, chunk by chunk.

A reader knows files, not values: it finds the columns (by header name or 0-based position),
reads the file in chunks of ``CHUNK_ROWS`` rows, hands each column's chunk to the column's parser
(:mod:`loyalsim.experiments.calibrate.log_cleaning` holds the parsers and the cleaning rules) and
keeps a hash of every whole line so exact duplicates can be found later. A text file that is not
valid UTF-8 is read as Latin-1, with a note. Errors name the file, the line and what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from loyalsim.experiments.calibrate.errors import TransactionLogError

Column = str | int
CHUNK_ROWS = 500_000
_PARQUET_MAGIC = b"PAR1"

Parser = Callable[["Parts", pd.Series, Column, int], np.ndarray]
"""Turns one chunk of a column into an array: ``(parts, values, column, first row)``."""


@dataclass(frozen=True)
class ColumnSpec:
    """One column to read: its name in the result, where it is in the file, how to parse it.

    An optional column (``required=False``, given by header name) that the file lacks is
    simply absent from the result."""

    name: str
    column: Column
    parse: Parser
    required: bool = True


@dataclass
class Places:
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


@dataclass
class Parts:
    """Columns read chunk by chunk, with what is needed to name lines in messages."""

    path: Path
    place: Places
    columns: dict[str, list[np.ndarray]] = field(default_factory=dict)
    hashes: list[np.ndarray] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    offsets: int = 0
    """Dates seen with a UTC offset (the date parser counts them)."""

    def frame(self, names: Sequence[str]) -> pd.DataFrame:
        """The columns read (those of ``names`` present), plus ``hash`` (of each whole line)."""
        present = [n for n in names if n in self.columns]
        if not self.hashes:
            return pd.DataFrame({n: [] for n in [*present, "hash"]})
        data = {n: np.concatenate(self.columns[n]) for n in present}
        data["hash"] = np.concatenate(self.hashes)
        return pd.DataFrame(data)


def read_columns(
    path: Path,
    specs: Sequence[ColumnSpec],
    *,
    sep: str | None = None,
    header: bool | None = None,
    number_column: Column | None = None,
    what: str = "transaction log",
) -> Parts:
    """Read the columns ``specs`` of the file at ``path`` (CSV, whitespace or Parquet).

    For text files ``sep=None`` picks a comma if the first line has one and runs of whitespace
    otherwise; ``header=None`` assumes a header when any column is given by name, else detects
    one from a non-numeric value in ``number_column`` of the first row. ``what`` names the kind
    of file in messages about a missing or unreadable file."""
    if sep is not None and not sep:
        raise TransactionLogError(
            f"{path}: --sep '': give a separator such as ',' ';' or '\\t' (or leave it out)"
        )
    if not path.exists():
        raise TransactionLogError(f"{path}: no such file; expected a CSV or Parquet {what}")
    if not path.is_file():
        raise TransactionLogError(f"{path}: not a regular file; expected a CSV or Parquet {what}")
    with path.open("rb") as handle:
        is_parquet = handle.read(4) == _PARQUET_MAGIC
    if is_parquet:
        return _read_parquet(path, specs)
    return _read_text(path, specs, sep, header, number_column, what)


def _read_text(
    path: Path,
    specs: Sequence[ColumnSpec],
    sep: str | None,
    header: bool | None,
    number_column: Column | None,
    what: str,
) -> Parts:
    encoding = "utf-8-sig"
    try:
        return _read_text_as(path, specs, sep, header, number_column, encoding, what)
    except UnicodeDecodeError as error:
        parts = _read_text_as(path, specs, sep, header, number_column, "latin-1", what)
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
    path: Path,
    specs: Sequence[ColumnSpec],
    sep: str | None,
    header: bool | None,
    number_column: Column | None,
    encoding: str,
    what: str,
) -> Parts:
    first = _first_line(path, encoding)
    if first is None:
        raise TransactionLogError(f"{path}: the file is empty; expected a {what}, a record a line")
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
        named = any(isinstance(s.column, str) for s in specs)
        header = named or _looks_like_header(head, number_column)
    names = (
        [str(v).strip() for v in head.iloc[0]] if header else [str(i) for i in range(head.shape[1])]
    )
    found = _found(path, names, specs, header)
    positions = [names.index(picked) for _, picked in found]
    parts = Parts(path, Places(path, True, header, encoding))
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
            _add_chunk(parts, found, chunk.iloc[:, positions], chunk, offset)
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


def _read_parquet(path: Path, specs: Sequence[ColumnSpec]) -> Parts:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
        names = [str(n) for n in source.schema_arrow.names]
        found = _found(path, names, specs, True)
        parts = Parts(path, Places(path, False))
        offset = 0
        for batch in source.iter_batches(batch_size=CHUNK_ROWS):
            chunk = batch.to_pandas()
            chunk.columns = names
            _add_chunk(parts, found, chunk[[picked for _, picked in found]], chunk, offset)
            offset += len(chunk)
    except TransactionLogError:
        raise
    except (pa.ArrowException, OSError, ValueError) as error:
        raise TransactionLogError(
            f"{path}: not a readable Parquet file ({type(error).__name__}: {_short(error)}); "
            "timestamps must lie between 1678 and 2262"
        ) from None
    return parts


def _found(
    path: Path, names: list[str], specs: Sequence[ColumnSpec], header: bool
) -> list[tuple[ColumnSpec, str]]:
    """Each spec with the file's column name for it; optional named columns may be absent."""
    found = []
    for spec in specs:
        if not spec.required and isinstance(spec.column, str) and spec.column not in names:
            continue
        found.append((spec, _resolve(path, names, spec.column, header)))
    return found


def _add_chunk(
    parts: Parts,
    found: list[tuple[ColumnSpec, str]],
    picked: pd.DataFrame,
    whole: pd.DataFrame,
    offset: int,
) -> None:
    for position, (spec, _) in enumerate(found):
        values = spec.parse(parts, picked.iloc[:, position], spec.column, offset)
        parts.columns.setdefault(spec.name, []).append(values)
    parts.hashes.append(pd.util.hash_pandas_object(whole, index=False).to_numpy())


def _looks_like_header(table: pd.DataFrame, number_column: Column | None) -> bool:
    """A headerless file has a number in its number column (the amount) in the first row."""
    if not isinstance(number_column, int) or number_column >= table.shape[1]:
        return False
    return pd.isna(pd.to_numeric(str(table.iat[0, number_column]).strip(), errors="coerce"))


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
