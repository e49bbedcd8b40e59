"""Helpers shared by tests: shipped scenarios shrunk to test size, the CLI in a subprocess."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from loyalsim.scenario.loader import load_scenario, with_overrides
from loyalsim.scenario.models import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def small(scenario: Scenario, size: int = 3000, weeks: int = 26, reps: int = 2) -> Scenario:
    """The same design on fewer customers and a shorter horizon."""
    return with_overrides(
        scenario,
        {"population.size": size, "horizon": {"weeks": weeks}, "replications": reps},
    )


def shipped(name: str, **shrink: int) -> Scenario:
    """A shipped scenario by file stem, shrunk with :func:`small`."""
    return small(load_scenario(ROOT / "scenarios" / f"{name}.yaml"), **shrink)


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same mapping with every key order under it shuffled (lists keep their order)."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


def cli(
    *args: str, cwd: Path | None = ROOT, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """``loyalsim ARGS`` in a fresh interpreter (as a user runs it), output captured."""
    return subprocess.run(
        [sys.executable, "-c", "from loyalsim.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
