"""``loyalsim compare``: run designs on common random numbers and write paired differences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from loyalsim.cli.options import SetOption, overrides_from, progress_bar
from loyalsim.cli.run_cmd import HEADLINE
from loyalsim.errors import LoyalsimError
from loyalsim.outputs.files import prepare_dir, write_atomic, write_text

if TYPE_CHECKING:
    from loyalsim.experiments.compare import Comparison


def compare_cmd(
    base: Annotated[Path, typer.Argument(help="Base scenario YAML (the reference design).")],
    variants: Annotated[
        list[Path] | None, typer.Argument(help="Variant scenario YAML files.")
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            "--variant",
            help='Inline variant of the base: "name:path=value,path=value" (repeatable).',
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for the outputs.")] = Path(
        "runs/compare"
    ),
    replications: Annotated[
        int | None, typer.Option(help="Replications (default: the base scenario's).", min=1)
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Root seed (default: the base scenario's).", min=0)
    ] = None,
    jobs: Annotated[int, typer.Option(help="Parallel worker processes.", min=1)] = 1,
    set_: SetOption = None,
) -> None:
    """Compare designs against a base on the same replication seeds (paired differences)."""
    from loyalsim.experiments.compare import Arm, compare, file_arm_name, parse_variant
    from loyalsim.report import write_report
    from loyalsim.scenario.loader import load_scenario, with_overrides

    common = overrides_from(set_)
    base_scenario = load_scenario(base, common)
    taken: set[str] = set()
    base_arm = Arm(file_arm_name(base, taken), base_scenario, str(base))
    taken.add(base_arm.name)
    arms: list[Arm] = []
    for path in variants or []:
        arm = Arm(file_arm_name(path, taken), load_scenario(path, common), str(path))
        taken.add(arm.name)
        arms.append(arm)
    for text in variant or []:
        name, overrides = parse_variant(text)
        if name in taken:
            raise LoyalsimError(f"--variant '{text}': the name '{name}' is already used")
        arm = Arm(name, with_overrides(base_scenario, overrides, str(base)), None, overrides)
        taken.add(name)
        arms.append(arm)
    if not arms:
        raise LoyalsimError("give at least one variant (a YAML file or --variant name:path=value)")

    with progress_bar() as bar:
        task = bar.add_task(f"comparing {len(arms) + 1} designs", total=None)
        result = compare(
            base_arm,
            arms,
            replications=replications,
            seed=seed,
            jobs=jobs,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    directory = prepare_dir(out)
    write_comparison(result, directory, common)
    write_report(directory)
    print_comparison(result)
    Console().print(
        f"wrote {directory}: comparison.csv, comparison.json, plots, report.html"
        " and one folder per design"
    )


def write_comparison(
    result: Comparison, directory: Path, common: dict[str, Any] | None = None
) -> None:
    """comparison.csv/json, the two comparison figures and each arm's run outputs.

    ``common`` records the ``--set`` overrides applied to every arm."""
    from loyalsim.report import comparison_figures as comparison_plots
    from loyalsim.report.run_figures import write_run_folder

    directory = prepare_dir(directory)
    write_atomic(directory / "comparison.csv", lambda tmp: result.table.to_csv(tmp, index=False))
    data = {**result.to_dict(), "set": dict(common or {})}
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    write_text(directory / "comparison.json", text)
    for arm in result.arms:
        write_run_folder(result.runs[arm.name], prepare_dir(directory / arm.name))
    comparison_plots.kpi_distributions(result, directory / "kpi_distributions.png")
    comparison_plots.weekly_trends(result, directory / "weekly_trends.png")


def print_comparison(result: Comparison) -> None:
    """Headline KPIs: the base mean and each variant's paired difference with its 95% CI."""
    from loyalsim.metrics.stats import NO_INTERVAL

    currency = result.base.scenario.economics.currency
    table = Table(
        title=f"Paired differences vs {result.base.name} "
        f"({result.replications} replications, common random numbers)",
        caption=NO_INTERVAL if result.replications < 2 else None,
    )
    table.add_column("KPI")
    table.add_column(result.base.name, justify="right")
    for arm in result.variants:
        table.add_column(f"{arm.name} − base [95% CI]", justify="right")
    rows = result.table.set_index(["variant", "kpi"])
    for key, label, unit in HEADLINE:
        if (result.base.name, key) not in rows.index:
            continue
        cells = [_fmt(rows.loc[(result.base.name, key), "mean"], unit, currency)]
        for arm in result.variants:
            row = rows.loc[(arm.name, key)]
            diff = _fmt(row["diff"], unit, currency, signed=True)
            lo = _fmt(row["ci_low"], unit, currency, signed=True)
            hi = _fmt(row["ci_high"], unit, currency, signed=True)
            p = "" if row["p_value"] != row["p_value"] else f" p={row['p_value']:.3f}"
            cells.append(escape(f"{diff} [{lo} .. {hi}]{p}"))  # "[n/a ..]" is not markup
        table.add_row(label, *cells)
    Console().print(table)


def _fmt(value: float, unit: str, currency: str, signed: bool = False) -> str:
    if value != value:  # NaN
        return "n/a"
    sign = "+" if signed else ""
    if unit == "pct":
        return f"{100 * value:{sign}.2f}%"
    return f"{value:{sign},.0f} {currency}"
