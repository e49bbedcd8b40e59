"""``loyalsim run``: simulate a scenario and write summary.json, weekly.csv and plots."""

from __future__ import annotations

from enum import StrEnum
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
    from loyalsim.engine.recorder import TransactionRecorder
    from loyalsim.experiments.response.simulated import Recorded
    from loyalsim.metrics.results import RunResult
    from loyalsim.scenario.models import Scenario

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


class TransactionsFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


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
    transactions: Annotated[
        bool,
        typer.Option(
            "--transactions",
            help="Also write the simulated program history (transactions, members.csv, the "
            "control arm's log) of replication 1, in the input format of calibrate-response.",
        ),
    ] = False,
    transactions_format: Annotated[
        TransactionsFormat,
        typer.Option("--transactions-format", help="File format of the simulated logs."),
    ] = TransactionsFormat.parquet,
    pilot_share: Annotated[
        float | None,
        typer.Option(
            "--pilot-share",
            help="Also write a simulated customer-level pilot of replication 1: this share of "
            "customers treated (program arm), the others control.",
        ),
    ] = None,
) -> None:
    """Simulate a scenario against its no-program control and write the results.

    With priors and more than one world, every world runs the same replications and the
    outputs separate the spread over worlds from the Monte Carlo noise (docs/uncertainty.md).
    With --transactions (or --pilot-share) the run folder also holds replication 1's
    simulated logs (docs/calibration.md, "Program histories and pilots")."""
    from loyalsim.cli.tables import print_decision
    from loyalsim.engine.recorder import TransactionRecorder
    from loyalsim.experiments import budget
    from loyalsim.experiments.scenarios import load_scenario, marked
    from loyalsim.experiments.simulate import simulate
    from loyalsim.experiments.uncertainty.worlds import simulate_worlds, world_count
    from loyalsim.outputs import provenance
    from loyalsim.outputs.folder import claim, staged
    from loyalsim.outputs.history_files import write_simulated
    from loyalsim.report import executive, write_report
    from loyalsim.report.folders import save_run
    from loyalsim.report.inputs import read_run

    if pilot_share is not None and not 0.0 < pilot_share < 1.0:
        raise typer.BadParameter(
            f"{pilot_share} is not allowed; allowed: a share strictly between 0 and 1",
            param_hint="'--pilot-share'",
        )
    overrides = overrides_from(set_)
    loaded = load_scenario(file, overrides)
    place = claim(out, "run", loaded.name, force, inputs=(file,))
    scenario = marked(loaded, overrides)
    count = replications or scenario.replications
    n_worlds = world_count(scenario, worlds)
    logs = transactions or pilot_share is not None
    plan = budget.estimate(scenario, count * n_worlds)
    if logs:
        plan = budget.with_recording(plan, scenario)
    budget.require_fits(plan)
    announce_if_long(plan)
    recorder = TransactionRecorder(replication=0)
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
                observers=[recorder] if logs else (),
            )
    recorded = _recorded(scenario, seed, recorder, n_worlds) if logs else None
    record = provenance.record(
        overrides=overrides,
        seed=scenario.seed if seed is None else seed,
        replications=count,
        scenario_file=file,
    )
    with staged(place, record) as staging:
        save_run(result, staging)
        if recorded is not None:
            logs_written = write_simulated(
                recorded, staging, transactions_format.value, pilot_share
            )
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
    if recorded is not None:
        which = (
            "of the scenario's own values, not of a world"
            if n_worlds > 1
            else f"of {count}; the others are not written"
        )
        Console().print(f"simulated logs of replication 1 ({which}): " + ", ".join(logs_written))


def _recorded(
    scenario: Scenario, seed: int | None, recorder: TransactionRecorder, n_worlds: int
) -> Recorded:
    """Replication 1's recorded arms: from the run itself, or (with several worlds, whose
    parameters differ) from one more replication of the scenario as written."""
    from loyalsim.experiments.response.simulated import Recorded, simulate_history

    if n_worlds > 1:
        return simulate_history(scenario, seed)
    run_seed = scenario.seed if seed is None else seed
    return Recorded(recorder.records["program"], recorder.records["control"], run_seed, 0)


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
