"""``loyalsim run``: simulate a scenario and write summary.json, weekly.csv and plots."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from loyalsim.cli.options import (
    ForceOption,
    JobsOption,
    SchedulerOption,
    SetOption,
    WorldsOption,
    announce_if_long,
    overrides_from,
    progress_bar,
)
from loyalsim.spec import MAX_REPLICATIONS, SEED_MAX

if TYPE_CHECKING:
    from loyalsim.metrics.results import RunResult

HEADLINE = (
    "retention_rate",
    "control_retention_rate",
    "revenue",
    "incremental_revenue",
    "incremental_profit",
    "program_cost",
    "cost_to_revenue",
    "breakage_rate",
    "good_breakage_share",
    "liability",
)
"""KPIs of the console tables of ``run`` and ``compare``, in order."""


def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the outputs.")] = Path(
        "runs/latest"
    ),
    seed: Annotated[
        int | None, typer.Option(help="Root seed (default: the scenario's).", min=0, max=SEED_MAX)
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(help="Replications (default: the scenario's).", min=1, max=MAX_REPLICATIONS),
    ] = None,
    set_: SetOption = None,
    worlds: WorldsOption = None,
    jobs: JobsOption = 1,
    scheduler: SchedulerOption = None,
    force: ForceOption = False,
) -> None:
    """Simulate a scenario against its no-program control and write the results.

    With priors and more than one world, every world runs the same replications and the
    outputs separate the spread over worlds from the Monte Carlo noise (docs/uncertainty.md)."""
    from loyalsim.cli.tables import print_decision
    from loyalsim.experiments import budget
    from loyalsim.experiments.scenarios import load_scenario, marked
    from loyalsim.experiments.simulate import simulate
    from loyalsim.experiments.uncertainty.worlds import simulate_worlds, world_count
    from loyalsim.outputs import provenance
    from loyalsim.outputs.folder import claim, staged
    from loyalsim.report import executive, write_report
    from loyalsim.report.folders import save_run
    from loyalsim.report.inputs import read_run

    overrides = overrides_from(set_)
    loaded = load_scenario(file, overrides)
    place = claim(out, "run", loaded.name, force, inputs=(file,))
    scenario = marked(loaded, overrides)
    count = replications or scenario.replications
    n_worlds = world_count(scenario, worlds)
    plan = budget.estimate(scenario, count * n_worlds)
    budget.require_fits(plan)
    announce_if_long(plan)
    with progress_bar() as bar:
        task = bar.add_task(f"simulating {scenario.name}", total=count * n_worlds)
        if n_worlds > 1:
            result: RunResult = simulate_worlds(
                scenario,
                n_worlds,
                seed=seed,
                replications=count,
                jobs=jobs,
                scheduler=scheduler,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
        else:
            result = simulate(
                scenario,
                seed=seed,
                replications=count,
                progress=lambda done: bar.update(task, completed=done),
            )
    record = provenance.record(
        overrides=overrides,
        seed=scenario.seed if seed is None else seed,
        replications=count,
        scenario_file=file,
    )
    with staged(place, record) as staging:
        save_run(result, staging)
        write_report(staging)
    directory = place.target
    print_headline(result)
    print_worlds(result)
    run_files = read_run(directory)
    print_decision(Console(), executive.run_summary(run_files, scenario.economics.currency))
    Console().print(
        f"wrote {out}: summary.json, weekly.csv, yearly.csv, scenario.yaml, plots, "
        "provenance.json and "
        "report.html"
    )


def print_headline(result: RunResult) -> None:
    """The headline KPIs with 95% confidence intervals, cut to the console's width."""
    from loyalsim.cli.tables import fitted_table
    from loyalsim.report.formatting import fmt, fmt_interval, label

    summary, intervals = result.summary, result.confidence_intervals()
    currency = result.scenario.economics.currency
    from loyalsim.metrics.worlds import WorldsRunResult

    n = len(result.replications)
    runs = f"{n} replication{'s' if n > 1 else ''}"
    interval = "95% CI"
    if isinstance(result, WorldsRunResult):
        runs = f"{len(result.worlds)} worlds x {len(result.worlds[0].replications)} replications"
        interval = "Monte Carlo 95% CI"
    rows = []
    for key in HEADLINE:
        lo, hi = intervals[key]
        rows.append([label(key), fmt(summary[key], key), fmt_interval(lo, hi, key)])
    title = f"{result.scenario.name} ({runs}; amounts in {currency})"
    console = Console()
    console.print(fitted_table(console, title, ["KPI", "mean", interval], rows))


def print_worlds(result: RunResult) -> None:
    """Over worlds: the chance the program pays and the world interval of its profit."""
    from loyalsim.metrics.worlds import WorldsRunResult
    from loyalsim.report.formatting import fmt, fmt_interval

    if not isinstance(result, WorldsRunResult):
        return
    lo, hi = result.world_intervals()["incremental_profit"]
    Console().print(
        f"Over {len(result.worlds)} parameter worlds: P(incremental profit > 0) = "
        f"{result.prob_incremental_profit_positive:.0%}; incremental profit ranges "
        f"{fmt_interval(lo, hi, 'incremental_profit')} across worlds (95%), "
        f"mean {fmt(result.summary['incremental_profit'], 'incremental_profit')}."
    )
