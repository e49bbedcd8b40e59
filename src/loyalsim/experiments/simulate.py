"""Run a scenario: replications, each a program arm and a no-program control arm.

Both arms of a replication share the population and the counter-based random streams, so
the difference between them is the program's effect and nothing else (common random
numbers). The control arm does not depend on the program design, so it is cached.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from loyalsim import mechanics as mechanic_registry
from loyalsim.engine.hooks import Mechanic
from loyalsim.engine.observers import Observer
from loyalsim.engine.population import Population
from loyalsim.engine.rng import CustomerStream, generator
from loyalsim.engine.simulation import ArmResult, Simulation
from loyalsim.errors import SimulationError
from loyalsim.metrics.results import ReplicationResult, RunResult
from loyalsim.metrics.segments import customer_groups, segment_kpis
from loyalsim.metrics.summary import ControlArm, structured, summarise, weekly
from loyalsim.scenario.models import Scenario

_CONTROL_CACHE: OrderedDict[str, ControlArm] = OrderedDict()
_CONTROL_CACHE_SIZE = 16


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    progress: Callable[[int], None] | None = None,
    observers: Sequence[Observer] = (),
) -> RunResult:
    """Simulate ``replications`` of ``scenario`` (defaults from the scenario) with the control arm.

    ``progress`` is called with the number of finished replications after each one.
    ``observers`` watch every arm day by day, read-only (:mod:`loyalsim.engine.observers`);
    with observers the control arm is simulated afresh rather than taken from the cache.
    """
    seed = scenario.seed if seed is None else seed
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise SimulationError(f"replications must be at least 1, got {count}")
    if seed < 0:
        raise SimulationError(f"seed must be a non-negative integer, got {seed}")
    results = []
    for r in range(count):
        results.append(run_replication(scenario, seed, r, observers))
        if progress is not None:
            progress(r + 1)
    return RunResult(scenario=scenario, seed=seed, replications=results)


def build_population(scenario: Scenario, seed: int, replication: int) -> Population:
    """The customers of one replication, with reserve rows for mechanics that add customers."""
    return Population.build(
        scenario.population,
        generator(seed, replication, "population"),
        reserve=mechanic_registry.reserve_rows(scenario.program, scenario.population.size),
        reserve_rng=generator(seed, replication, "population:reserve"),
    )


def run_replication(
    scenario: Scenario, seed: int, replication: int, observers: Sequence[Observer] = ()
) -> ReplicationResult:
    """One replication: build its population, run the program arm and the control arm."""
    population = build_population(scenario, seed, replication)
    streams: dict[str, CustomerStream] = {}
    arm = run_arm(scenario, population, seed, replication, streams, True, observers)
    if observers:
        control = ControlArm.of(
            run_arm(scenario, population, seed, replication, streams, False, observers)
        )
    else:
        control = _control_arm(scenario, population, seed, replication, streams)
    arm.world.ledger.check_identity()
    margin = scenario.economics.gross_margin
    return ReplicationResult(
        replication=replication,
        kpis=summarise(scenario, arm, control),
        structured=structured(scenario, arm),
        segments=segment_kpis(arm, control, margin),
        customer_groups=customer_groups(arm, control, margin),
        weekly=weekly(scenario, arm, control),
        arm=arm,
        reward_cost_by_type=dict(sorted(arm.world.ledger.cost_by_type.items())),
        points_issued_by_source={
            k: float(v) for k, v in sorted(arm.world.ledger.issued_by_source.items())
        },
    )


def run_arm(
    scenario: Scenario,
    population: Population,
    seed: int,
    replication: int,
    streams: dict[str, CustomerStream],
    with_program: bool,
    observers: Sequence[Observer] = (),
) -> ArmResult:
    """Run one arm; the control arm is the same world with an empty program."""
    mechanics = mechanic_registry.build_program(scenario.program) if with_program else []
    arm = "program" if with_program else "control"
    sim = build_simulation(
        scenario, population, mechanics, seed, replication, streams, observers=observers, arm=arm
    )
    return sim.run()


def build_simulation(
    scenario: Scenario,
    population: Population,
    mechanics: Sequence[Mechanic[Any]],
    seed: int,
    replication: int,
    streams: dict[str, CustomerStream],
    **extra: Any,
) -> Simulation:
    """The engine for one arm (``extra``: ``observers``, ``arm``)."""
    return Simulation(
        population=population,
        mechanics=mechanics,
        behaviour=scenario.behaviour,
        economics=scenario.economics,
        seasonality_spec=scenario.population.seasonality,
        start=scenario.start_date,
        days=scenario.horizon.total_days,
        seed=seed,
        replication=replication,
        streams=streams,
        **extra,
    )


def _control_key(scenario: Scenario, seed: int, replication: int, rows: int) -> str:
    """Everything the control arm depends on; ``rows`` counts reserve rows too (the cached
    arm keeps per-customer totals, so it must have the same rows as the program arm)."""
    parts = {
        "rows": rows,
        "population": scenario.population.model_dump(mode="json"),
        "start": scenario.start_date.isoformat(),
        "days": scenario.horizon.total_days,
        "seed": seed,
        "replication": replication,
    }
    return json.dumps(parts, sort_keys=True)


def _control_arm(
    scenario: Scenario,
    population: Population,
    seed: int,
    replication: int,
    streams: dict[str, CustomerStream],
) -> ControlArm:
    key = _control_key(scenario, seed, replication, population.size)
    cached = _CONTROL_CACHE.get(key)
    if cached is not None:
        _CONTROL_CACHE.move_to_end(key)
        return cached
    control = ControlArm.of(
        run_arm(scenario, population, seed, replication, streams, with_program=False)
    )
    _CONTROL_CACHE[key] = control
    while len(_CONTROL_CACHE) > _CONTROL_CACHE_SIZE:
        _CONTROL_CACHE.popitem(last=False)
    return control


def clear_control_cache() -> None:
    """Forget cached control arms (tests use it to prove caching changes nothing)."""
    _CONTROL_CACHE.clear()
