"""Run independent tasks serially, in a local process pool or on a Dask cluster.

Every task is a pure function of its arguments (a scenario, a seed, a replication: the random
streams are counter based), and results are returned in task order whatever the order they
finish in, so the three ways give the same bits. A Dask ``scheduler`` is an address
(``tcp://host:8786``) of a running ``dask scheduler``; its workers need loyalsim installed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from loyalsim.errors import LoyalsimError, SimulationError

T = TypeVar("T")
R = TypeVar("R")


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """``[fn(t) for t in tasks]``, spread over ``jobs`` processes or the Dask ``scheduler``;
    ``progress(done, total)`` is called as tasks finish."""
    if jobs < 1:
        raise SimulationError(f"jobs must be at least 1, got {jobs}")
    total = len(tasks)
    if scheduler:
        return _on_dask(fn, tasks, scheduler, progress)
    if jobs == 1 or total <= 1:
        out = []
        for task in tasks:
            out.append(fn(task))
            if progress:
                progress(len(out), total)
        return out
    results: list[Any] = []
    with ProcessPoolExecutor(max_workers=min(jobs, total)) as pool:
        for result in pool.map(fn, tasks):
            results.append(result)
            if progress:
                progress(len(results), total)
    return results


def _on_dask(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    scheduler: str,
    progress: Callable[[int, int], None] | None,
) -> list[R]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise LoyalsimError("--scheduler needs Dask: pip install 'loyalsim[distributed]'") from None
    try:
        client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError, ValueError) as exc:
        raise LoyalsimError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    try:
        futures = client.map(fn, list(tasks), pure=False)
        total = len(futures)
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress:
                progress(done, total)
        return list(client.gather(futures))
    finally:
        client.close()
