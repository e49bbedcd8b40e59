"""Where the CDNOW reference data live and the study's calibration cut-off (a named module,
not ``conftest``: under pytest-xdist ``from conftest import`` can pick another directory's)."""

from pathlib import Path

CDNOW = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "cdnow"
CDNOW_CALIBRATION_END = "1997-09-30"  # end of week 39 of the CDNOW study
