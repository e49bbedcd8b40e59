"""Errors raised by calibration.

``TransactionLogError`` subclasses ``ValueError`` until the project's ``LoyalsimError`` hierarchy
exists; it will be re-parented there.
"""


class TransactionLogError(ValueError):
    """A transaction log cannot be read; the message names the file, column and what is allowed."""
