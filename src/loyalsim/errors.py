"""One exception hierarchy for every error a user can cause.

The CLI catches :class:`LoyalsimError`, prints its message and exits non-zero; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations


class LoyalsimError(Exception):
    """Base class of user-facing errors (bad scenario, bad flag, bad data)."""

    exit_code: int = 2


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
