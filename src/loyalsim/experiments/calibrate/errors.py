"""Errors raised by calibration: user-facing data problems, so the CLI prints them and exits 2."""

from loyalsim.errors import DataError


class TransactionLogError(DataError):
    """A transaction log cannot be read; the message names the file, column and what is allowed."""


class CalibrationError(DataError):
    """The log was read but cannot be calibrated (too little data, a spend model without a mean)."""
