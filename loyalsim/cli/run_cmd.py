"""``loyalsim run``: simulate a scenario and write summary.json, weekly.csv and plots."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from loyalsim.cli.options import SetOption, overrides_from, progress_bar

if TYPE_CHECKING:
    from loyalsim.metrics.results import RunResult

HEADLINE = (
    ("retention_rate", "Retention", "pct"),
    ("control_retention_rate", "Retention, no program", "pct"),
    ("revenue", "Revenue", "money"),
    ("incremental_revenue", "Incremental revenue", "money"),
    ("incremental_profit", "Incremental profit", "money"),
    ("program_cost", "Program cost", "money"),
    ("cost_to_revenue", "Cost to revenue", "pct"),
    ("breakage_rate", "Breakage", "pct"),
    ("good_breakage_share", "Good breakage share", "pct"),
    ("liability", "Points liability", "money"),
)


def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the outputs.")] = Path(
        "runs/latest"
    ),
    seed: Annotated[
        int | None, typer.Option(help="Root seed (default: the scenario's).", min=0)
    ] = None,
    replications: Annotated[
        int | None, typer.Option(help="Replications (default: the scenario's).", min=1)
    ] = None,
    set_: SetOption = None,
) -> None:
    """Simulate a scenario against its no-program control and write the results."""
    from loyalsim.experiments.simulate import simulate
    from loyalsim.outputs.files import prepare_dir
    from loyalsim.report import write_report
    from loyalsim.report.run_figures import write_run_folder
    from loyalsim.scenario.loader import load_scenario

    scenario = load_scenario(file, overrides_from(set_))
    count = replications or scenario.replications
    with progress_bar() as bar:
        task = bar.add_task(f"simulating {scenario.name}", total=count)
        result = simulate(
            scenario,
            seed=seed,
            replications=count,
            progress=lambda done: bar.update(task, completed=done),
        )
    directory = prepare_dir(out)
    write_run_folder(result, directory)
    write_report(directory)
    print_headline(result)
    Console().print(
        f"wrote {directory}: summary.json, weekly.csv, scenario.yaml, plots and report.html"
    )


def print_headline(result: RunResult) -> None:
    """A rich table of the headline KPIs with 95% confidence intervals."""
    from loyalsim.metrics.stats import NO_INTERVAL

    summary, intervals = result.summary, result.confidence_intervals()
    currency = result.scenario.economics.currency
    n = len(result.replications)
    table = Table(
        title=f"{result.scenario.name} ({n} replication{'s' if n > 1 else ''})",
        caption=NO_INTERVAL if n < 2 else None,
    )
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    for key, label, unit in HEADLINE:
        lo, hi = intervals[key]
        table.add_row(label, _fmt(summary[key], unit, currency), _interval(lo, hi, unit, currency))
    Console().print(table)


def _fmt(value: float, unit: str, currency: str) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{100 * value:.2f}%" if unit == "pct" else f"{value:,.0f} {currency}"


def _interval(lo: float, hi: float, unit: str, currency: str) -> str:
    return f"{_fmt(lo, unit, currency)} .. {_fmt(hi, unit, currency)}"
