"""``loyalsim run``: simulate a scenario and write summary.json, weekly.csv and plots."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from loyalsim import plots
from loyalsim.cli.app import app
from loyalsim.cli.options import SetOption, overrides_from, progress_bar
from loyalsim.output import prepare_dir, write_atomic, write_text
from loyalsim.report import write_report
from loyalsim.results import RunResult
from loyalsim.scenario.loader import load_scenario
from loyalsim.scenario.models import Scenario
from loyalsim.simulate import simulate

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


@app.command()
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
    write_outputs(result, directory)
    write_report(directory)
    print_headline(result)
    Console().print(
        f"wrote {directory}: summary.json, weekly.csv, scenario.yaml, plots and report.html"
    )


def write_outputs(result: RunResult, directory: Path) -> None:
    """summary.json, weekly.csv (every replication), the resolved scenario and two PNG plots."""
    write_text(directory / "summary.json", result.to_json())
    write_text(directory / "scenario.yaml", scenario_yaml(result.scenario))
    write_atomic(directory / "weekly.csv", lambda tmp: result.weekly.to_csv(tmp, index=False))
    currency = result.scenario.economics.currency
    mean = result.weekly_mean
    plots.kpi_trends(mean, currency, result.scenario.name, directory / "kpi_trends.png")
    plots.points_flows(mean, currency, result.scenario.name, directory / "points_flows.png")


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as run (overrides applied, defaults filled in), as YAML."""
    data = scenario.model_dump(mode="json", by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def print_headline(result: RunResult) -> None:
    """A rich table of the headline KPIs with 95% confidence intervals."""
    summary, intervals = result.summary, result.confidence_intervals()
    currency = result.scenario.economics.currency
    n = len(result.replications)
    table = Table(title=f"{result.scenario.name} ({n} replication{'s' if n > 1 else ''})")
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
