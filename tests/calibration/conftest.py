"""Shared fixtures: the CDNOW reference data from ../shared, skipped when it is not there."""

from pathlib import Path

import pandas as pd
import pytest
from cdnow_data import CDNOW, CDNOW_CALIBRATION_END

from loyalsim.experiments.calibrate.transactions import read_transactions, summarise


@pytest.fixture(scope="session")
def cdnow_dir() -> Path:
    if not (CDNOW / "CDNOW_sample.txt").is_file():
        pytest.skip(f"CDNOW reference data not found at {CDNOW} (shared/data/cdnow)")
    return CDNOW


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_dir: Path) -> pd.DataFrame:
    """Weeks 1-39 summary of the raw sample log: sample id, date, dollar value columns."""
    log = read_transactions(
        cdnow_dir / "CDNOW_sample.txt", customer_col=1, date_col=2, amount_col=4
    )
    return summarise(log, calibration_end=CDNOW_CALIBRATION_END, time_unit="week")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the CDNOW reference data must run in CI (see the ``service`` marker)."""
    for item in items:
        if "cdnow_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.service)
