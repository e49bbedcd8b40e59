"""Evaluate several designs on the same replications, serially or on every worker process.

Work is grouped by replication: one group holds one replication of several designs, so the
worker that runs it builds that replication's population once and simulates its no-program
control arm once (the control cache of :mod:`loyalsim.experiments.simulate`), however many
designs it evaluates. Groups are split further only when there are fewer replications than
workers, so no worker idles while another runs a serial tail. Results are keyed by (design,
replication): the completion order, and so the number of workers, cannot change them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from loyalsim.errors import SimulationError
from loyalsim.experiments.simulate import run_replication
from loyalsim.experiments.watchdog import watch_parent
from loyalsim.metrics.results import ReplicationResult, RunResult
from loyalsim.scenario.models import Scenario

Group = tuple[int, list[tuple[int, Scenario]], int, bool]
"""(replication, [(design index, design)], seed, KPIs only)."""


def groups(
    designs: Sequence[Scenario], seed: int, replications: int, jobs: int, kpis_only: bool = False
) -> list[Group]:
    """Replication-major groups of (design, replication) tasks, at least ``jobs`` of them
    when there are enough tasks (a replication's designs are split into equal slices)."""
    indexed = list(enumerate(designs))
    slices = max(1, min(len(indexed), -(-jobs // replications)))
    size = -(-len(indexed) // slices)
    return [
        (r, indexed[k : k + size], seed, kpis_only)
        for r in range(replications)
        for k in range(0, len(indexed), size)
    ]


def _run_group(group: Group) -> tuple[int, list[tuple[int, ReplicationResult]]]:
    r, items, seed, kpis_only = group
    return r, [
        (d, run_replication(design, seed, r, kpis_only=kpis_only).detached()) for d, design in items
    ]


def evaluate_designs(
    designs: Sequence[Scenario],
    seed: int,
    replications: int,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    kpis_only: bool = False,
) -> list[RunResult]:
    """Each design's run on replications ``0..R-1`` of ``seed`` (results as with ``jobs=1``).

    ``progress(done, total)`` counts finished (design, replication) tasks; ``kpis_only``
    leaves out the per-replication tables
    (:func:`~loyalsim.experiments.simulate.run_replication`).
    """
    if replications < 1:
        raise SimulationError(f"replications must be at least 1, got {replications}")
    if jobs < 1:
        raise SimulationError(f"jobs must be at least 1, got {jobs}")
    todo = groups(designs, seed, replications, jobs, kpis_only)
    total = len(designs) * replications
    out: dict[tuple[int, int], ReplicationResult] = {}

    def collect(r: int, done: list[tuple[int, ReplicationResult]]) -> None:
        for d, result in done:
            out[(d, r)] = result
        if progress:
            progress(len(out), total)

    if jobs == 1 or len(todo) == 1:
        for group in todo:
            collect(*_run_group(group))
    else:
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(todo)), initializer=watch_parent
        ) as pool:
            for future in as_completed([pool.submit(_run_group, g) for g in todo]):
                collect(*future.result())
    return [
        RunResult(
            scenario=design,
            seed=seed,
            replications=[out[(d, r)] for r in range(replications)],
        )
        for d, design in enumerate(designs)
    ]
