"""Helpers shared by tests: shipped scenarios shrunk to test size, the CLI in a subprocess or
in this process."""

from __future__ import annotations

import contextlib
import io
import os
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


def run_cli(*args: str, cwd: Path | None = ROOT) -> subprocess.CompletedProcess[str]:
    """``loyalsim ARGS`` through the same entry point as :func:`cli` (``main``: its exit codes,
    its one-line errors) but in this process, so a test pays no interpreter and import start-up.
    For tests that are not about the process boundary; each command keeps at least one test
    through :func:`cli`."""
    from loyalsim.cli.app import main
    from loyalsim.outputs import provenance

    stdout, stderr = io.StringIO(), io.StringIO()
    here, remembered = Path.cwd(), provenance._argv
    code: int | str | None = 0
    try:
        os.chdir(cwd or here)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code
    finally:
        os.chdir(here)
        provenance._argv = remembered  # main() remembered ARGS for provenance.json
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["loyalsim", *args], returncode, stdout.getvalue(),
                                       stderr.getvalue())  # fmt: skip


def hook_log(scenario: Scenario, days: int, launch: int = 0) -> list[tuple[str, int]]:
    """What a recording mechanic sees when ``scenario``'s population is simulated for ``days``
    days: ("arrive" | "start" | "calendar" | "tick", day) in the order the engine calls it, with
    a calendar process firing every third day."""
    from loyalsim.engine.hooks import Mechanic
    from loyalsim.engine.population import Population
    from loyalsim.engine.rng import generator
    from loyalsim.engine.simulation import Simulation

    log: list[tuple[str, int]] = []

    class Recorder(Mechanic):
        kind = "recorder"

        def on_arrive(self, world: Any, idx: Any, day: int) -> None:
            log.append(("arrive", day))

        def on_start(self, world: Any) -> None:
            log.append(("start", int(world.env.now)))

        def processes(self, world: Any) -> list[Any]:
            def every_third_day() -> Any:
                while True:
                    yield world.env.timeout(3)
                    log.append(("calendar", int(world.env.now)))

            return [every_third_day()]

        def close_day(self, world: Any, day: int) -> None:
            log.append(("tick", day))

    population = Population.build(scenario.population, generator(0, 0, "population"))
    Simulation(
        population=population,
        mechanics=[Recorder("recorder", None)],
        behaviour=scenario.behaviour,
        economics=scenario.economics,
        seasonality_spec=scenario.population.seasonality,
        start=scenario.start_date,
        days=days,
        seed=0,
        replication=0,
        streams={},
        launch=launch,
    ).run()
    return log
