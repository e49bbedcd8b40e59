"""One exception hierarchy for every error a user can cause, and the CLI's exit codes.

The CLI catches :class:`LoyalsimError`, prints its message as one ``error:`` line (plus an
optional ``hint:`` line) and exits with the error's :attr:`~LoyalsimError.exit_code`. The codes
are a contract, listed in docs/exit-codes.md.
"""

from __future__ import annotations

EXIT_OK = 0
"""The command did what was asked."""
EXIT_INPUT = 2
"""Bad input: command line, scenario file, ``--set`` override or data file."""
EXIT_OUTPUT = 3
"""The outputs cannot be written: folder refused, permission denied, disk full."""
EXIT_FAILED = 4
"""The computation could not finish: no trial completed, a worker process crashed."""
EXIT_INTERNAL = 70
"""A bug in loyalsim (``LOYALSIM_DEBUG=1`` shows the traceback)."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C)."""


class LoyalsimError(Exception):
    """Base class of user-facing errors (bad scenario, bad flag, bad data).

    ``hint`` is an optional second line telling the user what to do about it."""

    exit_code: int = EXIT_INPUT

    def __init__(self, message: str = "", *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class ScenarioError(LoyalsimError):
    """A scenario file or override does not satisfy the scenario schema."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''}"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in problems))


class OverrideError(LoyalsimError):
    """A ``--set path=value`` override is malformed or names no field."""


class DataError(LoyalsimError):
    """An input data file (for example a transaction log) is unusable."""


class SimulationError(LoyalsimError):
    """A run was asked for something the engine cannot do (for example zero replications)."""


class OutputError(LoyalsimError):
    """The output folder cannot be used or written (refused, permission, disk full)."""

    exit_code = EXIT_OUTPUT


class RunFailedError(LoyalsimError):
    """The computation could not finish (for example no optimisation trial completed)."""

    exit_code = EXIT_FAILED
