"""Tables as CSV with a Parquet copy beside them: CSV for spreadsheets, Parquet for pandas,
Polars or DuckDB (column types kept, faster to read)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loyalsim.outputs.files import write_atomic


def write_table(frame: pd.DataFrame, csv_path: Path) -> None:
    """``frame`` to ``csv_path`` and to the same name with ``.parquet`` (no index, atomic)."""
    write_atomic(csv_path, lambda tmp: frame.to_csv(tmp, index=False))
    parquet = csv_path.with_suffix(".parquet")
    write_atomic(parquet, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))
