"""Memory and time a run will need, estimated from the scenario before anything is allocated.

A run that cannot fit in the memory available to this process is refused with the estimate;
a long run says how long it should take when it starts. The figures come from measurements of
the engine (README "Performance": about 500 bytes per customer row and arm on the shipped
scenarios, 20 M or more customer-days per second and core on the development machine); they
are estimates, deliberately on the high side for memory.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass, replace
from pathlib import Path

from loyalsim import mechanics as mechanic_registry
from loyalsim.errors import SimulationError
from loyalsim.scenario.models import Scenario

PROCESS_BYTES = 250e6
"""Interpreter, numpy, pandas and the engine's fixed arrays (about 140 MB measured) plus margin."""
ROW_BYTES = 700
"""Working memory per population row while a replication runs (450-700 measured)."""
KEPT_ROW_BYTES = 400
"""Memory per row that a finished replication keeps (per-customer totals of both arms)."""
CUSTOMER_DAYS_PER_SECOND = 20e6
"""Engine speed assumed for the time estimate (program and control arm counted separately)."""
RECORDED_VISIT_BYTES = 250
"""Memory per recorded visit of ``run --transactions`` (38 bytes of raw arrays, the frames with
text ids and their sorted copies; on the high side)."""
RECORDED_LIFT = 1.5
"""Margin on the no-program visit rate for the program arm's lift."""
LONG_RUN_SECONDS = 60.0
"""Runs estimated to take longer than this announce the estimate when they start."""


@dataclass(frozen=True)
class Budget:
    """What a run needs: peak memory in bytes and wall time in seconds (estimates)."""

    memory: float
    seconds: float
    rows: int
    customer_days: float

    @property
    def long(self) -> bool:
        return self.seconds > LONG_RUN_SECONDS

    def announcement(self) -> str:
        """One line for the console when the run starts."""
        return (
            f"estimated run time about {duration(self.seconds)} "
            f"({self.customer_days:.3g} customer-days), peak memory about "
            f"{gigabytes(self.memory)}"
        )


def estimate(
    scenario: Scenario, replications: int, designs: int = 1, jobs: int = 1, kept: bool = True
) -> Budget:
    """The budget of ``replications`` of ``designs`` program designs on ``jobs`` processes.

    ``kept``: finished replications stay in memory (``simulate`` keeps them; ``compare`` and
    ``optimize`` keep only their KPIs)."""
    size = scenario.population.size
    rows = size + mechanic_registry.reserve_rows(scenario.program, size)
    per_row = ROW_BYTES + sum(
        mechanic_registry.REGISTRY[p.kind].bytes_per_row(p) for p in scenario.program.values()
    )
    parallel = max(1, min(jobs, replications * designs))
    memory = parallel * (PROCESS_BYTES + rows * per_row)
    if kept:
        memory += rows * KEPT_ROW_BYTES * max(0, replications - 1) * designs
    days = scenario.horizon.total_days
    customer_days = float(rows) * days * replications * (designs + 1)
    seconds = customer_days / CUSTOMER_DAYS_PER_SECOND / parallel
    return Budget(memory, seconds, rows, customer_days)


def with_recording(budget: Budget, scenario: Scenario) -> Budget:
    """``budget`` plus the memory of recording one replication's transactions (both arms): the
    expected visits of the mean base rate ``r / alpha`` of each segment, lifted for the
    program."""
    spec = scenario.population
    per_day = sum(s.share * s.purchase.r / s.purchase.alpha / s.purchase.days_per_unit()
                  for s in spec.segments)  # fmt: skip
    visits = budget.rows * per_day * scenario.horizon.total_days * (1.0 + RECORDED_LIFT)
    return replace(budget, memory=budget.memory + visits * RECORDED_VISIT_BYTES)


def require_fits(budget: Budget, what: str = "this run") -> None:
    """Refuse a run whose memory estimate exceeds what this process can get."""
    available = available_memory()
    if available is None or budget.memory <= available:
        return
    raise SimulationError(
        f"{what} needs about {gigabytes(budget.memory)} of memory ({budget.rows:,} population "
        f"rows) but only {gigabytes(available)} is available; lower population.size, the "
        "replications or --jobs"
    )


def available_memory() -> float | None:
    """Bytes this process can still allocate: the least of the system's available memory,
    the cgroup's remaining limit and the address-space limit (None if none is known)."""
    limits = [m for m in (_meminfo_available(), _cgroup_remaining(), _rlimit_remaining()) if m]
    return min(limits) if limits else None


def _meminfo_available() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_remaining() -> float | None:
    root = Path("/sys/fs/cgroup")
    try:
        limit = (root / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return float(limit) - float((root / "memory.current").read_text())
    except (OSError, ValueError):
        return None


def _rlimit_remaining() -> float | None:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        used = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    return float(soft - used)


def gigabytes(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"
